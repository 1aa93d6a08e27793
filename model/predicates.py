"""Bit-level predicates, as page-flags.h and mm.h define them, registered for ontology.types.

Each reads mem_map words exactly as the kernel's macro reads struct page. Those that establish
a refinement are also registered with the view layer, so a view's runtime class is AnonFolio
exactly when folio_test_anon() reads the anon bit (ontology.runtime.test checks the agreement
at every call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from model import pageflags as pf
from model.machine import Machine, current
from model.memmap import MAPPING
from model.page_alloc import pfn_of
from model.views import View, register_refinement
from ontology.runtime import implement
from ontology.types import Folio, Page

ZERO_PFNS: set[int] = set()
"""PFNs of the shared zero pages (set when a machine sets up its zero page)."""


def _m(view: Any) -> Machine:
    return current()


def _head(view: Any) -> int:
    return _m(view).compound_head_pfn(pfn_of(view))


def _flag(bit: int) -> Callable[[Any], bool]:
    def test(view: Any) -> bool:
        return _m(view).test_flag(pfn_of(view), bit)

    return test


def _folio_flag(bit: int) -> Callable[[Any], bool]:
    """PF_ANY/PF_HEAD flags tested on the folio's head page."""

    def test(view: Any) -> bool:
        return _m(view).test_flag(_head(view), bit)

    return test


def _page_type(pgty: int, on_folio: bool = False) -> Callable[[Any], bool]:
    def test(view: Any) -> bool:
        pfn = _head(view) if on_folio else pfn_of(view)
        return _m(view).page_type(pfn) == pgty

    return test


def mapping_bits(pfn: int) -> int:
    return current().mem.get(pfn, MAPPING) & pf.FOLIO_MAPPING_FLAGS


def folio_test_anon(folio: Folio) -> bool:
    return bool(mapping_bits(pfn_of(folio)) & pf.FOLIO_MAPPING_ANON)


def folio_test_ksm(folio: Folio) -> bool:
    return mapping_bits(pfn_of(folio)) == pf.FOLIO_MAPPING_KSM


def folio_test_file(folio: Folio) -> bool:
    """memdesc's derived predicate: not anonymous, and ->mapping names an address_space."""
    raw = current().mem.get(pfn_of(folio), MAPPING)
    return raw != 0 and not raw & pf.FOLIO_MAPPING_ANON


def folio_test_large(folio: Folio) -> bool:
    return _m(folio).is_head(pfn_of(folio))


def folio_test_swapcache(folio: Folio) -> bool:
    machine = _m(folio)
    return machine.test_flag(pfn_of(folio), pf.PG_swapbacked) and machine.test_flag(pfn_of(folio), pf.PG_swapcache)


def page_tail(page: Any) -> bool:
    return _head(page) != pfn_of(page)


def page_compound(page: Any) -> bool:
    return _m(page).is_head(pfn_of(page)) or page_tail(page)


def page_highmem(page: Any) -> bool:
    return _m(page).zone_of(pfn_of(page)).highmem


def _is_zero_pfn(pfn: int) -> bool:
    """The zero page is PageReserved; the flag keeps a PFN recorded by an earlier machine from counting."""
    return pfn in ZERO_PFNS and current().test_flag(pfn, pf.PG_reserved)


def is_zero_page(page: Page) -> bool:
    return _is_zero_pfn(pfn_of(page))


def is_zero_folio(folio: Folio) -> bool:
    """mm.h: is_zero_page(&folio->page)."""
    return _is_zero_pfn(pfn_of(folio))


def page_pool_page_is_pp(page: Page) -> bool:
    """mm.h: (page->pp_magic & PP_MAGIC_MASK) == PP_SIGNATURE; pp_magic is word 1 (lru.next)."""
    return (current().mem.get_long(pfn_of(page), 1) & pf.PP_MAGIC_MASK) == pf.PP_SIGNATURE


def never(view: Any) -> bool:
    """ZONE_DEVICE memory and huge zero folios: not modelled, never true."""
    return False


