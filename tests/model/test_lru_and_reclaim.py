"""The LRU and reclaim: add, isolate and put back; clean file folios freed, dirty or referenced ones
kept, anon folios swapped out and back, pinned ones kept, freed folios off the list."""

from __future__ import annotations

from model import anon, gup, lru, mm, pagecache, rmap
from model.machine import Machine
from model.page_alloc import folio_put, page_folio, page_view, pfn_of
from model.pgtable import lookup_pte
from ontology import types
from tests.support.machine import BASE, PAGE, folio_at, free_pages


def test_lru_add_isolate_putback(machine: Machine) -> None:
    mapping = pagecache.AddressSpace(bytes(PAGE))
    folio = types.read_cache_folio(mapping, 0, None, pagecache.File(mapping))
    assert not isinstance(folio, types.LruFolio) and not types.folio_isolate_lru(folio)  # still batched
    types.lru_add_drain()
    assert isinstance(folio, types.LruFolio) and folio._refcount == 2
    assert lru.lru_folios(lru.LRU_INACTIVE_FILE) == [folio]
    assert types.folio_isolate_lru(folio)
    assert not isinstance(folio, types.LruFolio) and not types.folio_test_lru(folio) and folio._refcount == 3
    assert lru.lru_folios(lru.LRU_INACTIVE_FILE) == []
    assert not types.folio_isolate_lru(folio)
    types.folio_putback_lru(folio)
    types.lru_add_drain()
    assert isinstance(folio, types.LruFolio) and folio._refcount == 2
    types.folio_mark_accessed(folio)  # referenced (it was already, by the read): now active
    assert types.folio_test_active(folio) and lru.lru_folios(lru.LRU_ACTIVE_FILE) == [folio]
    folio_put(folio)


def test_reclaim_frees_a_clean_file_folio(machine: Machine) -> None:
    mapping = pagecache.AddressSpace(b"x" * PAGE)
    before = free_pages(machine)
    folio = types.read_cache_folio(mapping, 0, None, pagecache.File(mapping))
    pfn = pfn_of(folio)
    folio_put(folio)
    assert free_pages(machine) != before
    assert lru.shrink_node(8) == 1
    assert mapping.i_pages == {} and mapping.nrpages == 0
    assert free_pages(machine) == before
    assert not isinstance(page_folio(page_view(pfn)), types.LruFolio | types.FileFolio)


def test_reclaim_keeps_a_dirty_or_referenced_file_folio(machine: Machine) -> None:
    mapping = pagecache.AddressSpace(bytes(2 * PAGE))
    dirty = types.read_cache_folio(mapping, 0, None, pagecache.File(mapping))
    types.folio_mark_dirty(dirty)
    held = types.read_cache_folio(mapping, 1, None, pagecache.File(mapping))
    folio_put(dirty)
    assert lru.shrink_node(8) == 0  # dirty: the flusher writes it; held: a reference reclaim can't drop
    assert mapping.nrpages == 2
    folio_put(held)
    pagecache.filemap_write_and_wait(mapping)
    assert lru.shrink_node(8) == 2 and mapping.nrpages == 0


