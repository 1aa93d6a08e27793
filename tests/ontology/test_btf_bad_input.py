"""Bad BTF is one clean `BtfError` line naming the file and what is wrong, never a traceback or a hang."""

from __future__ import annotations

import random
from functools import partial
from pathlib import Path

from ontology.btf import Btf
from ontology.cview import c_type, enum_values, prototype, shape, size_of, struct_fields
from tests.support.btf_errors import blob_error, expect_error, time_limit
from tests.support.btf_sample import small_writer
from tests.support.btf_writer import KIND_STRUCT, BtfWriter, elf_wrap, info_word


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
