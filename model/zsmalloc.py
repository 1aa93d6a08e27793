"""zsmalloc: compressed objects packed into zspages of (possibly highmem) zsmalloc pages.

Follows mm/zsmalloc.c and mm/zpdesc.h (6.18). A pool has size classes 16 bytes apart; a class's
zspage is a chain of order-0 pages, each typed PGTY_zsmalloc and described by `struct zpdesc`,
which overlays struct page: zpdesc->zspage (->private) points to the zspage, zpdesc->next
(->index) to the next page of the chain, the first page has PG_private, and first_obj_offset
(where the first object starting in this page begins) is kept in the low 24 bits of the
page_type word under the type byte. Objects may straddle two pages.

The pages are mapped only with kmap_local_zpdesc() (zram allocates them with __GFP_HIGHMEM), so
every access goes through the highmem model. Free objects form a list threaded through their
first word (struct link_free); an allocated object starts with its handle | OBJ_ALLOCATED_TAG.
The handle zs_malloc() returns is itself a slab object (the pool's zs_handle cache) holding the
object's location, (PFN << OBJ_INDEX_BITS | index), and the struct zspage is a slab object of
the pool's zspage cache, so zsmalloc's own metadata is visible as slab memory too.

Simplified: no fullness-group lists (allocation picks the fullest zspage that has room), no
compaction, migration or deferred freeing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from model import pageflags as pf
from model.arch import EINVAL, ENOMEM, ENOSPC, MAX_POSSIBLE_PHYSMEM_BITS, PAGE_SHIFT, PAGE_SIZE
from model.highmem import kmap_local_page, kunmap_local, read_kernel, read_long, write_kernel, write_long
from model.machine import ModelError, current, model_object
from model.page_alloc import alloc_pages, folio_get, folio_put, folio_view, page_view, pfn_of
from model.slab import (
    KmemCache,
    KmemCacheArgs,
    kfree,
    kmalloc,
    kmem_cache_alloc,
    kmem_cache_create,
    kmem_cache_destroy,
    kmem_cache_free,
)
from model.views import ZpDescView, view_as
from ontology import types
from ontology.runtime import implement
from ontology.types import Folio, Page, ZpDesc

ZS_MAX_PAGES_PER_ZSPAGE = 8
"""CONFIG_ZSMALLOC_CHAIN_SIZE's default."""
ZS_HANDLE_SIZE = 8
ZS_MIN_ALLOC_SIZE = 32
ZS_MAX_ALLOC_SIZE = PAGE_SIZE
CLASS_BITS = 8
ZS_SIZE_CLASS_DELTA = PAGE_SIZE >> CLASS_BITS
ZS_SIZE_CLASSES = -(-(ZS_MAX_ALLOC_SIZE - ZS_MIN_ALLOC_SIZE) // ZS_SIZE_CLASS_DELTA) + 1
OBJ_ALLOCATED_TAG = 1
OBJ_TAG_BITS = 1
OBJ_INDEX_BITS = 64 - (MAX_POSSIBLE_PHYSMEM_BITS - PAGE_SHIFT)
"""BITS_PER_LONG - _PFN_BITS."""
OBJ_INDEX_MASK = (1 << OBJ_INDEX_BITS) - 1
FIRST_OBJ_PAGE_TYPE_MASK = 0xFFFFFF
ZSPAGE_STRUCT_SIZE = 56
ULONG = 1 << 64


def ERR_VALUE(errno: int) -> int:
    """(unsigned long)ERR_PTR(-errno): what zs_malloc() returns on failure."""
    return ULONG - errno


def IS_ERR_VALUE(value: int) -> bool:
    return value >= ULONG - 4095


@dataclass(eq=False)
class SizeClass(types.SizeClass):
    """struct size_class: objects of `size` bytes, `objs_per_zspage` in `pages_per_zspage` pages."""

    index: int
    size: int
    pages_per_zspage: int
    objs_per_zspage: int
    zspages: list[ZspageModel] = field(default_factory=list)

    @property
    def huge(self) -> bool:
        return self.pages_per_zspage == 1 and self.objs_per_zspage == 1


@dataclass(eq=False)
class ZspageModel(types.Zspage):
    """struct zspage: a slab object of the pool's zspage cache describing one chain of pages."""

    address: int
    pool: ZsPoolModel
    class_index: int
    first_zpdesc: ZpDesc | None = None
    inuse: int = 0
    freeobj: int = 0
    huge: bool = False

    def __repr__(self) -> str:
        return f"<zspage {self.address:#x} class {self.class_index} inuse={self.inuse}>"


@dataclass(eq=False)
class ZsPoolModel(types.ZsPool):
    """struct zs_pool: size classes (neighbours with the same geometry shared), the metadata caches."""

    name: str
    size_class: list[SizeClass]
    """pool->size_class[i] for every class index; merged classes share one SizeClass."""
    handle_cachep: KmemCache
    zspage_cachep: KmemCache
    huge_class_size: int = 0
    pages_allocated: int = 0

    def __repr__(self) -> str:
        return f"<zs_pool {self.name} pages={self.pages_allocated}>"


def _pool(pool: types.ZsPool) -> ZsPoolModel:
    return model_object(pool, ZsPoolModel, "a zs_pool")


# -- zpdesc (mm/zpdesc.h) -------------------------------------------------------------------


@implement
def page_zpdesc(page: Page) -> ZpDesc:
    return view_as(current().views, ZpDescView, pfn_of(page))


@implement
def zpdesc_page(zp: ZpDesc) -> Page:
    return page_view(pfn_of(zp))


@implement
def zpdesc_folio(zp: ZpDesc) -> Folio:
    return folio_view(pfn_of(zp))


@implement
def kmap_local_zpdesc(zpdesc: ZpDesc) -> int:
    return kmap_local_page(zpdesc_page(zpdesc))


@implement
def zpdesc_get(zpdesc: ZpDesc) -> None:
    folio_get(zpdesc_folio(zpdesc))


@implement
def zpdesc_put(zpdesc: ZpDesc) -> None:
    folio_put(zpdesc_folio(zpdesc))


@implement
def zpdesc_trylock(zpdesc: ZpDesc) -> bool:
    """folio_trylock(zpdesc_folio(zpdesc)): test-and-set PG_locked."""
    machine = current()
    if machine.test_flag(pfn_of(zpdesc), pf.PG_locked):
        return False
    machine.set_flag(pfn_of(zpdesc), pf.PG_locked)
    return True


@implement
def zpdesc_lock(zpdesc: ZpDesc) -> None:
    if not zpdesc_trylock(zpdesc):
        raise ModelError(f"zpdesc_lock: pfn {pfn_of(zpdesc)} is locked; the model has no other task to wait for")


@implement
def zpdesc_unlock(zpdesc: ZpDesc) -> None:
    machine = current()
    if not machine.test_flag(pfn_of(zpdesc), pf.PG_locked):
        raise ModelError(f"zpdesc_unlock: pfn {pfn_of(zpdesc)} is not locked (VM_BUG_ON_FOLIO)")
    machine.set_flag(pfn_of(zpdesc), pf.PG_locked, False)


def get_first_obj_offset(zpdesc: ZpDesc) -> int:
    return zpdesc.first_obj_offset & FIRST_OBJ_PAGE_TYPE_MASK


def set_first_obj_offset(zpdesc: ZpDesc, offset: int) -> None:
    """Only the low 24 bits: the top byte of the same word is the PGTY_zsmalloc type."""
    if offset & ~FIRST_OBJ_PAGE_TYPE_MASK:
        raise ModelError(f"first_obj_offset {offset} does not fit in 24 bits (VM_WARN_ON_ONCE)")
    zpdesc.first_obj_offset = (zpdesc.first_obj_offset & ~FIRST_OBJ_PAGE_TYPE_MASK) | offset


def get_zspage(zpdesc: ZpDesc) -> ZspageModel:
    zspage = zpdesc.zspage
    if not isinstance(zspage, ZspageModel):
        raise ModelError(f"pfn {pfn_of(zpdesc)} belongs to no zspage")
    return zspage


def _first(zspage: ZspageModel) -> ZpDesc:
    if zspage.first_zpdesc is None:
        raise ModelError(f"{zspage!r} has no pages")
    return zspage.first_zpdesc


@implement
def get_next_zpdesc(zpdesc: ZpDesc) -> ZpDesc | None:
    """NULL for a huge zspage (its one page keeps the handle where next would be), else ->next."""
    if get_zspage(zpdesc).huge:
        return None
    following = zpdesc.next
    return following if isinstance(following, ZpDesc) else None


def _zpdesc_handle(zpdesc: ZpDesc) -> int:
    return current().mem.get_long(pfn_of(zpdesc), 4)


def _set_zpdesc_handle(zpdesc: ZpDesc, value: int) -> None:
    """A huge zspage's handle | OBJ_ALLOCATED_TAG in ->index: a 64-bit address (MemMap.set_long)."""
    current().mem.set_long(pfn_of(zpdesc), 4, value)


# -- pool and size classes ----------------------------------------------------------------


def calculate_zspage_chain_size(class_size: int) -> int:
    """The chain length (1..ZS_MAX_PAGES_PER_ZSPAGE) wasting least; 1 for a power of two."""
    if class_size & (class_size - 1) == 0:
        return 1
    return min(range(1, ZS_MAX_PAGES_PER_ZSPAGE + 1), key=lambda pages: (pages * PAGE_SIZE % class_size, pages))


@implement
def zs_create_pool(name: str) -> ZsPoolModel:
    """The size classes, merging neighbours of equal geometry, and the handle and zspage caches."""
    classes: list[SizeClass | None] = [None] * ZS_SIZE_CLASSES
    previous: SizeClass | None = None
    huge_class_size = 0
    for index in range(ZS_SIZE_CLASSES - 1, -1, -1):
        size = min(ZS_MIN_ALLOC_SIZE + index * ZS_SIZE_CLASS_DELTA, ZS_MAX_ALLOC_SIZE)
        pages = calculate_zspage_chain_size(size)
        objects = pages * PAGE_SIZE // size
        if pages != 1 and objects != 1 and not huge_class_size:
            huge_class_size = size - (ZS_HANDLE_SIZE - 1)
        if previous is not None and (previous.pages_per_zspage, previous.objs_per_zspage) == (pages, objects):
            classes[index] = previous  # can_merge()
            continue
        previous = classes[index] = SizeClass(index, size, pages, objects)
    handles = kmem_cache_create(f"zs_handle-{name}", ZS_HANDLE_SIZE, KmemCacheArgs(), 0)
    zspages = kmem_cache_create(f"zspage-{name}", ZSPAGE_STRUCT_SIZE, KmemCacheArgs(), 0)
    return ZsPoolModel(name, [c for c in classes if c is not None], handles, zspages, huge_class_size)


def _unique(classes: list[SizeClass]) -> list[SizeClass]:
    return [c for i, c in enumerate(classes) if c.index == i]


@implement
def zs_destroy_pool(pool: types.ZsPool) -> None:
    zs_pool = _pool(pool)
    for size_class in _unique(zs_pool.size_class):
        if size_class.zspages:
            raise ModelError(f"zs_destroy_pool: Class-{size_class.index} fullness group is not empty")
    kmem_cache_destroy(zs_pool.handle_cachep)
    kmem_cache_destroy(zs_pool.zspage_cachep)


def get_size_class_index(size: int) -> int:
    index = -(-(size - ZS_MIN_ALLOC_SIZE) // ZS_SIZE_CLASS_DELTA) if size > ZS_MIN_ALLOC_SIZE else 0
    return min(ZS_SIZE_CLASSES - 1, index)


def size_class_for(pool: ZsPoolModel, size: int) -> SizeClass:
    return pool.size_class[get_size_class_index(size)]


def _class_of(pool: ZsPoolModel, zspage: ZspageModel) -> SizeClass:
    return pool.size_class[zspage.class_index]


# -- zspages ------------------------------------------------------------------------------


@implement
def create_page_chain(class_: types.SizeClass, zspage: types.Zspage, zpdescs: list[ZpDesc]) -> None:
    """Link the pages: each ->zspage, ->next to the following one, PG_private on the first."""
    if not isinstance(class_, SizeClass) or not isinstance(zspage, ZspageModel):
        raise ModelError("create_page_chain: not a size class and zspage of this model")
    previous: ZpDesc | None = None
    for zpdesc in zpdescs[: class_.pages_per_zspage]:
        zpdesc.zspage = zspage
        zpdesc.next = None
        if previous is None:
            zspage.first_zpdesc = zpdesc
            current().set_flag(pfn_of(zpdesc), pf.PG_private)  # zpdesc_set_first()
            zspage.huge = class_.huge  # SetZsHugePage()
        else:
            previous.next = zpdesc
        previous = zpdesc


def init_zspage(size_class: SizeClass, zspage: ZspageModel) -> None:
    """Set each page's first_obj_offset and thread every object onto the free list."""
    freeobj = 1
    offset = 0
    zpdesc: ZpDesc | None = _first(zspage)
    while zpdesc is not None:
        set_first_obj_offset(zpdesc, offset)
        vaddr = kmap_local_zpdesc(zpdesc)
        link = offset
        while (offset := offset + size_class.size) < PAGE_SIZE:
            write_long(vaddr + link, freeobj << OBJ_TAG_BITS)
            freeobj += 1
            link += size_class.size
        following = get_next_zpdesc(zpdesc)
        write_long(vaddr + link, freeobj << OBJ_TAG_BITS if following is not None else -1 << OBJ_TAG_BITS)
        freeobj += following is not None
        kunmap_local(vaddr)
        zpdesc = following
        offset %= PAGE_SIZE
    zspage.freeobj = 0


def alloc_zspage(pool: ZsPoolModel, size_class: SizeClass, gfp: int) -> ZspageModel | None:
    address = kmem_cache_alloc(pool.zspage_cachep, gfp & ~(pf.__GFP_HIGHMEM | pf.__GFP_MOVABLE) | pf.__GFP_ZERO)
    if address is None:
        return None
    zspage = ZspageModel(address, pool, size_class.index)
    zpdescs: list[ZpDesc] = []
    machine = current()
    for _ in range(size_class.pages_per_zspage):
        page = alloc_pages(gfp, 0)  # alloc_zpdesc()
        if page is None:
            for zpdesc in zpdescs:
                zpdesc_put(zpdesc)
            kmem_cache_free(pool.zspage_cachep, address)
            return None
        machine.set_page_type(pfn_of(page), pf.PGTY_zsmalloc)  # __zpdesc_set_zsmalloc()
        zpdescs.append(page_zpdesc(page))
    create_page_chain(size_class, zspage, zpdescs)
    init_zspage(size_class, zspage)
    return zspage


def zspage_zpdescs(zspage: ZspageModel) -> list[ZpDesc]:
    chain: list[ZpDesc] = []
    zpdesc: ZpDesc | None = _first(zspage)
    while zpdesc is not None:
        chain.append(zpdesc)
        zpdesc = get_next_zpdesc(zpdesc)
    return chain


def free_zspage(pool: ZsPoolModel, size_class: SizeClass, zspage: ZspageModel) -> None:
    """trylock_zspage() + __free_zspage(): reset each page and drop its reference."""
    if zspage.inuse:
        raise ModelError(f"free_zspage: {zspage!r} still has {zspage.inuse} objects (VM_BUG_ON)")
    chain = zspage_zpdescs(zspage)
    for zpdesc in chain:
        zpdesc_lock(zpdesc)
    size_class.zspages.remove(zspage)
    for zpdesc in chain:
        current().set_flag(pfn_of(zpdesc), pf.PG_private, False)  # reset_zpdesc()
        zpdesc.zspage = None
        zpdesc.next = None  # PageZsmalloc stays until the page is freed to the buddy
        zpdesc_unlock(zpdesc)
        zpdesc_put(zpdesc)
    zspage.first_zpdesc = None
    kmem_cache_free(pool.zspage_cachep, zspage.address)
    pool.pages_allocated -= size_class.pages_per_zspage


# -- objects ------------------------------------------------------------------------------


def location_to_obj(zpdesc: ZpDesc, obj_idx: int) -> int:
    return pfn_of(zpdesc) << OBJ_INDEX_BITS | (obj_idx & OBJ_INDEX_MASK)


def obj_to_location(obj: int) -> tuple[ZpDesc, int]:
    return page_zpdesc(page_view(obj >> OBJ_INDEX_BITS)), obj & OBJ_INDEX_MASK


def _nth_zpdesc(zspage: ZspageModel, n: int) -> ZpDesc:
    return zspage_zpdescs(zspage)[n]


def obj_malloc(pool: ZsPoolModel, zspage: ZspageModel, handle: int) -> int:
    """Take the first free object; record the handle in its header (or a huge page's ->index)."""
    size_class = _class_of(pool, zspage)
    obj = zspage.freeobj
    offset = obj * size_class.size
    zpdesc = _nth_zpdesc(zspage, offset // PAGE_SIZE)
    vaddr = kmap_local_zpdesc(zpdesc)
    link = vaddr + offset % PAGE_SIZE
    zspage.freeobj = read_long(link) >> OBJ_TAG_BITS
    if zspage.huge:
        _set_zpdesc_handle(_first(zspage), handle | OBJ_ALLOCATED_TAG)
    else:
        write_long(link, handle | OBJ_ALLOCATED_TAG)
    kunmap_local(vaddr)
    zspage.inuse += 1
    location = location_to_obj(zpdesc, obj)
    write_long(handle, location)  # record_obj()
    return location


def obj_free(class_size: int, obj: int) -> None:
    """Put the object back at the head of its zspage's free list."""
    zpdesc, obj_idx = obj_to_location(obj)
    zspage = get_zspage(zpdesc)
    vaddr = kmap_local_zpdesc(zpdesc)
    if not zspage.huge:
        write_long(vaddr + class_size * obj_idx % PAGE_SIZE, zspage.freeobj << OBJ_TAG_BITS)
    else:
        _set_zpdesc_handle(zpdesc, 0)
    zspage.freeobj = obj_idx
    kunmap_local(vaddr)
    zspage.inuse -= 1


@implement
def zs_malloc(pool: types.ZsPool, size: int, gfp: int, nid: int) -> int:
    """A handle for a `size`-byte object, or an ERR_PTR value (-EINVAL, -ENOSPC, -ENOMEM)."""
    zs_pool = _pool(pool)
    if size == 0:
        return ERR_VALUE(EINVAL)
    if size > ZS_MAX_ALLOC_SIZE:
        return ERR_VALUE(ENOSPC)
    handle = kmem_cache_alloc(zs_pool.handle_cachep, gfp & ~(pf.__GFP_HIGHMEM | pf.__GFP_MOVABLE))
    if handle is None:
        return ERR_VALUE(ENOMEM)
    size_class = size_class_for(zs_pool, size + ZS_HANDLE_SIZE)
    candidates = [z for z in size_class.zspages if z.inuse < size_class.objs_per_zspage]
    zspage = max(candidates, key=lambda z: z.inuse, default=None)  # find_get_zspage(): the fullest
    if zspage is None:
        zspage = alloc_zspage(zs_pool, size_class, gfp)
        if zspage is None:
            kmem_cache_free(zs_pool.handle_cachep, handle)
            return ERR_VALUE(ENOMEM)
        size_class.zspages.append(zspage)
        zs_pool.pages_allocated += size_class.pages_per_zspage
    obj_malloc(zs_pool, zspage, handle)
    return handle


def _check_handle(pool: ZsPoolModel, handle: int) -> None:
    if handle not in pool.handle_cachep.allocated:
        raise ModelError(f"zsmalloc: {handle:#x} is not an allocated handle of {pool.name} (double or invalid free)")


@implement
def zs_free(pool: types.ZsPool, handle: int) -> None:
    zs_pool = _pool(pool)
    if not handle or IS_ERR_VALUE(handle):
        return
    _check_handle(zs_pool, handle)
    obj = read_long(handle)  # handle_to_obj()
    zspage = get_zspage(obj_to_location(obj)[0])
    size_class = _class_of(zs_pool, zspage)
    obj_free(size_class.size, obj)
    if zspage.inuse == 0:
        free_zspage(zs_pool, size_class, zspage)
    kmem_cache_free(zs_pool.handle_cachep, handle)  # cache_free_handle()


def _object(pool: ZsPoolModel, handle: int) -> tuple[ZpDesc, ZspageModel, SizeClass, int]:
    """(page the object starts in, zspage, class, offset of the object in that page)."""
    _check_handle(pool, handle)
    zpdesc, obj_idx = obj_to_location(read_long(handle))
    zspage = get_zspage(zpdesc)
    size_class = _class_of(pool, zspage)
    return zpdesc, zspage, size_class, size_class.size * obj_idx % PAGE_SIZE


def _payload_start(zspage: ZspageModel, offset: int) -> int:
    """Where an object's data starts in its page: after its handle header, unless huge."""
    return offset if zspage.huge else offset + ZS_HANDLE_SIZE


@implement
def zs_obj_read_begin(pool: types.ZsPool, handle: int, mem_len: int, local_copy: object) -> int:
    """The address of the object's first `mem_len` bytes after its handle header: kmapped in
    place, or copied to `local_copy` if they span two pages (7.3.4 mm/zsmalloc.c)."""
    zpdesc, zspage, size_class, offset = _object(_pool(pool), handle)
    start = _payload_start(zspage, offset)
    if mem_len > size_class.size - (start - offset):
        raise ModelError(f"zs_obj_read_begin: {mem_len} bytes run past a {size_class.size}-byte object")
    if start + mem_len <= PAGE_SIZE:
        return kmap_local_zpdesc(zpdesc) + start
    if not isinstance(local_copy, int):
        raise ModelError("zs_obj_read_begin: an object spanning two pages needs a local_copy buffer")
    first = PAGE_SIZE - start
    following = get_next_zpdesc(zpdesc)
    assert following is not None
    vaddr = kmap_local_zpdesc(zpdesc)
    write_kernel(local_copy, read_kernel(vaddr + start, first))  # memcpy_from_page()
    kunmap_local(vaddr)
    vaddr = kmap_local_zpdesc(following)
    write_kernel(local_copy + first, read_kernel(vaddr, mem_len - first))
    kunmap_local(vaddr)
    return local_copy


@implement
def zs_obj_read_end(pool: types.ZsPool, handle: int, mem_len: int, handle_mem: object) -> None:
    """Unmap what zs_obj_read_begin() kmapped for the same `mem_len` (nothing for a local copy)."""
    _, zspage, _, offset = _object(_pool(pool), handle)
    start = _payload_start(zspage, offset)
    if start + mem_len <= PAGE_SIZE:
        if not isinstance(handle_mem, int):
            raise ModelError("zs_obj_read_end: handle_mem is the address zs_obj_read_begin() returned")
        kunmap_local(handle_mem - start)


def zs_obj_write(pool: types.ZsPool, handle: int, data: bytes) -> None:
    """Copy `data` into the object after its handle header, page by page through kmap_local."""
    zpdesc, zspage, size_class, offset = _object(_pool(pool), handle)
    start = _payload_start(zspage, offset)
    if len(data) > size_class.size - (start - offset):
        raise ModelError(f"zs_obj_write: {len(data)} bytes do not fit a {size_class.size}-byte object")
    first = min(len(data), PAGE_SIZE - start)
    vaddr = kmap_local_zpdesc(zpdesc)
    write_kernel(vaddr + start, data[:first])
    kunmap_local(vaddr)
    if first < len(data):
        following = get_next_zpdesc(zpdesc)
        assert following is not None
        vaddr = kmap_local_zpdesc(following)
        write_kernel(vaddr, data[first:])
        kunmap_local(vaddr)


def zs_read(pool: types.ZsPool, handle: int, length: int) -> bytes:
    """The first `length` bytes of an object, read as zram does: begin, copy, end."""
    zs_pool = _pool(pool)
    size = _object(zs_pool, handle)[2].size
    buffer = kmalloc(size, pf.GFP_KERNEL)  # zram's per-CPU local copy buffer
    addr = zs_obj_read_begin(zs_pool, handle, length, buffer)
    data = read_kernel(addr, length)
    zs_obj_read_end(zs_pool, handle, length, addr)
    kfree(buffer)
    return data


def zs_get_total_pages(pool: types.ZsPool) -> int:
    return _pool(pool).pages_allocated
