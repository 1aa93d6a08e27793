# fmt: off
"""Isolating a hugetlb folio for migration and putting it back, in Linux 7.3.4's mm/hugetlb.c
(Debian linux-source-7.3 7.3.4-1~bpo13+1), transliterated without hugetlb_lock; `_7_3` names
keep them from standing for the kernel's own. list_move_tail(&folio->lru, ...) is represented
by reading folio->lru: the list itself is not modelled."""

from __future__ import annotations

from ontology.types import Folio, HugetlbFolio, ListHead, folio_hstate, folio_put, folio_test_hugetlb, folio_try_get


def folio_isolate_hugetlb_7_3(folio: Folio, lst: ListHead, migratable: bool) -> ListHead | None:
    """mm/hugetlb.c folio_isolate_hugetlb() (7.3.4): folio_test_hugetlb_migratable() is
    `migratable`, folio_clear_hugetlb_migratable() is left out. Returns the list entry moved to
    `lst`, or None when the folio is not isolated."""
    if not folio_test_hugetlb(folio) or not migratable or not folio_try_get(folio):
        return None
    return folio.lru


def folio_putback_hugetlb_7_3(folio: HugetlbFolio) -> None:
    """mm/hugetlb.c folio_putback_hugetlb() (7.3.4): its callers pass the folios
    folio_isolate_hugetlb() isolated, hence HugetlbFolio; folio_set_hugetlb_migratable() is
    left out, the move to folio_hstate(folio)->hugepage_activelist is reading both."""
    folio_hstate(folio)
    _ = folio.lru
    folio_put(folio)
