# fmt: off
"""page_count() on a page that is being made a tail page (or stops being one) could follow a
NULL or stale page->first_page: compound_head() raced with prep_compound_page().

Fixing commit: 668f9abbd433 "mm: close PageTail race" (David Rientjes, 3.14). Files:
include/linux/mm.h, include/linux/page-flags.h, mm/page_alloc.c.
Class: tail page used as head (racy compound_head()).
"""

from __future__ import annotations

from ontology.types import Page, compound_head, page_count

COMMIT = "668f9abbd433"
SUBJECT = "mm: close PageTail race"
FILE = "include/linux/mm.h"
CLASS = "tail page used as head (racy compound_head)"
OUT_OF_REACH = "race: the page becomes or stops being a tail page on another CPU between two reads"


def count_buggy(page: Page) -> int:
    return page_count(page)  # out-of-reach: race with prep_compound_page()


def count_fixed(page: Page) -> int:
    return page_count(compound_head(page))