def test_reclaim_swaps_out_an_anon_folio_step_by_step(machine: Machine) -> None:
    space = mm.new_mm()
    mm.mmap_anon(space, BASE, PAGE, writable=True)
    anon.user_write(space, BASE, b"swap me")
    types.lru_add_drain()
    folio = folio_at(space, BASE)
    assert types.folio_isolate_lru(folio)
    types.folio_lock(folio)
    assert types.folio_alloc_swap(folio) == 0
    assert isinstance(folio, types.SwapcacheFolio) and isinstance(folio, types.AnonFolio)
    assert folio._refcount == 3  # the PTE, the isolation, the swap cache
    entry = folio.swap
    assert types.swap_cache_get_folio(entry) is folio
    folio_put(folio)
    types.try_to_unmap(folio, rmap.TTU_BATCH_FLUSH)
    assert lookup_pte(space, BASE) is None and mm.mm_state(space).swap_ptes == {BASE: entry}
    assert not types.folio_mapped(folio) and folio._refcount == 2
    assert isinstance(folio, types.AnonFolio)  # a swap cache folio keeps its anon ->mapping
    pagecache.swap_writeout(folio)
    pagecache.swap_cache_del_folio(folio)
    assert not isinstance(folio, types.SwapcacheFolio) and isinstance(folio, types.AnonFolio)
    types.folio_unlock(folio)
    folio_put(folio)
    assert types.swap_cache_get_folio(entry) is None
    assert anon.user_read(space, BASE, 7) == b"swap me"  # swapped back in from the device
    assert mm.mm_state(space).swap_ptes == {}
    anon.mmput(space)


def test_shrink_node_reclaims_anon_to_swap_and_back(machine: Machine) -> None:
    space = mm.new_mm()
    mm.mmap_anon(space, BASE, 4 * PAGE, writable=True)
    for i in range(4):
        anon.user_write(space, BASE + i * PAGE, bytes([i + 1]) * 8)
    before = free_pages(machine)
    assert lru.shrink_node(4) == 4
    assert all(lookup_pte(space, BASE + i * PAGE) is None for i in range(4))
    assert len(mm.mm_state(space).swap_ptes) == 4
    assert pagecache.swap_cache().folios == {}  # written out and freed, not cached
    after = free_pages(machine)
    assert sum(after) == sum(before) + 4
    assert anon.user_read(space, BASE + 3 * PAGE, 8) == bytes([4]) * 8  # a read keeps the swap copy
    swapped_in = folio_at(space, BASE + 3 * PAGE)
    assert isinstance(swapped_in, types.SwapcacheFolio) and isinstance(swapped_in, types.AnonFolio)
    assert lookup_pte(space, BASE + 3 * PAGE) == (pfn_of(swapped_in), True)  # exclusive: mapped writable
    anon.user_write(space, BASE + 2 * PAGE, b"!")  # a write fault frees it
    assert not isinstance(folio_at(space, BASE + 2 * PAGE), types.SwapcacheFolio)
    assert anon.user_read(space, BASE + 2 * PAGE, 8) == b"!" + bytes([3]) * 7
    anon.user_write(space, BASE + 3 * PAGE, b"?")  # dirtied through the PTE: written out again
    assert lru.shrink_node(4) == 2  # the two pages swapped back in
    assert anon.user_read(space, BASE + 3 * PAGE, 8) == b"?" + bytes([4]) * 7
    anon.mmput(space)
    assert pagecache.swap_cache().swap_map == {}


def test_pinned_anon_folio_is_not_reclaimed(machine: Machine) -> None:
    space = mm.new_mm()
    mm.mmap_anon(space, BASE, PAGE, writable=True)
    anon.user_write(space, BASE, b"pinned")
    pages: list[types.Page] = []
    with mm.use_mm(space):
        assert gup.pin_user_pages(BASE, 1, gup.FOLL_WRITE, pages) == 1
    assert lru.shrink_node(8) == 0
    assert lookup_pte(space, BASE) is not None
    gup.unpin_user_pages(pages, 1)
    assert lru.shrink_node(8) == 1


def test_freeing_a_folio_on_the_lru_leaves_the_list(machine: Machine) -> None:
    space = mm.new_mm()
    mm.mmap_anon(space, BASE, PAGE, writable=True)
    anon.user_write(space, BASE, b"x")
    types.lru_add_drain()
    assert len(lru.lru_folios(lru.LRU_INACTIVE_ANON)) == 1
    before = free_pages(machine)
    anon.munmap(space, BASE, PAGE)
    assert lru.lru_folios(lru.LRU_INACTIVE_ANON) == []
    assert sum(free_pages(machine)) == sum(before) + 1
