"""The BTF format reader: every kind decodes as written, in either byte order, raw or in an ELF."""

from __future__ import annotations

import lzma
import mmap
from pathlib import Path

import pytest

from ontology.btf import (
    ARRAY,
    CONST,
    DATASEC,
    DECL_TAG,
    ENUM,
    ENUM64,
    FLOAT,
    FUNC,
    FUNC_PROTO,
    FWD,
    INT,
    MAP_FROM,
    PTR,
    RESTRICT,
    STRUCT,
    TYPE_TAG,
    TYPEDEF,
    UNION,
    VAR,
    VOLATILE,
    Btf,
    BtfType,
    Member,
    read_btf,
)
from ontology.cview import enum_values, function_names, struct_fields
from tests.ontology.kernels import KERNELS
from tests.support.btf_sample import IDS, SAMPLE, SAMPLE_BE
from tests.support.btf_writer import FUNC_STATIC, INT_BOOL, INT_CHAR, INT_SIGNED, BtfWriter, elf_wrap, info_word


def test_writer_layout() -> None:
    """The writer's own bytes: header fields, void-less first record, "" at string offset 0."""
    w = BtfWriter()
    assert w.int_("int", 4, INT_SIGNED) == 1
    assert w.ptr(1) == 2
    assert w.strings.add("int") == 1  # deduplicated
    blob = w.to_bytes()
    assert blob[:4] == b"\x9f\xeb\x01\x00"
    assert blob[4:24] == bytes.fromhex("18000000000000001c0000001c00000005000000")
    assert blob[24:40] == bytes.fromhex("01000000000000010400000020000001")
    assert blob[40:52] == bytes.fromhex("000000000000000201000000")
    assert blob[52:] == b"\0int\0"
    assert w.to_bytes(">")[:8] == b"\xeb\x9f\x01\x00\x00\x00\x00\x18"
    assert info_word(STRUCT, 3, True) == 0x84000003


def test_every_kind_decodes(sample: Btf) -> None:
    t = IDS
    assert sample.count == SAMPLE.next_id
    assert sample.type(0) == BtfType(0, 0, "void")
    assert sample.type(t["int"]) == BtfType(t["int"], INT, "int", size=4, encoding=INT_SIGNED)
    assert sample.type(t["uchar"]).encoding == INT_CHAR
    assert sample.type(t["bool"]).encoding == INT_BOOL
    assert sample.type(t["double"]) == BtfType(t["double"], FLOAT, "double", size=8)
    assert sample.type(t["page_ptr"]) == BtfType(t["page_ptr"], PTR, "", ref=t["page"])
    assert sample.type(t["name_array"]) == BtfType(t["name_array"], ARRAY, "", ref=t["uchar"], nelems=4)
    assert sample.type(t["list_head"]) == BtfType(
        t["list_head"],
        STRUCT,
        "list_head",
        size=16,
        vlen=2,
        members=(Member("next", t["list_head_ptr"], 0), Member("prev", t["list_head_ptr"], 64)),
    )
    assert sample.type(t["page_bits"]) == BtfType(
        t["page_bits"],
        STRUCT,
        "",
        size=8,
        vlen=3,
        kind_flag=True,
        members=(
            Member("order", t["uint"], 0, 3),
            Member("dirty", t["uint"], 3, 1),
            Member("mapcount", t["cv_int"], 32, 0),
        ),
    )
    named_union = sample.type(t["named_union"])
    assert (named_union.kind, named_union.kind_name, named_union.name, named_union.size) == (UNION, "UNION", "u", 8)
    assert [m.name for m in named_union.members] == ["i", "l"]
    fwd_struct, fwd_union = sample.type(t["address_space"]), sample.type(t["later_u"])
    assert (fwd_struct.kind, fwd_struct.name, fwd_struct.kind_flag) == (FWD, "address_space", False)
    assert (fwd_union.kind, fwd_union.name, fwd_union.kind_flag) == (FWD, "later_u", True)
    assert sample.type(t["atomic_t"]) == BtfType(t["atomic_t"], TYPEDEF, "atomic_t", ref=t["atomic_anon"])
    const = sample.type(t["cv_int"])
    assert (const.kind, const.kind_name) == (CONST, "CONST")
    assert sample.type(const.ref) == BtfType(const.ref, VOLATILE, "", ref=t["int"])
    restrict = sample.type(t["restrict_int_ptr"])
    assert restrict.kind == RESTRICT and sample.kind(restrict.ref) == PTR
    assert sample.type(t["rcu"]) == BtfType(t["rcu"], TYPE_TAG, "rcu", ref=t["page"])
    assert sample.type(t["folio_alloc"]) == BtfType(t["folio_alloc"], FUNC, "folio_alloc", ref=t["alloc_proto"], vlen=1)
    assert sample.type(t["helper"]).vlen == FUNC_STATIC
    assert sample.type(t["alloc_proto"]) == BtfType(
        t["alloc_proto"],
        FUNC_PROTO,
        "",
        ref=t["folio_ptr"],
        vlen=2,
        members=(Member("gfp", t["gfp_t"]), Member("order", t["uint"])),
    )
    assert sample.type(t["printk_proto"]).members[-1] == Member("", 0)  # varargs
    assert sample.type(t["jiffies"]) == BtfType(t["jiffies"], VAR, "jiffies", ref=t["ulong"])
    assert sample.type(t["data"]) == BtfType(
        t["data"], DATASEC, ".data", size=16, vlen=1, members=(Member("jiffies", t["jiffies"], 64, 64),)
    )
    assert sample.type(t["user_tag"]) == BtfType(t["user_tag"], DECL_TAG, "user", ref=t["page"])
    assert sample.type(t["arg_tag"]).ref == t["folio_alloc"]
    assert sample.type(t["pagetype"]).values == (("PGTY_buddy", 0xF0), ("PGTY_slab", 0xF5), ("PGTY_max", 0xFFFFFFFF))
    assert sample.type(t["sign"]) == BtfType(
        t["sign"], ENUM, "sign", size=1, vlen=2, kind_flag=True, values=(("NEG", -1), ("POS", 7))
    )
    assert sample.type(t["big64"]).values == (("ONE", 1), ("HUGE", 1 << 63))
    assert sample.type(t["neg64"]) == BtfType(
        t["neg64"], ENUM64, "neg64", size=8, vlen=2, kind_flag=True, values=(("MIN", -(1 << 63)), ("M2", -2))
    )
    kinds = {sample.kind(type_id) for type_id in sample.ids()}
    assert kinds == set(range(1, 20)), "the sample has every kind"
    assert len(sample.decode_all()) == sample.count
    assert list(sample.ids(FUNC)) == [t["folio_alloc"], t["helper"], t["printk"]]
    assert function_names(sample) == ["folio_alloc", "helper", "printk"]
    assert sample.name(0) == "void" and sample.name(t["page"]) == "page"


