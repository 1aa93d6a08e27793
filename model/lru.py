"""LRU lists and reclaim (mm/swap.c, mm/vmscan.c), the classic two-list LRU without MGLRU.

Each node has one `Lruvec` with five lists (inactive/active anon and file, unevictable),
ordered dicts of folio head PFNs, oldest first. `folio_add_lru()` queues a folio on this CPU's
lru_add batch holding a reference; the batch moves to the lists when full, on
`lru_add_drain()`, or at once for a large folio. Being on a list is PG_lru: the runtime class
is LruFolio exactly then, so `folio_isolate_lru()`, which clears it, visibly changes the class.

`shrink_node()` reclaims from the inactive lists as vmscan's shrink_folio_list() does: a clean,
unmapped file folio leaves the page cache and is freed; an anonymous folio gets swap slots and
joins the swap cache (PG_swapcache, its anon ->mapping kept), is unmapped through rmap (its
PTEs become swap entries), written out, removed from the swap cache and freed. A folio with a
reference reclaim cannot account for (a pin, a get_user_pages reference) stays. The swap
cache and device (`SwapCache`) live in `model.pagecache`: the swap cache is a page cache
indexed by swap entry, and rmap and the fault path need it as much as reclaim does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from model import pageflags as pf
from model.machine import Machine, ModelError, PerMachine, current, model_object
from model.page_alloc import FREE_HOOKS, folio_get, folio_nr_pages, folio_put, folio_view, page_folio, pfn_of
from model.pagecache import (
    folio_mapping,
    folio_trylock,
    folio_unlock,
    swap_cache_del_folio,
    swap_writeout,
)
from model.rmap import TTU_BATCH_FLUSH, folio_mapped, try_to_unmap
from ontology import types
from ontology.runtime import implement
from ontology.types import Folio, Page

LRU_INACTIVE_ANON = 0
LRU_ACTIVE_ANON = 1
LRU_INACTIVE_FILE = 2
LRU_ACTIVE_FILE = 3
LRU_UNEVICTABLE = 4
LRU_NAMES = ("inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable")

FOLIO_BATCH_SIZE = 31
"""include/linux/pagevec.h: folios a per-CPU batch holds before it is moved to the lists."""


class Lruvec(types.Lruvec):
    """struct lruvec of one node: its LRU lists, each an ordered set of folio PFNs, oldest first."""

    def __init__(self, node: int):
        self.node = node
        self.lists: list[dict[int, None]] = [{} for _ in LRU_NAMES]

    def sizes(self) -> dict[str, int]:
        return {name: len(entries) for name, entries in zip(LRU_NAMES, self.lists, strict=True)}

    def __repr__(self) -> str:
        return f"<Lruvec node={self.node} {self.sizes()}>"


@dataclass
class LruState:
    """One machine's lruvecs and per-CPU lru_add batches (head PFNs)."""

    lruvecs: dict[int, Lruvec] = field(default_factory=dict)
    batches: dict[int, list[int]] = field(default_factory=dict)


def _new_lru_state(machine: Machine) -> LruState:
    return LruState(lruvecs={zone.node: Lruvec(zone.node) for zone in machine.zones})


lru_state = PerMachine(_new_lru_state)


def _test(folio: Folio, bit: int) -> bool:
    return current().test_flag(pfn_of(folio), bit)


def _set(folio: Folio, bit: int, on: bool = True) -> None:
    current().set_flag(pfn_of(folio), bit, on)


# -- lists ----------------------------------------------------------------------------------


def folio_lru_list(folio: Folio) -> int:
    """mm_inline.h: unevictable, else anon or file (by PG_swapbacked) plus active."""
    if _test(folio, pf.PG_unevictable):
        return LRU_UNEVICTABLE
    base = LRU_INACTIVE_ANON if _test(folio, pf.PG_swapbacked) else LRU_INACTIVE_FILE
    return base + _test(folio, pf.PG_active)


@implement
def folio_lruvec(folio: Folio) -> Lruvec:
    return lru_state().lruvecs[current().zone_of(pfn_of(folio)).node]


def _model_lruvec(lruvec: types.Lruvec) -> Lruvec:
    return model_object(lruvec, Lruvec, "an lruvec")


@implement
def lruvec_add_folio(lruvec: types.Lruvec, folio: Folio) -> None:
    """Put the folio at the young end of its list (the caller manages PG_lru)."""
    _model_lruvec(lruvec).lists[folio_lru_list(folio)][pfn_of(folio)] = None


@implement
def lruvec_del_folio(lruvec: types.Lruvec, folio: Folio) -> None:
    entries = _model_lruvec(lruvec).lists[folio_lru_list(folio)]
    if pfn_of(folio) not in entries:
        raise ModelError(f"folio pfn {pfn_of(folio)} is not on {LRU_NAMES[folio_lru_list(folio)]}")
    del entries[pfn_of(folio)]


