"""The model's kernel objects: kmap and page contents, SLUB, page tables, page_pool/netmem, zsmalloc.

Each test boots a small machine, checks the descriptor each path produces (its runtime class and
the struct page words it writes, as the kernel's overlay asserts say), the errors the kernel
would BUG or WARN on, and that freeing everything gives every page back to the buddy allocator.
"""

from __future__ import annotations

import pytest

from model import highmem as hm
from model import netmem as nm
from model import page_alloc as pa
from model import pageflags as pf
from model import pgtable as pg
from model import slab as sl
from model import zsmalloc as zs
from model.highmem import pfn_of
from model.machine import Machine, ModelError, boot
from model.memmap import COMPOUND_HEAD
from ontology import types as t

SMALL = {"DMA32": 2048, "NORMAL": 4096, "HIGHMEM": 2048, "MOVABLE": 2048}


@pytest.fixture
def machine() -> Machine:
    return boot(SMALL)


def free_counts(machine: Machine) -> list[int]:
    machine.drain_pcp()
    return [zone.free_pages() for zone in machine.zones]


def page(gfp: int = pf.GFP_KERNEL, order: int = 0) -> t.Page:
    allocated = pa.alloc_pages(gfp, order)
    assert allocated is not None
    return allocated


def folio(gfp: int, order: int) -> t.Folio:
    allocated = pa.folio_alloc(gfp, order)
    assert allocated is not None
    return allocated


def cache_name(addr: int) -> str:
    slab = sl.virt_to_slab(addr)
    assert slab is not None and isinstance(slab.slab_cache, sl.KmemCache)
    return slab.slab_cache.name


def obj(addr: object) -> int:
    assert isinstance(addr, int)
    return addr


# -- highmem ----------------------------------------------------------------------------------


def test_kmap_local_of_lowmem_is_its_direct_map_address(machine: Machine) -> None:
    low = page()
    addr = t.kmap_local_page(low)
    assert addr == pa.page_address(low)
    assert hm.kmap_local_depth() == 0
    hm.write_kernel(obj(addr) + 10, b"lowmem")
    t.kunmap_local(addr)  # a no-op for a lowmem address
    assert hm.read_kernel(obj(addr) + 10, 6) == b"lowmem"
    assert not isinstance(low, t.HighmemPage)


def test_kmap_local_slots_stack_per_cpu_and_unmap_in_reverse(machine: Machine) -> None:
    high1, high2 = page(pf.GFP_HIGHUSER), page(pf.GFP_HIGHUSER)
    assert isinstance(high1, t.HighmemPage) and pa.page_address(high1) is None
    a1 = obj(t.kmap_local_page(high1))
    a2 = obj(t.kmap_local_page(high2))
    assert a1 != a2 and hm.kmap_local_depth() == 2
    assert t.kmap_to_page(a2 + 100) is high2
    with pytest.raises(ModelError, match="out of order"):
        t.kunmap_local(a1)
    t.kunmap_local(a2 + 123)  # any address inside the mapped page
    t.kunmap_local(a1)
    assert hm.kmap_local_depth() == 0
    machine.cpu = 1
    b1 = obj(t.kmap_local_page(high1))
    assert b1 != a1  # another CPU's slots
    machine.cpu = 0
    with pytest.raises(ModelError, match="no kmap_local mapping"):
        t.kunmap_local(b1)
    machine.cpu = 1
    t.kunmap_local(b1)
    for _ in range(hm.KM_MAX_IDX):
        t.kmap_local_page(high1)
    with pytest.raises(ModelError, match="slots in use"):
        t.kmap_local_page(high1)


