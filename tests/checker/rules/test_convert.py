"""memdesc-convert: the conversion to suggest, and each message (constructor, cast, unregistered
converting function, refined source)."""

from __future__ import annotations

import copy

from checker.facts import Facts
from checker.rules import convert
from tests.support.checker_facts import METADATA


def test_suggestion(facts: Facts) -> None:
    assert convert.suggestion(facts, "page", "folio") == "use page_folio()"
    assert convert.suggestion(facts, "page", "slab") == "use page_folio() then folio_slab()"
    assert convert.suggestion(facts, "netmem_desc", "page") == (
        "there is no registered conversion from netmem_desc to page (memdesc path netmem_desc page)"
    )


def test_suggestion_to_a_refinement_converts_then_checks(facts: Facts) -> None:
    assert convert.suggestion(facts, "page", "anon_folio") == "use page_folio(), then check folio_test_anon()"
    assert convert.suggestion(facts, "slab", "head_page") == "use slab_folio() then folio_page(), then check PageHead()"
    assert convert.suggestion(facts, "folio", "anon_folio") == "check folio_test_anon() instead"
    assert convert.suggestion(facts, "anon_folio", "ksm_folio") == "check folio_test_ksm() instead"
    assert convert.suggestion(facts, "netmem_desc", "anon_folio") == (
        "there is no registered conversion from netmem_desc to anon_folio (memdesc path netmem_desc anon_folio)"
    )


def test_constructor_message(facts: Facts) -> None:
    assert convert.constructor_message(facts, "folio", "page") == (
        "constructing a folio from a page is not a conversion; use page_folio()"
    )
    assert convert.constructor_message(facts, "page", "anon_folio") == (
        "constructing a page from an anon_folio is not a conversion; use folio_page()"
    )
    assert convert.constructor_message(facts, "anon_folio", "page") == (
        "constructing an anon_folio from a page is not a conversion; use page_folio(), then check folio_test_anon()"
    )
    assert convert.constructor_message(facts, "anon_folio", "folio") == (
        "constructing an anon_folio from a folio is not a conversion; check folio_test_anon() instead"
    )
    assert convert.constructor_message(facts, "page", "netmem_desc") == (
        "constructing a page from a netmem_desc is not a conversion; "
        "there is no registered conversion from netmem_desc to page (memdesc path netmem_desc page)"
    )


def test_cast_message(facts: Facts) -> None:
    assert convert.cast_message(facts, "slab", "page") == (
        "cast from page to slab bypasses the registered conversions; use page_folio() then folio_slab()"
    )
    assert convert.cast_message(facts, "page", "ksm_folio") == (
        "cast from ksm_folio to page bypasses the registered conversions; use folio_page()"
    )


def test_unregistered_function_message(facts: Facts) -> None:
    assert convert.unregistered_function_message(facts, "page_to_slab", "page", "slab") == (
        "page_to_slab() turns a page into a slab but is not a registered conversion; use page_folio() then folio_slab()"
    )
    assert convert.unregistered_function_message(facts, "anon_page", "anon_folio", "page") == (
        "anon_page() turns an anon_folio into a page but is not a registered conversion; use folio_page()"
    )


def test_refined_source_message(facts: Facts) -> None:
    assert convert.refined_source_message(facts, "page_rmappable_folio", "head_page", "page") == (
        "page_rmappable_folio() needs a head_page but gets a page, which may be a tail page; "
        "use page_folio() (or check PageHead() first)"
    )
    # A tail page is not "maybe" one.
    assert convert.refined_source_message(facts, "page_rmappable_folio", "head_page", "tail_page") == (
        "page_rmappable_folio() needs a head_page but gets a tail_page; use page_folio() (or check PageHead() first)"
    )


def test_refined_source_message_for_other_refinements() -> None:
    data = copy.deepcopy(METADATA)
    data["types"].append(["page_pool_page", "PagePoolPage", "refinement", "page", "page_pool_page_is_pp", ""])
    data["conversions"] += [["pp_page_to_nmdesc", "page_pool_page", "netmem_desc", False]]
    data["conversions"] += [["compound_folio", "compound_page", "folio", False]]
    facts = Facts.from_metadata(data)
    # Only a head page requirement is about tail pages.
    assert convert.refined_source_message(facts, "pp_page_to_nmdesc", "page_pool_page", "page") == (
        "pp_page_to_nmdesc() needs a page_pool_page but gets a page; "
        "there is no registered conversion from page to netmem_desc (memdesc path page netmem_desc) "
        "(or check page_pool_page_is_pp() first)"
    )
    # Without a predicate there is nothing to check first.
    assert convert.refined_source_message(facts, "compound_folio", "compound_page", "page") == (
        "compound_folio() needs a compound_page but gets a page; use page_folio()"
    )


def test_converts_between_is_a_change_of_struct(facts: Facts) -> None:
    assert convert.converts_between(facts, "page", "folio")
    assert convert.converts_between(facts, "anon_folio", "slab")
    assert not convert.converts_between(facts, "folio", "anon_folio")  # a refinement step
    assert not convert.converts_between(facts, "anon_folio", "folio")
    assert not convert.converts_between(facts, "head_page", "page")
    assert not convert.converts_between(facts, "page", "unknown")
