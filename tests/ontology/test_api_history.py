"""The kernel API's history: snapshots at 6.1, 6.12 and 7.3 name and type the functions as those
releases did (renames, `_noprof` implementations, a conversion that became checked), each state
dated by a source that exists."""

from __future__ import annotations

import pytest

from ontology.indexed import Ontology
from ontology.strict import load_ontology


@pytest.fixture(scope="module")
def at() -> dict[str, Ontology]:
    return {release: load_ontology(kernel=release) for release in ("6.1", "6.12", "6.18", "7.3")}


def source_of(onto: Ontology, source_id: str) -> dict[str, str | None]:
    assert onto.history is not None
    for entry in onto.history.entries:
        if entry.section == "source" and entry.item.id == source_id:
            return {"kind": entry.item.kind, "version": entry.item.version, "commit": entry.item.commit}
    raise AssertionError(f"source {source_id!r} is not defined")


@pytest.mark.parametrize(
    ("release", "name", "prototype", "frees_with"),
    [
        (
            "6.1",
            "isolate_hugetlb",
            "int isolate_hugetlb(struct page *page, struct list_head *list)",
            "putback_active_hugepage",
        ),
        (
            "6.12",
            "isolate_hugetlb",
            "bool isolate_hugetlb(struct folio *folio, struct list_head *list)",
            "folio_putback_active_hugetlb",
        ),
        (
            "7.3",
            "folio_isolate_hugetlb",
            "bool folio_isolate_hugetlb(struct folio *folio, struct list_head *list)",
            "folio_putback_hugetlb",
        ),
    ],
)
def test_isolate_hugetlb_has_its_name_prototype_and_partner_of_the_release(
    at: dict[str, Ontology], release: str, name: str, prototype: str, frees_with: str
) -> None:
    onto = at[release]
    others = {"isolate_hugetlb", "folio_isolate_hugetlb"} - {name}
    assert name in onto.functions and not others & set(onto.functions)
    function = onto.functions[name]
    assert function.prototype == prototype
    assert function.frees_with == frees_with and frees_with in onto.functions


def test_the_rename_is_dated_by_its_commit(at: dict[str, Ontology]) -> None:
    source = source_of(at["6.12"], at["6.12"].functions["isolate_hugetlb"].source)
    assert source == {"kind": "kernel", "version": "6.14", "commit": "4c640f128074e0d4459ecf072595a44df5c2ae18"}


@pytest.mark.parametrize(
    ("release", "impl", "source_kind"), [("6.1", "alloc_pages", "url"), ("6.12", "alloc_pages_noprof", "kernel")]
)
def test_alloc_pages_is_implemented_by_noprof_from_6_10(
    at: dict[str, Ontology], release: str, impl: str, source_kind: str
) -> None:
    function = at[release].functions["alloc_pages"]
    assert function.impl == impl
    assert source_of(at[release], function.source)["kind"] == source_kind


def test_a_parameter_added_in_7_3_is_absent_before(at: dict[str, Ontology]) -> None:
    assert at["7.3"].functions["__alloc_pages"].prototype.endswith("nodemask_t *nodemask, unsigned int alloc_flags)")
    assert at["6.18"].functions["__alloc_pages"].prototype.endswith("nodemask_t *nodemask)")
    assert at["6.1"].functions["__alloc_pages"].impl == "__alloc_pages"


def test_page_slab_is_checked_from_6_19_and_folio_slab_is_gone(at: dict[str, Ontology]) -> None:
    assert at["7.3"].conversions["page_slab"].checked and at["7.3"].conversions["page_slab"].form == "inline"
    assert not at["6.18"].conversions["page_slab"].checked and at["6.18"].conversions["page_slab"].form == "macro"
    assert "folio_slab" in at["6.18"].conversions and "folio_slab" not in at["7.3"].conversions


def test_functions_that_came_later_are_absent_from_6_1(at: dict[str, Ontology]) -> None:
    for name in ("folio_add_anon_rmap_ptes", "memfd_pin_folios", "free_pages_nolock"):
        assert name not in at["6.1"].functions and name in at["7.3"].functions


def test_functions_that_went_are_absent_from_7_3(at: dict[str, Ontology]) -> None:
    assert "lru_note_cost_refault" in at["6.12"].functions and "lru_note_cost_refault" not in at["7.3"].functions
    assert "lru_note_cost_folio" in at["6.1"].functions


def test_zsmalloc_functions_say_they_may_be_a_module(at: dict[str, Ontology]) -> None:
    function = at["7.3"].functions["zs_malloc"]
    assert (function.config, function.module) == ("CONFIG_ZSMALLOC", "zsmalloc")
