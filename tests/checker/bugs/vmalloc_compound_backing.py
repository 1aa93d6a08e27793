# fmt: off
"""fb_deferred_io_fault() set ->mapping and ->index on a page of a huge vmalloc area, whose
backing pages were the subpages (tail pages) of one __GFP_COMP allocation.

Fixing commit: 3b8000ae185c "mm/vmalloc: huge vmalloc backing pages
should be split rather than compound" (Nicholas Piggin, 5.18). Files: mm/vmalloc.c (the
allocation), drivers/video/fbdev/core/fb_defio.c (the user of ->lru, ->mapping, ->index).
Class: fields of a tail page written (mapping, index).

The model writes the compound allocation's page n as folio_page(folio, n), which is what
`page + n` of a compound page is.
"""

from __future__ import annotations

from ontology.types import AddressSpace, Folio, alloc_page, folio_page, get_page

COMMIT = "3b8000ae185c"
SUBJECT = "mm/vmalloc: huge vmalloc backing pages should be split rather than compound"
FILE = "mm/vmalloc.c, drivers/video/fbdev/core/fb_defio.c"
CLASS = "field of a tail page (mapping, index)"
OUT_OF_REACH = ""


def defio_fault_buggy(backing: Folio, offset: int, mapping: AddressSpace) -> None:
    page = folio_page(backing, offset)
    get_page(page)
    page.mapping = mapping  # expect: memdesc-field
    page.__folio_index = offset  # expect: memdesc-field


def defio_fault_fixed(gfp: int, offset: int, mapping: AddressSpace) -> None:
    """After the fix each backing page is an order-0 page of a split allocation."""
    page = alloc_page(gfp)
    if page is None:
        return
    get_page(page)
    page.mapping = mapping
    page.__folio_index = offset
