"""Descriptor states (`ontology.states`): fields derived meaningless from layouts, explicit
facts, exclusions, contracts, and the lint that keeps them pointing at real things."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ontology.lint import Finding
from ontology.stateref import split_state
from ontology.states import derived_meaningless, state_facts
from ontology.strict import lint_path, load_ontology

Mutate = Callable[..., Path]

TAIL = """
[[type]]
name = "tail_page"
kind = "refinement"
summary = "A tail page."
parents = ["page"]
predicate = "PageTail"
source = "mm_types.h"
{extra}

[[predicate]]
name = "PageTail"
takes = "page"
establishes = "tail_page"
tests = "page->compound_head & 1"
form = "inline"
prototype = "int PageTail(const struct page *page)"
source = "mm_types.h"
"""

OVERLAID = """
[[type.overlaid_by]]
descriptor = "folio"
pages = [1]
source = "mm_types.h"
"""


def rules(findings: list[Finding]) -> list[str]:
    return [finding.rule for finding in findings]


def test_split_state() -> None:
    assert split_state("not tail_page") == (True, "tail_page")
    assert split_state("slab_page") == (False, "slab_page")


def test_a_tail_pages_words_are_the_folios_second_page(mutate: Mutate) -> None:
    """On folio's page 1, offset 8 is _head_1 (matches compound_head: kept) and nothing covers
    mapping, so only what a folio field of page 1 overlays without matching it is meaningless."""
    path = mutate(
        (
            '{ name = "_head_1", offset = 72',
            '{ name = "_mapcount_1", offset = 88, size = 8, c_type = "long" },\n  { name = "_head_1", offset = 72',
        ),
        append=TAIL.format(extra=OVERLAID),
    )
    assert lint_path(path) == []
    onto = load_ontology(path)
    derived = derived_meaningless(onto, onto.types["tail_page"])
    assert list(derived) == ["mapping"]
    assert (
        derived["mapping"]
        == "on a tail_page the bytes of page->mapping hold folio->_mapcount_1 (in the folio's page 1)"
    )


def test_an_explicit_fact_gives_the_reason_and_adds_fields(mutate: Mutate) -> None:
    extra = (
        OVERLAID
        + """
[[type.meaningless]]
field = "flags"
reason = "made up for the test"
source = "mm_types.h"
"""
    )
    path = mutate(append=TAIL.format(extra=extra))
    onto = load_ontology(path)
    facts = {(f.kind, f.subject, f.item): f.reason for f in state_facts(onto)}
    assert facts == {("meaningless", "tail_page", "flags"): "made up for the test"}


def test_contracts_and_exclusions_become_rows(mutate: Mutate) -> None:
    path = mutate(
        (
            'source = "mm_types.h"\n\n[[function]]\nname = "folio_put"',
            'ensures = ["not tail_page"]\nsource = "mm_types.h"\n\n[[function]]\nname = "folio_put"',
        ),
        (
            'prototype = "void folio_put(struct folio *folio)"',
            'prototype = "void folio_put(struct folio *folio)"\nparams = [{ name = "folio", requires = ["not anon_folio"], releases = true }]',
        ),
        append=TAIL.format(extra='excludes = ["tail_page"]').replace('name = "tail_page"\n', 'name = "tail_page"\n', 1),
    )
    text = path.read_text().replace('ensures = ["not tail_page"]\n', "", 1)
    path.write_text(
        text.replace(
            '[[conversion]]\nname = "page_folio"',
            '[[conversion]]\nname = "page_folio"\nensures = ["not anon_folio"]',
            1,
        )
    )
    findings = lint_path(path)
    # tail_page excluding itself is allowed by the schema but names a state of page: fine; the
    # contract on folio_put names a folio state: fine.
    assert findings == [], findings
    rows = {(f.kind, f.subject, f.item, f.state) for f in state_facts(load_ontology(path))}
    assert ("requires", "folio_put", "folio", "not anon_folio") in rows
    assert ("releases", "folio_put", "folio", "") in rows
    assert ("ensures", "page_folio", "", "not anon_folio") in rows


def test_a_state_of_another_descriptor_is_accepted_and_has_no_effect(mutate: Mutate) -> None:
    """A proposal may retype a function whose contract names the old type's states."""
    path = mutate(
        (
            'prototype = "void folio_put(struct folio *folio)"',
            'prototype = "void folio_put(struct folio *folio)"\nparams = [{ name = "folio", requires = ["not tail_page"] }]',
        ),
        append=TAIL.format(extra=""),
    )
    assert lint_path(path) == []


