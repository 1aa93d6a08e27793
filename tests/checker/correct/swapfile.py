# fmt: off
"""Freeing a folio's swap in Linux 7.3.4's mm/swapfile.c (Debian linux-source-7.3
7.3.4-1~bpo13+1), transliterated; `_7_3` names keep them from standing for the kernel's own."""

from __future__ import annotations

from ontology.types import Folio, folio_set_dirty, folio_test_swapcache, folio_test_writeback


def folio_swapcache_freeable_7_3(folio: Folio) -> bool:
    """mm/swapfile.c folio_swapcache_freeable() (7.3.4); pm_suspended_storage() is false."""
    if not folio_test_swapcache(folio):
        return False
    return not folio_test_writeback(folio)


def folio_free_swap_7_3(folio: Folio, swapped: bool) -> bool:
    """mm/swapfile.c folio_free_swap() (7.3.4); folio_maybe_swapped() is `swapped` and
    swap_cache_del_folio() is left out."""
    if not folio_swapcache_freeable_7_3(folio):
        return False
    if swapped:
        return False
    folio_set_dirty(folio)
    return True
