# fmt: off
"""Write-fault reuse of an anonymous folio in Linux 7.3.4's mm/memory.c (Debian
linux-source-7.3 7.3.4-1~bpo13+1), transliterated; `_7_3` names keep them from standing for
the kernel's own."""

from __future__ import annotations

from ontology.types import (
    AnonFolio,
    VmAreaStruct,
    folio_free_swap,
    folio_move_anon_rmap,
    folio_ref_count,
    folio_test_ksm,
    folio_test_large,
    folio_test_lru,
    folio_test_swapcache,
    folio_trylock,
    folio_unlock,
    lru_add_drain,
)


def wp_can_reuse_anon_folio_7_3(folio: AnonFolio, vma: VmAreaStruct) -> bool:
    """mm/memory.c wp_can_reuse_anon_folio() (7.3.4). Its one caller, do_wp_page(), calls it
    after folio_test_anon(folio), hence AnonFolio; the large-folio path,
    __wp_can_reuse_large_anon_folio(), is left out (False here)."""
    maybe_in_lru_cache = not folio_test_lru(folio)
    in_swapcache = folio_test_swapcache(folio)
    if folio_test_large(folio):
        return False
    if folio_test_ksm(folio) or folio_ref_count(folio) > 1 + maybe_in_lru_cache + in_swapcache:
        return False
    if maybe_in_lru_cache:
        lru_add_drain()
    if folio_ref_count(folio) > 1 + in_swapcache:
        return False
    if not folio_trylock(folio):
        return False
    if folio_test_swapcache(folio):
        folio_free_swap(folio)
    if folio_test_ksm(folio) or folio_ref_count(folio) != 1:
        folio_unlock(folio)
        return False
    folio_move_anon_rmap(folio, vma)
    folio_unlock(folio)
    return True
