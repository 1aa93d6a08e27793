"""The pure-Python BTF reader: every kind round-trips, bad input is one clean error, fuzzing
finds nothing but `BtfError`, and the running kernel's BTF reads as bpftool reads it."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    PTR,
    RESTRICT,
    STRUCT,
    TYPE_TAG,
    TYPEDEF,
    UNION,
    VAR,
    VOLATILE,
    Btf,
    BtfError,
    BtfType,
    Member,
)
from ontology.cview import (
    Field,
    TypeShape,
    c_type,
    enum_values,
    function_names,
    prototype,
    shape,
    size_of,
    struct_fields,
)
from ontology.errors import InputError

from . import bpftool_btf
from .btf_writer import (
    FUNC_STATIC,
    INT_BOOL,
    INT_CHAR,
    INT_SIGNED,
    KIND_STRUCT,
    BtfWriter,
    elf_wrap,
    info_word,
)

# -- helpers ----------------------------------------------------------------------------------


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail with TimeoutError (not a BtfError) if the block runs longer than `seconds`."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"took longer than {seconds}s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_message(error: BtfError, path: str) -> str:
    text = str(error)
    assert "\n" not in text, text
    assert text.startswith(f"{path}: "), text
    assert len(text) > len(path) + 2, text
    return text


def expect_error(action: Callable[[], object], path: str, *fragments: str, seconds: float = 1.0) -> str:
    """`action` raises a BtfError within `seconds`: one line naming `path` and each fragment."""
    start = time.monotonic()
    with time_limit(seconds), pytest.raises(BtfError) as caught:
        action()
    assert time.monotonic() - start < seconds
    assert isinstance(caught.value, InputError)
    text = check_message(caught.value, path)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    return text


def blob_error(data: bytes, *fragments: str) -> str:
    return expect_error(lambda: Btf(data, "bad.btf"), "bad.btf", *fragments)


BPFTOOL = shutil.which("bpftool") or "/usr/sbin/bpftool"
needs_vmlinux = pytest.mark.skipif(not bpftool_btf.VMLINUX.exists(), reason="no /sys/kernel/btf/vmlinux")
needs_bpftool = pytest.mark.skipif(not Path(BPFTOOL).exists(), reason="needs bpftool")
KERNEL_STRUCTS = ("page", "folio", "slab", "ptdesc", "zpdesc", "netmem_desc", "net_iov")


def bpftool_dump(path: Path) -> dict[int, dict[str, Any]]:
    dump = subprocess.run([BPFTOOL, "btf", "dump", "file", str(path), "-j"], capture_output=True, check=True)
    return {record["id"]: record for record in json.loads(dump.stdout)["types"]}


INT_ENCODINGS = {0: "(none)", INT_SIGNED: "SIGNED", INT_CHAR: "CHAR", INT_BOOL: "BOOL"}
LINKAGES = {0: "static", 1: "global", 2: "extern"}


def assert_same_record(btf: Btf, record: dict[str, Any]) -> None:
    """One of bpftool's JSON records agrees with our decode of the same id."""
    ours = btf.type(record["id"])
    kind = record["kind"]
    assert (ours.kind_name, ours.name or "(anon)") == (kind, record["name"]), record
    if "size" in record:
        assert ours.size == record["size"], record
    if kind == "INT":
        assert INT_ENCODINGS.get(ours.encoding, "UNKN") == record["encoding"], record
    elif kind == "ARRAY":
        assert (ours.ref, ours.nelems) == (record["type_id"], record["nr_elems"]), record
    elif kind in ("STRUCT", "UNION"):
        theirs = [(m["name"], m["type_id"], m["bits_offset"], m.get("bitfield_size", 0)) for m in record["members"]]
        assert [(m.name or "(anon)", m.type_id, m.bit_offset, m.bit_size) for m in ours.members] == theirs, record
    elif kind in ("ENUM", "ENUM64"):
        assert ours.kind_flag == (record["encoding"] == "SIGNED"), record
        # bpftool prints an unsigned ENUM's u32 value sign-extended to 64 bits (0xffffffff as
        # 2**64 - 1); the kernel's reading is the u32.
        mask = 0xFFFFFFFF if kind == "ENUM" and not ours.kind_flag else -1
        assert list(ours.values) == [(v["name"], v["val"] & mask) for v in record["values"]], record
    elif kind == "FWD":
        assert ours.kind_flag == (record["fwd_kind"] == "union"), record
    elif kind == "FUNC":
        assert (ours.ref, LINKAGES.get(ours.vlen)) == (record["type_id"], record["linkage"]), record
    elif kind == "FUNC_PROTO":
        assert ours.ref == record["ret_type_id"], record
        assert [(p.name or "(anon)", p.type_id) for p in ours.members] == [
            (p["name"], p["type_id"]) for p in record["params"]
        ], record
    elif kind == "DATASEC":
        assert [(m.type_id, m.bit_offset // 8, m.bit_size // 8) for m in ours.members] == [
            (v["type_id"], v["offset"], v["size"]) for v in record["vars"]
        ], record
    elif "type_id" in record:
        assert ours.ref == record["type_id"], record


# -- the sample: every kind ---------------------------------------------------------------------


def build_sample() -> tuple[BtfWriter, dict[str, int]]:
    """A small BTF with every kind, shaped like the kernel's own (struct page, folio...)."""
    w = BtfWriter()
    t: dict[str, int] = {}
    t["uchar"] = w.int_("unsigned char", 1, INT_CHAR)
    t["int"] = w.int_("int", 4, INT_SIGNED)
    t["uint"] = w.int_("unsigned int", 4)
    t["ulong"] = w.int_("long unsigned int", 8)
    t["bool"] = w.int_("_Bool", 1, INT_BOOL)
    t["double"] = w.float_("double", 8)
    t["list_head"] = w.next_id
    w.struct("list_head", 16, [("next", t["list_head"] + 1, 0), ("prev", t["list_head"] + 1, 64)])
    t["list_head_ptr"] = w.ptr(t["list_head"])
    t["address_space"] = w.fwd("address_space")
    t["later_u"] = w.fwd("later_u", union=True)
    t["cv_int"] = w.const(w.volatile(t["int"]))
    t["atomic_anon"] = w.struct("", 4, [("counter", t["int"], 0)])
    t["atomic_t"] = w.typedef("atomic_t", t["atomic_anon"])
    t["name_array"] = w.array(t["uchar"], 4, t["uint"])
    # struct page (48 bytes):
    #   0 flags; 8 union { struct { lru }; struct { mapping; union { index; share } } };
    #   24 struct { order:3, dirty:1; const volatile int mapcount (at 28) };
    #   32 struct page **pp; 40 name[4]; 44 atomic_t refcount
    t["page"] = w.next_id
    t["page_ptr"] = t["page"] + 1
    t["page_ptr_ptr"] = t["page"] + 2
    w.struct(
        "page",
        48,
        [
            ("flags", t["ulong"], 0),
            ("", t["page"] + 3, 64),
            ("", t["page"] + 7, 192),
            ("pp", t["page_ptr_ptr"], 256),
            ("name", t["name_array"], 320),
            ("refcount", t["atomic_t"], 352),
        ],
    )
    assert w.ptr(t["page"]) == t["page_ptr"]
    assert w.ptr(t["page_ptr"]) == t["page_ptr_ptr"]
    t["page_union"] = w.union("", 16, [("", t["page"] + 4, 0), ("", t["page"] + 5, 0)])
    w.struct("", 16, [("lru", t["list_head"], 0)])
    w.struct("", 16, [("mapping", t["page"] + 6, 0), ("", t["page"] + 8, 64)])
    w.ptr(t["address_space"])
    t["page_bits"] = w.struct(
        "", 8, [("order", t["uint"], 0, 3), ("dirty", t["uint"], 3, 1), ("mapcount", t["cv_int"], 32)]
    )
    assert t["page_bits"] == t["page"] + 7
    t["index_union"] = w.union("", 8, [("index", t["ulong"], 0), ("share", t["uint"], 0)])
    t["folio"] = w.struct("folio", 64, [("page", t["page"], 0), ("_flags_1", t["ulong"], 384)])
    t["folio_ptr"] = w.ptr(t["folio"])
    t["gfp_t"] = w.typedef("gfp_t", t["uint"])
    t["pgtable_t"] = w.typedef("pgtable_t", t["page_ptr"])
    t["pgtable_ptr"] = w.ptr(t["pgtable_t"])
    t["netmem_ref"] = w.typedef("netmem_ref", t["ulong"])
    t["const_page_ptr"] = w.ptr(w.const(t["page"]))
    t["rcu"] = w.type_tag("rcu", t["page"])
    t["rcu_page_ptr"] = w.ptr(t["rcu"])
    t["restrict_int_ptr"] = w.restrict(w.ptr(t["int"]))
    t["matrix"] = w.array(w.array(t["int"], 3, t["uint"]), 2, t["uint"])
    t["bitmap_t"] = w.typedef("bitmap_t", w.array(t["ulong"], 4, t["uint"]))
    t["void_ptr"] = w.ptr(0)
    t["void_ptr3"] = w.ptr(w.ptr(t["void_ptr"]))
    t["named_union"] = w.union("u", 8, [("i", t["int"], 0), ("l", t["ulong"], 0)])
    t["pagetype"] = w.enum("pagetype", [("PGTY_buddy", 0xF0), ("PGTY_slab", 0xF5), ("PGTY_max", 0xFFFFFFFF)])
    t["sign"] = w.enum("sign", [("NEG", -1), ("POS", 7)], size=1)
    t["big64"] = w.enum64("big64", [("ONE", 1), ("HUGE", 1 << 63)])
    t["neg64"] = w.enum64("neg64", [("MIN", -(1 << 63)), ("M2", -2)])
    t["alloc_proto"] = w.func_proto(t["folio_ptr"], [("gfp", t["gfp_t"]), ("order", t["uint"])])
    t["folio_alloc"] = w.func("folio_alloc", t["alloc_proto"])
    t["void_proto"] = w.func_proto(0)
    t["helper"] = w.func("helper", t["void_proto"], FUNC_STATIC)
    t["char_ptr"] = w.ptr(w.const(t["uchar"]))
    t["printk_proto"] = w.func_proto(t["int"], [("fmt", t["char_ptr"]), ("", 0)])
    t["printk"] = w.func("printk", t["printk_proto"])
    t["fn_ptr"] = w.ptr(t["void_proto"])
    t["jiffies"] = w.var("jiffies", t["ulong"])
    t["data"] = w.datasec(".data", 16, [(t["jiffies"], 8, 8)])
    t["user_tag"] = w.decl_tag("user", t["page"])
    t["arg_tag"] = w.decl_tag("arg", t["folio_alloc"], 0)
    return w, t


SAMPLE, IDS = build_sample()
SAMPLE_LE = SAMPLE.to_bytes("<")
SAMPLE_BE = SAMPLE.to_bytes(">")


@pytest.fixture(scope="module")
def sample() -> Btf:
    return Btf(SAMPLE_LE, "sample.btf")


# -- round trips --------------------------------------------------------------------------------


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


def test_struct_fields_flatten_anonymous_members(sample: Btf) -> None:
    t = IDS
    assert struct_fields(sample, "page") == [
        Field("flags", 0, 8, t["ulong"], "unsigned long"),
        Field("lru", 8, 16, t["list_head"], "struct list_head"),
        Field("mapping", 8, 8, t["page"] + 6, "struct address_space *"),
        Field("index", 16, 8, t["ulong"], "unsigned long"),
        Field("share", 16, 4, t["uint"], "unsigned int"),
        Field("order", 24, 4, t["uint"], "unsigned int", bit_offset=192, bit_size=3),
        Field("dirty", 24, 4, t["uint"], "unsigned int", bit_offset=195, bit_size=1),
        Field("mapcount", 28, 4, t["cv_int"], "int"),
        Field("pp", 32, 8, t["page_ptr_ptr"], "struct page **"),
        Field("name", 40, 4, t["name_array"], "unsigned char[4]"),
        Field("refcount", 44, 4, t["atomic_t"], "atomic_t"),
    ]
    assert [f.name for f in struct_fields(sample, "folio")] == ["page", "_flags_1"]
    assert struct_fields(sample, "folio")[1].offset == 48


def test_shape(sample: Btf) -> None:
    t = IDS
    assert shape(sample, 0) == TypeShape("void", 0)
    assert shape(sample, t["page"]) == TypeShape("struct page", 0)
    assert shape(sample, t["page_ptr_ptr"]) == TypeShape("struct page", 2)
    assert shape(sample, t["const_page_ptr"]) == TypeShape("struct page", 1)
    assert shape(sample, t["rcu_page_ptr"]) == TypeShape("struct page", 1)
    assert shape(sample, t["pgtable_t"]) == TypeShape("struct page", 1)
    assert shape(sample, t["pgtable_t"], keep=frozenset({"pgtable_t"})) == TypeShape("pgtable_t", 0)
    assert shape(sample, t["pgtable_ptr"], keep=frozenset({"pgtable_t"})) == TypeShape("pgtable_t", 1)
    assert shape(sample, t["netmem_ref"]) == TypeShape("long unsigned int", 0)
    assert shape(sample, t["netmem_ref"], keep=frozenset({"netmem_ref"})) == TypeShape("netmem_ref", 0)
    assert shape(sample, t["atomic_t"]) == TypeShape("struct ", 0)  # anonymous struct behind the typedef
    assert shape(sample, t["cv_int"]) == TypeShape("int", 0)
    assert shape(sample, t["restrict_int_ptr"]) == TypeShape("int", 1)
    assert shape(sample, t["matrix"]) == TypeShape("int", 2)  # each array dimension is one level
    assert shape(sample, t["void_ptr3"]) == TypeShape("void", 3)
    assert shape(sample, t["address_space"]) == TypeShape("struct address_space", 0)
    assert shape(sample, t["later_u"]) == TypeShape("union later_u", 0)
    assert shape(sample, t["named_union"]) == TypeShape("union u", 0)
    assert shape(sample, t["pagetype"]) == TypeShape("enum pagetype", 0)
    assert shape(sample, t["big64"]) == TypeShape("enum big64", 0)
    assert shape(sample, t["fn_ptr"]) == TypeShape("function", 1)
    assert shape(sample, t["double"]) == TypeShape("double", 0)


def test_c_type(sample: Btf) -> None:
    t = IDS
    expected = {
        0: "void",
        t["ulong"]: "unsigned long",
        t["uchar"]: "unsigned char",
        t["bool"]: "bool",
        t["page"]: "struct page",
        t["page_ptr_ptr"]: "struct page **",
        t["const_page_ptr"]: "struct page *",
        t["rcu_page_ptr"]: "struct page *",
        t["pgtable_t"]: "pgtable_t",
        t["pgtable_ptr"]: "pgtable_t *",
        t["atomic_anon"]: "struct (anon)",
        t["page_union"]: "union (anon)",
        t["named_union"]: "union u",
        t["address_space"]: "struct address_space",
        t["later_u"]: "union later_u",
        t["pagetype"]: "enum pagetype",
        t["neg64"]: "enum neg64",
        t["cv_int"]: "int",
        t["name_array"]: "unsigned char[4]",
        t["matrix"]: "int[2][3]",
        t["bitmap_t"]: "bitmap_t",
        t["void_ptr"]: "void *",
        t["void_ptr3"]: "void ***",
        t["fn_ptr"]: "void (*)(void)",
        t["void_proto"]: "function",
        t["double"]: "double",
    }
    assert {type_id: c_type(sample, type_id) for type_id in expected} == expected


def test_size_of(sample: Btf) -> None:
    t = IDS
    expected = {
        0: 0,
        t["uchar"]: 1,
        t["ulong"]: 8,
        t["double"]: 8,
        t["page"]: 48,
        t["page_ptr"]: 8,
        t["cv_int"]: 4,
        t["atomic_t"]: 4,
        t["name_array"]: 4,
        t["matrix"]: 24,
        t["bitmap_t"]: 32,
        t["sign"]: 1,
        t["big64"]: 8,
        t["jiffies"]: 8,
        t["data"]: 16,
        t["rcu"]: 48,
        t["user_tag"]: 48,
        t["address_space"]: 0,
        t["alloc_proto"]: 0,
    }
    assert {type_id: size_of(sample, type_id) for type_id in expected} == expected


def test_enum_values_prototype_find(sample: Btf) -> None:
    t = IDS
    assert enum_values(sample, "pagetype") == {"PGTY_buddy": 0xF0, "PGTY_slab": 0xF5, "PGTY_max": 0xFFFFFFFF}
    assert enum_values(sample, "sign") == {"NEG": -1, "POS": 7}
    assert enum_values(sample, "big64") == {"ONE": 1, "HUGE": 1 << 63}
    assert enum_values(sample, "neg64") == {"MIN": -(1 << 63), "M2": -2}
    proto = prototype(sample, "folio_alloc")
    assert proto is not None and proto.id == t["alloc_proto"]
    assert shape(sample, proto.ref) == TypeShape("struct folio", 1)
    assert [(p.name, c_type(sample, p.type_id)) for p in proto.members] == [("gfp", "gfp_t"), ("order", "unsigned int")]
    helper = prototype(sample, "helper")
    assert helper is not None and (helper.ref, helper.members) == (0, ())
    assert prototype(sample, "no_such_function") is None
    assert sample.find(STRUCT, "page") == t["page"]
    assert sample.find(FWD, "address_space") == t["address_space"]
    assert sample.find(UNION, "u") == t["named_union"]
    assert sample.find(TYPEDEF, "pgtable_t") == t["pgtable_t"]
    assert sample.find(ENUM64, "big64") == t["big64"]
    assert sample.find(VAR, "jiffies") == t["jiffies"]
    assert sample.find(DATASEC, ".data") == t["data"]
    assert sample.find(UNION, "page") is None
    assert sample.find(STRUCT, "nope") is None
    assert sample.find(STRUCT, "") is None  # anonymous types are not indexed


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


@needs_bpftool
@pytest.mark.parametrize("order", ["<", ">"])
def test_sample_matches_libbpf(order: str, tmp_path: Path) -> None:
    """libbpf (through bpftool) accepts the writer's blob and reads every record as we do."""
    path = tmp_path / "sample.btf"
    path.write_bytes(SAMPLE.to_bytes(order))
    dump = bpftool_dump(path)
    ours = Btf.from_file(path)
    assert len(dump) == ours.count - 1
    for record in dump.values():
        assert_same_record(ours, record)


# -- bad input ----------------------------------------------------------------------------------


def small_writer() -> BtfWriter:
    w = BtfWriter()
    w.int_("int", 4, INT_SIGNED)
    w.struct("pair", 8, [("a", 1, 0), ("b", 1, 32)])
    w.ptr(2)
    return w


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.btf"
    empty.write_bytes(b"")
    expect_error(lambda: Btf.from_file(empty), str(empty), "empty file")
    expect_error(lambda: Btf.from_file(tmp_path), str(tmp_path), "is a directory")
    missing = tmp_path / "missing"
    expect_error(lambda: Btf.from_file(missing), str(missing), "no such file")
    expect_error(lambda: Btf(b""), "<bytes>", "empty file")


def test_truncations() -> None:
    w = small_writer()
    blob = w.to_bytes()
    blob_error(blob[:10], "truncated", "10 bytes")
    blob_error(blob[:23], "truncated")
    blob_error(blob[:40], "header offsets point past the end")
    blob_error(blob[:-1], "past the end")
    types = len(w.type_section())
    # The type section ends inside the last record's 12-byte header...
    blob_error(w.to_bytes(type_len=types - 6), "type 3 is truncated", "type section")
    # ...or inside a record's trailer (the struct's second member).
    cut = BtfWriter()
    cut.int_("int", 4)
    cut.struct("pair", 8, [("a", 1, 0), ("b", 1, 32)])
    blob_error(cut.to_bytes(type_len=len(cut.type_section()) - 4), "type 2 (STRUCT)", "runs past the end")


def test_bad_header() -> None:
    w = small_writer()
    blob_error(w.to_bytes(magic=0x1234), "wrong magic 0x3412", "0xeb9f")
    blob_error(w.to_bytes(hdr_len=8), "header length 8")
    blob_error(w.to_bytes(hdr_len=1 << 31), "header length")
    blob_error(w.to_bytes(str_off=1 << 20), "header offsets point past the end")
    blob_error(w.to_bytes(type_len=1 << 30), "header offsets point past the end")
    blob_error(w.to_bytes(type_off=0xFFFFFFFF), "header offsets point past the end")
    blob_error(w.to_bytes(str_len=0xFFFFFFFF), "header offsets point past the end")
    blob_error(w.to_bytes(str_len=len(w.strings) - 1), "string section does not end with a NUL")
    blob_error(random.Random(1).randbytes(4096), "wrong magic")


def test_string_offsets_out_of_range() -> None:
    w = BtfWriter()
    w.int_(9999, 4)
    blob_error(w.to_bytes(), "type name offset 9999 is out of range")
    w = BtfWriter()
    w.int_("int", 4)
    w.struct("pair", 8, [("a", 1, 0), (4096, 1, 32)])
    blob_error(w.to_bytes(), "member name offset 4096 is out of range")
    w = BtfWriter()
    w.enum("e", [("A", 1), (777, 2)])
    blob_error(w.to_bytes(), "enumerator name offset 777")
    w = BtfWriter()
    w.enum64("e", [(778, 2)])
    blob_error(w.to_bytes(), "enumerator name offset 778")
    w = BtfWriter()
    w.func_proto(0, [(779, 0)])
    blob_error(w.to_bytes(), "parameter name offset 779")


def test_type_ids_out_of_range() -> None:
    w = BtfWriter()
    w.int_("int", 4)
    w.struct("pair", 8, [("a", 1, 0), ("b", 999, 32)])
    blob_error(w.to_bytes(), "member type id 999 is out of range")
    w = BtfWriter()
    w.ptr(42)
    blob_error(w.to_bytes(), "referenced type id 42 is out of range")
    w = BtfWriter()
    w.typedef("t", 0xFFFFFFFF)
    blob_error(w.to_bytes(), "referenced type id 4294967295")
    w = BtfWriter()
    w.int_("int", 4)
    w.array(7, 2, 1)
    blob_error(w.to_bytes(), "array element type id 7")
    w = BtfWriter()
    w.int_("int", 4)
    w.array(1, 2, 8)
    blob_error(w.to_bytes(), "array index type id 8")
    w = BtfWriter()
    w.func_proto(0, [("x", 5)])
    blob_error(w.to_bytes(), "parameter type id 5")
    w = BtfWriter()
    w.func_proto(6)
    blob_error(w.to_bytes(), "referenced type id 6")
    w = BtfWriter()
    w.datasec(".data", 4, [(9, 0, 4)])
    blob_error(w.to_bytes(), "section variable type id 9")
    btf = Btf(small_writer().to_bytes(), "ok.btf")
    actions = (btf.type, btf.name, btf.kind, btf.ref, *(partial(view, btf) for view in (shape, size_of, c_type)))
    for action in actions:
        expect_error(lambda action=action: action(4), "ok.btf", "type id 4")  # type: ignore[misc]
        expect_error(lambda action=action: action(-1), "ok.btf", "type id -1")  # type: ignore[misc]


def test_type_id_loops_raise() -> None:
    w = BtfWriter()
    a = w.typedef("A", 2)
    b = w.typedef("B", 1)
    w.ptr(a)
    w.array(b, 2, 0)  # an array of a loop
    w.array(5, 2, 0)  # an array of itself
    w.struct("s", 8, [("x", a, 0)])
    w.struct("self", 8, [("", 7, 0)])  # an anonymous member that is the struct itself
    btf = Btf(w.to_bytes(), "loop.btf")
    assert btf.type(a).ref == b and btf.type(b).ref == a
    for type_id in (a, b, 3, 4, 5):
        for view in (shape, size_of, c_type):
            if view is size_of and type_id == 3:
                assert size_of(btf, 3) == 8  # a pointer's size needs no target
            elif view is c_type and type_id != 5:
                # c_type spells a typedef by its name and never follows it: no loop to meet.
                with time_limit(1.0):
                    assert c_type(btf, type_id) == {a: "A", b: "B", 3: "A *", 4: "B[2]"}[type_id]
            else:
                expect_error(lambda view=view, type_id=type_id: view(btf, type_id), "loop.btf", "loop")  # type: ignore[misc]
    expect_error(lambda: struct_fields(btf, "s"), "loop.btf", "loop")
    expect_error(lambda: struct_fields(btf, "self"), "loop.btf", "struct 'self'", "too deeply")


def test_anonymous_fan_out_is_bounded() -> None:
    """Each level's two anonymous members are the next level: 2**40 paths, no loop. The
    reader gives up after 65536 members (about 0.3 s here; 2 s allowed for slow runners)."""
    w = BtfWriter()
    levels = 40
    for level in range(levels):
        w.struct("top" if level == 0 else "", 8, [("", level + 2, 0), ("", level + 2, 0)])
    w.int_("int", 4)
    btf = Btf(w.to_bytes(), "fan.btf")
    expect_error(lambda: struct_fields(btf, "top"), "fan.btf", "struct 'top'", "members", seconds=2.0)


def test_record_shape_errors() -> None:
    w = BtfWriter()
    w.int_("int", 4)
    w.raw("big", info_word(KIND_STRUCT, 0xFFFF), 8)
    blob_error(w.to_bytes(), "type 2 (STRUCT) claims vlen 65535", "runs past the end")
    for kind in (0, 20, 25, 31):
        w = BtfWriter()
        w.int_("int", 4)
        w.raw("odd", info_word(kind), 4)
        blob_error(w.to_bytes(), f"type 2 has unknown kind {kind}")


def test_elf_errors(tmp_path: Path) -> None:
    blob = small_writer().to_bytes()
    blob_error(elf_wrap(blob, section=".data"), "ELF file has no .BTF section")
    blob_error(elf_wrap(blob)[:0x30], "ELF file too short")
    blob_error(elf_wrap(blob)[:0x3C], "truncated ELF header")
    blob_error(elf_wrap(blob)[:-8], "ELF section headers lie past the end")
    blob_error(elf_wrap(b""), "empty")
    path = tmp_path / "vmlinux.o"
    path.write_bytes(elf_wrap(blob, ">", section=".BTF.ext"))
    expect_error(lambda: Btf.from_file(path), str(path), "no .BTF section")


def test_lookups_of_missing_names(sample: Btf) -> None:
    expect_error(lambda: struct_fields(sample, "nope"), "sample.btf", "no struct 'nope'")
    expect_error(lambda: enum_values(sample, "nope"), "sample.btf", "no enum 'nope'")
    w = BtfWriter()
    w.int_("int", 4)
    w.func("odd", 1)
    btf = Btf(w.to_bytes(), "odd.btf")
    expect_error(lambda: prototype(btf, "odd"), "odd.btf", "FUNC 'odd' refers to a INT")


# -- fuzzing --------------------------------------------------------------------------------------

FUZZ = settings(max_examples=200, deadline=2000, database=None, suppress_health_check=[HealthCheck.too_slow])


def attempt(action: Callable[[], object]) -> None:
    try:
        action()
    except BtfError as error:
        check_message(error, "fuzz")


def exercise(data: bytes) -> None:
    """Everything a caller may ask either works or raises a one-line BtfError, promptly."""
    with time_limit(2.0):
        try:
            btf = Btf(data, "fuzz")
        except BtfError as error:
            check_message(error, "fuzz")
            return
        for type_id in range(btf.count):
            for action in (btf.type, btf.name, *(partial(view, btf) for view in (shape, size_of, c_type))):
                attempt(lambda action=action, type_id=type_id: action(type_id))  # type: ignore[misc]
            attempt(lambda type_id=type_id: shape(btf, type_id, keep=frozenset({"A", "t"})))  # type: ignore[misc]
        for type_id in btf.ids(STRUCT):
            attempt(lambda type_id=type_id: struct_fields(btf, btf.name(type_id)))  # type: ignore[misc]
        for type_id in (*btf.ids(ENUM), *btf.ids(ENUM64)):
            attempt(lambda type_id=type_id: enum_values(btf, btf.name(type_id)))  # type: ignore[misc]
        for type_id in btf.ids(FUNC):
            attempt(lambda type_id=type_id: prototype(btf, btf.name(type_id)))  # type: ignore[misc]
        attempt(lambda: function_names(btf))
        attempt(btf.decode_all)


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=512),
        st.binary(max_size=512).map(lambda tail: b"\x9f\xeb\x01\x00" + tail),
        st.binary(max_size=512).map(lambda tail: b"\xeb\x9f\x01\x00\x00\x00\x00\x18" + tail),
        st.binary(max_size=512).map(lambda tail: b"\x7fELF\x02\x01\x01\x00" + tail),
    )
)
def test_fuzz_random_bytes(data: bytes) -> None:
    exercise(data)


