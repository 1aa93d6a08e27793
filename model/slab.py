"""SLUB at the level of descriptors: caches, slabs that are typed folios, objects at kernel addresses.

Follows mm/slub.c and mm/slab_common.c (6.18). A slab is a folio of frozen pages (refcount 0,
alloc_frozen_pages) whose first page is typed PGTY_slab (__folio_set_slab), seen as `struct
slab` through the fields that overlay that page: slab->slab_cache in the compound_head word
(bit 0 clear, as SLAB_MATCH(compound_head, slab_cache) requires), slab->freelist in ->index and
inuse/objects/frozen in the counters word. Each free object holds the address of the next free
object at s->offset inside its own memory (set_freepointer), so the freelist lives in page
contents exactly as SLUB keeps it, and `slab.freelist` reads back the first free object.

kmalloc() picks a kmalloc-<size> cache up to KMALLOC_MAX_CACHE_SIZE (two pages); anything bigger
is a large kmalloc: a compound folio typed PGTY_large_kmalloc, which is not a slab, so
virt_to_slab() is NULL for it and kfree() sends it to free_large_kmalloc().

Simplified: no per-CPU slabs, per-CPU partial lists or sheaves (each cache allocates from one
node partial list, keeping min_partial empty slabs as __slab_free does), no cache merging, no
freelist hardening or randomisation. Double and invalid frees are caught as slub_debug would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from model import pageflags as pf
from model.arch import PAGE_SHIFT, PAGE_SIZE, pfn_to_kaddr
from model.highmem import read_kernel, read_long, write_kernel, write_long
from model.machine import ModelError, PerMachine, current, model_object
from model.page_alloc import _free_frozen, alloc_pages, folio_view, page_folio, page_view, pfn_of, virt_to_page
from model.views import SlabView, view_as
from ontology import types
from ontology.runtime import implement
from ontology.types import Folio, Page, Slab

KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1
KMALLOC_MAX_CACHE_SIZE = 1 << KMALLOC_SHIFT_HIGH
"""slab.h (SLUB): the largest kmalloc served by a slab cache; bigger requests get pages."""
KMALLOC_SIZES = (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192)
ZERO_SIZE_PTR = 16
"""slab.h: what kmalloc(0) returns; kfree() ignores it."""
SLAB_HWCACHE_ALIGN = 0x2000
SLAB_TYPESAFE_BY_RCU = 0x80000
"""slab_flags_t bits the model looks at (the model's values; only their meaning matters)."""
CACHE_LINE_SIZE = 64
ARCH_SLAB_MINALIGN = 8
SLUB_MAX_ORDER = 3
"""PAGE_ALLOC_COSTLY_ORDER, the default slub_max_order."""
MAX_OBJS_PER_PAGE = 32767
MIN_PARTIAL = 5
MAX_PARTIAL = 10
NUMA_NO_NODE = -1
GFP_COMP = pf.__GFP_COMP
GFP_SLAB_BUG_MASK = pf.__GFP_DMA32 | pf.__GFP_HIGHMEM
"""mm/slab.h: flags a slab allocation must not carry (kmalloc_fix_flags() drops them with a warning)."""


@dataclass
class KmemCacheArgs(types.KmemCacheArgs):
    """struct kmem_cache_args: the optional parameters of kmem_cache_create()."""

    align: int = 0
    freeptr_offset: int = 0
    use_freeptr_offset: bool = False
    ctor: Callable[[int], None] | None = None


@dataclass(eq=False)
class KmemCache(types.KmemCache):
    """struct kmem_cache with its one kmem_cache_node: geometry, partial slabs, objects in use."""

    name: str
    object_size: int
    size: int
    """Object size with alignment and an out-of-object free pointer: the stride in a slab."""
    align: int
    offset: int
    """Where in a free object the free pointer lives (s->offset)."""
    order: int
    objects: int
    flags: int = 0
    ctor: Callable[[int], None] | None = None
    min_partial: int = MIN_PARTIAL
    partial: list[int] = field(default_factory=list)
    """kmem_cache_node->partial: PFNs of slabs with free objects, allocation takes the first."""
    slabs: set[int] = field(default_factory=set)
    """Every slab of the cache (n->nr_slabs)."""
    allocated: set[int] = field(default_factory=set)
    """Objects handed out and not freed (what slub_debug's free checks consult)."""

    @property
    def allocflags(self) -> int:
        return GFP_COMP if self.order else 0  # (a dunder name in a class body would be mangled)

    def __repr__(self) -> str:
        return f"<KmemCache {self.name} size={self.size} order={self.order} objects={self.objects}>"


@dataclass
class SlabState:
    """Per machine: slab_caches, the kmalloc caches by size, and NR_SLAB_UNRECLAIMABLE_B."""

    caches: list[KmemCache] = field(default_factory=list)
    kmalloc_caches: dict[int, KmemCache] = field(default_factory=dict)
    nr_slab_unreclaimable_b: int = 0
    addresses: dict[int, int] = field(default_factory=dict)
    """One int object per object address stored in slab->freelist (a pointer field is a handle)."""


slab_state = PerMachine(lambda machine: SlabState())


def _pointer(addr: int) -> int | None:
    """The value to store in a pointer field: the same int object for the same address."""
    if not addr:
        return None
    return slab_state().addresses.setdefault(addr, addr)


def _cache(s: types.KmemCache) -> KmemCache:
    return model_object(s, KmemCache, "a kmem_cache")


# -- conversions (mm/slab.h) --------------------------------------------------------------------


@implement
def slab_folio(slab: Slab) -> Folio:
    return folio_view(pfn_of(slab))


@implement
def page_slab(page: Page) -> Slab | None:
    """6.19+: the slab of any page of it (head resolved), None unless that head is typed PGTY_slab
    (so None for large-kmalloc pages too). Up to 6.18 it was a plain cast of a head page."""
    folio = page_folio(page)
    if not types.folio_test_slab(folio):
        return None
    return view_as(current().views, SlabView, pfn_of(folio))


@implement
def slab_page(slab: Slab) -> Page:
    """folio_page(slab_folio(slab), 0): the slab's first struct page."""
    return page_view(pfn_of(slab))


def virt_to_folio(addr: int) -> Folio:
    """mm.h: page_folio(virt_to_page(addr)) for a direct-map address."""
    return page_folio(virt_to_page(addr))


def virt_to_slab(addr: int) -> Slab | None:
    """mm/slab.h: the slab an address is in, or NULL unless its folio is a slab."""
    folio = virt_to_folio(addr)
    if not types.folio_test_slab(folio):
        return None
    return _slab_at(pfn_of(folio))


def slab_address(slab: Slab) -> int:
    return pfn_to_kaddr(pfn_of(slab))


# -- geometry (calculate_sizes, calculate_order) -------------------------------------------------


def get_order(size: int) -> int:
    return max(0, (size - 1) >> PAGE_SHIFT).bit_length()


def _order_objects(order: int, size: int) -> int:
    return (PAGE_SIZE << order) // size


def calculate_order(size: int, cpus: int) -> int:
    """mm/slub.c calculate_order(): the smallest order whose leftover is a small enough fraction."""
    min_objects = 4 * (cpus.bit_length() + 1)
    min_objects = min(min_objects, max(_order_objects(SLUB_MAX_ORDER, size), 1))
    min_order = get_order(min_objects * size)
    if _order_objects(min_order, size) > MAX_OBJS_PER_PAGE:
        return get_order(size * MAX_OBJS_PER_PAGE) - 1
    for fraction in (16, 8, 4, 2):
        for order in range(min_order, SLUB_MAX_ORDER + 1):  # calc_slab_order()
            slab_size = PAGE_SIZE << order
            if slab_size % size <= slab_size // fraction:
                return order
    order = get_order(size)
    if order > pf.MAX_PAGE_ORDER:
        raise ModelError(f"no slab order fits objects of {size} bytes (-ENOSYS)")
    return order


def calculate_alignment(flags: int, align: int, size: int) -> int:
    if flags & SLAB_HWCACHE_ALIGN:
        ralign = CACHE_LINE_SIZE
        while size <= ralign // 2:
            ralign //= 2
        align = max(align, ralign)
    align = max(align, ARCH_SLAB_MINALIGN)
    return (align + 7) & ~7


def _align(value: int, to: int) -> int:
    return (value + to - 1) // to * to


@implement
def kmem_cache_create(name: str, object_size: int, args: types.KmemCacheArgs, flags: object) -> KmemCache:
    """__kmem_cache_create_args() without merging: a new cache with SLUB's geometry."""
    if not name or not 0 < object_size <= PAGE_SIZE << pf.MAX_PAGE_ORDER:
        raise ModelError(f"kmem_cache_create({name!r}, {object_size}): bad name or size")
    slab_flags = flags if isinstance(flags, int) else 0
    extra = args if isinstance(args, KmemCacheArgs) else KmemCacheArgs()
    align = calculate_alignment(slab_flags, extra.align, object_size)
    size = _align(object_size, 8)
    if slab_flags & SLAB_TYPESAFE_BY_RCU or extra.ctor is not None:
        offset, size = size, size + 8  # the free pointer must not overwrite a live-looking object
    elif extra.use_freeptr_offset:
        offset = extra.freeptr_offset
    else:
        offset = object_size // 2 & ~7  # mid-object, away from the start that overflows corrupt
    size = _align(size, align)
    order = calculate_order(size, current().cpus)
    min_partial = min(MAX_PARTIAL, max(MIN_PARTIAL, size.bit_length() - 1 >> 1))
    cache = KmemCache(
        name, object_size, size, align, offset, order, _order_objects(order, size), slab_flags, extra.ctor, min_partial
    )
    slab_state().caches.append(cache)
    return cache


@implement
def kmem_cache_destroy(s: types.KmemCache) -> None:
    """Free the cache's empty slabs and forget it; WARN (ModelError) if objects are still in use."""
    cache = _cache(s)
    if cache.allocated:
        raise ModelError(f"kmem_cache_destroy {cache.name}: Slab cache still has objects ({len(cache.allocated)})")
    kmem_cache_shrink(cache)
    slab_state().caches.remove(cache)
    slab_state().kmalloc_caches = {k: v for k, v in slab_state().kmalloc_caches.items() if v is not cache}


def kmem_cache_shrink(s: types.KmemCache) -> int:
    """__kmem_cache_do_shrink(): free the empty slabs kept on the partial list."""
    cache = _cache(s)
    for pfn in [pfn for pfn in cache.partial if _slab_at(pfn).inuse == 0]:
        cache.partial.remove(pfn)
        free_slab(cache, _slab_at(pfn))
    return 0


def shrink_all_caches() -> None:
    """Every cache's kmem_cache_shrink() (writing 1 to /sys/kernel/slab/*/shrink)."""
    for cache in list(slab_state().caches):
        kmem_cache_shrink(cache)


def _slab_at(pfn: int) -> Slab:
    return view_as(current().views, SlabView, pfn)


# -- slabs ---------------------------------------------------------------------------------


def get_freepointer(s: KmemCache, obj: int) -> int:
    return read_long(obj + s.offset)


def set_freepointer(s: KmemCache, obj: int, fp: int) -> None:
    if obj == fp:
        raise ModelError(f"{s.name}: set_freepointer({obj:#x}) to itself: double free (BUG_ON)")
    write_long(obj + s.offset, fp)


def _alloc_slab_page(flags: int, order: int) -> Slab | None:
    """alloc_slab_page(): frozen pages, as a folio typed PGTY_slab, seen as its struct slab."""
    page = alloc_pages(flags, order)
    if page is None:
        return None
    machine = current()
    pfn = pfn_of(page)
    machine.set_refcount(pfn, 0)  # alloc_frozen_pages(): slab pages are never refcounted
    folio = folio_view(pfn)
    slab = _slab_at(pfn_of(folio))
    machine.set_page_type(pfn, pf.PGTY_slab)  # __folio_set_slab()
    return slab


SLAB_ALLOC_DEFAULT = 0x00  # mm/slab.h (7.3.4): no flags
SLAB_ALLOC_NOLOCK = 0x01  # mm/slab.h (7.3.4): a kmalloc_nolock() allocation, which must not spin


@implement
def allocate_slab(s: types.KmemCache, flags: int, alloc_flags: int, node: int) -> Slab | None:
    """A new slab for `s`: its objects chained into a freelist through their free pointers.
    `alloc_flags` (SLAB_ALLOC_*, 7.2+) says whether the allocation may spin on locks, which the
    model, having no locks, does not need to know."""
    cache = _cache(s)
    flags = (flags & ~GFP_SLAB_BUG_MASK) | cache.allocflags
    order = cache.order
    slab = _alloc_slab_page(flags | pf.__GFP_NOWARN, order)
    if slab is None:  # fall back to s->min: the smallest order that holds one object
        order = get_order(cache.size)
        slab = _alloc_slab_page(flags | (pf.__GFP_COMP if order else 0), order)
        if slab is None:
            return None
    slab.objects = _order_objects(order, cache.size)
    slab.inuse = 0
    slab.frozen = 0
    slab_state().nr_slab_unreclaimable_b += PAGE_SIZE << order  # account_slab()
    slab.slab_cache = cache
    start = slab_address(slab)
    for index in range(slab.objects):
        obj = start + index * cache.size
        if cache.ctor is not None:
            cache.ctor(obj)  # setup_object()
        set_freepointer(cache, obj, obj + cache.size if index + 1 < slab.objects else 0)
    slab.freelist = _pointer(start)
    return slab


@implement
def free_slab(s: types.KmemCache, slab: Slab) -> None:
    """free_slab(): __free_slab() now (SLAB_TYPESAFE_BY_RCU would defer it past a grace period)."""
    __free_slab(s, slab, True)


@implement
def __free_slab(s: types.KmemCache, slab: Slab, allow_spin: bool) -> None:
    """Clear the slab type and give the frozen pages back to the page allocator (7.0+:
    free_frozen_pages_nolock() when the caller may not spin; one path in the model)."""
    cache = _cache(s)
    machine = current()
    pfn = pfn_of(slab)
    if machine.page_type(pfn) != pf.PGTY_slab or slab.slab_cache is not cache:
        raise ModelError(f"__free_slab: pfn {pfn} is not a slab of {cache.name}")
    order = machine.order_of(pfn)
    cache.slabs.discard(pfn)
    # The buddy list and post_alloc_hook() overwrite these words in the kernel; the model clears them.
    slab.slab_cache = None
    slab.freelist = None
    slab.counters = 0
    machine.set_page_type(pfn, None)  # __folio_clear_slab()
    slab_state().nr_slab_unreclaimable_b -= PAGE_SIZE << order  # unaccount_slab()
    _free_frozen(pfn, order)  # free_frozen_pages()


# -- objects -------------------------------------------------------------------------------


def slab_alloc(cache: KmemCache, flags: int) -> int | None:
    """slab_alloc_node(): the first free object of the first partial slab, or a new slab's."""
    if not cache.partial:
        slab = allocate_slab(cache, flags, SLAB_ALLOC_DEFAULT, NUMA_NO_NODE)
        if slab is None:
            return None
        cache.slabs.add(pfn_of(slab))
        cache.partial.insert(0, pfn_of(slab))
    slab = _slab_at(cache.partial[0])
    obj = slab.freelist
    if not isinstance(obj, int):
        raise ModelError(f"{cache.name}: partial slab at pfn {cache.partial[0]} has no free object")
    slab.freelist = _pointer(get_freepointer(cache, obj))
    slab.inuse += 1
    if slab.freelist is None:
        cache.partial.pop(0)  # full slabs are on no list
    cache.allocated.add(obj)
    if flags & pf.__GFP_ZERO:
        write_kernel(obj, bytes(cache.object_size))
    return obj


@implement
def kmem_cache_alloc(s: types.KmemCache, gfpflags: int) -> int | None:
    """An object of `s` (a direct-map address), or NULL (None) when no slab can be allocated."""
    return slab_alloc(_cache(s), gfpflags)


def _check_free(cache: KmemCache, slab: Slab, obj: int) -> None:
    """free_consistency_checks(): the object must be an allocated object start of this slab."""
    offset = obj - slab_address(slab)
    if offset % cache.size or not 0 <= offset < slab.objects * cache.size:
        raise ModelError(f"{cache.name}: {obj:#x} is not the start of an object in its slab (invalid free)")
    if obj not in cache.allocated:
        raise ModelError(f"{cache.name}: object {obj:#x} is already free (double free)")


@implement
def __slab_free(s: types.KmemCache, slab: Slab, head: object, tail: object, cnt: int, addr: int) -> None:
    """Return `cnt` objects, chained from `head` to `tail`, to their slab (mm/slub.c __slab_free)."""
    cache = _cache(s)
    if not isinstance(head, int) or not isinstance(tail, int):
        raise ModelError("__slab_free: head and tail are object addresses")
    pfn = pfn_of(slab)
    chain = [head]
    while len(chain) < cnt:
        chain.append(get_freepointer(cache, chain[-1]))
    if chain[-1] != tail:
        raise ModelError("__slab_free: the chain from head does not end at tail after cnt objects")
    for obj in chain:
        _check_free(cache, slab, obj)
    cache.allocated.difference_update(chain)
    prior = slab.freelist
    set_freepointer(cache, tail, prior if isinstance(prior, int) else 0)
    slab.freelist = _pointer(head)
    slab.inuse -= cnt
    if slab.inuse == 0 and len(cache.partial) >= cache.min_partial:  # n->nr_partial >= s->min_partial
        if prior is not None:
            cache.partial.remove(pfn)  # remove_partial()
        discard_slab(cache, slab)
    elif prior is None:
        cache.partial.append(pfn)  # add_partial(n, slab, DEACTIVATE_TO_TAIL)


def discard_slab(s: KmemCache, slab: Slab) -> None:
    free_slab(s, slab)


def slab_free(cache: KmemCache, slab: Slab, obj: int) -> None:
    __slab_free(cache, slab, obj, obj, 1, 0)


def cache_from_obj(s: KmemCache, obj: int) -> Slab:
    """The slab of `obj`, which must belong to `s` (WARN "Wrong slab cache" otherwise)."""
    slab = virt_to_slab(obj)
    if slab is None:
        raise ModelError(f"kmem_cache_free: {obj:#x} is not in a slab page (Object is not a Slab page!)")
    owner = slab.slab_cache
    if owner is not s:
        other = owner.name if isinstance(owner, KmemCache) else owner
        raise ModelError(f"kmem_cache_free: Wrong slab cache. {s.name} but object is from {other}")
    return slab


@implement
def kmem_cache_free(s: types.KmemCache, x: object) -> None:
    cache = _cache(s)
    if not isinstance(x, int):
        raise ModelError(f"kmem_cache_free({x!r}): not an object address")
    slab_free(cache, cache_from_obj(cache, x), x)


# -- kmalloc -------------------------------------------------------------------------------


def kmalloc_slab(size: int) -> KmemCache:
    """kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(size)], created on first use."""
    fit = next(cache_size for cache_size in KMALLOC_SIZES if cache_size >= size)
    state = slab_state()
    cache = state.kmalloc_caches.get(fit)
    if cache is None:
        cache = kmem_cache_create(f"kmalloc-{fit if fit < 1024 else f'{fit // 1024}k'}", fit, KmemCacheArgs(), 0)
        state.kmalloc_caches[fit] = cache
    return cache


def _kmalloc_large(size: int, flags: int) -> int | None:
    """___kmalloc_large_node(): frozen compound pages typed PGTY_large_kmalloc."""
    order = get_order(size)
    page = alloc_pages((flags & ~GFP_SLAB_BUG_MASK) | pf.__GFP_COMP, order)
    if page is None:
        return None
    machine = current()
    pfn = pfn_of(page)
    machine.set_refcount(pfn, 0)  # alloc_frozen_pages()
    machine.set_page_type(pfn, pf.PGTY_large_kmalloc)  # __folio_set_large_kmalloc()
    slab_state().nr_slab_unreclaimable_b += PAGE_SIZE << order
    return pfn_to_kaddr(pfn)


@implement
def kmalloc(size: int, flags: int) -> int | None:
    """A kmalloc-<n> object, ZERO_SIZE_PTR for 0 bytes, large kmalloc pages past two pages."""
    if size > KMALLOC_MAX_CACHE_SIZE:
        return _kmalloc_large(size, flags)
    if size == 0:
        return ZERO_SIZE_PTR
    return slab_alloc(kmalloc_slab(size), flags & ~GFP_SLAB_BUG_MASK)


@implement
def kzalloc(size: int, flags: int) -> int | None:
    return kmalloc(size, flags | pf.__GFP_ZERO)


@implement
def free_large_kmalloc(page: Page, object: object) -> None:
    """Undo a large kmalloc: WARN (ModelError) unless its folio is typed PGTY_large_kmalloc.
    Takes the page since 6.19 (a folio before)."""
    machine = current()
    folio = page_folio(page)
    pfn = pfn_of(folio)
    if not types.folio_test_large_kmalloc(folio):
        raise ModelError(f"free_large_kmalloc: pfn {pfn} is not a kmalloc allocation (double or invalid free)")
    order = machine.order_of(pfn)
    slab_state().nr_slab_unreclaimable_b -= PAGE_SIZE << order
    machine.set_page_type(pfn, None)  # __folio_clear_large_kmalloc()
    _free_frozen(pfn, order)  # free_frozen_pages()


def _is_null(obj: object) -> bool:
    return obj is None or (isinstance(obj, int) and obj <= ZERO_SIZE_PTR)


@implement
def kfree(object: object) -> None:
    """Free a kmalloc/kmem_cache_alloc object: a slab object, or a large kmalloc's folio."""
    if _is_null(object):
        return
    if not isinstance(object, int):
        raise ModelError(f"kfree({object!r}): not an object address")
    folio = virt_to_folio(object)
    if not types.folio_test_slab(folio):
        free_large_kmalloc(virt_to_page(object), object)
        return
    slab = _slab_at(pfn_of(folio))
    cache = slab.slab_cache
    if not isinstance(cache, KmemCache):
        raise ModelError(f"kfree({object:#x}): slab without a cache")
    slab_free(cache, slab, object)


@implement
def ksize(objp: object) -> int:
    """__ksize(): the usable size, s->size for a slab object, the folio size for large kmalloc."""
    if _is_null(objp):
        return 0
    if not isinstance(objp, int):
        raise ModelError(f"ksize({objp!r}): not an object address")
    folio = virt_to_folio(objp)
    if not types.folio_test_slab(folio):
        return current().span(pfn_of(folio)) << PAGE_SHIFT
    cache = _slab_at(pfn_of(folio)).slab_cache
    return cache.size if isinstance(cache, KmemCache) else 0


@implement
def krealloc(p: object, new_size: int, flags: int) -> int | None:
    """Keep `p` if it is big enough, else move its contents to a new kmalloc and free it."""
    if new_size == 0:
        kfree(p)
        return ZERO_SIZE_PTR
    if _is_null(p):
        return kmalloc(new_size, flags)
    if not isinstance(p, int):
        raise ModelError(f"krealloc({p!r}): not an object address")
    old = ksize(p)
    if new_size <= old:
        return p
    new = kmalloc(new_size, flags)
    if new is not None:
        write_kernel(new, read_kernel(p, old))
        kfree(p)
    return new


def slabinfo(s: types.KmemCache) -> tuple[int, int, int]:
    """(active objects, total objects, slabs) of a cache, as /proc/slabinfo shows them."""
    cache = _cache(s)
    total = sum(_slab_at(pfn).objects for pfn in cache.slabs)
    return len(cache.allocated), total, len(cache.slabs)
