# fmt: off
"""memory_failure() held its reference on the THP's head page; after split_huge_page() the
poisoned page, formerly a tail, had no reference of its own and could be freed under the
handler.

Fixing commit: a3e0f9e47d5e "mm/memory-failure.c: transfer page count from head page to tail
page after split thp" (Naoya Horiguchi, 3.14). File: mm/memory-failure.c.
Class: tail page used as head (refcount held on the wrong page).
"""

from __future__ import annotations

from ontology.types import Page, get_page, put_page

COMMIT = "a3e0f9e47d5e"
SUBJECT = "mm/memory-failure.c: transfer page count from head page to tail page after split thp"
FILE = "mm/memory-failure.c"
CLASS = "tail page used as head (reference on the wrong page after a split)"
OUT_OF_REACH = "runtime state: split_huge_page() turns a tail into an order-0 page at run time; which page holds the reference is a value"


def after_split_buggy(hpage: Page, p: Page) -> None:
    """Nothing moves the reference: the missing call is the bug."""
    print(hpage, p)  # out-of-reach: a missing transfer of a reference


def after_split_fixed(hpage: Page, p: Page) -> None:
    get_page(p)
    put_page(hpage)
