# fmt: off
"""md-bitmap stored its file offsets in page->index of pages it allocated itself, which are not
page-cache pages: ->index means nothing there.

Fixing commit: d7038f951828 "md-bitmap: don't use ->index for pages backing the bitmap file"
(Christoph Hellwig, 6.5). File: drivers/md/md-bitmap.c.
Class: field used in the wrong state (index of a page outside any page cache).
"""

from __future__ import annotations

from ontology.types import alloc_page

COMMIT = "d7038f951828"
SUBJECT = "md-bitmap: don't use ->index for pages backing the bitmap file"
FILE = "drivers/md/md-bitmap.c"
CLASS = "field used in the wrong state (index outside the page cache)"
OUT_OF_REACH = "value: the ontology has no state for a page that belongs to no page cache (an order-0 allocation's index is a legal word)"


def bitmap_page_buggy(gfp: int, index: int) -> None:
    page = alloc_page(gfp)
    if page is None:
        return
    page.__folio_index = index  # out-of-reach: no state says the page is outside a page cache


def bitmap_page_fixed(gfp: int, index: int) -> int:
    page = alloc_page(gfp)
    return index if page is not None else -1
