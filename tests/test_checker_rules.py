"""The checker's rules as plain functions: facts, conversion chains and every message, without mypy.

The facts are a small hand-built metadata dict shaped like the one the plugin stores from
`ontology.types._OntologyFacts` (`ontology.facttable`'s format, tuples become lists), so each
expectation here can be worked out by hand.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from checker.facts import Facts
from checker.rules import convert, deprecated, field, narrow, returns, wording
from checker.rules.returns import Shape
from ontology.facttable import ConversionFact, FieldFact, TypeFact

PAGE_FIELDS = ["flags", "mapping", "compound_head"]
FOLIO_FIELDS = ["flags", "mapping", "index"]


def field_rows(owner: str, names: list[str]) -> list[list[Any]]:
    """One word-sized field a row: owner, name, offset, size, bit offset, bit size, C type."""
    return [[owner, name, 8 * index, 8, None, None, "unsigned long"] for index, name in enumerate(names)]


METADATA: dict[str, Any] = {
    "kernel": "6.18",
    "types": [
        ["page", "Page", "struct", "page", ""],
        ["folio", "Folio", "struct", "folio", ""],
        ["slab", "Slab", "struct", "slab", ""],
        ["netmem_desc", "NetmemDesc", "struct", "netmem_desc", ""],
        ["page_32b", "Page32b", "proposed", "page_32b", ""],
        ["anon_folio", "AnonFolio", "refinement", "folio", "folio_test_anon"],
        ["ksm_folio", "KsmFolio", "refinement", "folio", "folio_test_ksm"],
        ["head_page", "HeadPage", "refinement", "page", "PageHead"],
        ["tail_page", "TailPage", "refinement", "page", "PageTail"],
        ["compound_page", "CompoundPage", "refinement", "page", ""],
    ],
    # Declared by structs and proposals; a refinement carries its struct's.
    "fields": [
        *field_rows("page", PAGE_FIELDS),
        *field_rows("folio", FOLIO_FIELDS),
        *field_rows("slab", ["flags", "slab_cache"]),
        *field_rows("netmem_desc", ["pp_magic"]),
        *field_rows("page_32b", ["flags", "memdesc"]),
    ],
    # Listed out of order on purpose: the preference must not depend on the input order.
    "conversions": [
        ["gup_folio_range_next", "page", "folio", False],
        ["folio_get_nontail_page", "page", "folio", 1],
        ["page_rmappable_folio", "head_page", "folio", 0],
        ["page_folio", "page", "folio", False],
        ["folio_page", "folio", "page", False],
        ["folio_slab", "folio", "slab", False],
        ["slab_folio", "slab", "folio", False],
    ],
    "predicates": [
        ["folio_test_anon", "folio", "anon_folio"],
        ["PageHead", "page", "head_page"],
        ["folio_test_dirty", "folio", ""],
    ],
    "functions": [
        ["put_page", "free", "folio_put"],
        ["folio_put", "free", ""],
        ["alloc_pages", "alloc", ""],
    ],
    # Stored by the plugin from the declarations: positional-only names, which mypy's cache drops.
    "parameters": {"page_folio": ["page"], "alloc_pages": ["gfp", "order"]},
}


def facts_without(*conversions: str) -> Facts:
    data = copy.deepcopy(METADATA)
    data["conversions"] = [c for c in data["conversions"] if c[0] not in conversions]
    return Facts.from_metadata(data)


@pytest.fixture(scope="module")
def facts() -> Facts:
    return Facts.from_metadata(METADATA)


# -- facts ----------------------------------------------------------------------------------


def test_from_metadata_indexes_types_by_name_and_class(facts: Facts) -> None:
    assert facts.kernel == "6.18"
    folio_fields = tuple(FieldFact(*row) for row in field_rows("folio", FOLIO_FIELDS))
    anon = TypeFact("anon_folio", "AnonFolio", "refinement", "folio", "folio_test_anon", folio_fields)
    assert facts.types["anon_folio"] == anon
    assert facts.by_class["AnonFolio"] is facts.types["anon_folio"]
    assert sorted(facts.types) == sorted(t[0] for t in METADATA["types"])
    assert sorted(facts.by_class) == sorted(t[1] for t in METADATA["types"])


def test_from_metadata_conversions_predicates_functions(facts: Facts) -> None:
    assert facts.conversions["page_folio"] == ConversionFact("page_folio", "page", "folio", False)
    assert facts.conversions["folio_get_nontail_page"].checked is True  # 1 in the metadata
    assert facts.conversions["page_rmappable_folio"].checked is False  # 0 in the metadata
    assert facts.predicates == {
        "folio_test_anon": ("folio", "anon_folio"),
        "PageHead": ("page", "head_page"),
        "folio_test_dirty": ("folio", ""),
    }
    assert facts.functions["put_page"] == ("free", "folio_put")
    assert facts.functions["alloc_pages"] == ("alloc", "")
    assert facts.parameters == {"page_folio": ("page",), "alloc_pages": ("gfp", "order")}


def test_from_metadata_of_nothing_is_empty() -> None:
    empty = Facts.from_metadata({})
    assert (empty.kernel, empty.types, empty.conversions, empty.predicates, empty.functions) == ("", {}, {}, {}, {})
    assert empty.parameters == {}


def test_is_api_covers_functions_conversions_and_predicates(facts: Facts) -> None:
    assert facts.is_api("alloc_pages")
    assert facts.is_api("page_folio")
    assert facts.is_api("folio_test_dirty")
    assert not facts.is_api("folio")  # a type, not a function
    assert not facts.is_api("my_helper")


def test_field_owners_are_structs_and_proposals_not_refinements(facts: Facts) -> None:
    assert facts.field_owners("mapping") == ["folio", "page"]
    assert facts.field_owners("flags") == ["folio", "page", "page_32b", "slab"]
    assert facts.field_owners("memdesc") == ["page_32b"]
    assert facts.field_owners("nope") == []


def test_conversion_prefers_the_kernel_naming(facts: Facts) -> None:
    # gup_folio_range_next and folio_get_nontail_page sort before page_folio; page_folio still wins.
    assert facts.conversions_between("page", "folio") == ["page_folio"]
    assert facts.conversions_between("folio", "page") == ["folio_page"]


def test_conversion_without_the_kernel_naming_prefers_unchecked() -> None:
    # folio_get_nontail_page (checked) sorts before gup_folio_range_next (unchecked).
    assert facts_without("page_folio").conversions_between("page", "folio") == ["gup_folio_range_next"]
    only_checked = facts_without("page_folio", "gup_folio_range_next")
    assert only_checked.conversions_between("page", "folio") == ["folio_get_nontail_page"]


def test_conversion_chain_of_two(facts: Facts) -> None:
    assert facts.conversions_between("page", "slab") == ["page_folio", "folio_slab"]
    assert facts.conversions_between("slab", "page") == ["slab_folio", "folio_page"]


def test_conversion_from_a_refinement_starts_from_its_struct(facts: Facts) -> None:
    assert facts.conversions_between("anon_folio", "page") == ["folio_page"]
    assert facts.conversions_between("ksm_folio", "slab") == ["folio_slab"]
    # A head page has its own conversion (page_rmappable_folio) but the kernel naming still wins,
    # whatever the alphabetical order of the refinement's and the struct's names.
    assert facts.conversions_between("head_page", "folio") == ["page_folio"]
    assert facts.conversions_between("head_page", "slab") == ["page_folio", "folio_slab"]


def test_conversion_from_a_refinement_uses_its_own_when_it_is_the_only_one() -> None:
    assert facts_without("page_folio", "gup_folio_range_next", "folio_get_nontail_page").conversions_between(
        "head_page", "folio"
    ) == ["page_rmappable_folio"]
    # ...and a plain page cannot use it.
    assert (
        facts_without("page_folio", "gup_folio_range_next", "folio_get_nontail_page").conversions_between(
            "page", "folio"
        )
        == []
    )


def test_no_conversion(facts: Facts) -> None:
    assert facts.conversions_between("netmem_desc", "page") == []
    assert facts.conversions_between("page", "netmem_desc") == []
    assert facts.conversions_between("unknown", "page") == []


# -- memdesc-convert ------------------------------------------------------------------------


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
    data["types"].append(["page_pool_page", "PagePoolPage", "refinement", "page", "page_pool_page_is_pp"])
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


# -- memdesc-field --------------------------------------------------------------------------


def test_field_message_names_the_owners(facts: Facts) -> None:
    assert (
        field.field_message(facts, "mapping", "slab") == '"mapping" is not a field of slab; it belongs to folio, page'
    )
    assert field.field_message(facts, "slab_cache", "page") == '"slab_cache" is not a field of page; it belongs to slab'


def test_field_message_on_a_refinement_names_its_struct(facts: Facts) -> None:
    assert field.field_message(facts, "slab_cache", "anon_folio") == (
        '"slab_cache" is not a field of anon_folio (a folio); it belongs to slab'
    )
    assert field.field_message(facts, "slab_cache", "head_page") == (
        '"slab_cache" is not a field of head_page (a page); it belongs to slab'
    )


def test_field_message_without_owner_or_known_receiver(facts: Facts) -> None:
    assert field.field_message(facts, "nope", "page") == '"nope" is not a field of page; no descriptor declares it'
    assert (
        field.field_message(facts, "memdesc", "widget") == '"memdesc" is not a field of widget; it belongs to page_32b'
    )


# -- memdesc-narrow -------------------------------------------------------------------------


def test_narrow_message_hint_names_the_argument(facts: Facts) -> None:
    assert narrow.narrow_message(facts, "takes_anon", "folio", "anon_folio", "folio") == (
        "takes_anon() needs parameter 'folio' to be an anon_folio, not a folio; narrow it first: "
        "`if folio_test_anon(folio):`"
    )
    assert narrow.narrow_message(facts, "takes_anon", "folio", "anon_folio", "folio", "f") == (
        "takes_anon() needs parameter 'folio' to be an anon_folio, not a folio; narrow it first: `if folio_test_anon(f):`"
    )
    assert narrow.narrow_message(facts, "takes_ksm", "folio", "ksm_folio", "anon_folio", "f") == (
        "takes_ksm() needs parameter 'folio' to be a ksm_folio, not an anon_folio; narrow it first: `if folio_test_ksm(f):`"
    )


def test_narrow_message_without_predicate(facts: Facts) -> None:
    assert narrow.narrow_message(facts, "takes_compound", "page", "compound_page", "page", "p") == (
        "takes_compound() needs parameter 'page' to be a compound_page, not a page"
    )


def test_narrow_cast_message(facts: Facts) -> None:
    assert narrow.cast_message(facts, "anon_folio", "folio", "f") == (
        "cast from folio to anon_folio skips the predicate that establishes it; narrow it instead: "
        "`if folio_test_anon(f):`"
    )
    assert narrow.cast_message(facts, "head_page", "page", "it") == (
        "cast from page to head_page skips the predicate that establishes it; narrow it instead: `if PageHead(it):`"
    )
    assert narrow.cast_message(facts, "compound_page", "page", "p") == (
        "cast from page to compound_page skips the predicate that establishes it"
    )


# -- memdesc-return -------------------------------------------------------------------------

ALLOC_PAGES = Shape(params=(("gfp", None), ("order", None)), returns="Page | None")
FOLIO_ADD = Shape(params=(("folio", "AnonFolio"), ("page", "Page"), ("nr", None)), returns=None)


def test_signature_matching_has_no_problem() -> None:
    assert returns.signature_problems("alloc_pages", ALLOC_PAGES, ALLOC_PAGES) == []
    renamed = Shape(params=(("f", "AnonFolio"), ("p", "Page"), ("n", None)), returns=None)
    assert returns.signature_problems("folio_add", FOLIO_ADD, renamed) == []


def test_signature_return_differs() -> None:
    implemented = Shape(params=(("gfp", None), ("order", None)), returns="Folio | None")
    assert returns.signature_problems("alloc_pages", ALLOC_PAGES, implemented) == [
        'alloc_pages() must return "Page | None" as the ontology declares, not "Folio | None"'
    ]
    untyped = Shape(params=(("gfp", None), ("order", None)), returns=None)
    assert returns.signature_problems("alloc_pages", ALLOC_PAGES, untyped) == [
        'alloc_pages() must return "Page | None" as the ontology declares, not "no descriptor type"'
    ]


def test_signature_param_differs() -> None:
    implemented = Shape(params=(("f", "Folio"), ("p", None), ("nr", None)), returns=None)
    assert returns.signature_problems("folio_add", FOLIO_ADD, implemented) == [
        'folio_add() parameter 1 "f" must be "AnonFolio" as the ontology declares, not "Folio"',
        'folio_add() parameter 2 "p" must be "Page" as the ontology declares, not "no descriptor type"',
    ]


def test_signature_missing_param() -> None:
    implemented = Shape(params=(("folio", "AnonFolio"),), returns=None)
    assert returns.signature_problems("folio_add", FOLIO_ADD, implemented) == [
        'folio_add() is missing parameter 2 "page" of type "Page"'
    ]


def test_signature_ignores_non_descriptor_positions() -> None:
    # Whatever sits where the declaration has no descriptor (or nothing at all) is not this rule's business.
    implemented = Shape(params=(("gfp", "Folio"),), returns="Page | None")
    assert returns.signature_problems("alloc_pages", ALLOC_PAGES, implemented) == []
    extra = Shape(params=(("folio", "AnonFolio"), ("page", "Page"), ("nr", "Slab"), ("more", "Page")), returns="Page")
    assert returns.signature_problems("folio_add", FOLIO_ADD, extra) == []


def test_signature_return_then_params_in_order() -> None:
    declared = Shape(params=(("page", "Page"), ("folio", "Folio")), returns="Slab")
    implemented = Shape(params=(("page", "Folio"),), returns="Page")
    assert returns.signature_problems("f", declared, implemented) == [
        'f() must return "Slab" as the ontology declares, not "Page"',
        'f() parameter 1 "page" must be "Page" as the ontology declares, not "Folio"',
        'f() is missing parameter 2 "folio" of type "Folio"',
    ]


# -- memdesc-deprecated ---------------------------------------------------------------------


def test_deprecated_message(facts: Facts) -> None:
    assert (
        deprecated.deprecated_message(facts, "put_page") == "put_page() is page-based; the kernel prefers folio_put()"
    )
    assert deprecated.deprecated_message(facts, "folio_put") is None  # declared, no replacement
    assert deprecated.deprecated_message(facts, "my_helper") is None  # not declared


# -- wording --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("noun", "phrase"),
    [
        ("folio", "a folio"),
        ("anon_folio", "an anon_folio"),
        ("unaccepted_page", "an unaccepted_page"),
        ("ksm_folio", "a ksm_folio"),
        ("Inode", "an Inode"),
        ("Page", "a Page"),
    ],
)
def test_article(noun: str, phrase: str) -> None:
    assert wording.a(noun) == phrase
