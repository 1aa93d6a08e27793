"""The bundled ontology (6.1 to 7.3): lint-clean, complete enough, and its snapshot at the running
kernel's release true of that kernel's BTF."""

from __future__ import annotations

import os

import pytest

from ontology import BUNDLED_ROOT
from ontology.cdecl import parse_prototype
from ontology.indexed import Ontology
from ontology.schema import CATEGORIES
from ontology.strict import lint_path, load_ontology
from ontology.verify import release_of
from tests.support.bpftool_btf import VMLINUX, Btf

STRUCTS = {"page", "folio", "slab", "ptdesc", "zpdesc", "netmem_desc", "net_iov"}
GUP_FAMILY = {
    "get_user_pages",
    "get_user_pages_fast",
    "get_user_pages_remote",
    "get_user_pages_unlocked",
    "pin_user_pages",
    "pin_user_pages_fast",
    "pin_user_pages_remote",
    "pin_user_pages_unlocked",
    "memfd_pin_folios",
    "unpin_user_page",
    "unpin_user_pages",
    "unpin_user_pages_dirty_lock",
    "unpin_folio",
    "unpin_folios",
}
PROPOSED_2021 = {
    "mappable",
    "lru_mem",
    "anon_mem",
    "ksm",
    "file_mem",
    "netpool",
    "devmem",
    "zonedev",
    "vmalloc",
    "zsmalloc",
    "dmapool",
    "pgtable",
    "buddy",
}


def test_bundled_lint_clean() -> None:
    assert [str(f) for f in lint_path(BUNDLED_ROOT)] == []


def test_coverage(bundled: Ontology) -> None:
    kinds = {t.name: t.kind for t in bundled.types.values()}
    assert {name for name, kind in kinds.items() if kind == "struct"} >= STRUCTS
    assert {
        "anon_folio",
        "file_folio",
        "ksm_folio",
        "large_folio",
        "hugetlb_folio",
        "buddy_page",
        "zone_device_page",
    } <= {name for name, kind in kinds.items() if kind == "refinement"}
    assert PROPOSED_2021 | {"memdesc"} <= {name for name, kind in kinds.items() if kind == "proposed"}
    assert len(bundled.predicates) >= 30
    assert bundled.history is not None
    assert len({entry.item.name for entry in bundled.history.entries if entry.section == "conversion"}) >= 30
    assert len(bundled.functions) >= 80
    assert {f.category for f in bundled.functions.values()} == set(CATEGORIES)
    assert set(bundled.functions) >= GUP_FAMILY
    assert {p.name for p in bundled.page_types.values()} >= {"PGTY_buddy", "PGTY_slab", "PGTY_table"}


def test_every_fact_has_a_source(bundled: Ontology) -> None:
    for typedef in bundled.types.values():
        assert typedef.source in bundled.sources
        for fielddef in typedef.fields:
            assert bundled.source_of_field(typedef, fielddef) in bundled.sources
    for table in (bundled.predicates, bundled.conversions, bundled.functions, bundled.page_types):
        for item in table.values():
            assert item.source in bundled.sources, item.name


def test_refinements_have_predicates_that_establish_them(bundled: Ontology) -> None:
    for typedef in bundled.types.values():
        if typedef.kind == "refinement":
            assert typedef.predicate is not None
            assert bundled.predicates[typedef.predicate].establishes == typedef.name


@pytest.fixture(scope="module")
def btf() -> Btf:
    assert VMLINUX.exists(), "these tests check the ontology against the running kernel's BTF"
    return Btf()


@pytest.fixture(scope="module")
def running() -> Ontology:
    """The bundled data at the running kernel's release (the release of VMLINUX)."""
    release = release_of(os.uname().release)
    assert release is not None
    return load_ontology(kernel=release)


def _vendor_fields(onto: Ontology, name: str) -> set[str]:
    """Fields of type `name` seen in one vendor build only (left out of every snapshot)."""
    assert onto.history is not None
    return {f.name for e in onto.history.of("type") if e.item.name == name for f in e.item.fields if f.build}


def test_struct_layouts_match_btf(running: Ontology, btf: Btf) -> None:
    checked = 0
    bundled = running
    for typedef in bundled.types.values():
        if typedef.kind != "struct":
            continue
        assert typedef.c_struct is not None
        struct = btf.by_name[("STRUCT", typedef.c_struct)]
        assert typedef.size == struct["size"], typedef.name
        members = {m.name: m for m in btf.members(typedef.c_struct)}
        declared = {f.name for f in typedef.fields}
        assert declared <= set(members) <= declared | _vendor_fields(running, typedef.name), typedef.name
        for fielddef in typedef.fields:
            member = members[fielddef.name]
            assert (fielddef.offset, fielddef.size) == (member.offset, member.size), f"{typedef.name}.{fielddef.name}"
            assert (fielddef.bit_offset, fielddef.bit_size) == (member.bit_offset, member.bit_size)
            checked += 1
    assert checked >= 100


def test_page_types_match_btf(running: Ontology, btf: Btf) -> None:
    bundled = running
    values = btf.enum_values("pagetype")
    assert {p.name: p.value for p in bundled.page_types.values()} == values


def _descriptor(bundled: Ontology, base: str, depth: int) -> tuple[str | None, int]:
    from ontology.cdecl import CType

    return bundled.descriptor_of(CType(base=base, pointers=depth))


def test_btf_functions_match_prototypes(running: Ontology, btf: Btf) -> None:
    """Every function the ontology says is a real function has its BTF prototype's descriptor types."""
    bundled = running
    stop = set(bundled.typedefs) | {t.c_type for t in bundled.types.values() if t.kind == "handle" and t.c_type}
    checked = 0
    for kind, name, prototype in bundled.all_callables():
        table = {"function": bundled.functions, "conversion": bundled.conversions, "predicate": bundled.predicates}
        item = table[kind][name]
        if item.form != "function":
            continue
        symbol = getattr(item, "impl", None) or name
        proto = btf.function(symbol)
        assert proto is not None, f"{kind} {name}: no BTF FUNC {symbol!r}"
        parsed = parse_prototype(prototype)
        assert len(parsed.params) == len(proto["params"]), name
        ours = bundled.descriptor_of(parsed.returns)
        theirs = _descriptor(bundled, *btf.describe(proto["ret_type_id"], stop))
        assert ours == theirs, f"{name} returns"
        for param, btf_param in zip(parsed.params, proto["params"], strict=True):
            ours = bundled.descriptor_of(param.ctype)
            theirs = _descriptor(bundled, *btf.describe(btf_param["type_id"], stop))
            assert ours == theirs, f"{name}({param.name})"
        checked += 1
    assert checked >= 50
