"""Hand-built checker facts for the rule tests: a small metadata dict shaped like the one the plugin
stores from `ontology.types._OntologyFacts` (`ontology.facttable`'s format, tuples become lists),
so each expectation can be worked out by hand."""

from __future__ import annotations

import copy
from typing import Any

from checker.facts import Facts

PAGE_FIELDS = ["flags", "mapping", "compound_head"]
FOLIO_FIELDS = ["flags", "mapping", "index"]


def field_rows(owner: str, names: list[str]) -> list[list[Any]]:
    """One word-sized field a row: owner, name, offset, size, bit offset, bit size, C type."""
    return [[owner, name, 8 * index, 8, None, None, "unsigned long"] for index, name in enumerate(names)]


METADATA: dict[str, Any] = {
    "kernel": "6.18",
    "types": [
        ["page", "Page", "struct", "page", "", "page"],
        ["folio", "Folio", "struct", "folio", "", "folio"],
        ["slab", "Slab", "struct", "slab", "", "slab"],
        ["netmem_desc", "NetmemDesc", "struct", "netmem_desc", "", "netmem_desc"],
        ["page_32b", "Page32b", "proposed", "page_32b", "", ""],
        ["anon_folio", "AnonFolio", "refinement", "folio", "folio_test_anon", ""],
        ["ksm_folio", "KsmFolio", "refinement", "folio", "folio_test_ksm", ""],
        ["head_page", "HeadPage", "refinement", "page", "PageHead", ""],
        ["tail_page", "TailPage", "refinement", "page", "PageTail", ""],
        ["compound_page", "CompoundPage", "refinement", "page", "", ""],
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
        ["put_page", "free", "folio_put", ""],
        ["folio_put", "free", "", ""],
        ["alloc_pages", "alloc", "", "alloc_pages_noprof"],
    ],
    # Stored by the plugin from the declarations: positional-only names, which mypy's cache drops.
    "parameters": {"page_folio": ["page"], "alloc_pages": ["gfp", "order"]},
}


def facts_without(*conversions: str) -> Facts:
    data = copy.deepcopy(METADATA)
    data["conversions"] = [c for c in data["conversions"] if c[0] not in conversions]
    return Facts.from_metadata(data)
