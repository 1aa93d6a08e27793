"""get_user_pages and pinning: tail pages of large folios, pin counts as mm/gup.c keeps them,
unsharing on a read-only pin, long-term pins migrated out of ZONE_MOVABLE, memfd_pin_folios."""

from __future__ import annotations

import pytest

from model import anon, arch, gup, mm, pagecache, rmap
from model import pageflags as pf
from model.machine import Machine, ModelError
from model.page_alloc import page_folio, pfn_of
from model.pgtable import lookup_pte
from ontology import types
from tests.support.machine import BASE, PAGE, folio_at, free_pages


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
        assert types.pin_user_pages(BASE, 1, gup.FOLL_WRITE, pages) == -arch.EFAULT
        assert types.get_user_pages(BASE + PAGE, 1, 0, pages) == -arch.EFAULT
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
    assert types.memfd_pin_folios(memfd, 0, 4 * PAGE, [], 8, []) == -arch.EINVAL
    types.unpin_folios(folios, len(folios))
    assert not any(gup.folio_maybe_dma_pinned(folio) for folio in folios)
    pagecache.truncate_inode_pages(memfd.f_mapping)
    assert free_pages(machine) == before