MUTATION_BASES = (SAMPLE_LE, SAMPLE_BE, elf_wrap(SAMPLE_LE), elf_wrap(SAMPLE_BE, ">"))


@FUZZ
@given(
    base=st.sampled_from(MUTATION_BASES),
    flips=st.lists(
        st.tuples(st.integers(0, 1 << 16), st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFF]) | st.integers(0, 255)),
        max_size=8,
    ),
    cut=st.none() | st.integers(0, 1 << 16),
)
def test_fuzz_mutated_sample(base: bytes, flips: list[tuple[int, int]], cut: int | None) -> None:
    data = bytearray(base)
    for position, value in flips:
        data[position % len(data)] = value
    if cut is not None:
        del data[cut % (len(data) + 1) :]
    exercise(bytes(data))


NAMES = st.sampled_from(["", "", "A", "t", "page", "folio", "x y"])


@st.composite
def random_writers(draw: st.DrawFn) -> tuple[BtfWriter, str]:
    """A well-formed blob: every id and string offset in range, but any shape (loops too)."""
    count = draw(st.integers(1, 24))
    ids = st.integers(0, count)
    w = BtfWriter()
    for _ in range(count):
        kind = draw(st.integers(1, 19))
        name = draw(NAMES)
        if kind == INT:
            w.int_(name, draw(st.sampled_from([1, 2, 4, 8, 16])), draw(st.sampled_from([0, 1, 2, 4])))
        elif kind == PTR:
            w.ptr(draw(ids))
        elif kind == ARRAY:
            w.array(draw(ids), draw(st.integers(0, 0xFFFFFFFF)), draw(ids))
        elif kind in (STRUCT, UNION):
            bitfields = draw(st.booleans())
            member = st.tuples(NAMES, ids, st.integers(0, 0xFFFFFF), st.integers(0, 255 if bitfields else 0))
            members = draw(st.lists(member, max_size=5))
            make = w.struct if kind == STRUCT else w.union
            make(name, draw(st.integers(0, 0xFFFFFFFF)), members, kind_flag=bitfields)
        elif kind == ENUM:
            values = draw(st.lists(st.tuples(NAMES, st.integers(-(1 << 31), (1 << 32) - 1)), max_size=4))
            w.enum(name, values, signed=draw(st.booleans()))
        elif kind == ENUM64:
            values = draw(st.lists(st.tuples(NAMES, st.integers(-(1 << 63), (1 << 64) - 1)), max_size=4))
            w.enum64(name, values, signed=draw(st.booleans()))
        elif kind == FWD:
            w.fwd(name, draw(st.booleans()))
        elif kind == TYPEDEF:
            w.typedef(name, draw(ids))
        elif kind == VOLATILE:
            w.volatile(draw(ids))
        elif kind == CONST:
            w.const(draw(ids))
        elif kind == RESTRICT:
            w.restrict(draw(ids))
        elif kind == FUNC:
            w.func(name, draw(ids), draw(st.integers(0, 2)))
        elif kind == FUNC_PROTO:
            w.func_proto(draw(ids), draw(st.lists(st.tuples(NAMES, ids), max_size=4)))
        elif kind == VAR:
            w.var(name, draw(ids), draw(st.integers(0, 2)))
        elif kind == DATASEC:
            entries = st.tuples(ids, st.integers(0, 0xFFFFFFFF), st.integers(0, 0xFFFFFFFF))
            w.datasec(name, draw(st.integers(0, 0xFFFFFFFF)), draw(st.lists(entries, max_size=3)))
        elif kind == FLOAT:
            w.float_(name, draw(st.sampled_from([2, 4, 8, 12, 16])))
        elif kind == DECL_TAG:
            w.decl_tag(name, draw(ids), draw(st.integers(-1, 4)))
        else:
            w.type_tag(name, draw(ids))
    return w, draw(st.sampled_from(["<", ">"]))


