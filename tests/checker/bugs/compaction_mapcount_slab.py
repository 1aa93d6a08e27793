# fmt: off
"""isolate_migratepages_block() compared page_count() with page_mapcount() outside the LRU
lock; between its PageLRU() test and the mapcount read the page could be freed and taken by
slab, and page_mapcount()'s VM_BUG_ON_PAGE(PageSlab(page)) fired (kcompactd, about once a year
on one workload).

Fixing commit: 6988f31d558aa8c744464a7f6d91d34ada48ad12 "mm: remove VM_BUG_ON(PageSlab()) from
page_mapcount()" (Konstantin Khlebnikov; Fixes: 1d148e218a0d; stable backports quote it as
"Upstream commit"). Files: include/linux/mm.h, mm/compaction.c.
Class: field read in the wrong state (a slab page's mapcount, by a race).
"""

from __future__ import annotations

from ontology.types import PageLRU, folio_mapcount, page_count, page_folio, pfn_to_page

COMMIT = "6988f31d558aa8c744464a7f6d91d34ada48ad12"
SUBJECT = "mm: remove VM_BUG_ON(PageSlab()) from page_mapcount()"
FILE = "mm/compaction.c"
CLASS = "field read in the wrong state (slab page's mapcount, race)"
OUT_OF_REACH = "race: the page was on the LRU when tested and became a slab page on another CPU before its mapcount was read"


def pinned_check_buggy(pfn: int) -> bool:
    page = pfn_to_page(pfn)
    if not PageLRU(page):
        return False
    return page_count(page) > folio_mapcount(page_folio(page))  # out-of-reach: freed and reused by slab between the two reads


def pinned_check_fixed(pfn: int) -> bool:
    """The fix keeps the unlocked read and drops the assertion: a wrong answer here only
    skips or tries a page, which the locked checks that follow catch."""
    page = pfn_to_page(pfn)
    if not PageLRU(page):
        return False
    return page_count(page) > folio_mapcount(page_folio(page))