def _lru_add(folio: Folio) -> None:
    """lru_add() + folio_set_lru() from folio_batch_move_lru()."""
    if _test(folio, pf.PG_lru):
        raise ModelError(f"folio pfn {pfn_of(folio)} is already on an LRU")  # VM_BUG_ON_FOLIO
    if _test(folio, pf.PG_mlocked):
        _set(folio, pf.PG_active, False)
        _set(folio, pf.PG_unevictable)
    lruvec_add_folio(folio_lruvec(folio), folio)
    _set(folio, pf.PG_lru)


def _move_batch(batch: list[int]) -> None:
    """folio_batch_move_lru(lru_add): onto the lists, then drop the batch's references."""
    pfns, batch[:] = list(batch), []
    for pfn in pfns:
        _lru_add(folio_view(pfn))
    for pfn in pfns:
        folio_put(folio_view(pfn))


@implement
def folio_add_lru(folio: Folio) -> None:
    """Queue the folio on this CPU's lru_add batch, with a reference; large folios go at once."""
    if _test(folio, pf.PG_lru):
        raise ModelError(f"folio_add_lru() on folio pfn {pfn_of(folio)} already on an LRU")  # VM_BUG_ON_FOLIO
    folio_get(folio)
    batch = lru_state().batches.setdefault(current().cpu, [])
    batch.append(pfn_of(folio))
    if len(batch) >= FOLIO_BATCH_SIZE or types.folio_test_large(folio):
        _move_batch(batch)


@implement
def folio_add_lru_vma(folio: Folio, vma: types.VmAreaStruct) -> None:
    """mlocked VMAs would make it unevictable; the model has none."""
    folio_add_lru(folio)


@implement
def lru_add_drain() -> None:
    """Move this CPU's lru_add batch onto the lists."""
    _move_batch(lru_state().batches.setdefault(current().cpu, []))


def lru_add_drain_all() -> None:
    for batch in lru_state().batches.values():
        _move_batch(batch)


@implement
def folio_isolate_lru(folio: Folio) -> bool:
    """Take the folio off its list for the caller, with a reference; False if it is not on one."""
    if current().refcount(pfn_of(folio)) <= 0:
        raise ModelError(f"folio_isolate_lru() on free folio pfn {pfn_of(folio)}")  # VM_BUG_ON_FOLIO
    if not _test(folio, pf.PG_lru):
        return False
    _set(folio, pf.PG_lru, False)  # folio_test_clear_lru()
    folio_get(folio)
    lruvec_del_folio(folio_lruvec(folio), folio)
    return True


@implement
def folio_putback_lru(folio: Folio) -> None:
    """Return an isolated folio to the LRU and drop the isolation reference."""
    folio_add_lru(folio)
    folio_put(folio)


def _move_on_lru(folio: Folio, bit: int, on: bool) -> None:
    """Change PG_active (or another list-selecting flag) of a folio on an LRU, moving it."""
    lruvec = folio_lruvec(folio)
    lruvec_del_folio(lruvec, folio)
    _set(folio, bit, on)
    lruvec_add_folio(lruvec, folio)


@implement
def folio_activate(folio: Folio) -> None:
    """To the active list (done at once, as a uniprocessor kernel does)."""
    if _test(folio, pf.PG_lru) and not _test(folio, pf.PG_active) and not _test(folio, pf.PG_unevictable):
        _move_on_lru(folio, pf.PG_active, True)


@implement
def folio_deactivate(folio: Folio) -> None:
    if _test(folio, pf.PG_lru) and _test(folio, pf.PG_active) and not _test(folio, pf.PG_unevictable):
        _move_on_lru(folio, pf.PG_active, False)
        _set(folio, pf.PG_referenced, False)


@implement
def folio_mark_accessed(folio: Folio) -> None:
    """First access sets PG_referenced; a second activates (mm/swap.c, classic LRU)."""
    if not _test(folio, pf.PG_referenced):
        _set(folio, pf.PG_referenced)
    elif _test(folio, pf.PG_unevictable):
        return
    elif not _test(folio, pf.PG_active):
        if _test(folio, pf.PG_lru):
            folio_activate(folio)
        else:
            _set(folio, pf.PG_active)  # __lru_cache_activate_folio(): still in a batch
        _set(folio, pf.PG_referenced, False)


@implement
def mark_page_accessed(page: Page) -> None:
    folio_mark_accessed(page_folio(page))


