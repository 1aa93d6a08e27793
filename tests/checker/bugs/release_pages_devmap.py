# fmt: off
"""release_pages(), an open-coded loop of put_page(), handed only DEVICE_PUBLIC pages to
put_devmap_managed_page(); the other ZONE_DEVICE pages (FS DAX, device private, P2PDMA) went
down the ordinary path, put_page_testzero() and the page allocator's free list, skipping the
put their owner needs.

Fixing commit: c5d6c45e90c49150670346967971e14576afd7f1 "mm/swap: fix release_pages() when
releasing devmap pages" (Ira Weiny, 5.3; the 4.19 and 5.2 stable backports quote it as
"Upstream commit"). File: mm/swap.c (release_pages).
Class: refinement used without its predicate (ZONE_DEVICE page through the ordinary put).

The model writes the loop body in today's words: the ordinary path is folio_put_testzero()
and a free to the page allocator (free_frozen_pages() of 7.3.4's mm/page_alloc.c); the fixed
path tests folio_is_zone_device() first and leaves such folios to folio_put(), whose
__folio_put() gives them to their pgmap's free.
"""

from __future__ import annotations

from ontology.types import (
    Page,
    folio_is_zone_device,
    folio_order,
    folio_page,
    folio_put,
    folio_put_testzero,
    page_folio,
)

COMMIT = "c5d6c45e90c49150670346967971e14576afd7f1"
SUBJECT = "mm/swap: fix release_pages() when releasing devmap pages"
FILE = "mm/swap.c"
CLASS = "ZONE_DEVICE page given the ordinary put"
OUT_OF_REACH = ""


def free_to_buddy(page: Page, order: int) -> None:
    """Stands for the page allocator's free (free_unref_page_list() in 5.2)."""
    print(page, order)


def release_page_buggy(page: Page) -> None:
    folio = page_folio(page)
    if folio_put_testzero(folio):
        free_to_buddy(folio_page(folio, 0), folio_order(folio))  # missed: no contract says the buddy free must not get a ZONE_DEVICE page


def release_page_fixed(page: Page) -> None:
    folio = page_folio(page)
    if folio_is_zone_device(folio):
        folio_put(folio)
        return
    if folio_put_testzero(folio):
        free_to_buddy(folio_page(folio, 0), folio_order(folio))