def test_a_state_that_is_no_refinement_is_refused_with_a_suggestion(mutate: Mutate) -> None:
    path = mutate(
        (
            'prototype = "void folio_put(struct folio *folio)"',
            'prototype = "void folio_put(struct folio *folio)"\nparams = [{ name = "folio", requires = ["not anon_foilo"] }]',
        ),
    )
    findings = lint_path(path)
    assert rules(findings) == ["state"]
    assert "no refinement" in findings[0].message and "did you mean 'anon_folio'?" in findings[0].message


def test_a_contract_on_a_parameter_the_prototype_lacks(mutate: Mutate) -> None:
    path = mutate(
        (
            'prototype = "void folio_put(struct folio *folio)"',
            'prototype = "void folio_put(struct folio *folio)"\nparams = [{ name = "page", releases = true }]',
        ),
    )
    findings = lint_path(path)
    assert rules(findings) == ["conversion-signature"]
    assert "states a contract for parameter 'page'" in findings[0].message


def test_a_meaningless_field_the_struct_never_had(mutate: Mutate) -> None:
    extra = """
[[type.meaningless]]
field = "maping"
reason = "typo"
source = "mm_types.h"
"""
    findings = lint_path(mutate(append=TAIL.format(extra=extra)))
    assert rules(findings) == ["state"]
    assert "'tail_page': page has no field 'maping' at any release" in findings[0].message


def test_overlaid_by_a_type_without_a_layout(mutate: Mutate) -> None:
    extra = """
[[type.overlaid_by]]
descriptor = "anon_folio"
source = "mm_types.h"
"""
    findings = lint_path(mutate(append=TAIL.format(extra=extra)))
    assert rules(findings) == ["state"]
    assert "is overlaid by 'anon_folio', a refinement: only a struct has a layout" in findings[0].message


def test_a_descriptor_that_does_not_overlay_the_struct_derives_nothing(mutate: Mutate) -> None:
    """A proposal that moves slab out of struct page leaves slab_folio's overlaid_by without effect."""
    path = mutate(append=TAIL.format(extra=OVERLAID.replace('"folio"', '"page"').replace("[1]", "[0]")))
    assert lint_path(path) == []
    onto = load_ontology(path)
    assert derived_meaningless(onto, onto.types["tail_page"]) == {}


def test_overlaid_by_a_page_the_descriptor_does_not_have(mutate: Mutate) -> None:
    findings = lint_path(mutate(append=TAIL.format(extra=OVERLAID.replace("[1]", "[2]"))))
    assert rules(findings) == ["state"]
    assert "folio overlays 2 page(s), not page 2" in findings[0].message


def test_a_struct_has_no_states(mutate: Mutate) -> None:
    path = mutate(('summary = "A page frame."', 'summary = "A page frame."\nexcludes = ["anon_folio"]'))
    findings = lint_path(path)
    assert "state" in rules(findings)
    assert "'page' is a struct: only a refinement has states" in " ".join(f.message for f in findings)


