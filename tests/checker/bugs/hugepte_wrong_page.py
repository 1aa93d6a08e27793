# fmt: off
"""powerpc's get_hugepte() dropped its references with put_page() on `page`, which the loop had
advanced past the head page, instead of on the head where they were taken.

Fixing commit: 405e44f2e312 "powerpc: get_hugepte() don't put_page() the wrong page" (Andrea
Arcangeli). File: arch/powerpc/mm/hugetlbpage.c.
Class: tail page used as head (refcount).
"""

from __future__ import annotations

from ontology.types import Page, compound_head, put_page

COMMIT = "405e44f2e312"
SUBJECT = "powerpc: get_hugepte() don't put_page() the wrong page"
FILE = "arch/powerpc/mm/hugetlbpage.c"
CLASS = "tail page used as head (refcount)"
OUT_OF_REACH = "arithmetic: the page is head + refs, pointer arithmetic the checker cannot follow (a model can only pass the result in)"


def hugepte_rollback_buggy(head: Page, advanced: Page) -> None:
    """`advanced` stands for head + refs: which page it is depends on arithmetic."""
    put_page(advanced)  # out-of-reach: page + k


def hugepte_rollback_fixed(head: Page, advanced: Page) -> None:
    put_page(compound_head(head))
