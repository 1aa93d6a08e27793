"""The primitives of issue 14 (functions_primitives.toml): each family is there, each release sees
the prototype it had (an inline whose parameter became const, a function renamed, a macro that
became an inline, a helper that went away), and every contract state names a refinement of the
type it is stated of: a parameter's `requires`, a result's `ensures` and `may_be`."""

from __future__ import annotations

import pytest

from ontology.cdecl import parse_prototype
from ontology.indexed import Ontology
from ontology.schema import ConversionDef, FunctionDef
from ontology.strict import load_ontology


@pytest.fixture(scope="module")
def at() -> dict[str, Ontology]:
    return {release: load_ontology(kernel=release) for release in ("6.1", "6.12", "6.16", "7.2", "7.3")}


def test_each_family_of_the_issue_has_its_primitives(at: dict[str, Ontology]) -> None:
    onto = at["7.3"]
    by_category: dict[str, set[str]] = {}
    for name, function in onto.functions.items():
        by_category.setdefault(function.category, set()).add(name)
    assert {"folio_ref_count", "folio_ref_freeze", "get_page_unless_zero", "put_page_testzero"} <= by_category[
        "refcount"
    ]
    assert {"folio_nr_pages", "folio_order", "compound_nr", "folio_page_idx"} <= by_category["size"]
    assert {"pfn_to_page", "virt_to_page", "page_to_pfn", "virt_to_head_page"} <= by_category["memmap"]
    assert {"folio_trylock", "folio_lock_killable", "__folio_lock"} <= by_category["lock"]
    assert {"PageAnonExclusive", "SetPageReserved", "folio_set_referenced"} <= by_category["flags"]


@pytest.mark.parametrize(
    ("release", "name", "prototype", "form"),
    [
        ("6.1", "folio_nr_pages", "long folio_nr_pages(struct folio *folio)", "inline"),
        ("6.12", "folio_nr_pages", "long folio_nr_pages(const struct folio *folio)", "inline"),
        ("7.2", "folio_nr_pages", "unsigned long folio_nr_pages(const struct folio *folio)", "inline"),
        ("6.1", "folio_mapcount", "int folio_mapcount(struct folio *folio)", "function"),
        ("7.3", "folio_mapcount", "int folio_mapcount(const struct folio *folio)", "inline"),
        ("6.12", "folio_page_idx", "long folio_page_idx(struct folio *folio, struct page *p)", "macro"),
        ("6.12", "free_unref_page", "void free_unref_page(struct page *page, unsigned int order)", "function"),
        ("6.16", "free_frozen_pages", "void free_frozen_pages(struct page *page, unsigned int order)", "function"),
        (
            "6.1",
            "__folio_start_writeback",
            "bool __folio_start_writeback(struct folio *folio, bool keep_write)",
            "function",
        ),
        ("6.1", "folio_ref_try_add_rcu", "bool folio_ref_try_add_rcu(struct folio *folio, int count)", "inline"),
        ("6.12", "nth_page", "struct page *nth_page(struct page *page, unsigned long n)", "macro"),
    ],
)
def test_a_release_sees_the_prototype_it_had(
    at: dict[str, Ontology], release: str, name: str, prototype: str, form: str
) -> None:
    function = at[release].functions[name]
    assert (function.prototype, function.form) == (prototype, form)


@pytest.mark.parametrize(
    ("release", "gone"),
    [("7.2", "nth_page"), ("7.2", "folio_ref_add_unless"), ("6.12", "lock_page_killable"), ("6.16", "free_unref_page")],
)
def test_a_helper_that_went_away_is_not_in_later_snapshots(at: dict[str, Ontology], release: str, gone: str) -> None:
    assert gone not in at[release].functions
    assert gone in at["6.1"].functions


def _type_and_ancestors(onto: Ontology, name: str) -> set[str]:
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current not in seen and current in onto.types:
            seen.add(current)
            todo.extend(onto.types[current].parents)
    return seen


def _stated(item: FunctionDef | ConversionDef, onto: Ontology) -> list[tuple[str, str | None]]:
    """(state, the descriptor type it is stated of) for each contract state of a callable."""
    proto = parse_prototype(item.prototype)
    result = onto.descriptor_of(proto.returns)
    stated = [(state, result[0] if result else None) for state in (*item.ensures, *item.may_be)]
    if isinstance(item, FunctionDef):
        params = {p.name: onto.descriptor_of(p.ctype) for p in proto.params}
        for override in item.params:
            assert override.name in params, f"{item.name}: no parameter {override.name}"
            typ = params[override.name]
            stated += [(state, typ[0] if typ else None) for state in override.requires]
    return stated


@pytest.mark.parametrize("release", ["6.1", "7.3"])
def test_every_contract_state_refines_the_type_it_is_stated_of(at: dict[str, Ontology], release: str) -> None:
    onto = at[release]
    callables: list[FunctionDef | ConversionDef] = [*onto.functions.values(), *onto.conversions.values()]
    wrong = []
    count = 0
    for item in callables:
        for state, typ in _stated(item, onto):
            count += 1
            refinement = state.removeprefix("not ")
            ok = refinement in onto.types and onto.types[refinement].kind == "refinement"
            if not ok or typ is None or typ not in _type_and_ancestors(onto, refinement):
                wrong.append(f"{item.name}: {state} of {typ}")
    assert wrong == []
    assert count > 30


@pytest.mark.parametrize(
    ("name", "parameter", "requires", "releases"),
    [
        ("get_page", "page", ["not slab_page"], False),
        ("put_page", "page", ["not slab_page"], True),
        ("__free_pages", "page", ["not tail_page", "not zone_device_page"], True),
        ("set_page_refcounted", "page", ["not tail_page"], False),
        ("split_page", "page", ["not compound_page"], False),
        ("SetPageReserved", "page", ["not compound_page"], False),
        ("folio_put", "folio", [], True),
    ],
)
def test_kernel_asserts_become_parameter_contracts(
    at: dict[str, Ontology], name: str, parameter: str, requires: list[str], releases: bool
) -> None:
    (override,) = [p for p in at["7.3"].functions[name].params if p.name == parameter]
    assert (override.requires, override.releases) == (requires, releases)


def test_memmap_lookups_may_return_any_page_and_head_lookups_no_tail(at: dict[str, Ontology]) -> None:
    onto = at["7.3"]
    assert set(onto.functions["pfn_to_page"].may_be) == {"tail_page", "slab_page", "table_page", "zone_device_page"}
    assert onto.functions["virt_to_head_page"].ensures == ["not tail_page"]
    assert onto.conversions["compound_head"].ensures == ["not tail_page"]
    assert onto.conversions["folio_page"].may_be == ["tail_page"]
