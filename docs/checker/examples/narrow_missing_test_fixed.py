"""memdesc-narrow, fixed: test first; inside the `if`, mypy knows the refinement (TypeIs)."""

from __future__ import annotations

from ontology.types import (
    Folio,
    VmAreaStruct,
    folio_add_anon_rmap_pte,
    folio_add_file_rmap_pte,
    folio_page,
    folio_put,
    folio_test_anon,
    folio_test_hugetlb,
    free_huge_folio,
)


def map_one_more(folio: Folio, vma: VmAreaStruct, address: int) -> None:
    if folio_test_anon(folio):
        folio_add_anon_rmap_pte(folio, folio_page(folio, 0), vma, address, 0)
    else:
        folio_add_file_rmap_pte(folio, folio_page(folio, 0), vma)


def release(folio: Folio) -> None:
    if folio_test_hugetlb(folio):
        free_huge_folio(folio)
    else:
        folio_put(folio)
