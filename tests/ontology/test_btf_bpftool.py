"""The reader against libbpf: bpftool reads the writer's blobs, and this kernel's BTF, as we do."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ontology.btf import STRUCT, Btf
from ontology.cview import TypeShape, c_type, enum_values, prototype, shape, size_of, struct_fields
from tests.support import bpftool_btf
from tests.support.btf_sample import SAMPLE
from tests.support.btf_writer import INT_BOOL, INT_CHAR, INT_SIGNED

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