def test_highmem_contents_only_through_a_kmap(machine: Machine) -> None:
    high = page(pf.GFP_HIGHUSER)
    direct = pa.PAGE_OFFSET + (pfn_of(high) << pa.PAGE_SHIFT)
    with pytest.raises(ModelError, match="highmem page has no permanent kernel mapping; use kmap_local_page"):
        hm.write_kernel(direct, b"x")
    addr = obj(t.kmap_local_page(high))
    hm.write_kernel(addr, b"highmem")
    with pytest.raises(ModelError, match="one-page kmap"):
        hm.write_kernel(addr + 4090, b"0123456789")
    t.kunmap_local(addr)
    with pytest.raises(ModelError, match="not mapped"):
        hm.read_kernel(addr, 7)
    again = obj(t.kmap_local_page(high))
    assert hm.read_kernel(again, 7) == b"highmem"
    t.kunmap_local(again)
    pkmap = obj(t.kmap(high))
    assert t.kmap(high) == pkmap and hm.read_kernel(pkmap, 7) == b"highmem"
    t.kunmap(high)
    t.kunmap(high)
    with pytest.raises(ModelError, match="not kmapped"):
        t.kunmap(high)


def test_highmem_helpers_copy_and_zero_page_by_page(machine: Machine) -> None:
    low, high = page(), page(pf.GFP_HIGHUSER)
    hm.write_kernel(obj(pa.page_address(low)), b"A" * 4096)
    t.copy_highpage(high, low)
    t.memzero_page(high, 10, 20)
    t.memcpy_page(low, 0, high, 5, 10)
    assert hm.read_kernel(obj(pa.page_address(low)), 12) == b"AAAAA" + bytes(5) + b"AA"
    big = folio(pf.GFP_HIGHUSER, 2)
    assert t.folio_test_highmem(big)
    t.memcpy_to_folio(big, 4000, "x" * 300, 300)  # crosses into the second page: two kmaps
    assert hm.read_folio(big, 3998, 304) == b"\0\0" + b"x" * 300 + b"\0\0"
    other = folio(pf.GFP_KERNEL, 2)
    t.memcpy_folio(other, 8000, big, 4000, 300)
    t.folio_zero_range(big, 4100, 8000)
    assert hm.read_folio(big, 4000, 100) == b"x" * 100 and hm.read_folio(big, 4100, 200) == bytes(200)
    assert hm.read_folio(other, 8000, 300) == b"x" * 300
    last = obj(t.kmap_local_folio(big, 16383))
    hm.write_kernel(last, b"!")
    t.kunmap_local(last)
    t.folio_fill_tail(big, 16370, "tail", 4)  # copies, then zeroes to the end of the folio
    assert hm.read_folio(big, 16368, 16) == bytes(2) + b"tail" + bytes(10)
    t.clear_highpage(t.folio_page(other, 1))
    assert hm.read_folio(other, 8000, 300) == bytes(192) + b"x" * 108
    assert hm.kmap_local_depth() == 0


def test_folio_fill_tail_to_the_very_end_of_a_highmem_folio(machine: Machine) -> None:
    """highmem.h's folio_fill_tail() hands kunmap_local() to + len: one past the mapped page when
    the copy ends the folio, which kunmap_local_indexed() masks into another slot or out of range."""
    big = folio(pf.GFP_HIGHUSER, 1)
    with pytest.raises(ModelError, match="kunmap_local"):
        t.folio_fill_tail(big, 8188, "tail", 4)


# -- slab -------------------------------------------------------------------------------------


def test_slab_objects_live_in_typed_slab_folios(machine: Machine) -> None:
    start = free_counts(machine)
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
    assert free_counts(machine) == start


def test_kmalloc_caches_and_large_kmalloc(machine: Machine) -> None:
    start = free_counts(machine)
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
    assert free_counts(machine) == start


# -- page tables ------------------------------------------------------------------------------


def test_pagetable_ctor_types_the_page_and_dtor_undoes_it(machine: Machine) -> None:
    mm = pg.mm_alloc()
    pt = t.pagetable_alloc(pg.GFP_PGTABLE_USER, 0)
    assert isinstance(pt, t.PtDesc) and not isinstance(t.ptdesc_page(pt), t.TablePage)
    assert t.page_ptdesc(t.ptdesc_page(pt)) is pt and pfn_of(t.ptdesc_folio(pt)) == pfn_of(pt)
    before = pg.nr_pagetable()
    assert t.pagetable_pte_ctor(mm, pt)
    assert isinstance(t.ptdesc_page(pt), t.TablePage) and t.folio_test_pgtable(t.ptdesc_folio(pt))
    assert pg.nr_pagetable() == before + 1
    t.pagetable_dtor_free(pt)
    assert pg.nr_pagetable() == before
    with pytest.raises(ModelError, match="not a page table"):
        t.pagetable_dtor(pt)
    assert mm.pgd is not None and isinstance(t.ptdesc_page(mm.pgd), t.TablePage) and mm.pgd.pt_mm is mm


