"""memdesc-narrow: a refinement is established by its predicate before it is used.

folio_add_anon_rmap_pte() is only for anonymous folios (the kernel warns when
!folio_test_anon(folio)), free_huge_folio() only for hugetlb ones. A folio is neither until the
predicate says so; a cast asserts it without looking at the flags.
"""

from __future__ import annotations

from typing import cast

from ontology.types import (
    AnonFolio,
    Folio,
    VmAreaStruct,
    folio_add_anon_rmap_pte,
    folio_hstate,
    folio_page,
    folio_test_hugetlb,
    folio_test_large,
    free_huge_folio,
)


def map_one_more(folio: Folio, vma: VmAreaStruct, address: int) -> None:
    folio_add_anon_rmap_pte(folio, folio_page(folio, 0), vma, address, 0)  # E: [memdesc-narrow] folio_add_anon_rmap_pte() needs parameter 'folio' to be an anon_folio, not a folio; narrow it first: `if folio_test_anon(folio):`


def map_one_more_cast(folio: Folio, vma: VmAreaStruct, address: int) -> None:
    anon = cast(AnonFolio, folio)  # E: [memdesc-narrow] cast from folio to anon_folio skips the predicate that establishes it; narrow it instead: `if folio_test_anon(folio):`
    folio_add_anon_rmap_pte(anon, folio_page(anon, 0), vma, address, 0)


def release(folio: Folio) -> None:
    free_huge_folio(folio)  # E: [memdesc-narrow] free_huge_folio() needs parameter 'folio' to be a hugetlb_folio, not a folio; narrow it first: `if folio_test_hugetlb(folio):`


def copy_huge(folio: Folio) -> None:
    """Before 30b0a105d9f7 migration copied a THP through copy_huge_page(), whose first line is
    page_hstate(): either test lets a large folio that is no hugetlb folio through."""
    if folio_test_hugetlb(folio) or folio_test_large(folio):
        folio_hstate(folio)  # E: [memdesc-narrow] folio_hstate() needs parameter 'folio' to be a hugetlb_folio, not a large_folio; narrow it first: `if folio_test_hugetlb(folio):`

# ruff: noqa: E501 - the expected messages above are long; tests/docs/test_checker_examples.py reads them
