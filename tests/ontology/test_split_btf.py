"""A module's split BTF read against its base: ids and strings continue the base's (libbpf's
btf__parse_split), so module types resolve base types.

Real data (tests/data/modules/README.md): zsmalloc.ko's `.BTF` from two Debian packages, each
against its own package's vmlinux BTF under ontology/kernels/: linux-image-6.1.0-57-amd64-unsigned
6.1.192-3, which has no `struct zpdesc` yet (its zsmalloc's own types are `zspage`, `zs_pool`,
`size_class`), and linux-image-6.18.15+deb13-cloud-amd64 6.18.15-1~bpo13+1 (a `.ko.xz`), whose
zsmalloc defines `struct zpdesc` over the base's `struct page`.
"""

from __future__ import annotations

import json
import lzma
import subprocess
from pathlib import Path

import pytest

from ontology.btf import FUNC, STRUCT, Btf, read_btf
from ontology.cview import c_type, prototype, struct_fields
from tests.ontology.test_btf_bpftool import BPFTOOL, assert_same_record
from tests.support.btf_errors import blob_error, expect_error
from tests.support.btf_sample import SAMPLE_BE, SAMPLE_LE, build_sample
from tests.support.btf_writer import SplitWriter
from tests.support.paths import KERNELS, ROOT

BASE = KERNELS / "linux-6.1.192-amd64.btf.xz"
ZSMALLOC = ROOT / "tests" / "data" / "modules" / "zsmalloc-6.1.0-57-amd64.btf.xz"
BASE_6_18 = KERNELS / "linux-6.18.15-cloud-amd64.btf.xz"
ZSMALLOC_6_18 = ROOT / "tests" / "data" / "modules" / "zsmalloc-6.18.15+deb13-cloud-amd64.btf.xz"


def _split_sample(order: str = "<") -> tuple[bytes, dict[str, int]]:
    """A module-like split BTF over the sample: a struct using the base's struct page, a
    function taking a pointer to it, and a name that repeats a base string."""
    base_writer, ids = build_sample()
    w = SplitWriter(base_writer.next_id, len(base_writer.strings))
    own: dict[str, int] = {}
    own["page_ptr"] = w.ptr(ids["page"])
    own["zspage"] = w.struct("zspage", 16, [("first_page", own["page_ptr"], 0), ("inuse", ids["uint"], 64)])
    own["proto"] = w.func_proto(ids["int"], [("page", own["page_ptr"])])
    own["zs_page_isolate"] = w.func("zs_page_isolate", own["proto"])
    return w.to_bytes(order), own


@pytest.mark.parametrize("order", ["<", ">"])
def test_split_types_resolve_base_types(order: str) -> None:
    blob, own = _split_sample(order)
    base = Btf(SAMPLE_LE if order == "<" else SAMPLE_BE, "vmlinux.btf")
    module = Btf(blob, "module.btf", base)
    assert module.count == base.count + len(own)
    assert module.find(STRUCT, "zspage") == own["zspage"]
    assert [(f.name, f.c_type) for f in struct_fields(module, "zspage")] == [
        ("first_page", "struct page *"),
        ("inuse", "unsigned int"),
    ]
    proto = prototype(module, "zs_page_isolate")
    assert proto is not None and c_type(module, proto.members[0].type_id) == "struct page *"
    assert module.find(STRUCT, "page") == base.find(STRUCT, "page")  # base types are all there
    assert module.base is base


def test_split_without_base_or_wrong_pairing() -> None:
    blob, _ = _split_sample()
    blob_error(blob, "split BTF", "--base-btf")
    base = Btf(SAMPLE_LE, "vmlinux.btf")
    expect_error(lambda: Btf(SAMPLE_LE, "full.btf", base), "full.btf", "is complete BTF, not split BTF")
    expect_error(lambda: Btf(_split_sample(">")[0], "be.btf", base), "be.btf", "byte order differs")


def test_split_references_past_its_end_are_caught() -> None:
    base_writer, _ = build_sample()
    w = SplitWriter(base_writer.next_id, len(base_writer.strings))
    w.ptr(base_writer.next_id + 5)  # a type id past base + split
    base = Btf(SAMPLE_LE, "vmlinux.btf")
    expect_error(lambda: Btf(w.to_bytes(), "m.btf", base), "m.btf", "referenced type id", "out of range")
    w = SplitWriter(base_writer.next_id, len(base_writer.strings))
    w.int_(len(base_writer.strings) + 999, 4)  # a name past base strings + split strings
    expect_error(lambda: Btf(w.to_bytes(), "m.btf", base), "m.btf", "type name offset")


@pytest.fixture(scope="module")
def base() -> Btf:
    return Btf.from_file(BASE)


@pytest.fixture(scope="module")
def zsmalloc(base: Btf) -> Btf:
    return Btf.from_file(ZSMALLOC, base)


