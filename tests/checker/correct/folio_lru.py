# fmt: off
"""Freeing and LRU moves of folios in Linux 7.3.4's mm/folio.c (Debian linux-source-7.3
7.3.4-1~bpo13+1; the file was mm/swap.c before 7.3), transliterated; `_7_3` names keep them
from standing for the kernel's own."""

from __future__ import annotations

from ontology.types import (
    Folio,
    folio_is_zone_device,
    folio_order,
    folio_page,
    folio_test_active,
    folio_test_hugetlb,
    folio_test_lru,
    folio_test_unevictable,
    free_frozen_pages,
    free_huge_folio,
)


def __folio_put_7_3(folio: Folio) -> None:
    """mm/folio.c __folio_put() (7.3.4). free_zone_device_folio() (mm/memremap.c) and the LRU and
    memcg bookkeeping before the free (page_cache_release(), folio_unqueue_deferred_split(),
    mem_cgroup_uncharge()) are left out; &folio->page is folio_page(folio, 0)."""
    if folio_is_zone_device(folio):
        return
    if folio_test_hugetlb(folio):
        free_huge_folio(folio)
        return
    free_frozen_pages(folio_page(folio, 0), folio_order(folio))


def folio_activate_7_3(folio: Folio) -> bool:
    """mm/folio.c folio_activate() (7.3.4, CONFIG_SMP). Returns whether the folio is queued for
    lru_activate() by folio_batch_add_and_move()."""
    return not (folio_test_active(folio) or folio_test_unevictable(folio) or not folio_test_lru(folio))


def folio_deactivate_7_3(folio: Folio) -> bool:
    """mm/folio.c folio_deactivate() (7.3.4) without MGLRU (lru_gen_enabled() false). Returns
    whether the folio would be queued by folio_batch_add_and_move()."""
    if folio_test_unevictable(folio) or not folio_test_lru(folio):
        return False
    return folio_test_active(folio)
