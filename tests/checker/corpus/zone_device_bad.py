# fmt: off
"""A pfn walker's free: pfn_to_page() may give a ZONE_DEVICE page, which the page allocator must
never get ("It is a bug if a ZONE_DEVICE page is ever freed", mm/mm_init.c of 6.1.192 and 7.3.4):
__free_pages() requires "not zone_device_page" as well as "not tail_page"."""

from __future__ import annotations

from ontology.runtime import implement
from ontology.types import (
    Folio,
    PageTail,
    __free_pages,
    folio_is_zone_device,
    folio_order,
    folio_put_testzero,
    is_zone_device_page,
    page_folio,
    pfn_to_page,
)


def frees_any_head(pfn: int) -> None:
    page = pfn_to_page(pfn)
    if PageTail(page):
        return
    __free_pages(page, 0)  # E: [memdesc-narrow] __free_pages() requires "page" to be not a zone_device_page; "page" may be a zone_device_page (it comes from pfn_to_page()): test it first (if is_zone_device_page(page): ...)


def frees_no_device_page(pfn: int) -> None:
    page = pfn_to_page(pfn)
    if PageTail(page) or is_zone_device_page(page):
        return
    __free_pages(page, 0)


@implement("folio_put")
def put_without_the_device_test(folio: Folio) -> None:
    """folio_put()'s callers may pass a ZONE_DEVICE folio; it stays one through the put and in folio->page."""
    if folio_put_testzero(folio):
        __free_pages(folio.page, folio_order(folio))  # E: [memdesc-narrow] __free_pages() requires "page" to be not a zone_device_page; "folio.page" may be a zone_device_page (it comes from a caller of folio_put()): test it first (if is_zone_device_page(folio.page): ...)


@implement("folio_put")
def put_after_the_device_test(folio: Folio) -> None:
    if folio_is_zone_device(folio):
        return
    if folio_put_testzero(folio):
        __free_pages(folio.page, folio_order(folio))


def not_an_implementation(folio: Folio) -> None:
    """A plain parameter is taken to be what its function needs."""
    if folio_put_testzero(folio):
        __free_pages(folio.page, folio_order(folio))


def the_head_of_a_device_page(pfn: int) -> None:
    """page_folio() keeps what the memory is: the folio of a ZONE_DEVICE page is a ZONE_DEVICE folio."""
    folio = page_folio(pfn_to_page(pfn))
    __free_pages(folio.page, 0)  # E: [memdesc-narrow] __free_pages() requires "page" to be not a zone_device_page; "folio.page" may be a zone_device_page (it comes from pfn_to_page()): test it first (if is_zone_device_page(folio.page): ...)
