# fmt: off
"""A pfn walker's free: pfn_to_page() may give a ZONE_DEVICE page, which the page allocator must
never get ("It is a bug if a ZONE_DEVICE page is ever freed", mm/mm_init.c of 6.1.192 and 7.3.4):
__free_pages() requires "not zone_device_page" as well as "not tail_page"."""

from __future__ import annotations

from ontology.types import PageTail, __free_pages, is_zone_device_page, pfn_to_page


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
