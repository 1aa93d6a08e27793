"""SLUB: slab objects live in typed slab folios; kmalloc caches by size and large kmalloc."""

from __future__ import annotations

import pytest

from model import highmem as hm
from model import pageflags as pf
from model import slab as sl
from model.machine import Machine, ModelError
from model.memmap import COMPOUND_HEAD
from model.page_alloc import pfn_of
from ontology import types as t
from tests.support.machine import free_pages, obj


def cache_name(addr: int) -> str:
    slab = sl.virt_to_slab(addr)
    assert slab is not None and isinstance(slab.slab_cache, sl.KmemCache)
    return slab.slab_cache.name


def test_slab_objects_live_in_typed_slab_folios(machine: Machine) -> None:
    start = free_pages(machine)
    cache = t.kmem_cache_create("test_obj", 700, sl.KmemCacheArgs(), sl.SLAB_HWCACHE_ALIGN)
    assert isinstance(cache, sl.KmemCache) and cache.size == 704 and cache.order > 0
    objects = [obj(t.kmem_cache_alloc(cache, pf.GFP_KERNEL)) for _ in range(cache.objects + 1)]
    slab = sl.virt_to_slab(objects[0])
    assert isinstance(slab, t.Slab) and slab.slab_cache is cache
    word = machine.mem.get(pfn_of(slab), COMPOUND_HEAD)
    assert word & 1 == 0 and word == machine.mem.handle(cache) << 2  # SLAB_MATCH(compound_head, slab_cache)
    assert slab.objects == cache.objects and slab.inuse == cache.objects and slab.freelist is None
    first = t.slab_page(slab)
    assert isinstance(first, t.SlabPage) and t.PageSlab(first)
    assert isinstance(t.folio_page(t.slab_folio(slab), 1), t.SlabPage)  # the slab's tail pages too
    assert t.folio_test_slab(t.slab_folio(slab)) and t.page_slab(first) is slab
    assert machine.refcount(pfn_of(slab)) == 0  # slab pages are frozen
    second = sl.virt_to_slab(objects[-1])
    assert second is not None and pfn_of(second) != pfn_of(slab) and second.inuse == 1
    assert second.freelist == objects[-1] + cache.size
    assert hm.read_long(objects[-1] + cache.size + cache.offset) == objects[-1] + 2 * cache.size
    t.kmem_cache_free(cache, objects[3])
    assert slab.inuse == cache.objects - 1 and slab.freelist == objects[3]
    with pytest.raises(ModelError, match="double free"):
        t.kmem_cache_free(cache, objects[3])
    with pytest.raises(ModelError, match="not the start of an object"):
        t.kmem_cache_free(cache, objects[4] + 8)
    other = t.kmem_cache_create("other", 64, sl.KmemCacheArgs(), 0)
    with pytest.raises(ModelError, match="Wrong slab cache"):
        t.kmem_cache_free(other, objects[4])
    with pytest.raises(ModelError, match="still has objects"):
        t.kmem_cache_destroy(cache)
    for x in objects[:3] + objects[4:]:
        t.kmem_cache_free(cache, x)
    assert sl.slabinfo(cache) == (0, 2 * cache.objects, 2)  # empty slabs wait on the partial list
    t.kmem_cache_destroy(cache)
    t.kmem_cache_destroy(other)
    assert not isinstance(first, t.SlabPage) and sl.slab_state().nr_slab_unreclaimable_b == 0
    assert free_pages(machine) == start


def test_kmalloc_caches_and_large_kmalloc(machine: Machine) -> None:
    start = free_pages(machine)
    assert t.kmalloc(0, pf.GFP_KERNEL) == sl.ZERO_SIZE_PTR
    small = {size: obj(t.kmalloc(size, pf.GFP_KERNEL)) for size in (1, 9, 100, 192, 1000, 8192)}
    names = {size: cache_name(addr) for size, addr in small.items()}
    assert names == {
        1: "kmalloc-8",
        9: "kmalloc-16",
        100: "kmalloc-128",
        192: "kmalloc-192",
        1000: "kmalloc-1k",
        8192: "kmalloc-8k",
    }
    assert t.ksize(small[100]) == 128
    large = obj(t.kmalloc(sl.KMALLOC_MAX_CACHE_SIZE + 1, pf.GFP_KERNEL))
    assert sl.virt_to_slab(large) is None
    big = sl.virt_to_folio(large)
    assert isinstance(big, t.LargeKmallocFolio) and isinstance(big, t.LargeFolio)
    assert not t.folio_test_slab(big) and not isinstance(t.folio_page(big, 0), t.SlabPage)
    assert t.ksize(large) == 4 * 4096 and machine.refcount(pfn_of(big)) == 0
    hm.write_kernel(small[100], b"keep me")
    moved = obj(t.krealloc(small[100], 500, pf.GFP_KERNEL))
    assert hm.read_kernel(moved, 7) == b"keep me" and cache_name(moved) == "kmalloc-512"
    hm.write_kernel(small[9], b"dirty")
    t.kfree(small[9])
    assert hm.read_kernel(obj(t.kzalloc(12, pf.GFP_KERNEL)), 16) == bytes(16)  # reuses it, zeroed
    for addr in (large, moved, small[1], small[9], small[192], small[1000], small[8192], None, sl.ZERO_SIZE_PTR):
        t.kfree(addr)
    assert not isinstance(big, t.LargeKmallocFolio)
    with pytest.raises(ModelError, match="not a kmalloc allocation"):
        t.kfree(large)
    sl.shrink_all_caches()
    assert free_pages(machine) == start