def test_four_level_page_table_maps_looks_up_unmaps_and_frees(machine: Machine) -> None:
    start = free_counts(machine)
    mm = pg.mm_alloc()
    targets = [pfn_of(page(pf.GFP_HIGHUSER_MOVABLE)) for _ in range(4)]
    addresses = [0x400000, 0x401000, 0x7F0000200000, 0x7F0040000000]
    for addr, pfn, writable in zip(addresses, targets, (True, False, True, True), strict=True):
        pg.map_pte(mm, addr, pfn, writable)
    assert pg.lookup_pte(mm, 0x400ABC) == (targets[0], True)
    assert pg.lookup_pte(mm, 0x401000) == (targets[1], False)
    assert pg.lookup_pte(mm, 0x402000) is None and pg.lookup_pte(mm, 0x7F0000000000) is None
    # PGD, then PUD/PMD/PTE for 0x40xxxx (both pages), PUD/PMD/PTE for 0x7F00002xxxxx, and a
    # PMD/PTE for 0x7F004xxxxxxx, which shares that PUD table (same PGD entry, next PUD entry).
    assert pg.nr_pagetable() == 1 + 3 + 3 + 2
    assert mm.pgtables_bytes == 8 * 4096
    assert [entry[0] for entry in pg.mapped_ptes(mm)] == addresses
    with pytest.raises(ModelError, match="over a present PTE"):
        pg.map_pte(mm, 0x400000, targets[1], True)
    with pytest.raises(ModelError, match="not a user address"):
        pg.map_pte(mm, 1 << 47, targets[1], True)
    with pytest.raises(ModelError, match="still map 4 pages"):
        pg.free_pgtables(mm)
    pg.ptep_set_wrprotect(mm, 0x400000)
    assert pg.lookup_pte(mm, 0x400000) == (targets[0], False)
    tables = {pfn for pfn in pg.pgtable_state().tables if machine.page_type(pfn) == pf.PGTY_table}
    assert all(isinstance(pa.page_view(pfn), t.TablePage) for pfn in tables)
    for addr, pfn in zip(addresses, targets, strict=True):
        assert pg.unmap_pte(mm, addr) == (pfn, addr not in (0x400000, 0x401000))
    assert pg.unmap_pte(mm, 0x400000) is None
    pg.free_pgtables(mm)
    assert pg.nr_pagetable() == 1 and mm.pgtables_bytes == 0
    pg.mmdrop(mm)
    assert pg.nr_pagetable() == 0
    assert not any(isinstance(pa.page_view(pfn), t.TablePage) for pfn in tables)
    for pfn in targets:
        t.__free_pages(pa.page_view(pfn), 0)
    assert free_counts(machine) == start


# -- page_pool and netmem ---------------------------------------------------------------------