def test_the_bundled_tail_page_at_two_releases(bundled: object) -> None:
    """6.12's page still calls the word `index`; the explicit 7.3 fact names `__folio_index`."""
    newest = {(f.subject, f.item) for f in state_facts(load_ontology()) if f.kind == "meaningless"}
    older = {(f.subject, f.item) for f in state_facts(load_ontology(kernel="6.12")) if f.kind == "meaningless"}
    assert ("tail_page", "__folio_index") in newest and ("tail_page", "index") not in newest
    assert ("tail_page", "index") in older and ("tail_page", "__folio_index") not in older
    assert ("tail_page", "flags") not in newest and ("tail_page", "compound_info") not in newest
    assert ("slab_page", "_refcount") not in newest and ("slab_page", "page_type") not in newest  # slab->__page_type
    assert ("slab_page", "_mapcount") in newest  # the same word, read as a mapcount: means nothing there


def test_same_memory_is_stated_both_ways(mutate: Mutate) -> None:
    """A refinement that is the same memory as another must be named back by it."""
    findings = lint_path(mutate(append=TAIL.format(extra='same_memory_as = ["anon_folio"]')))
    assert rules(findings) == ["state"]
    assert "'tail_page' is the same memory as 'anon_folio', but not the reverse" in findings[0].message


def test_same_memory_names_another_refinement(mutate: Mutate) -> None:
    findings = lint_path(mutate(append=TAIL.format(extra='same_memory_as = ["tail_page"]')))
    assert "'tail_page' is the same memory as 'tail_page': not another refinement" in [f.message for f in findings]


def test_the_bundled_zone_device_facts(bundled: object) -> None:
    """ZONE_DEVICE is a property of the memory (page and folio alike); put_page()'s callers may
    pass such pages; the page allocator's frees must never get one."""
    facts = set(state_facts(load_ontology()))
    assert ("same_memory", "zone_device_folio", "", "zone_device_page", "") in facts
    assert ("same_memory", "zone_device_page", "", "zone_device_folio", "") in facts
    assert ("accepts", "put_page", "page", "zone_device_page", "") in facts
    assert ("accepts", "__folio_put", "folio", "zone_device_folio", "") in facts
    for free in ("__free_pages", "free_frozen_pages", "__free_pages_ok"):
        assert ("requires", free, "page", "not zone_device_page", "") in facts
    assert not any(f.kind == "same_memory" and "tail_page" in (f.subject, f.state) for f in facts)


FOLIO_PAGE = 'prototype = "struct page *folio_page(struct folio *folio, unsigned long n)"'


def test_a_zero_that_voids_may_be_becomes_a_row(mutate: Mutate) -> None:
    """folio_page(folio, 0) is &folio->page: `may_be_unless_zero` names the parameter."""
    path = mutate(
        (FOLIO_PAGE, FOLIO_PAGE + '\nmay_be = ["tail_page"]\nmay_be_unless_zero = "n"'), append=TAIL.format(extra="")
    )
    assert lint_path(path) == []
    rows = {(f.kind, f.subject, f.item, f.state) for f in state_facts(load_ontology(path))}
    assert ("may_be", "folio_page", "", "tail_page") in rows
    assert ("may_be_unless_zero", "folio_page", "n", "") in rows


def test_a_zero_that_voids_may_be_names_a_parameter(mutate: Mutate) -> None:
    path = mutate(
        (FOLIO_PAGE, FOLIO_PAGE + '\nmay_be = ["tail_page"]\nmay_be_unless_zero = "nr"'), append=TAIL.format(extra="")
    )
    findings = lint_path(path)
    assert rules(findings) == ["conversion-signature"]
    assert "may_be_unless_zero names 'nr'" in findings[0].message and "did you mean 'n'?" in findings[0].message


def test_a_zero_that_voids_nothing_is_refused(mutate: Mutate) -> None:
    findings = lint_path(mutate((FOLIO_PAGE, FOLIO_PAGE + '\nmay_be_unless_zero = "n"')))
    assert rules(findings) == ["state"]
    assert "voids a may_be it does not have" in findings[0].message