def test_real_zsmalloc_resolves_against_6_1(base: Btf, zsmalloc: Btf) -> None:
    assert zsmalloc.count > base.count
    assert base.find(STRUCT, "zspage") is None and base.find(FUNC, "zs_malloc") is None  # a module's, not vmlinux's
    assert zsmalloc.find(STRUCT, "zpdesc") is None
    fields = {f.name: f.c_type for f in struct_fields(zsmalloc, "zspage")}
    assert fields["first_page"] == "struct page *" and fields["pool"] == "struct zs_pool *"
    migrate = prototype(zsmalloc, "zs_page_migrate")
    assert migrate is not None
    assert [(p.name, c_type(zsmalloc, p.type_id)) for p in migrate.members] == [
        ("newpage", "struct page *"),
        ("page", "struct page *"),
        ("mode", "enum migrate_mode"),
    ]
    count = prototype(zsmalloc, "zs_shrinker_count")  # a FUNC_PROTO of the base's
    assert count is not None and count.id < base.count
    assert [c_type(zsmalloc, p.type_id) for p in count.members] == ["struct shrinker *", "struct shrink_control *"]
    assert c_type(zsmalloc, count.ref) == "unsigned long"
    zs_functions = sorted(zsmalloc.name(i) for i in zsmalloc.ids(FUNC) if zsmalloc.name(i).startswith("zs_"))
    assert {"zs_malloc", "zs_free", "zs_map_object", "zs_create_pool", "zs_compact"} <= set(zs_functions)


@pytest.mark.skipif(not Path(BPFTOOL).exists(), reason="needs bpftool")
@pytest.mark.parametrize(("module_file", "base_file"), [(ZSMALLOC, BASE), (ZSMALLOC_6_18, BASE_6_18)])
def test_real_zsmalloc_matches_libbpf(module_file: Path, base_file: Path, tmp_path: Path) -> None:
    """bpftool -B (libbpf's split parser) reads every module record as we do."""
    base = Btf.from_file(base_file)
    zsmalloc = Btf.from_file(module_file, base)
    module, base_raw = tmp_path / "zsmalloc.btf", tmp_path / "vmlinux.btf"
    module.write_bytes(lzma.decompress(module_file.read_bytes()))
    base_raw.write_bytes(read_btf(base_file))
    done = subprocess.run(
        [BPFTOOL, "-B", str(base_raw), "btf", "dump", "file", str(module), "-j"], capture_output=True, check=True
    )
    dump = {record["id"]: record for record in json.loads(done.stdout)["types"]}
    assert (min(dump), max(dump), len(dump)) == (base.count, zsmalloc.count - 1, zsmalloc.count - base.count)
    for record in dump.values():
        assert_same_record(zsmalloc, record)


def test_real_zpdesc_resolves_against_6_18() -> None:
    """6.18's zsmalloc module defines struct zpdesc; its members' types are the base's."""
    base = Btf.from_file(BASE_6_18)
    module = Btf.from_file(ZSMALLOC_6_18, base)
    assert base.find(STRUCT, "zpdesc") is None
    zpdesc = module.find(STRUCT, "zpdesc")
    assert zpdesc is not None and zpdesc >= base.count
    fields = [(f.name, f.offset, f.c_type) for f in struct_fields(module, "zpdesc")]
    assert fields[:3] == [
        ("flags", 0, "unsigned long"),
        ("lru", 8, "struct list_head"),
        ("movable_ops", 24, "unsigned long"),
    ]
    assert ("zspage", 40, "struct zspage *") in fields and ("_refcount", 52, "atomic_t") in fields
    malloc = prototype(module, "zs_malloc")
    assert malloc is not None
    assert [(p.name, c_type(module, p.type_id)) for p in malloc.members] == [
        ("pool", "struct zs_pool *"),
        ("size", "size_t"),
        ("gfp", "gfp_t"),
        ("nid", "int"),
    ]


def test_verify_decides_zpdesc_with_the_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Against the cloud vmlinux alone, zpdesc is undecidable (zsmalloc is a module there);
    with its module's split BTF, its layout is checked and agrees."""
    from ontology.answercache import verify_answer

    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(tmp_path))
    alone = verify_answer(BASE_6_18, use_cache=False)
    together = verify_answer(ZSMALLOC_6_18, use_cache=False, base=BASE_6_18)
    assert not any(fact["subject"] == "zpdesc" for fact in alone["mismatches"])
    unsure = [fact for fact in alone["undecidable"] if fact["subject"] == "zpdesc"]
    assert len(unsure) == 1 and "zsmalloc.ko" in unsure[0]["reason"]
    assert not any(fact["subject"] == "zpdesc" for fact in together["mismatches"])
    assert not any(fact["subject"] == "zpdesc" for fact in together["undecidable"])
    agreed = {fact["aspect"] for fact in together["agreements"] if fact["subject"] == "zpdesc"}
    assert {"offset", "size", "c_type", "matches"} <= agreed
    assert len(together["undecidable"]) < len(alone["undecidable"])
    assert len(together["agreements"]) > len(alone["agreements"])