def test_page_pool_pages_carry_the_pool_in_netmem_desc(machine: Machine) -> None:
    start = free_counts(machine)
    pool = nm.page_pool_create(flags=nm.PP_FLAG_DMA_MAP)
    pp_page = t.page_pool_alloc_pages(pool, pf.GFP_ATOMIC)
    assert isinstance(pp_page, t.PagePoolPage) and t.page_pool_page_is_pp(pp_page)
    assert pool.hold_cnt == nm.PP_ALLOC_CACHE_REFILL and len(pool.cache) == nm.PP_ALLOC_CACHE_REFILL - 1
    desc = t.pp_page_to_nmdesc(pp_page)
    assert isinstance(desc, t.NetmemDesc) and desc.pp is pool and pp_page.pp is pool  # same word
    assert desc.pp_ref_count == 1 == pp_page.pp_ref_count
    netmem = t.page_to_netmem(pp_page)
    magic = nm.netmem_get_pp_magic(netmem)
    assert magic & pf.PP_MAGIC_MASK == pf.PP_SIGNATURE and magic & pf.PP_DMA_INDEX_MASK  # DMA index bits
    assert t.page_pool_get_dma_addr(pp_page) == pfn_of(pp_page) << 12
    assert not t.netmem_is_net_iov(netmem) and t.netmem_to_page(netmem) is pp_page
    assert t.netmem_to_net_iov(netmem) is None and t.__netmem_clear_lsb(netmem).pp is pool
    t.page_pool_put_full_page(pool, pp_page, True)
    assert pool.cache[-1] == netmem and isinstance(pp_page, t.PagePoolPage)
    with pytest.raises(ModelError, match="double put"):
        t.page_pool_put_full_page(pool, pp_page, True)
    again = t.page_pool_alloc_pages(pool, pf.GFP_ATOMIC)
    assert again is pp_page
    t.get_page(again)  # an skb still holds the page: it cannot be recycled
    t.page_pool_put_full_page(pool, again, False)
    assert not isinstance(again, t.PagePoolPage) and pool.inflight == nm.PP_ALLOC_CACHE_REFILL - 1
    t.put_page(again)
    nm.page_pool_destroy(pool)
    assert pool.inflight == 0 and not pool.dma_mapped
    assert free_counts(machine) == start


def test_freeing_a_page_pool_page_behind_the_pool_is_a_leak(machine: Machine) -> None:
    pool = nm.page_pool_create(order=1)
    pp_page = t.page_pool_alloc_pages(pool, pf.GFP_KERNEL)
    assert isinstance(pp_page, t.PagePoolPage) and t.PageHead(pp_page)
    assert nm.netmem_is_pp(t.netmem_compound_head(t.page_to_netmem(t.folio_page(t.page_folio(pp_page), 1))))
    with pytest.raises(ModelError, match="page_pool leak"):
        t.put_page(pp_page)


def test_devmem_net_iovs_have_no_struct_page(machine: Machine) -> None:
    start = free_counts(machine)
    binding = nm.net_devmem_bind_dmabuf(8)
    pool = nm.page_pool_create(binding=binding)
    netmem = t.page_pool_alloc_netmems(pool, pf.GFP_ATOMIC)
    assert isinstance(netmem, nm.Netmem) and t.netmem_is_net_iov(netmem) and netmem.value & nm.NET_IOV
    niov = t.netmem_to_net_iov(netmem)
    assert isinstance(niov, t.NetIov) and niov.pp is pool and niov.desc.pp is pool
    assert nm.netmem_is_pp(netmem) and niov.desc.pp_ref_count == 1
    assert t.net_iov_to_netmem(niov) == netmem and t.__netmem_clear_lsb(netmem) is niov
    with pytest.raises(ModelError, match="no struct page"):
        t.netmem_to_page(netmem)
    with pytest.raises(ModelError, match="no struct page"):
        t.page_pool_alloc_pages(pool, pf.GFP_ATOMIC)  # WARNs: a devmem pool has no pages
    assert len(binding.free) == 6
    t.page_pool_put_full_netmem(pool, netmem, True)
    assert pool.cache == [netmem]
    assert t.page_pool_alloc_netmems(pool, pf.GFP_ATOMIC) == netmem
    t.page_pool_put_netmem_bulk([netmem], 1)
    nm.page_pool_destroy(pool)
    assert len(binding.free) == 7 and niov.pp is None  # one is still held after the WARN above
    assert free_counts(machine) == start


# -- zsmalloc ---------------------------------------------------------------------------------


