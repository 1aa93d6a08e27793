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
and a free to the page allocator, free_frozen_pages(&folio->page, folio_order(folio)) as 7.3.4's
__folio_put() (mm/folio.c) does; the fixed path tests folio_is_zone_device() first and leaves
such folios to folio_put(), whose __folio_put() gives them to their pgmap's free.

Seen through three sourced facts. The buddy frees require "not zone_device_page":
__init_zone_device_page() says "It is a bug if a ZONE_DEVICE page is ever freed" (mm/mm_init.c
of 6.1.192 and 7.3.4). put_page()'s callers may pass ZONE_DEVICE pages (its `accepts`: 7.3.4's
put_page() -> folio_put() -> __folio_put() gives them to free_zone_device_folio(), mm/folio.c);
each iteration of release_pages() is an open-coded put_page(), which the model says with
@implement("put_page"). And ZONE_DEVICE is a property of the memory (zone_device_page and
zone_device_folio are the same memory: every pfn of a device range gets its zone bits in
__init_zone_device_page()), so it crosses page_folio() and folio->page and survives the put.
"""

from __future__ import annotations

from ontology.runtime import implement
from ontology.types import (
    Page,
    folio_is_zone_device,
    folio_order,
    folio_put,
    folio_put_testzero,
    free_frozen_pages,
    page_folio,
)

COMMIT = "c5d6c45e90c49150670346967971e14576afd7f1"
SUBJECT = "mm/swap: fix release_pages() when releasing devmap pages"
FILE = "mm/swap.c"
CLASS = "ZONE_DEVICE page given the ordinary put"
OUT_OF_REACH = ""


@implement("put_page")
def release_page_buggy(page: Page) -> None:
    folio = page_folio(page)
    if folio_put_testzero(folio):
        free_frozen_pages(folio.page, folio_order(folio))  # expect: memdesc-narrow


@implement("put_page")
def release_page_fixed(page: Page) -> None:
    folio = page_folio(page)
    if folio_is_zone_device(folio):
        folio_put(folio)
        return
    if folio_put_testzero(folio):
        free_frozen_pages(folio.page, folio_order(folio))
