"""page_pool and netmem: pool pages carry their pool in netmem_desc, freeing one behind the pool's
back is a leak, devmem net_iovs have no struct page."""

from __future__ import annotations

import pytest

from model import netmem as nm
from model import pageflags as pf
from model.machine import Machine, ModelError
from model.page_alloc import pfn_of
from ontology import types as t
from tests.support.machine import free_pages


def test_page_pool_pages_carry_the_pool_in_netmem_desc(machine: Machine) -> None:
    start = free_pages(machine)
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
    assert t.netmem_to_net_iov(netmem) is None and t.__netmem_to_nmdesc(netmem).pp is pool
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
    assert free_pages(machine) == start


def test_freeing_a_page_pool_page_behind_the_pool_is_a_leak(machine: Machine) -> None:
    pool = nm.page_pool_create(order=1)
    pp_page = t.page_pool_alloc_pages(pool, pf.GFP_KERNEL)
    assert isinstance(pp_page, t.PagePoolPage) and t.PageHead(pp_page)
    assert nm.netmem_is_pp(t.netmem_compound_head(t.page_to_netmem(t.folio_page(t.page_folio(pp_page), 1))))
    with pytest.raises(ModelError, match="page_pool leak"):
        t.put_page(pp_page)


def test_devmem_net_iovs_have_no_struct_page(machine: Machine) -> None:
    start = free_pages(machine)
    binding = nm.net_devmem_bind_dmabuf(8)
    pool = nm.page_pool_create(binding=binding)
    netmem = t.page_pool_alloc_netmems(pool, pf.GFP_ATOMIC)
    assert isinstance(netmem, nm.Netmem) and t.netmem_is_net_iov(netmem) and netmem.value & nm.NET_IOV
    niov = t.netmem_to_net_iov(netmem)
    assert isinstance(niov, t.NetIov) and niov.desc.pp is pool
    assert nm.netmem_is_pp(netmem) and niov.desc.pp_ref_count == 1
    assert t.net_iov_to_netmem(niov) == netmem and t.netmem_to_net_iov(netmem) is niov
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
    assert len(binding.free) == 7 and niov.desc.pp is None  # one is still held after the WARN above
    assert free_pages(machine) == start
