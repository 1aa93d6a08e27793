"""memdesc-field, fixed: reach the descriptor that owns the field through a registered conversion."""

from __future__ import annotations

from ontology.types import Folio, Page, Slab, folio_page, page_ptdesc, page_slab


def slab_cache_of(slab: Slab) -> None:
    print(slab.slab_cache)


def folio_cache(folio: Folio) -> None:
    slab = page_slab(folio_page(folio, 0))  # NULL unless the folio is a slab (6.19+)
    if slab is not None:
        print(slab.slab_cache)


def clear_table_owner(page: Page) -> None:
    page_ptdesc(page).pt_mm = None