@FUZZ
@given(random_writers())
def test_fuzz_well_formed_blobs(built: tuple[BtfWriter, str]) -> None:
    w, order = built
    data = w.to_bytes(order)
    exercise(data)
    btf = Btf(data, "fuzz")  # well-formed: it must parse
    assert btf.count == w.next_id
    assert btf.decode_all() == Btf(w.to_bytes("<" if order == ">" else ">"), "fuzz").decode_all()
    exercise(elf_wrap(data, order))


# -- the running kernel ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kernel() -> Btf:
    return Btf.from_file(bpftool_btf.VMLINUX)


@pytest.fixture(scope="module")
def bpftool() -> bpftool_btf.Btf:
    return bpftool_btf.Btf()


@needs_vmlinux
def test_kernel_facts(kernel: Btf) -> None:
    page = kernel.find(STRUCT, "page")
    assert page is not None and size_of(kernel, page) == 64
    assert any(f.name == "slab_cache" and f.offset == 8 for f in struct_fields(kernel, "slab"))
    assert enum_values(kernel, "pagetype")["PGTY_slab"] == 245
    proto = prototype(kernel, "folio_alloc_noprof")
    assert proto is not None
    assert shape(kernel, proto.ref) == TypeShape("struct folio", 1)
    assert c_type(kernel, proto.ref) == "struct folio *"
    assert [p.name for p in proto.members] == ["gfp", "order"]


@needs_vmlinux
@needs_bpftool
@pytest.mark.parametrize("name", KERNEL_STRUCTS)
def test_kernel_layouts_match_bpftool(kernel: Btf, bpftool: bpftool_btf.Btf, name: str) -> None:
    ours = [(f.name, f.offset, f.size, f.bit_offset, f.bit_size) for f in struct_fields(kernel, name)]
    theirs = [(m.name, m.offset, m.size, m.bit_offset, m.bit_size) for m in bpftool.members(name)]
    assert ours == theirs
    struct_id = kernel.find(STRUCT, name)
    assert struct_id is not None and size_of(kernel, struct_id) == bpftool.by_name[("STRUCT", name)]["size"]


@needs_vmlinux
@needs_bpftool
def test_kernel_every_record_matches_bpftool(kernel: Btf, bpftool: bpftool_btf.Btf) -> None:
    assert kernel.count - 1 == len(bpftool.types)
    for record in bpftool.types.values():
        assert_same_record(kernel, record)
