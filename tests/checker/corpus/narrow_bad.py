# fmt: off
"""memdesc-narrow: refinements used without their predicate, by call or by cast."""

from __future__ import annotations

from typing import cast

from ontology.types import (
    AnonFolio,
    Folio,
    HeadPage,
    KsmFolio,
    Page,
    VmAreaStruct,
    folio_add_anon_rmap_pte,
    folio_test_anon,
    page_folio,
)


def takes_anon(folio: AnonFolio) -> None: ...


def calls(f: Folio, page: Page, vma: VmAreaStruct) -> None:
    takes_anon(f)  # E: [memdesc-narrow] takes_anon() needs parameter 'folio' to be an anon_folio, not a folio; narrow it first: `if folio_test_anon(f):`
    folio_add_anon_rmap_pte(page_folio(page), page, vma, 0, 0)  # E: [memdesc-narrow] folio_add_anon_rmap_pte() needs parameter 'folio' to be an anon_folio, not a folio; narrow it first: `if folio_test_anon(folio):`
    if folio_test_anon(f):
        takes_anon(f)
    else:
        takes_anon(f)  # E: [memdesc-narrow] takes_anon() needs parameter 'folio' to be an anon_folio, not a folio; narrow it first: `if folio_test_anon(f):`


def casts(folio: Folio, page: Page, anon: AnonFolio) -> None:
    print(cast(AnonFolio, folio))  # E: [memdesc-narrow] cast from folio to anon_folio skips the predicate that establishes it; narrow it instead: `if folio_test_anon(folio):`
    print(cast(HeadPage, page))  # E: [memdesc-narrow] cast from page to head_page skips the predicate that establishes it; narrow it instead: `if PageHead(page):`
    print(cast(KsmFolio, anon))  # E: [memdesc-narrow] cast from anon_folio to ksm_folio skips the predicate that establishes it; narrow it instead: `if folio_test_ksm(anon):`
    print(cast(AnonFolio, page_folio(page)))  # E: [memdesc-narrow] cast from folio to anon_folio skips the predicate that establishes it; narrow it instead: `if folio_test_anon(it):`
