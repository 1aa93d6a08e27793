"""page_pool and netmem: network buffers, with or without a struct page behind them.

Follows net/core/page_pool.c, include/net/netmem.h, include/net/page_pool/helpers.h,
net/core/devmem.c and net/core/skbuff.c (6.18). A page_pool owns the pages it hands out: each
carries PP_SIGNATURE in pp_magic and the pool in pp, written through struct netmem_desc, which
overlays struct page word for word (pp_magic is lru.next, pp is lru.prev...). So a page_pool
page is a PagePoolPage exactly while page_pool_page_is_pp() reads the signature, and a page
freed with the signature still set is the kernel's "page_pool leak" bad page.

A netmem_ref names either a page or a net_iov: devmem (dmabuf) memory that has no struct page
at all, only the separately allocated struct net_iov whose first words mirror netmem_desc. The
model's `Netmem` handle holds the page view or the NetIov; bit 0 (NET_IOV) of its value says
which, as in the kernel.

A pool keeps returned buffers in its alloc cache (allow_direct, from NAPI context) or ring and
hands them out again; a page whose refcount another user raised goes back to the page
allocator instead (page_pool_return_netmem). Order-0 refills allocate PP_ALLOC_CACHE_REFILL
pages at once, as __page_pool_alloc_pages_slow does. Not modelled: fragments, NAPI-local
recycling decisions, DMA syncs, io_uring zero-copy receive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from model import pageflags as pf
from model.arch import PAGE_SHIFT, PAGE_SIZE
from model.machine import ModelError, current, model_object
from model.page_alloc import FREE_HOOKS, alloc_pages, get_page, page_view, pfn_of, put_page
from model.views import NetmemDescView, view_as
from ontology import types
from ontology.runtime import implement
from ontology.types import NetIov, NetmemDesc, NetmemRef, Page, PagePoolPage

NET_IOV = 0x1
VMEMMAP_START = 0xFFFFEA0000000000
"""x86-64's struct page array: a page's netmem value is its struct page address."""
NET_IOV_AREA_BASE = 0xFFFFC90000000000
"""Where the model places net_iov arrays (kvmalloc'd in the kernel): 64 bytes per net_iov."""
STRUCT_NET_IOV_SIZE = 64
PP_ALLOC_CACHE_SIZE = 128
PP_ALLOC_CACHE_REFILL = 64
PP_FLAG_DMA_MAP = 0x1
NET_IOV_DMABUF = 0
PP_WORD_MAGIC = 1
PP_WORD_DMA_ADDR = 4
"""struct page words of pp_magic and dma_addr (64-bit values: see MemMap.get_long)."""
_PP_FIELDS = frozenset({"_flags", "pp_magic", "pp", "_pp_mapping_pad", "dma_addr", "pp_ref_count"})


# -- net_iov and the dmabuf binding (net/core/devmem.c) ---------------------------------------


class NetIovDesc(NetmemDesc):
    """niov->desc: the struct netmem_desc at the start of a net_iov, which holds its page_pool
    words (since 7.1 a net_iov has no copies of them outside desc)."""

    def __init__(self, dma_addr: int):
        self._flags = 0
        self.pp_magic = 0
        self.pp: types.PagePool | None = None
        self._pp_mapping_pad = 0
        self.dma_addr = dma_addr
        self.pp_ref_count = 0


class NetIovBuffer(NetIov):
    """struct net_iov: a PAGE_SIZE chunk of device memory, described without a struct page."""

    def __init__(self, owner: NetIovAreaModel, index: int):
        self.desc = NetIovDesc(owner.base_dma + index * PAGE_SIZE)
        self.owner: types.NetIovArea | None = owner
        self.type = NET_IOV_DMABUF
        self.chunk_index = index  # the kernel computes net_iov_idx() = niov - owner->niovs
        self.address = NET_IOV_AREA_BASE + owner.area_id * (1 << 32) + index * STRUCT_NET_IOV_SIZE

    def __repr__(self) -> str:
        return f"<NetIov #{self.chunk_index} of {self.owner!r}>"


class NetIovAreaModel(types.NetIovArea):
    """struct net_iov_area (dmabuf_genpool_chunk_owner->area): the net_iovs of one dmabuf chunk."""

    _next_id = 0

    def __init__(self, binding: DmabufBinding, nr_chunks: int, base_dma: int):
        NetIovAreaModel._next_id += 1
        self.area_id = NetIovAreaModel._next_id
        self.binding = binding
        self.base_dma = base_dma
        self.niovs = [NetIovBuffer(self, index) for index in range(nr_chunks)]

    def __repr__(self) -> str:
        return f"<net_iov_area {self.area_id}: {len(self.niovs)} chunks>"


class DmabufBinding(types.NetDevmemDmabufBinding):
    """struct net_devmem_dmabuf_binding: a dmabuf bound to an RX queue, its chunks in a genpool."""

    def __init__(self, nr_chunks: int, base_dma: int = 1 << 40):
        self.area = NetIovAreaModel(self, nr_chunks, base_dma)
        self.free: list[int] = list(range(nr_chunks - 1, -1, -1))
        """The chunk pool (gen_pool) as free net_iov indices."""
        self.ref = 1


def net_devmem_bind_dmabuf(nr_chunks: int) -> DmabufBinding:
    """Bind a dmabuf of `nr_chunks` PAGE_SIZE chunks (the netlink bind-rx operation)."""
    return DmabufBinding(nr_chunks)


def _niov(niov: NetIov) -> NetIovBuffer:
    return model_object(niov, NetIovBuffer, "a net_iov")


@implement
def net_devmem_alloc_dmabuf(binding: types.NetDevmemDmabufBinding) -> NetIov | None:
    """A free chunk of the dmabuf as a net_iov with cleared pp fields, or NULL."""
    dmabuf = model_object(binding, DmabufBinding, "a dmabuf binding")
    if not dmabuf.free:
        return None
    niov = dmabuf.area.niovs[dmabuf.free.pop()]
    niov.desc.pp_magic, niov.desc.pp, niov.desc.pp_ref_count = 0, None, 0
    return niov


@implement
def net_devmem_free_dmabuf(niov: NetIov) -> None:
    buffer = _niov(niov)
    owner = buffer.owner
    if not isinstance(owner, NetIovAreaModel):
        raise ModelError(f"{buffer!r} has no owner area")
    if buffer.chunk_index in owner.binding.free:
        raise ModelError(f"net_devmem_free_dmabuf: {buffer!r} is already free (gen_pool_has_addr WARN)")
    owner.binding.free.append(buffer.chunk_index)


# -- netmem_ref ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Netmem(NetmemRef):
    """netmem_ref: a struct page pointer, or a struct net_iov pointer with NET_IOV set."""

    target: Page | NetIov

    @property
    def value(self) -> int:
        """The unsigned long the kernel passes around."""
        if isinstance(self.target, NetIovBuffer):
            return self.target.address | NET_IOV
        return VMEMMAP_START + pfn_of(self.target) * 64

    def __repr__(self) -> str:
        return f"<netmem {self.value:#x} {self.target!r}>"


def _netmem(netmem: NetmemRef) -> Netmem:
    return model_object(netmem, Netmem, "a netmem_ref")


@implement
def netmem_is_net_iov(netmem: NetmemRef) -> bool:
    return isinstance(_netmem(netmem).target, NetIov)


@implement
def page_to_netmem(page: Page) -> NetmemRef:
    return Netmem(page)


@implement
def net_iov_to_netmem(niov: NetIov) -> NetmemRef:
    return Netmem(_niov(niov))


@implement
def __netmem_to_page(netmem: NetmemRef) -> Page:
    """The trusting cast: undefined for a net_iov, which the model refuses."""
    target = _netmem(netmem).target
    if isinstance(target, NetIov):
        raise ModelError(f"__netmem_to_page({netmem!r}): a net_iov has no struct page (undefined behaviour)")
    return target


@implement
def netmem_to_page(netmem: NetmemRef) -> Page | None:
    """The page of a page-backed netmem; for a net_iov the kernel WARNs and returns NULL."""
    if netmem_is_net_iov(netmem):
        raise ModelError(f"netmem_to_page({netmem!r}): a net_iov has no struct page (WARN_ON_ONCE)")
    return __netmem_to_page(netmem)


@implement
def netmem_to_net_iov(netmem: NetmemRef) -> NetIov | None:
    """The net_iov of a net_iov netmem; NULL for a page (a DEBUG_NET warning only)."""
    target = _netmem(netmem).target
    return target if isinstance(target, NetIov) else None


@implement
def __netmem_to_nmdesc(netmem: NetmemRef) -> NetmemDesc:
    """The netmem_desc of either kind: a net_iov starts with its desc, a page_pool page is
    overlaid by one (replaced __netmem_clear_lsb(), whose net_iov view of a page only lined up
    in the page_pool fields)."""
    target = _netmem(netmem).target
    if isinstance(target, NetIov):
        return target.desc
    return __pp_page_to_nmdesc(target)


@implement
def __pp_page_to_nmdesc(page: Page) -> NetmemDesc:
    return view_as(current().views, NetmemDescView, pfn_of(page))


@implement
def pp_page_to_nmdesc(page: PagePoolPage) -> NetmemDesc:
    if not types.page_pool_page_is_pp(page):
        raise ModelError(f"pp_page_to_nmdesc({page!r}): not a page_pool page")
    return __pp_page_to_nmdesc(page)


@implement
def netmem_compound_head(netmem: NetmemRef) -> NetmemRef:
    target = _netmem(netmem).target
    if isinstance(target, NetIov):
        return netmem
    return Netmem(page_view(current().compound_head_pfn(pfn_of(target))))


def _pp_word(netmem: NetmemRef, field: str, word: int) -> int:
    """pp_magic or dma_addr: a net_iov's field, or the page's 64-bit `word` (read whole: the view's
    4-byte column holds only its low half)."""
    target = _netmem(netmem).target
    if isinstance(target, NetIov):
        value: int = getattr(target.desc, field)
        return value
    return current().mem.get_long(pfn_of(target), word)


def _set_pp_word(netmem: NetmemRef, field: str, word: int, value: int) -> None:
    target = _netmem(netmem).target
    if isinstance(target, NetIov):
        setattr(target.desc, field, value)
        return
    machine = current()
    machine.mem.set_long(pfn_of(target), word, value)
    machine.views.changed(pfn_of(target))  # pp_magic is the compound_head word: PagePoolPage follows it


def netmem_get_pp_magic(netmem: NetmemRef) -> int:
    return _pp_word(netmem, "pp_magic", PP_WORD_MAGIC)


def _set_pp_magic(netmem: NetmemRef, value: int) -> None:
    _set_pp_word(netmem, "pp_magic", PP_WORD_MAGIC, value)


def netmem_is_pp(netmem: NetmemRef) -> bool:
    return (netmem_get_pp_magic(netmem) & pf.PP_MAGIC_MASK) == pf.PP_SIGNATURE


def netmem_get_pp(netmem: NetmemRef) -> types.PagePool | None:
    pool = __netmem_to_nmdesc(netmem).pp
    return pool if isinstance(pool, types.PagePool) else None


def netmem_get_dma_addr(netmem: NetmemRef) -> int:
    return _pp_word(netmem, "dma_addr", PP_WORD_DMA_ADDR)


def _set_dma_addr(netmem: NetmemRef, addr: int) -> None:
    _set_pp_word(netmem, "dma_addr", PP_WORD_DMA_ADDR, addr)


@implement
def page_pool_get_dma_addr(page: Page) -> int:
    return netmem_get_dma_addr(page_to_netmem(page))


# -- the pool -----------------------------------------------------------------------------


@dataclass(eq=False)
class PagePool(types.PagePool):
    """struct page_pool: parameters, the alloc cache and ring of recycled buffers, in-flight counts."""

    order: int = 0
    nid: int = 0
    flags: int = 0
    ring_size: int = 1024
    mp_priv: DmabufBinding | None = None
    """A memory provider's state: the devmem binding whose net_iovs the pool hands out."""
    cache: list[Netmem] = field(default_factory=list)
    ring: list[Netmem] = field(default_factory=list)
    hold_cnt: int = 0
    release_cnt: int = 0
    dma_mapped: dict[int, Netmem] = field(default_factory=dict)
    """pool->dma_mapped: the xarray whose index page_pool stores in pp_magic's DMA-index bits."""
    destroyed: bool = False

    @property
    def inflight(self) -> int:
        """page_pool_inflight(): buffers taken from the allocator and not yet given back."""
        return self.hold_cnt - self.release_cnt

    def __repr__(self) -> str:
        return f"<PagePool order={self.order} cached={len(self.cache)} ring={len(self.ring)} inflight={self.inflight}>"


def page_pool_create(
    order: int = 0, pool_size: int = 1024, flags: int = 0, nid: int = 0, binding: DmabufBinding | None = None
) -> PagePool:
    """page_pool_create(&params); a devmem pool (mp_dmabuf_devmem_init) must be order 0."""
    if binding is not None:
        if order:
            raise ModelError("page_pool_create: a dmabuf memory provider needs order 0 (-E2BIG)")
        binding.ref += 1
    return PagePool(order=order, nid=nid, flags=flags, ring_size=pool_size, mp_priv=binding)


def _pool(pool: types.PagePool) -> PagePool:
    return model_object(pool, PagePool, "a page_pool")


def page_pool_set_pp_info(pool: PagePool, netmem: Netmem) -> None:
    """netmem_set_pp(), netmem_or_pp_magic(PP_SIGNATURE), page_pool_fragment_netmem(netmem, 1)."""
    __netmem_to_nmdesc(netmem).pp = pool
    _set_pp_magic(netmem, netmem_get_pp_magic(netmem) | pf.PP_SIGNATURE)
    __netmem_to_nmdesc(netmem).pp_ref_count = 1


def page_pool_clear_pp_info(netmem: Netmem) -> None:
    if netmem_get_pp_magic(netmem) & pf.PP_DMA_INDEX_MASK:
        raise ModelError(f"page_pool_clear_pp_info({netmem!r}): DMA index still set (WARN_ON_ONCE)")
    _set_pp_magic(netmem, 0)  # netmem_clear_pp_magic()
    __netmem_to_nmdesc(netmem).pp = None


def _dma_map(pool: PagePool, netmem: Netmem) -> None:
    """page_pool_dma_map(): map (no IOMMU: the physical address) and record the DMA index."""
    if not pool.flags & PP_FLAG_DMA_MAP:
        return
    index = next(i for i in range(1, len(pool.dma_mapped) + 2) if i not in pool.dma_mapped)
    pool.dma_mapped[index] = netmem
    _set_dma_addr(netmem, pfn_of(netmem.target) << PAGE_SHIFT)
    _set_pp_magic(netmem, netmem_get_pp_magic(netmem) | index << pf.PP_DMA_INDEX_SHIFT)


def _dma_unmap(pool: PagePool, netmem: Netmem) -> None:
    """__page_pool_release_netmem_dma(): drop the xarray entry, the DMA index and address."""
    if not pool.flags & PP_FLAG_DMA_MAP:
        return
    magic = netmem_get_pp_magic(netmem)
    index = (magic & pf.PP_DMA_INDEX_MASK) >> pf.PP_DMA_INDEX_SHIFT
    if pool.dma_mapped.pop(index, None) != netmem:
        raise ModelError(f"page_pool: {netmem!r} has no DMA mapping of this pool")
    _set_dma_addr(netmem, 0)
    _set_pp_magic(netmem, magic & ~pf.PP_DMA_INDEX_MASK)


def _alloc_slow(pool: PagePool, gfp: int) -> Netmem | None:
    """__page_pool_alloc_netmems_slow(): a bulk of order-0 pages into the cache, or one high-order page."""
    wanted = PP_ALLOC_CACHE_REFILL if pool.order == 0 else 1
    gfp = gfp | pf.__GFP_COMP if pool.order else gfp
    for _ in range(wanted):
        page = alloc_pages(gfp | pf.__GFP_NOWARN, pool.order)
        if page is None:
            break
        netmem = Netmem(page)
        _dma_map(pool, netmem)
        page_pool_set_pp_info(pool, netmem)
        pool.cache.append(netmem)
        pool.hold_cnt += 1
    return pool.cache.pop() if pool.cache else None


def _devmem_alloc(pool: PagePool) -> Netmem | None:
    """mp_dmabuf_devmem_alloc_netmems(): a chunk of the bound dmabuf, as a page_pool net_iov."""
    assert pool.mp_priv is not None
    niov = net_devmem_alloc_dmabuf(pool.mp_priv)
    if niov is None:
        return None
    netmem = Netmem(niov)
    page_pool_set_pp_info(pool, netmem)
    pool.hold_cnt += 1
    return netmem


@implement
def mp_dmabuf_devmem_alloc_netmems(pool: types.PagePool, gfp: int) -> NetmemRef:
    """The devmem provider's alloc; the kernel returns netmem 0 when the dmabuf is exhausted."""
    netmem = _devmem_alloc(_pool(pool))
    if netmem is None:
        raise ModelError("mp_dmabuf_devmem_alloc_netmems: the dmabuf has no free chunk (the kernel returns 0)")
    return netmem


@implement
def net_mp_niov_set_page_pool(pool: types.PagePool, niov: NetIov) -> None:
    model_pool = _pool(pool)
    page_pool_set_pp_info(model_pool, Netmem(_niov(niov)))
    model_pool.hold_cnt += 1


@implement
def page_pool_alloc_netmems(pool: types.PagePool, gfp: int) -> NetmemRef | None:
    """From the alloc cache, refilled from the ring; else the memory provider or the page allocator."""
    model_pool = _pool(pool)
    if not model_pool.cache and model_pool.ring:  # page_pool_refill_alloc_cache()
        moved = model_pool.ring[:PP_ALLOC_CACHE_REFILL]
        del model_pool.ring[:PP_ALLOC_CACHE_REFILL]
        model_pool.cache.extend(reversed(moved))
    if model_pool.cache:
        return model_pool.cache.pop()
    if model_pool.mp_priv is not None:
        return _devmem_alloc(model_pool)
    return _alloc_slow(model_pool, gfp)


@implement
def page_pool_alloc_pages(pool: types.PagePool, gfp: int) -> Page | None:
    netmem = page_pool_alloc_netmems(pool, gfp)
    return None if netmem is None else netmem_to_page(netmem)


@implement
def page_pool_dev_alloc_pages(pool: types.PagePool) -> Page | None:
    return page_pool_alloc_pages(pool, pf.GFP_ATOMIC | pf.__GFP_NOWARN)


def page_pool_unref_netmem(netmem: Netmem, nr: int) -> int:
    """Drop `nr` pp references; the last one leaves pp_ref_count at 1 for the next user."""
    desc = __netmem_to_nmdesc(netmem)
    count: int = desc.pp_ref_count
    if count == nr:
        desc.pp_ref_count = 1
        return 0
    if count < nr:
        raise ModelError(f"page_pool: pp_ref_count of {netmem!r} would go negative (WARN_ON)")
    desc.pp_ref_count = count - nr
    return count - nr


def _recycled(pool: PagePool, netmem: Netmem) -> bool:
    return netmem in pool.cache or netmem in pool.ring


def _can_be_recycled(netmem: Netmem) -> bool:
    """__page_pool_page_can_be_recycled(): a net_iov, or a page nobody else holds a reference to."""
    target = netmem.target
    return isinstance(target, NetIov) or current().refcount(pfn_of(target)) == 1


def page_pool_return_netmem(pool: PagePool, netmem: Netmem) -> None:
    """Give a buffer back for good: to the memory provider, or clear pp info and put_page()."""
    pool.release_cnt += 1
    if pool.mp_priv is not None:  # mp_dmabuf_devmem_release_page(): never put_page() a net_iov
        target = netmem.target
        if not isinstance(target, NetIov) or target.desc.pp_ref_count != 1:
            raise ModelError(f"mp_dmabuf_devmem_release_page({netmem!r}): not a net_iov with one reference (WARN)")
        page_pool_clear_pp_info(netmem)
        net_devmem_free_dmabuf(target)
    else:
        _dma_unmap(pool, netmem)
        page_pool_clear_pp_info(netmem)
        __netmem_to_nmdesc(netmem).pp_ref_count = 0  # post_alloc_hook() would clear ->private anyway
        put_page(__netmem_to_page(netmem))
    if pool.destroyed and pool.inflight == 0:
        _page_pool_free(pool)


@implement
def page_pool_put_unrefed_netmem(
    pool: types.PagePool, netmem: NetmemRef, dma_sync_size: int, allow_direct: bool
) -> None:
    """__page_pool_put_page(): recycle into the cache (direct) or ring, else return the buffer."""
    model_pool, handle = _pool(pool), _netmem(netmem)
    if _recycled(model_pool, handle):
        raise ModelError(f"page_pool: {handle!r} is already recycled in its pool (double put)")
    if not _can_be_recycled(handle) or model_pool.destroyed:
        page_pool_return_netmem(model_pool, handle)
    elif allow_direct and len(model_pool.cache) < PP_ALLOC_CACHE_SIZE:
        model_pool.cache.append(handle)
    elif len(model_pool.ring) < model_pool.ring_size:
        model_pool.ring.append(handle)
    else:
        page_pool_return_netmem(model_pool, handle)  # ring full


def _check_owner(pool: types.PagePool, netmem: Netmem) -> None:
    if not netmem_is_pp(netmem):
        raise ModelError(f"page_pool put of {netmem!r}, which is not a page_pool buffer")
    if netmem_get_pp(netmem) is not pool:
        raise ModelError(f"page_pool put of {netmem!r} to a pool that does not own it")


@implement
def page_pool_put_netmem(pool: types.PagePool, netmem: NetmemRef, dma_sync_size: int, allow_direct: bool) -> None:
    """Drop one pp reference; the last one recycles or returns the buffer."""
    handle = _netmem(netmem)
    _check_owner(pool, handle)
    if page_pool_unref_netmem(handle, 1) == 0:
        page_pool_put_unrefed_netmem(pool, handle, dma_sync_size, allow_direct)


@implement
def page_pool_put_full_netmem(pool: types.PagePool, netmem: NetmemRef, allow_direct: bool) -> None:
    page_pool_put_netmem(pool, netmem, -1, allow_direct)


@implement
def page_pool_put_page(pool: types.PagePool, page: Page, dma_sync_size: int, allow_direct: bool) -> None:
    page_pool_put_netmem(pool, page_to_netmem(page), dma_sync_size, allow_direct)


@implement
def page_pool_put_full_page(pool: types.PagePool, page: Page, allow_direct: bool) -> None:
    page_pool_put_netmem(pool, page_to_netmem(page), -1, allow_direct)


@implement
def page_pool_put_unrefed_page(pool: types.PagePool, page: Page, dma_sync_size: int, allow_direct: bool) -> None:
    page_pool_put_unrefed_netmem(pool, page_to_netmem(page), dma_sync_size, allow_direct)


@implement
def page_pool_recycle_direct(pool: types.PagePool, page: Page) -> None:
    page_pool_put_full_page(pool, page, True)


@implement
def page_pool_put_netmem_bulk(data: list[NetmemRef], count: int) -> None:
    """Return `count` buffers, each to the pool that owns it (no direct recycling)."""
    for netmem in data[:count]:
        handle = _netmem(netmem_compound_head(netmem))
        pool = netmem_get_pp(handle)
        if pool is None:
            raise ModelError(f"page_pool_put_netmem_bulk: {handle!r} has no pool")
        page_pool_put_netmem(pool, handle, -1, False)


@implement
def napi_pp_put_page(netmem: NetmemRef) -> bool:
    """skbuff.c: give a page_pool buffer back to its pool; False if it is not one."""
    handle = _netmem(netmem_compound_head(netmem))
    if not netmem_is_pp(handle):
        return False
    pool = netmem_get_pp(handle)
    if pool is None:
        return False
    page_pool_put_full_netmem(pool, handle, False)
    return True


@implement
def get_netmem(netmem: NetmemRef) -> None:
    """A net_iov pins its dmabuf binding; a page takes a page reference."""
    target = _netmem(netmem).target
    if isinstance(target, NetIov):
        owner = _niov(target).owner
        if isinstance(owner, NetIovAreaModel):
            owner.binding.ref += 1  # net_devmem_get_net_iov()
        return
    get_page(target)


@implement
def put_netmem(netmem: NetmemRef) -> None:
    target = _netmem(netmem).target
    if isinstance(target, NetIov):
        owner = _niov(target).owner
        if isinstance(owner, NetIovAreaModel):
            owner.binding.ref -= 1  # net_devmem_put_net_iov()
        return
    put_page(target)


def page_pool_destroy(pool: types.PagePool) -> None:
    """Scrub the cache and ring back to the allocator; the pool goes once nothing is in flight."""
    model_pool = _pool(pool)
    model_pool.destroyed = True
    while model_pool.cache or model_pool.ring:  # page_pool_scrub()
        page_pool_return_netmem(model_pool, (model_pool.cache or model_pool.ring).pop())
    if model_pool.inflight == 0:
        _page_pool_free(model_pool)


def _page_pool_free(pool: PagePool) -> None:
    if pool.mp_priv is not None:
        pool.mp_priv.ref -= 1  # mp_dmabuf_devmem_destroy()
        pool.mp_priv = None


def _page_pool_leak(pfn: int) -> None:
    """free_page_is_bad(): a page freed while it still carries PP_SIGNATURE is a page_pool leak."""
    if (current().mem.get_long(pfn, PP_WORD_MAGIC) & pf.PP_MAGIC_MASK) == pf.PP_SIGNATURE:
        raise ModelError(f"Bad page state: pfn {pfn}: page_pool leak (freed without page_pool_return_netmem)")


FREE_HOOKS.append(_page_pool_leak)