def test_big_endian_blob_decodes_the_same(sample: Btf) -> None:
    big = Btf(SAMPLE_BE, "big.btf")
    assert (sample.order, big.order) == ("<", ">")
    assert big.decode_all() == sample.decode_all()
    assert struct_fields(big, "page") == struct_fields(sample, "page")
    assert enum_values(big, "neg64") == enum_values(sample, "neg64")


@pytest.mark.parametrize("order", ["<", ">"])
def test_elf_wrapped_and_from_file(sample: Btf, order: str, tmp_path: Path) -> None:
    elf = elf_wrap(SAMPLE.to_bytes(order), order)
    assert Btf(elf, "vmlinux").decode_all() == sample.decode_all()
    path = tmp_path / "vmlinux"
    path.write_bytes(elf)
    from_elf = Btf.from_file(path)
    assert from_elf.path == str(path)
    assert struct_fields(from_elf, "page") == struct_fields(sample, "page")
    raw = tmp_path / "vmlinux.btf"
    raw.write_bytes(SAMPLE.to_bytes(order))
    assert Btf.from_file(str(raw)).decode_all() == sample.decode_all()


def test_header_extras_are_tolerated(sample: Btf) -> None:
    """A longer header, and sections in the other order, per btf_header's offsets."""
    w = BtfWriter()
    w.int_("int", 4, INT_SIGNED)
    w.typedef("s32", 1)
    types, strings = w.type_section(), w.strings.to_bytes()
    longer = w.to_bytes(hdr_len=32)
    assert Btf(longer).type(2).name == "s32"
    swapped = w.to_bytes(type_off=len(strings), type_len=len(types), str_off=0, str_len=len(strings))
    swapped = swapped[:24] + strings + types
    assert Btf(swapped).decode_all() == Btf(w.to_bytes()).decode_all()


@pytest.mark.parametrize("count", [1, 2, 8191, 8192, 8193, 16385])
def test_records_gathered_in_chunks_index_alike(count: int) -> None:
    """The index gathers record headers a chunk at a time (`_GATHER_CHUNK`): a type section
    ending one record past a chunk, exactly on one, or holding a single record reads the same."""
    w = BtfWriter()
    ids = [w.struct(f"s{i}", i + 1) for i in range(count)]
    btf = Btf(w.to_bytes(), "chunks.btf")
    assert btf.count == count + 1
    assert [btf.name(i) for i in (ids[0], ids[-1])] == ["s0", f"s{count - 1}"]
    assert [btf.size(i) for i in ids] == list(range(1, count + 1))
    assert list(btf.ids(STRUCT)) == ids and btf.find(STRUCT, f"s{count - 1}") == ids[-1]


def test_a_large_raw_btf_file_is_mapped_and_reads_as_its_bytes(tmp_path: Path) -> None:
    """A raw BTF of at least MAP_FROM bytes is mapped, not read: the mapping must parse to
    exactly what the same bytes parse to; a smaller one is read as before."""
    data = lzma.decompress(KERNELS[-1].read_bytes())
    path = tmp_path / "vmlinux.btf"
    path.write_bytes(data)
    blob = read_btf(path)
    assert isinstance(blob, mmap.mmap) and len(data) >= MAP_FROM
    mapped, read = Btf.from_file(path), Btf(data, "bytes")
    assert mapped.count == read.count
    for type_id in (1, mapped.count // 2, mapped.count - 1):
        assert mapped.type(type_id) == read.type(type_id)
    for name in ("folio_put", "alloc_pages_noprof", "nope"):
        assert mapped.find(FUNC, name) == read.find(FUNC, name)
    small = tmp_path / "small.btf"
    small.write_bytes(SAMPLE.to_bytes())
    assert isinstance(read_btf(small), bytes)
