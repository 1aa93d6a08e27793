"""memdesc-narrow for a state a caller may pass: the page allocator must never get a ZONE_DEVICE page.

A real bug: release_pages(), an open-coded loop of put_page(), sent every ZONE_DEVICE page but
DEVICE_PUBLIC ones down the ordinary path to the page allocator. Fixed by c5d6c45e90c4
"mm/swap: fix release_pages() when releasing devmap pages" (mm/swap.c, 5.3). The facts: the
buddy frees require "not zone_device_page" ("It is a bug if a ZONE_DEVICE page is ever freed",
mm/mm_init.c); put_page()'s callers may pass ZONE_DEVICE pages (7.3.4's __folio_put() gives them
to free_zone_device_folio()), so a model that implements put_page() starts with that; and
ZONE_DEVICE is a property of the memory, carried through page_folio() and folio->page and past
the put.
"""

from __future__ import annotations

from ontology.runtime import implement
from ontology.types import Page, folio_order, folio_put_testzero, free_frozen_pages, page_folio


@implement("put_page")
def release_page(page: Page) -> None:
    folio = page_folio(page)
    if folio_put_testzero(folio):
        free_frozen_pages(folio.page, folio_order(folio))  # E: [memdesc-narrow] free_frozen_pages() requires "page" to be not a zone_device_page; "folio.page" may be a zone_device_page (it comes from a caller of put_page()): test it first (if is_zone_device_page(folio.page): ...)

# ruff: noqa: E501 - the expected messages above are long; tests/docs/test_checker_examples.py reads them
