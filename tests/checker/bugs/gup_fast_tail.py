# fmt: off
"""GUP-fast took its speculative reference on a PTE-mapped THP's tail page, whose own refcount
is always 0, instead of on the head page.

Fixing commit: 7aef4172c795 "mm: handle PTE-mapped tail pages in gerneric fast gup
implementaiton" (Kirill A. Shutemov, 4.5). File: mm/gup.c (gup_pte_range).
Class: tail page used as head (refcount).

Missed: the buggy code called page_cache_get_speculative(page), whose contract is sourced:
include/linux/pagemap.h asserted VM_BUG_ON_PAGE(PageTail(page), page) after the speculative get
(in page_cache_get_speculative() itself in 4.x, in __page_cache_add_speculative() in a 5.8-era
copy in the search index). That function is gone from every release the ontology covers (no
page_cache_get_speculative in 6.1.192's pagemap.h or later): by then the speculative get took
a folio (folio_try_get_rcu() in 6.1.192's page_ref.h, folio_try_get() in 7.3.4), whose folio
parameter carries the head-only contract as a type. The model writes the get in words of the
covered releases, get_page_unless_zero(), which the kernel calls on pages that may be tails on
purpose (folio_get_nontail_page() in 7.3.4's mm.h, used on pfn_to_page() pages by
mm/migrate_device.c and mm/compaction.c, relies on it failing there): the call is legal and its
result (always false on a tail) is a value. Seeing it needs the 4.x-5.x contract, from before
the data's first release (6.1).
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
    return get_page_unless_zero(page)  # missed: the head-only contract was page_cache_get_speculative()'s (4.x-5.x), before the data's releases


def gup_pte_fixed(pfn: int) -> bool:
    page = pfn_to_page(pfn)
    return get_page_unless_zero(compound_head(page))
