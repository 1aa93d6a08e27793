# fmt: off
"""page->mapping read on a slab page: compaction's isolate_movable_page() took a slab page's
slab_list word for a movable_operations pointer.

Fixing commit: 8b8817630ae80032e80b2eaf334de756ac1ff6a3 "mm/migrate: make isolate_movable_page()
skip slab pages" (Vlastimil Babka, 6.2 merge window; reported by Hugh Dickins, "amusing SLUB
compaction bug when CC_OPTIMIZE_FOR_SIZE", LKML 2022-09-28). File: mm/migrate.c.
Class: field read in the wrong state (slab).
"""

from __future__ import annotations

from ontology.types import PageSlab, PageTail, pfn_to_page

COMMIT = "8b8817630ae80032e80b2eaf334de756ac1ff6a3"
SUBJECT = "mm/migrate: make isolate_movable_page() skip slab pages"
FILE = "mm/migrate.c"
CLASS = "field read in the wrong state (slab page's mapping)"
OUT_OF_REACH = ""


def isolate_movable_buggy(pfn: int) -> bool:
    """Compaction walks pfns; __PageMovable() reads page->mapping of whatever page is there."""
    page = pfn_to_page(pfn)
    return page.mapping is not None  # expect: memdesc-field


def isolate_movable_fixed(pfn: int) -> bool:
    """The fix tests PageSlab() before reading ->mapping (compaction has skipped compound pages)."""
    page = pfn_to_page(pfn)
    if PageSlab(page) or PageTail(page):
        return False
    return page.mapping is not None
