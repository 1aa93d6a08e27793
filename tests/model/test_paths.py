"""The model's user-memory paths: faults, COW after fork, page cache, LRU and reclaim, rmap, GUP.

Each test boots a small machine and checks what the kernel would show in struct page and
struct folio: runtime classes that agree with the predicates (AnonFolio, FileFolio, LruFolio,
SwapcacheFolio, ZeroPage, TailPage), mapcounts, refcounts and pin counts exactly as mm/rmap.c
and mm/gup.c keep them, and that memory is given back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import model
from model import anon, gup, lru, mm, pagecache, rmap
from model import pageflags as pf
from model.highmem import pfn_of
from model.machine import Machine, ModelError, boot
from model.page_alloc import folio_put, page_folio, page_view
from model.pgtable import lookup_pte
from ontology import types

SMALL = {"DMA32": 2048, "NORMAL": 4096, "HIGHMEM": 2048, "MOVABLE": 2048}
BASE = 0x10000000
PAGE = 4096


@pytest.fixture
def machine() -> Iterator[Machine]:
    assert model.predicates
    yield boot(SMALL)


def free_pages(machine: Machine) -> list[int]:
    lru.lru_add_drain_all()
    machine.drain_pcp()
    return [zone.free_pages() for zone in machine.zones]


def folio_at(space: mm.MmStruct, address: int) -> types.Folio:
    pte = lookup_pte(space, address)
    assert pte is not None, f"nothing mapped at {address:#x}"
    return page_folio(page_view(pte[0]))


# -- faults ---------------------------------------------------------------------------------


def test_read_fault_maps_the_zero_page_uncounted(machine: Machine) -> None:
    space = mm.new_mm()
    vma = mm.mmap_anon(space, BASE, 4 * PAGE, writable=True)
    assert anon.handle_mm_fault(vma, BASE + 5, write=False) == 0
    pte = lookup_pte(space, BASE)
    assert pte == (anon.zero_pfn(), False)
    page = page_view(pte[0])
    assert isinstance(page, types.ZeroPage) and types.is_zero_page(page)
    folio = page_folio(page)
    assert isinstance(folio, types.ZeroFolio) and types.is_zero_folio(folio)
    assert folio._refcount == 1 and folio._mapcount == -1  # vm_normal_page() is NULL: nothing counted
    assert anon.user_read(space, BASE, 4) == bytes(4)


def test_write_fault_gives_an_exclusive_anon_folio(machine: Machine) -> None:
    space = mm.new_mm()
    vma = mm.mmap_anon(space, BASE, 4 * PAGE, writable=True)
    assert anon.handle_mm_fault(vma, BASE + PAGE, write=True) == 0
    pte = lookup_pte(space, BASE + PAGE)
    assert pte is not None and pte[1]
    folio = page_folio(page_view(pte[0]))
    assert isinstance(folio, types.AnonFolio) and types.folio_test_anon(folio)
    assert not isinstance(folio, types.FileFolio) and folio.mapping is None  # the tagged word is no pointer
    assert rmap.folio_anon_vma(folio) is vma.anon_vma
    assert folio.index == (BASE + PAGE) >> 12
    assert folio._mapcount == 0 and rmap.page_anon_exclusive(pte[0])
    assert types.folio_test_swapbacked(folio) and types.folio_test_uptodate(folio)
    assert folio._refcount == 2 and not isinstance(folio, types.LruFolio)  # the lru_add batch's reference
    lru.lru_add_drain()
    assert folio._refcount == 1 and isinstance(folio, types.LruFolio)
    assert lru.lru_folios(lru.LRU_INACTIVE_ANON) == [folio]


def test_write_after_read_replaces_the_zero_page(machine: Machine) -> None:
    space = mm.new_mm()
    mm.mmap_anon(space, BASE, PAGE, writable=True)
    assert anon.user_read(space, BASE, 3) == bytes(3)
    anon.user_write(space, BASE, b"abc")
    folio = folio_at(space, BASE)
    assert isinstance(folio, types.AnonFolio) and not types.is_zero_folio(folio)
    assert anon.user_read(space, BASE, 3) == b"abc"
    assert anon.zero_folio()._refcount == 1


def test_write_to_a_read_only_mapping_is_refused(machine: Machine) -> None:
    space = mm.new_mm()
    vma = mm.mmap_anon(space, BASE, PAGE, writable=False)
    assert anon.handle_mm_fault(vma, BASE, write=True) == anon.VM_FAULT_SIGSEGV
    assert lookup_pte(space, BASE) is None


def test_large_anon_folio_maps_all_its_pages(machine: Machine) -> None:
    space = mm.new_mm()
    mm.mmap_anon(space, BASE, 8 * PAGE, writable=True, order=2)
    anon.user_write(space, BASE + 2 * PAGE, b"x")
    folio = folio_at(space, BASE)
    assert isinstance(folio, types.LargeFolio) and isinstance(folio, types.AnonFolio)
    assert all(lookup_pte(space, BASE + i * PAGE) == (pfn_of(folio) + i, True) for i in range(4))
    assert rmap.folio_mapcount(folio) == 4 and folio._large_mapcount == 3 and folio._nr_pages_mapped == 4
    assert folio._refcount == 4  # one per PTE; a large folio skips the lru_add batch
    assert isinstance(folio, types.LruFolio)
    assert lookup_pte(space, BASE + 4 * PAGE) is None


# -- fork and COW ---------------------------------------------------------------------------


def test_fork_then_write_copies_on_write(machine: Machine) -> None:
    parent = mm.new_mm()
    mm.mmap_anon(parent, BASE, 2 * PAGE, writable=True)
    anon.user_write(parent, BASE, b"parent")
    lru.lru_add_drain()
    folio = folio_at(parent, BASE)
    child = anon.fork_mm(parent)
    assert lookup_pte(parent, BASE) == lookup_pte(child, BASE) == (pfn_of(folio), False)
    assert rmap.folio_mapcount(folio) == 2 and folio._mapcount == 1 and folio._refcount == 2
    assert not rmap.page_anon_exclusive(pfn_of(folio))

    anon.user_write(child, BASE, b"CHILD")
    copy = folio_at(child, BASE)
    assert pfn_of(copy) != pfn_of(folio) and isinstance(copy, types.AnonFolio)
    assert rmap.folio_anon_vma(copy) is mm.vma_lookup(child, BASE).anon_vma  # type: ignore[union-attr]
    assert folio._mapcount == 0 and folio._refcount == 1  # the old folio lost the child's mapping
    assert anon.user_read(parent, BASE, 6) == b"parent" and anon.user_read(child, BASE, 6) == b"CHILDt"

    anon.user_write(parent, BASE, b"P")  # now exclusive again: reused in place
    assert lookup_pte(parent, BASE) == (pfn_of(folio), True)
    anon.mmput(child)
    anon.mmput(parent)


def test_fork_copies_a_pinned_page_at_once(machine: Machine) -> None:
    parent = mm.new_mm()
    mm.mmap_anon(parent, BASE, PAGE, writable=True)
    anon.user_write(parent, BASE, b"dma")
    pages: list[types.Page] = []
    with mm.use_mm(parent):
        assert gup.pin_user_pages(BASE, 1, gup.FOLL_WRITE, pages) == 1
    child = anon.fork_mm(parent)
    parent_pte, child_pte = lookup_pte(parent, BASE), lookup_pte(child, BASE)
    assert parent_pte == (pfn_of(pages[0]), True)  # the parent keeps the pinned page, writable
    assert child_pte is not None and child_pte[0] != parent_pte[0]
    assert anon.user_read(child, BASE, 3) == b"dma"
    gup.unpin_user_pages(pages, 1)
    anon.mmput(child)
    anon.mmput(parent)


# -- page cache -----------------------------------------------------------------------------


def test_page_cache_add_lookup_and_read(machine: Machine) -> None:
    data = bytes(range(256)) * 48  # three pages
    mapping = pagecache.AddressSpace(data, name="file")
    folio = types.read_cache_folio(mapping, 1, None, pagecache.File(mapping))
    assert isinstance(folio, types.FileFolio) and types.folio_test_file(folio) and not types.folio_test_anon(folio)
    assert folio.mapping is mapping and folio.index == 1
    assert types.folio_test_uptodate(folio) and not types.folio_test_locked(folio)
    assert bytes(pagecache.page_bytes(pfn_of(folio))) == data[PAGE : 2 * PAGE]
    assert folio._refcount == 3  # the cache, the caller, the lru_add batch
    again = types.filemap_get_folio(mapping, 1)
    assert again is folio and folio._refcount == 4
    folio_put(again)
    folio_put(folio)
    with pytest.raises(pagecache.ErrPtr) as missing:
        types.filemap_get_folio(mapping, 2)
    assert missing.value.errno == pagecache.ENOENT
    created = types.__filemap_get_folio(mapping, 2, pagecache.FGP_CREAT | pagecache.FGP_LOCK, pf.GFP_HIGHUSER_MOVABLE)
    assert isinstance(created, types.FileFolio) and types.folio_test_locked(created)
    assert not types.folio_test_uptodate(created) and mapping.nrpages == 2
    types.folio_unlock(created)
    folio_put(created)


def test_filemap_add_folio_then_remove(machine: Machine) -> None:
    mapping = pagecache.AddressSpace(bytes(4 * PAGE))
    before = free_pages(machine)
    folio = types.filemap_alloc_folio(pf.GFP_HIGHUSER_MOVABLE, 0)
    assert folio is not None and not isinstance(folio, types.FileFolio)
    assert types.filemap_add_folio(mapping, folio, 3, pf.GFP_HIGHUSER_MOVABLE) == 0
    assert isinstance(folio, types.FileFolio) and types.folio_test_locked(folio)
    other = types.filemap_alloc_folio(pf.GFP_HIGHUSER_MOVABLE, 0)
    assert other is not None
    assert types.filemap_add_folio(mapping, other, 3, pf.GFP_HIGHUSER_MOVABLE) == -pagecache.EEXIST
    assert not isinstance(other, types.FileFolio)
    folio_put(other)
    types.filemap_remove_folio(folio)
    assert not isinstance(folio, types.FileFolio) and mapping.i_pages == {}
    types.folio_unlock(folio)
    folio_put(folio)
    assert free_pages(machine) == before


def test_file_faults_shared_and_private(machine: Machine) -> None:
    mapping = pagecache.AddressSpace(b"file contents".ljust(2 * PAGE, b"."))
    space = mm.new_mm()
    shared = mm.mmap_file(space, mapping, BASE, 2 * PAGE, 0, shared=True, writable=True)
    private = mm.mmap_file(space, mapping, BASE + 2 * PAGE, 2 * PAGE, 0, shared=False, writable=True)
    assert anon.user_read(space, BASE, 4) == b"file"
    cached = folio_at(space, BASE)
    assert isinstance(cached, types.FileFolio) and rmap.folio_mapcount(cached) == 1
    assert anon.user_read(space, BASE + 2 * PAGE, 4) == b"file"
    assert folio_at(space, BASE + 2 * PAGE) is cached and rmap.folio_mapcount(cached) == 2
    assert {vma for vma, _ in rmap.rmap_mappings(cached)} == {shared, private}

    anon.user_write(space, BASE + 2 * PAGE, b"FILE")  # private: a COW copy, the file untouched
    copy = folio_at(space, BASE + 2 * PAGE)
    assert isinstance(copy, types.AnonFolio) and rmap.folio_mapcount(cached) == 1
    anon.user_write(space, BASE, b"FiLe")  # shared: the page cache folio, now dirty
    assert folio_at(space, BASE) is cached and types.folio_test_dirty(cached)
    assert mapping.data[:4] == b"file"
    pagecache.filemap_write_and_wait(mapping)
    assert mapping.data[:4] == b"FiLe" and not types.folio_test_dirty(cached)
    anon.mmput(space)


def test_fault_past_end_of_file_is_sigbus(machine: Machine) -> None:
    mapping = pagecache.AddressSpace(bytes(PAGE))
    space = mm.new_mm()
    vma = mm.mmap_file(space, mapping, BASE, 2 * PAGE, 0, shared=True)
    assert anon.handle_mm_fault(vma, BASE + PAGE, write=False) == anon.VM_FAULT_SIGBUS


# -- LRU and reclaim ------------------------------------------------------------------------


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
    assert types.folio_alloc_swap(folio, 0) == 0
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


# -- rmap -----------------------------------------------------------------------------------


def test_rmap_walk_lists_the_vmas(machine: Machine) -> None:
    parent = mm.new_mm()
    vma = mm.mmap_anon(parent, BASE, 2 * PAGE, writable=True)
    anon.user_write(parent, BASE + PAGE, b"shared")
    folio = folio_at(parent, BASE + PAGE)
    child = anon.fork_mm(parent)
    child_vma = mm.vma_lookup(child, BASE)
    assert rmap.rmap_mappings(folio) == [(vma, BASE + PAGE), (child_vma, BASE + PAGE)]
    seen: list[tuple[object, int]] = []

    def one(walked: types.Folio, area: mm.VmAreaStruct, address: int, arg: object) -> bool:
        seen.append((area, address))
        return True

    types.rmap_walk(folio, rmap.RmapWalkControl(one))
    assert seen == [(vma, BASE + PAGE), (child_vma, BASE + PAGE)]  # each VMA at the folio's address
    anon.user_write(child, BASE + PAGE, b"C")
    assert rmap.rmap_mappings(folio) == [(vma, BASE + PAGE)]  # the child's VMA maps its copy now
    types.try_to_unmap(folio, 0)  # anon memory with no swap slot has nowhere to go: it stays
    assert lookup_pte(parent, BASE + PAGE) is not None and types.folio_mapped(folio)
    anon.mmput(child)
    anon.mmput(parent)


# -- GUP ------------------------------------------------------------------------------------


def test_gup_on_a_large_folio_returns_tail_pages(machine: Machine) -> None:
    space = mm.new_mm()
    mm.mmap_anon(space, BASE, 8 * PAGE, writable=True, order=2)
    pages: list[types.Page] = []
    with mm.use_mm(space):
        assert types.get_user_pages(BASE + PAGE, 3, gup.FOLL_WRITE, pages) == 3
    folio = page_folio(pages[0])
    assert isinstance(folio, types.LargeFolio) and isinstance(folio, types.AnonFolio)
    assert all(isinstance(page, types.TailPage) and types.PageTail(page) for page in pages)
    assert all(page_folio(page) is folio for page in pages)
    assert [pfn_of(page) - pfn_of(folio) for page in pages] == [1, 2, 3]
    assert folio._refcount == 4 + 3 and folio._pincount == 0  # FOLL_GET: plain references
    for page in pages:
        types.put_page(page)
    assert folio._refcount == 4


def test_gup_on_a_large_page_cache_folio(machine: Machine) -> None:
    mapping = pagecache.AddressSpace(bytes(8 * PAGE), min_order=2)
    space = mm.new_mm()
    mm.mmap_file(space, mapping, BASE, 8 * PAGE, 0, shared=True)
    pages: list[types.Page] = []
    with mm.use_mm(space):
        assert types.get_user_pages_fast(BASE + 6 * PAGE, 1, 0, pages) == 1
    folio = page_folio(pages[0])
    assert isinstance(pages[0], types.TailPage) and isinstance(folio, types.FileFolio)
    assert types.folio_test_large(folio) and folio.index == 4 and pfn_of(pages[0]) == pfn_of(folio) + 2
    types.put_page(pages[0])


def test_pin_and_unpin_a_small_folio(machine: Machine) -> None:
    space = mm.new_mm()
    mm.mmap_anon(space, BASE, PAGE, writable=True)
    anon.user_write(space, BASE, b"x")
    types.lru_add_drain()
    folio = folio_at(space, BASE)
    assert folio._refcount == 1 and not gup.folio_maybe_dma_pinned(folio)
    pages: list[types.Page] = []
    with mm.use_mm(space):
        assert types.pin_user_pages_fast(BASE, 1, gup.FOLL_WRITE, pages) == 1
    assert page_folio(pages[0]) is folio
    assert folio._refcount == 1 + pf.GUP_PIN_COUNTING_BIAS and gup.folio_maybe_dma_pinned(folio)
    types.unpin_user_pages_dirty_lock(pages, 1, True)
    assert folio._refcount == 1 and types.folio_test_dirty(folio) and not gup.folio_maybe_dma_pinned(folio)
    with pytest.raises(ModelError, match="holds no pin"):
        types.unpin_user_page(pages[0])


def test_pin_and_unpin_a_large_folio(machine: Machine) -> None:
    space = mm.new_mm()
    mm.mmap_anon(space, BASE, 4 * PAGE, writable=True, order=2)
    pages: list[types.Page] = []
    with mm.use_mm(space):
        assert types.pin_user_pages_remote(space, BASE, 2, gup.FOLL_WRITE, pages, [1]) == 2
    folio = page_folio(pages[1])
    assert folio._refcount == 4 + 2 and folio._pincount == 2 and gup.folio_maybe_dma_pinned(folio)
    types.folio_add_pin(folio)
    assert folio._refcount == 7 and folio._pincount == 3
    types.unpin_folio(folio)
    types.unpin_user_pages(pages, 2)
    assert folio._refcount == 4 and folio._pincount == 0 and not gup.folio_maybe_dma_pinned(folio)
    with pytest.raises(ModelError, match="_pincount 0"):
        types.unpin_user_page(pages[0])


def test_pin_rejects_internal_flags_and_bad_addresses(machine: Machine) -> None:
    space = mm.new_mm()
    mm.mmap_anon(space, BASE, PAGE, writable=False)
    pages: list[types.Page] = []
    with mm.use_mm(space):
        with pytest.raises(ModelError):
            types.pin_user_pages(BASE, 1, gup.FOLL_PIN, pages)
        assert types.pin_user_pages(BASE, 1, gup.FOLL_WRITE, pages) == -pagecache.EFAULT
        assert types.get_user_pages(BASE + PAGE, 1, 0, pages) == -pagecache.EFAULT
        assert types.pin_user_pages(BASE, 1, 0, pages) == 1  # a read-only pin of the zero page
    assert types.is_zero_page(pages[0]) and anon.zero_folio()._refcount == 1
    types.unpin_user_page(pages[0])


def test_read_only_pin_unshares_a_cow_shared_page(machine: Machine) -> None:
    parent = mm.new_mm()
    mm.mmap_anon(parent, BASE, PAGE, writable=True)
    anon.user_write(parent, BASE, b"cow")
    shared = folio_at(parent, BASE)
    child = anon.fork_mm(parent)
    pages: list[types.Page] = []
    with mm.use_mm(child):
        assert types.pin_user_pages(BASE, 1, 0, pages) == 1
    pinned = page_folio(pages[0])
    assert pinned is not shared and rmap.page_anon_exclusive(pfn_of(pinned))
    assert lookup_pte(child, BASE) == (pfn_of(pinned), False)  # unshared, still read-only
    types.unpin_user_pages(pages, 1)
    anon.mmput(child)
    anon.mmput(parent)


def test_longterm_pin_migrates_out_of_zone_movable(machine: Machine) -> None:
    space = mm.new_mm()
    mm.mmap_anon(space, BASE, PAGE, writable=True)
    anon.user_write(space, BASE, b"longterm")
    old = folio_at(space, BASE)
    assert machine.zone_of(pfn_of(old)).name == "MOVABLE"
    pages: list[types.Page] = []
    with mm.use_mm(space):
        assert types.pin_user_pages(BASE, 1, gup.FOLL_WRITE | gup.FOLL_LONGTERM, pages) == 1
    new = page_folio(pages[0])
    assert machine.zone_of(pfn_of(new)).name != "MOVABLE"
    assert lookup_pte(space, BASE) == (pfn_of(new), True)
    assert isinstance(new, types.AnonFolio) and anon.user_read(space, BASE, 8) == b"longterm"
    types.unpin_user_pages(pages, 1)
    anon.mmput(space)


def test_memfd_pin_folios(machine: Machine) -> None:
    before = free_pages(machine)
    memfd = pagecache.memfd_create("buf", 4 * PAGE)
    folios: list[types.Folio] = []
    offset: list[int] = []
    assert types.memfd_pin_folios(memfd, 100, 3 * PAGE + 5, folios, 8, offset) == 4
    assert offset == [100]
    assert [folio.index for folio in folios] == [0, 1, 2, 3]
    for folio in folios:
        assert isinstance(folio, types.FileFolio) and types.folio_test_swapbacked(folio)
        assert machine.zone_of(pfn_of(folio)).name != "MOVABLE"  # long-term: migrated out
        assert gup.folio_maybe_dma_pinned(folio)
    assert types.memfd_pin_folios(memfd, 0, 4 * PAGE, [], 8, []) == -pagecache.EINVAL
    types.unpin_folios(folios, len(folios))
    assert not any(gup.folio_maybe_dma_pinned(folio) for folio in folios)
    pagecache.truncate_inode_pages(memfd.f_mapping)
    assert free_pages(machine) == before


def test_everything_is_given_back(machine: Machine) -> None:
    anon.zero_pfn()  # allocated once per machine, never freed
    before = free_pages(machine)
    parent = mm.new_mm()
    mm.mmap_anon(parent, BASE, 8 * PAGE, writable=True, order=2)
    mapping = pagecache.AddressSpace(bytes(4 * PAGE))
    mm.mmap_file(parent, mapping, BASE + 8 * PAGE, 4 * PAGE, 0, shared=False, writable=True)
    anon.user_write(parent, BASE, b"a" * 3 * PAGE)
    anon.user_write(parent, BASE + 8 * PAGE, b"b")
    anon.user_read(parent, BASE + 9 * PAGE, 1)
    child = anon.fork_mm(parent)
    anon.user_write(child, BASE + PAGE, b"c")
    lru.shrink_node(64)
    anon.user_read(child, BASE, 1)
    anon.mmput(child)
    anon.mmput(parent)
    pagecache.truncate_inode_pages(mapping)
    assert free_pages(machine) == before
    assert pagecache.swap_cache().swap_map == {}
