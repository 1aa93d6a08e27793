# fmt: off
"""Mapping a new anonymous folio in Linux 7.3.4's mm/rmap.c (Debian linux-source-7.3
7.3.4-1~bpo13+1), transliterated with CONFIG_PAGE_MAPCOUNT=y (Debian's config); `_7_3` names
keep them from standing for the kernel's own."""

from __future__ import annotations

from ontology.types import (
    Folio,
    SetPageAnonExclusive,
    folio_large_nr_pages,
    folio_page,
    folio_set_swapbacked,
    folio_test_large,
    folio_test_pmd_mappable,
    folio_test_swapbacked,
)

ENTIRELY_MAPPED = 0x800000  # mm/internal.h (7.3.4)


def folio_add_new_anon_rmap_7_3(folio: Folio, index: int, exclusive: bool) -> int:
    """mm/rmap.c folio_add_new_anon_rmap() (7.3.4). __folio_set_anon() is reduced to the index
    store (the anon_vma pointer with FOLIO_MAPPING_ANON cannot be written as an AddressSpace),
    folio_set_large_mapcount() to its `_large_mapcount = nr - 1` (CONFIG_MM_ID's mm ids left
    out), and the statistics are left out. Returns the number of pages mapped."""
    nr = 1
    if not folio_test_swapbacked(folio):
        folio_set_swapbacked(folio)
    folio.index = index
    if not folio_test_large(folio):
        folio._mapcount = 0
        if exclusive:
            SetPageAnonExclusive(folio_page(folio, 0))
    elif not folio_test_pmd_mappable(folio):
        nr = folio_large_nr_pages(folio)
        for i in range(nr):
            page = folio_page(folio, i)
            page._mapcount = 0
            if exclusive:
                SetPageAnonExclusive(page)
        folio._large_mapcount = nr - 1
        folio._nr_pages_mapped = nr
    else:
        nr = folio_large_nr_pages(folio)
        folio._entire_mapcount = 0
        folio._large_mapcount = 0
        folio._nr_pages_mapped = ENTIRELY_MAPPED
        if exclusive:
            SetPageAnonExclusive(folio_page(folio, 0))
    return nr