PREDICATES: dict[str, tuple[Callable[[Any], bool], str | None, str]] = {
    # name: (implementation, refinement it establishes, struct it takes)
    "folio_test_anon": (folio_test_anon, "anon_folio", "folio"),
    "folio_test_ksm": (folio_test_ksm, "ksm_folio", "folio"),
    "folio_test_file": (folio_test_file, "file_folio", "folio"),
    "folio_test_large": (folio_test_large, "large_folio", "folio"),
    "folio_test_hugetlb": (_page_type(pf.PGTY_hugetlb), "hugetlb_folio", "folio"),
    "folio_test_large_kmalloc": (_page_type(pf.PGTY_large_kmalloc), "large_kmalloc_folio", "folio"),
    "folio_test_lru": (_flag(pf.PG_lru), "lru_folio", "folio"),
    "folio_test_swapcache": (folio_test_swapcache, "swapcache_folio", "folio"),
    "is_zero_folio": (is_zero_folio, "zero_folio", "folio"),
    "is_huge_zero_folio": (never, "huge_zero_folio", "folio"),
    "folio_is_zone_device": (never, "zone_device_folio", "folio"),
    "folio_test_slab": (_page_type(pf.PGTY_slab), "slab_folio", "folio"),
    "folio_test_dirty": (_flag(pf.PG_dirty), None, "folio"),
    "folio_test_uptodate": (_flag(pf.PG_uptodate), None, "folio"),
    "folio_test_locked": (_flag(pf.PG_locked), None, "folio"),
    "folio_test_active": (_flag(pf.PG_active), None, "folio"),
    "folio_test_referenced": (_flag(pf.PG_referenced), None, "folio"),
    "folio_test_swapbacked": (_flag(pf.PG_swapbacked), None, "folio"),
    "folio_test_writeback": (_flag(pf.PG_writeback), None, "folio"),
    "folio_test_head": (folio_test_large, None, "folio"),
    "PageBuddy": (_page_type(pf.PGTY_buddy), "buddy_page", "page"),
    "PageHead": (lambda page: _m(page).is_head(pfn_of(page)), "head_page", "page"),
    "PageTail": (page_tail, "tail_page", "page"),
    "PageCompound": (page_compound, "compound_page", "page"),
    "PageHighMem": (page_highmem, "highmem_page", "page"),
    "PageSlab": (_page_type(pf.PGTY_slab, on_folio=True), "slab_page", "page"),
    "PageTable": (_page_type(pf.PGTY_table), "table_page", "page"),
    "PageZsmalloc": (_page_type(pf.PGTY_zsmalloc), "zsmalloc_page", "page"),
    "PageOffline": (_page_type(pf.PGTY_offline), "offline_page", "page"),
    "PageGuard": (_page_type(pf.PGTY_guard), "guard_page", "page"),
    "PageUnaccepted": (_page_type(pf.PGTY_unaccepted), "unaccepted_page", "page"),
    "is_zero_page": (is_zero_page, "zero_page", "page"),
    "is_zone_device_page": (never, "zone_device_page", "page"),
    "page_pool_page_is_pp": (page_pool_page_is_pp, "page_pool_page", "page"),
    "PageAnon": (lambda page: bool(mapping_bits(_head(page)) & pf.FOLIO_MAPPING_ANON), None, "page"),
    "PageLRU": (_folio_flag(pf.PG_lru), None, "page"),
    "PageUptodate": (_folio_flag(pf.PG_uptodate), None, "page"),
    "PageReserved": (_flag(pf.PG_reserved), None, "page"),
}


for _name, (_test, _refinement, _struct) in PREDICATES.items():
    implement(_name)(_test)
    if _refinement is not None:
        register_refinement(_struct, _refinement, _test)


def refinements_hold(view: View) -> list[str]:
    """The refinements whose predicates hold for `view` now (for tests and debugging)."""
    return sorted(
        refinement
        for _, (test, refinement, struct) in PREDICATES.items()
        if refinement and struct == view._struct and test(view)
    )
