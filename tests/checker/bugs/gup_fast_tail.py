# fmt: off
"""GUP-fast took its speculative reference on a PTE-mapped THP's tail page, whose own refcount
is always 0, instead of on the head page.

Fixing commit: 7aef4172c795 "mm: handle PTE-mapped tail pages in gerneric fast gup
implementaiton" (Kirill A. Shutemov, 4.5). File: mm/gup.c (gup_pte_range).
Class: tail page used as head (refcount).

Missed: the checker cannot require "not a tail page" of get_page_unless_zero(): the kernel
calls it on pages that may be tails on purpose (folio_get_nontail_page() in 7.3.4's mm.h relies
on it failing there), so the call is legal and its result (always false on a tail) is a value.
"""

from __future__ import annotations

from ontology.types import compound_head, get_page_unless_zero, pfn_to_page

COMMIT = "7aef4172c795"
SUBJECT = "mm: handle PTE-mapped tail pages in gerneric fast gup implementaiton"
FILE = "mm/gup.c"
CLASS = "tail page used as head (refcount)"
OUT_OF_REACH = ""


def gup_pte_buggy(pfn: int) -> bool:
    page = pfn_to_page(pfn)
    return get_page_unless_zero(page)  # missed: a legal call whose result is always false on a tail page (a value)


def gup_pte_fixed(pfn: int) -> bool:
    page = pfn_to_page(pfn)
    return get_page_unless_zero(compound_head(page))