def test_zsmalloc_zspages_of_zpdescs(machine: Machine) -> None:
    start = free_counts(machine)
    pool = t.zs_create_pool("zram0")
    gfp = pf.GFP_KERNEL | pf.__GFP_HIGHMEM  # zram's pages may be highmem
    handles = [t.zs_malloc(pool, 700, gfp, 0) for _ in range(6)]  # a 720-byte class: object 5 spans pages
    for index, handle in enumerate(handles):
        zs.zs_obj_write(pool, handle, bytes([65 + index]) * 700)
    first, _ = zs.obj_to_location(hm.read_long(handles[0]))
    zspage = zs.get_zspage(first)
    chain = zs.zspage_zpdescs(zspage)
    assert isinstance(pool, zs.ZsPoolModel)
    size_class = pool.size_class[zspage.class_index]
    assert size_class.size == 720 and len(chain) == size_class.pages_per_zspage > 1
    assert all(isinstance(t.zpdesc_page(zp), t.ZsmallocPage) for zp in chain)
    assert all(isinstance(t.zpdesc_page(zp), t.HighmemPage) for zp in chain)
    assert all(zp.zspage is zspage for zp in chain) and t.get_next_zpdesc(chain[0]) is chain[1]
    assert machine.test_flag(pfn_of(chain[0]), pf.PG_private) and not machine.test_flag(pfn_of(chain[1]), pf.PG_private)
    assert zs.get_first_obj_offset(chain[1]) == 5 * 720 + 720 - 4096  # where object 6 starts in page 1
    assert machine.page_type(pfn_of(chain[1])) == pf.PGTY_zsmalloc
    assert zs.zs_read(pool, handles[5], 700) == b"F" * 700  # straddles, read through a local copy
    assert zs.zs_read(pool, handles[2], 3) == b"CCC" and hm.kmap_local_depth() == 0
    huge = t.zs_malloc(pool, 4000, gfp, 0)
    page_of_huge, _ = zs.obj_to_location(hm.read_long(huge))
    assert zs.get_zspage(page_of_huge).huge and t.get_next_zpdesc(page_of_huge) is None
    assert machine.mem.get_long(pfn_of(page_of_huge), 4) == huge | zs.OBJ_ALLOCATED_TAG
    assert zs.IS_ERR_VALUE(t.zs_malloc(pool, 5000, gfp, 0))
    for handle in [*handles, huge]:
        t.zs_free(pool, handle)
    with pytest.raises(ModelError, match="double or invalid free"):
        t.zs_free(pool, huge)
    assert zs.zs_get_total_pages(pool) == 0 and not isinstance(t.zpdesc_page(chain[0]), t.ZsmallocPage)
    t.zs_destroy_pool(pool)
    sl.shrink_all_caches()
    assert free_counts(machine) == start


# -- everything at once -----------------------------------------------------------------------


def test_freeing_everything_returns_every_page(machine: Machine) -> None:
    start = free_counts(machine)
    cache = t.kmem_cache_create("mixed", 96, sl.KmemCacheArgs(), 0)
    objects = [obj(t.kmem_cache_alloc(cache, pf.GFP_KERNEL)) for _ in range(100)]
    buffers = [obj(t.kmalloc(size, pf.GFP_KERNEL)) for size in (24, 3000, 20000, 70000)]
    mm = pg.mm_alloc()
    user = page(pf.GFP_HIGHUSER_MOVABLE)
    pg.map_pte(mm, 0x10000000, pfn_of(user), True)
    pool = nm.page_pool_create()
    pp_pages = [t.page_pool_dev_alloc_pages(pool) for _ in range(3)]
    zpool = t.zs_create_pool("mixed")
    handles = [t.zs_malloc(zpool, size, pf.GFP_HIGHUSER, 0) for size in (50, 500, 3500)]
    assert free_counts(machine) != start
    for handle in handles:
        t.zs_free(zpool, handle)
    t.zs_destroy_pool(zpool)
    for pp_page in pp_pages:
        assert pp_page is not None
        t.page_pool_recycle_direct(pool, pp_page)
    nm.page_pool_destroy(pool)
    pg.unmap_pte(mm, 0x10000000)
    pg.free_pgtables(mm)
    pg.mmdrop(mm)
    t.put_page(user)
    for addr in objects:
        t.kmem_cache_free(cache, addr)
    for addr in buffers:
        t.kfree(addr)
    t.kmem_cache_destroy(cache)
    sl.shrink_all_caches()
    assert free_counts(machine) == start
