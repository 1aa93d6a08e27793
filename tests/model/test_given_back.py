"""Every page comes back: after user memory (faults, fork, page cache, reclaim) and after kernel
objects (slab, page tables, page_pool, zsmalloc), the buddy allocator holds what it held before."""

from __future__ import annotations

from model import anon, lru, mm, pagecache
from model import netmem as nm
from model import pageflags as pf
from model import pgtable as pg
from model import slab as sl
from model.machine import Machine
from model.page_alloc import pfn_of
from ontology import types as t
from tests.support.machine import BASE, PAGE, free_pages, obj, page


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


def test_freeing_everything_returns_every_page(machine: Machine) -> None:
    start = free_pages(machine)
    cache = t.kmem_cache_create("mixed", 96, sl.KmemCacheArgs(), 0)
    objects = [obj(t.kmem_cache_alloc(cache, pf.GFP_KERNEL)) for _ in range(100)]
    buffers = [obj(t.kmalloc(size, pf.GFP_KERNEL)) for size in (24, 3000, 20000, 70000)]
    tables = pg.mm_alloc()
    user = page(pf.GFP_HIGHUSER_MOVABLE)
    pg.map_pte(tables, 0x10000000, pfn_of(user), True)
    pool = nm.page_pool_create()
    pp_pages = [t.page_pool_dev_alloc_pages(pool) for _ in range(3)]
    zpool = t.zs_create_pool("mixed")
    handles = [t.zs_malloc(zpool, size, pf.GFP_HIGHUSER, 0) for size in (50, 500, 3500)]
    assert free_pages(machine) != start
    for handle in handles:
        t.zs_free(zpool, handle)
    t.zs_destroy_pool(zpool)
    for pp_page in pp_pages:
        assert pp_page is not None
        t.page_pool_recycle_direct(pool, pp_page)
    nm.page_pool_destroy(pool)
    pg.unmap_pte(tables, 0x10000000)
    pg.free_pgtables(tables)
    pg.mmdrop(tables)
    t.put_page(user)
    for addr in objects:
        t.kmem_cache_free(cache, addr)
    for addr in buffers:
        t.kfree(addr)
    t.kmem_cache_destroy(cache)
    sl.shrink_all_caches()
    assert free_pages(machine) == start
