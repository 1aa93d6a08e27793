# fmt: off
"""A compound page kept its destructor in page[1].mapping, so the first tail page's ->mapping
was a function pointer: set_page_dirty() of a page from get_user_pages() (Infiniband's
__ib_umem_release) took it for an address_space, and page_add_file_rmap() saw tail pages
that "purport to be PageAnon" (an odd destructor address sets the anon bit).

Fixing commit: 41d78ba55037468e6c86c53e3076d1a74841de39 "[PATCH] compound page: use
page[1].lru" (Hugh Dickins, 2.6.16). Files: mm/page_alloc.c, mm/hugetlb.c, mm/swap.c.
Class: field of a tail page read (mapping).

The buggy form reads ->mapping of the page a user mapping resolves to (folio_page() of a
large folio: a tail page for n >= 1), as set_page_dirty() did; the fixed form reads the
mapping where it lives today, in the folio (page_folio(page)->mapping).
"""

from __future__ import annotations

from ontology.types import AddressSpace, Folio, folio_page, page_folio

COMMIT = "41d78ba55037468e6c86c53e3076d1a74841de39"
SUBJECT = "[PATCH] compound page: use page[1].lru"
FILE = "mm/page_alloc.c"
CLASS = "field of a tail page read (mapping)"
OUT_OF_REACH = ""


def umem_release_dirty_buggy(folio: Folio, n: int) -> AddressSpace | None:
    page = folio_page(folio, n)
    return page.mapping  # expect: memdesc-field


def umem_release_dirty_fixed(folio: Folio, n: int) -> AddressSpace | None:
    page = folio_page(folio, n)
    return page_folio(page).mapping