def _on_free(pfn: int) -> None:
    """__folio_put() -> __page_cache_release(): a folio freed while on an LRU leaves its list."""
    folio = folio_view(pfn)
    if folio_mapped(folio):
        raise ModelError(f"freeing folio pfn {pfn} that is still mapped")  # bad_page(): nonzero mapcount
    if _test(folio, pf.PG_lru):
        lruvec_del_folio(folio_lruvec(folio), folio)
        _set(folio, pf.PG_lru, False)


FREE_HOOKS.append(_on_free)


def lru_folios(lru: int, node: int = 0) -> list[Folio]:
    """The folios on one list of a node's lruvec, oldest first (for tests and tools)."""
    return [folio_view(pfn) for pfn in lru_state().lruvecs[node].lists[lru]]


# -- reclaim --------------------------------------------------------------------------------


def _isolate(lruvec: Lruvec, lru: int, nr: int) -> list[Folio]:
    """isolate_lru_folios(): up to `nr` folios from the old end of a list, each with a reference."""
    taken: list[Folio] = []
    for pfn in list(lruvec.lists[lru])[:nr]:
        folio = folio_view(pfn)
        if folio_isolate_lru(folio):
            taken.append(folio)
    return taken


def _putback(folios: list[Folio]) -> None:
    """move_folios_to_lru(): back onto the lists, isolation references dropped."""
    for folio in folios:
        _lru_add(folio)
        folio_put(folio)


def _shrink_active(lruvec: Lruvec, lru: int, nr: int) -> None:
    """shrink_active_list(): age the active list's oldest folios to the inactive list."""
    for pfn in list(lruvec.lists[lru])[:nr]:
        folio = folio_view(pfn)
        lruvec_del_folio(lruvec, folio)
        _set(folio, pf.PG_active, False)
        _set(folio, pf.PG_referenced, False)
        lruvec_add_folio(lruvec, folio)


def _reclaim_one(folio: Folio) -> bool:
    """One folio of shrink_folio_list(), locked by the caller: True if it was freed."""
    if types.folio_test_writeback(folio) or _test(folio, pf.PG_unevictable):
        return False
    anon = types.folio_test_anon(folio)
    if anon and _test(folio, pf.PG_swapbacked) and not types.folio_test_swapcache(folio):
        if types.folio_alloc_swap(folio):
            return False  # no swap space: activate_locked
        _set(folio, pf.PG_dirty)
    if folio_mapped(folio):
        try_to_unmap(folio, TTU_BATCH_FLUSH)
        if folio_mapped(folio):
            return False
    if types.folio_test_dirty(folio):
        if not types.folio_test_swapcache(folio):
            return False  # reclaim does not write file folios back; the flusher will
        swap_writeout(folio)
    return _remove_mapping(folio)


def _remove_mapping(folio: Folio) -> bool:
    """__remove_mapping(): only if the cache and the isolation hold the only references."""
    nr = folio_nr_pages(folio)
    expected = 1 + nr if (types.folio_test_swapcache(folio) or folio_mapping(folio) is not None) else 1
    if current().refcount(pfn_of(folio)) != expected:
        return False
    if types.folio_test_swapcache(folio):
        swap_cache_del_folio(folio)
    elif folio_mapping(folio) is not None:
        types.filemap_remove_folio(folio)
    return True


def shrink_folio_list(folios: list[Folio]) -> tuple[int, list[Folio]]:
    """Reclaim isolated folios: (pages freed, folios kept for the LRU)."""
    reclaimed, kept = 0, []
    for folio in folios:
        if not folio_trylock(folio):
            kept.append(folio)
            continue
        nr = folio_nr_pages(folio)
        freed = _reclaim_one(folio)
        folio_unlock(folio)
        if freed:
            folio_put(folio)  # the isolation reference: the last one
            reclaimed += nr
        else:
            kept.append(folio)  # its swap slot, if it got one, stays until swap fills up
    return reclaimed, kept


def shrink_node(nr_to_reclaim: int, node: int = 0) -> int:
    """Reclaim about `nr_to_reclaim` pages from a node's inactive lists, file first; pages freed."""
    lru_add_drain_all()
    lruvec = lru_state().lruvecs[node]
    reclaimed = 0
    for inactive in (LRU_INACTIVE_FILE, LRU_INACTIVE_ANON):
        active = inactive + 1
        if len(lruvec.lists[inactive]) < len(lruvec.lists[active]):
            _shrink_active(lruvec, active, len(lruvec.lists[active]) - len(lruvec.lists[inactive]))
        folios = _isolate(lruvec, inactive, nr_to_reclaim - reclaimed)
        freed, kept = shrink_folio_list(folios)
        reclaimed += freed
        _putback(kept)
        if reclaimed >= nr_to_reclaim:
            break
    return reclaimed
