"""User faults and copy-on-write: the zero page on a read fault, an exclusive anon folio on a write
fault, read-only mappings refused, large anon folios, and fork's COW (a pinned page copied at once)."""

from __future__ import annotations

from model import anon, gup, lru, mm, rmap
from model.machine import Machine
from model.page_alloc import page_folio, page_view, pfn_of
from model.pgtable import lookup_pte
from ontology import types
from tests.support.machine import BASE, PAGE, folio_at


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
