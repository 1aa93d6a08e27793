"""The page cache: add, look up and read folios, remove them, shared and private file faults, and
SIGBUS past the end of the file."""

from __future__ import annotations

import pytest

from model import anon, arch, highmem, mm, pagecache, rmap
from model import pageflags as pf
from model.machine import Machine
from model.page_alloc import folio_put, pfn_of
from ontology import types
from tests.support.machine import BASE, PAGE, folio_at, free_pages


def test_page_cache_add_lookup_and_read(machine: Machine) -> None:
    data = bytes(range(256)) * 48  # three pages
    mapping = pagecache.AddressSpace(data, name="file")
    folio = types.read_cache_folio(mapping, 1, None, pagecache.File(mapping))
    assert isinstance(folio, types.FileFolio) and types.folio_test_file(folio) and not types.folio_test_anon(folio)
    assert folio.mapping is mapping and folio.index == 1
    assert types.folio_test_uptodate(folio) and not types.folio_test_locked(folio)
    assert bytes(highmem.page_bytes(pfn_of(folio))) == data[PAGE : 2 * PAGE]
    assert folio._refcount == 3  # the cache, the caller, the lru_add batch
    again = types.filemap_get_folio(mapping, 1)
    assert again is folio and folio._refcount == 4
    folio_put(again)
    folio_put(folio)
    with pytest.raises(pagecache.ErrPtr) as missing:
        types.filemap_get_folio(mapping, 2)
    assert missing.value.errno == arch.ENOENT
    created = types.__filemap_get_folio(mapping, 2, pagecache.FGP_CREAT | pagecache.FGP_LOCK, pf.GFP_HIGHUSER_MOVABLE)
    assert isinstance(created, types.FileFolio) and types.folio_test_locked(created)
    assert not types.folio_test_uptodate(created) and mapping.nrpages == 2
    types.folio_unlock(created)
    folio_put(created)


def test_filemap_add_folio_then_remove(machine: Machine) -> None:
    mapping = pagecache.AddressSpace(bytes(4 * PAGE))
    before = free_pages(machine)
    folio = types.filemap_alloc_folio(pf.GFP_HIGHUSER_MOVABLE, 0, None)
    assert folio is not None and not isinstance(folio, types.FileFolio)
    assert types.filemap_add_folio(mapping, folio, 3, pf.GFP_HIGHUSER_MOVABLE) == 0
    assert isinstance(folio, types.FileFolio) and types.folio_test_locked(folio)
    other = types.filemap_alloc_folio(pf.GFP_HIGHUSER_MOVABLE, 0, None)
    assert other is not None
    assert types.filemap_add_folio(mapping, other, 3, pf.GFP_HIGHUSER_MOVABLE) == -arch.EEXIST
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
