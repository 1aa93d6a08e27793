"""memdesc-field, fixed: reach the descriptor that owns the field through a registered conversion."""

from __future__ import annotations

from ontology.types import Folio, Page, Slab, folio_slab, folio_test_slab, page_ptdesc


def slab_cache_of(slab: Slab) -> None:
    print(slab.slab_cache)


def folio_cache(folio: Folio) -> None:
    if folio_test_slab(folio):
        print(folio_slab(folio).slab_cache)


def clear_table_owner(page: Page) -> None:
    page_ptdesc(page).pt_mm = None
