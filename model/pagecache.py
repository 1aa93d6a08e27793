"""The page cache (mm/filemap.c, mm/shmem.c): files' folios indexed by page offset.

An `AddressSpace` is a file's page cache: `i_pages` maps each page offset to the head PFN of
the folio caching it (a large folio covers 2^order consecutive offsets, as a multi-index xarray
entry does), `i_mmap` lists the VMAs mapping the file, and `data` stands for the file on disk.
A folio joins with `filemap_add_folio()`, which locks it, takes one reference per page for the
cache, sets ->mapping and ->index (so folio_test_file() holds: the runtime class is FileFolio)
and adds it to the LRU; a read fills it from `data` and marks it uptodate. shmem/memfd mappings
(`shmem=True`) have no disk: their folios are swap-backed and start zeroed.

Failure follows the declarations: __filemap_get_folio() and friends return a non-NULL folio,
so the kernel's ERR_PTR(-errno) is raised as `ErrPtr`.
"""

from __future__ import annotations

from model import pageflags as pf
from model.arch import EEXIST, EINVAL, ENOENT, ENOMEM, PAGE_SIZE
from model.highmem import page_bytes, zero_page_contents
from model.machine import ModelError, PerMachine, current, model_object
from model.memmap import MAPPING
from model.page_alloc import folio_alloc, folio_get, folio_nr_pages, folio_page, folio_put, folio_view, pfn_of
from ontology import types
from ontology.runtime import implement
from ontology.types import FileFolio, Folio, Page

FGP_ACCESSED = 0x1
FGP_LOCK = 0x2
FGP_CREAT = 0x4
FGP_WRITE = 0x8
FGP_NOFS = 0x10
FGP_NOWAIT = 0x20
FGP_FOR_MMAP = 0x40
FGP_STABLE = 0x80
FGF_ORDER_SHIFT = 26
"""include/linux/pagemap.h: fgf_t flags; a preferred folio order sits above bit 26."""


class ErrPtr(Exception):
    """A kernel ERR_PTR(-errno) return from a function declared to return a non-NULL folio."""

    def __init__(self, errno: int, function: str):
        super().__init__(f"{function}() returned ERR_PTR(-{errno})")
        self.errno = errno


class AddressSpace(types.AddressSpace):
    """struct address_space: one file's page cache, its mappers and (model) its contents."""

    def __init__(self, data: bytes = b"", *, shmem: bool = False, min_order: int = 0, name: str = ""):
        self.name = name
        self.i_pages: dict[int, int] = {}
        """Page offset -> head PFN of the cached folio (each offset a folio covers)."""
        self.nrpages = 0
        self.i_mmap: list[types.VmAreaStruct] = []
        """The VMAs mapping the file (`model.mm` links and unlinks them)."""
        self.data = bytearray(data)
        self.shmem = shmem
        self.min_order = min_order
        """mapping_set_folio_min_order(): every folio of this file has at least this order."""
        self.gfp_mask = pf.GFP_HIGHUSER_MOVABLE

    def __repr__(self) -> str:
        return f"<AddressSpace {self.name or hex(id(self))} nrpages={self.nrpages}>"


class File(types.File):
    """struct file: an open file; f_mapping is its page cache."""

    def __init__(self, mapping: AddressSpace):
        self.f_mapping = mapping


def memfd_create(name: str = "memfd", size: int = 0) -> File:
    """memfd_create() + ftruncate(): a shmem file of `size` bytes, nothing cached yet."""
    return File(AddressSpace(bytes(size), shmem=True, name=name))


# -- flags ----------------------------------------------------------------------------------


def _folio_test_set_flag(folio: Folio, bit: int) -> bool:
    """page-flags.h TESTSETFLAG: set `bit`, returning whether it was set already."""
    machine = current()
    if machine.test_flag(pfn_of(folio), bit):
        return True
    machine.set_flag(pfn_of(folio), bit)
    return False


def folio_trylock(folio: Folio) -> bool:
    """pagemap.h: take PG_locked unless held (the model is one thread: held means busy)."""
    return not _folio_test_set_flag(folio, pf.PG_locked)


@implement
def folio_lock(folio: Folio) -> None:
    """Sleeping on a folio the one modelled thread already holds would never end."""
    if not folio_trylock(folio):
        raise ModelError(f"folio_lock() on locked folio pfn {pfn_of(folio)}: the model's only thread would deadlock")


@implement
def folio_unlock(folio: Folio) -> None:
    if not current().test_flag(pfn_of(folio), pf.PG_locked):
        raise ModelError(f"folio_unlock() on unlocked folio pfn {pfn_of(folio)}")  # VM_BUG_ON_FOLIO
    current().set_flag(pfn_of(folio), pf.PG_locked, False)


def folio_mark_uptodate(folio: Folio) -> None:
    current().set_flag(pfn_of(folio), pf.PG_uptodate)


@implement
def folio_end_read(folio: Folio, success: bool) -> None:
    """Reading finished: uptodate if it succeeded, and unlocked either way."""
    if success:
        folio_mark_uptodate(folio)
    folio_unlock(folio)


@implement
def folio_mark_dirty(folio: Folio) -> bool:
    """True if this call dirtied it (filemap_dirty_folio / noop_dirty_folio)."""
    return not _folio_test_set_flag(folio, pf.PG_dirty)


@implement
def folio_put_refs(folio: Folio, refs: int) -> None:
    """mm.h: drop `refs` references at once; the last one frees the folio."""
    machine = current()
    pfn = pfn_of(folio)
    count = machine.refcount(pfn)
    if refs <= 0:
        return
    if count < refs:
        raise ModelError(f"folio_put_refs({refs}) on pfn {pfn} with refcount {count}: underflow")
    machine.set_refcount(pfn, count - refs + 1)
    folio_put(folio)


def folio_ref_add(folio: Folio, refs: int) -> None:
    machine = current()
    machine.set_refcount(pfn_of(folio), machine.refcount(pfn_of(folio)) + refs)


# -- the cache ------------------------------------------------------------------------------


@implement
def folio_mapping(folio: Folio) -> AddressSpace | None:
    """The page cache holding a file folio; None for anonymous, unattached or slab folios.
    Callers may pass a slab folio (flush_dcache_page() of a kmalloc'ed buffer): its mapping
    word is the slab's, so it is tested first, as mm/util.c does."""
    if types.folio_test_slab(folio):
        return None
    mapping = folio.mapping
    return mapping if isinstance(mapping, AddressSpace) else None


def _add_to_page_cache(mapping: AddressSpace, folio: Folio, index: int) -> int:
    """__filemap_add_folio() / shmem_add_to_page_cache(): 0, or -EEXIST if an index is taken."""
    machine = current()
    pfn, nr = pfn_of(folio), folio_nr_pages(folio)
    if not machine.test_flag(pfn, pf.PG_locked):
        raise ModelError("adding an unlocked folio to the page cache")  # VM_BUG_ON_FOLIO
    if machine.test_flag(pfn, pf.PG_swapbacked) != mapping.shmem:
        raise ModelError("only shmem adds swap-backed folios to a page cache")  # VM_BUG_ON_FOLIO
    if index % nr:
        raise ModelError(f"index {index} is not aligned to a {nr}-page folio")
    if any(i in mapping.i_pages for i in range(index, index + nr)):
        return -EEXIST
    folio_ref_add(folio, nr)
    folio.mapping = mapping
    folio.index = index
    for i in range(index, index + nr):
        mapping.i_pages[i] = pfn
    mapping.nrpages += nr
    return 0


@implement
def filemap_alloc_folio(gfp: int, order: int, policy: types.Mempolicy | None) -> Folio | None:
    """A folio for the page cache (6.19+ takes a NUMA policy, NULL for the task's; this model has
    one node, so the policy changes nothing)."""
    return folio_alloc(gfp, order)


@implement
def filemap_add_folio(mapping: types.AddressSpace, folio: Folio, index: int, gfp: int) -> int:
    """Lock the folio, insert it at `index` (0 or -EEXIST), and put it on the LRU."""
    space = _space(mapping)
    current().set_flag(pfn_of(folio), pf.PG_locked)  # __folio_set_locked()
    ret = _add_to_page_cache(space, folio, index)
    if ret:
        current().set_flag(pfn_of(folio), pf.PG_locked, False)
    else:
        types.folio_add_lru(folio)
    return ret


def _space(mapping: types.AddressSpace) -> AddressSpace:
    return model_object(mapping, AddressSpace, "a page cache")


def filemap_get_entry(mapping: AddressSpace, index: int) -> Folio | None:
    """The folio cached at `index`, with a reference taken (folio_try_get), or None."""
    pfn = mapping.i_pages.get(index)
    if pfn is None:
        return None
    folio = folio_view(pfn)
    folio_get(folio)
    return folio


def _creation_order(mapping: AddressSpace, fgp_flags: int) -> int:
    """The order a new folio gets: the caller's hint, at least the mapping's minimum."""
    return max(fgp_flags >> FGF_ORDER_SHIFT, mapping.min_order)


@implement
def __filemap_get_folio(mapping: types.AddressSpace, index: int, fgp_flags: int, gfp: int) -> Folio:
    """Find (FGP_LOCK/FGP_ACCESSED as asked) or, with FGP_CREAT, create the folio at `index`."""
    space = _space(mapping)
    folio = filemap_get_entry(space, index)
    if folio is not None:
        if fgp_flags & FGP_LOCK:
            folio_lock(folio)
        if fgp_flags & FGP_ACCESSED:
            types.folio_mark_accessed(folio)
        return folio
    if not fgp_flags & FGP_CREAT:
        raise ErrPtr(ENOENT, "__filemap_get_folio")
    return _create_folio(space, index, fgp_flags, gfp or space.gfp_mask)


def _create_folio(mapping: AddressSpace, index: int, fgp_flags: int, gfp: int) -> Folio:
    """The FGP_CREAT path: the largest order that allocates and fits, down to the minimum."""
    order, err = _creation_order(mapping, fgp_flags), -ENOMEM
    while True:
        folio = filemap_alloc_folio(gfp, order, None)
        if folio is not None:
            if fgp_flags & FGP_ACCESSED:
                current().set_flag(pfn_of(folio), pf.PG_referenced)
            err = filemap_add_folio(mapping, folio, index & ~((1 << order) - 1), gfp)
            if err == 0:
                break
            folio_put(folio)
        if order <= mapping.min_order:
            raise ErrPtr(-err, "__filemap_get_folio")
        order -= 1
    if fgp_flags & FGP_FOR_MMAP:
        folio_unlock(folio)  # filemap_add_folio() locked it; mmap wants it unlocked
    return folio


@implement
def filemap_get_folio(mapping: types.AddressSpace, index: int) -> Folio:
    return __filemap_get_folio(mapping, index, 0, 0)


@implement
def filemap_grab_folio(mapping: types.AddressSpace, index: int) -> FileFolio:
    """Find or create the folio at `index`, locked (write_begin's lookup)."""
    folio = __filemap_get_folio(mapping, index, FGP_LOCK | FGP_ACCESSED | FGP_CREAT, _space(mapping).gfp_mask)
    return _file_folio(folio)


@implement
def filemap_lock_folio(mapping: types.AddressSpace, index: int) -> FileFolio:
    return _file_folio(__filemap_get_folio(mapping, index, FGP_LOCK, 0))


def _file_folio(folio: Folio) -> FileFolio:
    """A folio found in a page cache, narrowed as the declarations promise."""
    if not types.folio_test_file(folio):
        raise ModelError("a page cache folio without ->mapping")
    return folio


@implement
def find_get_page(mapping: types.AddressSpace, offset: int) -> Page | None:
    """The page at `offset` (a tail page inside a large folio), referenced, or NULL."""
    folio = filemap_get_entry(_space(mapping), offset)
    if folio is None:
        return None
    return folio_page(folio, offset - folio.index)


def _read_folio(mapping: AddressSpace, folio: Folio) -> None:
    """The mapping's read_folio(): fill each page from the file (zeros past EOF), end the read."""
    first = pfn_of(folio)
    for i in range(folio_nr_pages(folio)):
        start = (folio.index + i) * PAGE_SIZE
        chunk = bytes(mapping.data[start : start + PAGE_SIZE])
        current().contents[first + i] = bytearray(chunk.ljust(PAGE_SIZE, b"\0"))
    folio_end_read(folio, True)


def filemap_read_folio(file: types.File | None, filler: object, folio: Folio) -> None:
    """Call `filler(file, folio)` if given, else the mapping's read_folio (mm/filemap.c)."""
    if callable(filler):
        filler(file, folio)
        return
    mapping = folio_mapping(folio)
    if mapping is None:
        raise ModelError("reading a folio that left the page cache")
    _read_folio(mapping, folio)


@implement
def read_cache_folio(mapping: types.AddressSpace, index: int, filler: object, file: types.File) -> Folio:
    """do_read_cache_folio(): the uptodate folio at `index`, read in first if need be."""
    space = _space(mapping)
    folio = filemap_get_entry(space, index)
    if folio is None:
        folio = _create_folio(space, index, 0, space.gfp_mask)
        filemap_read_folio(file, filler, folio)
    elif not types.folio_test_uptodate(folio):
        folio_lock(folio)
        filemap_read_folio(file, filler, folio)
    if not types.folio_test_uptodate(folio):
        folio_put(folio)
        raise ErrPtr(EINVAL, "read_cache_folio")
    types.folio_mark_accessed(folio)
    return folio


@implement
def read_mapping_folio(mapping: types.AddressSpace, index: int, file: types.File) -> Folio:
    return read_cache_folio(mapping, index, None, file)


def shmem_get_folio(mapping: AddressSpace, index: int) -> Folio:
    """shmem_get_folio(SGP_CACHE): the folio at `index`, created zeroed and uptodate if absent."""
    folio = filemap_get_entry(mapping, index)
    if folio is not None:
        return folio
    order = mapping.min_order
    folio = folio_alloc(mapping.gfp_mask, order)
    if folio is None:
        raise ErrPtr(ENOMEM, "shmem_get_folio")
    machine = current()
    machine.set_flag(pfn_of(folio), pf.PG_locked)
    machine.set_flag(pfn_of(folio), pf.PG_swapbacked)
    if _add_to_page_cache(mapping, folio, index & ~((1 << order) - 1)):
        raise ModelError("shmem index raced")  # one thread: cannot happen
    types.folio_add_lru(folio)
    for pfn in range(pfn_of(folio), pfn_of(folio) + folio_nr_pages(folio)):
        zero_page_contents(pfn)
    folio_mark_uptodate(folio)
    folio_unlock(folio)
    return folio


def __filemap_remove_folio(folio: Folio) -> AddressSpace:
    """page_cache_delete(): out of i_pages, ->mapping cleared. Returns the mapping it left."""
    mapping = folio_mapping(folio)
    if mapping is None:
        raise ModelError(f"folio pfn {pfn_of(folio)} is not in a page cache")
    if types.folio_mapped(folio):
        raise ModelError(f"removing mapped folio pfn {pfn_of(folio)} from the page cache")  # filemap_unaccount_folio
    nr = folio_nr_pages(folio)
    for i in range(folio.index, folio.index + nr):
        del mapping.i_pages[i]
    mapping.nrpages -= nr
    current().mem.set(pfn_of(folio), MAPPING, 0)
    current().views.changed(pfn_of(folio))
    return mapping


@implement
def filemap_remove_folio(folio: Folio) -> None:
    """Remove a locked, unmapped folio from its page cache and drop the cache's references."""
    if not types.folio_test_locked(folio):
        raise ModelError(f"filemap_remove_folio() on unlocked folio pfn {pfn_of(folio)}")  # BUG_ON
    __filemap_remove_folio(folio)
    folio_put_refs(folio, folio_nr_pages(folio))  # filemap_free_folio()


def truncate_inode_pages(mapping: AddressSpace) -> None:
    """mm/truncate.c: drop every folio from an unmapped file's page cache (pinned ones live on)."""
    for pfn in sorted(set(mapping.i_pages.values())):
        folio = folio_view(pfn)
        if types.folio_mapped(folio):
            raise ModelError(f"truncating mapped folio pfn {pfn}: munmap the file first")
        folio_get(folio)  # find_lock_entries()' reference
        folio_lock(folio)
        filemap_remove_folio(folio)
        folio_unlock(folio)
        folio_put(folio)


def writeback_folio(folio: Folio) -> None:
    """Write a dirty file folio's pages back to the file and clean it (writepages, synchronous)."""
    mapping = folio_mapping(folio)
    if mapping is None or not types.folio_test_dirty(folio):
        return
    if not mapping.shmem:
        for i in range(folio_nr_pages(folio)):
            start = (folio.index + i) * PAGE_SIZE
            if len(mapping.data) < start + PAGE_SIZE:
                mapping.data.extend(bytes(start + PAGE_SIZE - len(mapping.data)))
            mapping.data[start : start + PAGE_SIZE] = page_bytes(pfn_of(folio) + i)
        current().set_flag(pfn_of(folio), pf.PG_dirty, False)


def filemap_write_and_wait(mapping: AddressSpace) -> None:
    """Write back every dirty folio of a file."""
    for pfn in sorted(set(mapping.i_pages.values())):
        writeback_folio(folio_view(pfn))


# -- the swap cache -------------------------------------------------------------------------


class SwapCache:
    """The swap cache (mm/swap_state.c) over one swap device of type 0 (mm/swapfile.c).

    Kept here because the swap cache is a page cache indexed by swap entry. `folios` maps each
    entry to the head PFN of the folio caching it; `swap_map` counts, per allocated entry, the
    swap PTEs referring to it (0: only the cache holds it); `slots` is what was written out.
    A swp_entry_t of type 0 is its offset; offset 0 is the device header, never allocated.
    """

    def __init__(self, nr_slots: int = 1 << 16):
        self.nr_slots = nr_slots
        self.folios: dict[int, int] = {}
        self.swap_map: dict[int, int] = {}
        self.slots: dict[int, bytes] = {}

    def alloc(self, nr: int) -> int | None:
        """A free, naturally aligned run of `nr` slots (the cluster allocator's order-n case)."""
        for offset in range(nr, self.nr_slots - nr + 1, nr):
            if not any(offset + i in self.swap_map for i in range(nr)):
                for i in range(nr):
                    self.swap_map[offset + i] = 0
                return offset
        return None

    def release(self, entry: int) -> None:
        """Free a slot no swap PTE and no cached folio refers to any more."""
        if self.swap_map.get(entry) == 0 and entry not in self.folios:
            del self.swap_map[entry]
            self.slots.pop(entry, None)


swap_cache = PerMachine(lambda machine: SwapCache())
"""The current machine's swap cache and device."""


def swap_cache_add_folio(folio: Folio, entry: int) -> None:
    """The swap cache takes one reference per page; PG_swapcache and ->swap say where it is."""
    cache, pfn, nr = swap_cache(), pfn_of(folio), folio_nr_pages(folio)
    folio_ref_add(folio, nr)
    folio.swap = entry
    current().set_flag(pfn, pf.PG_swapcache)
    for i in range(nr):
        cache.folios[entry + i] = pfn


def swap_cache_del_folio(folio: Folio) -> None:
    """Out of the swap cache: references, PG_swapcache and ->swap dropped; unused slots freed.

    The anon ->mapping stays: a swap cache folio is still anonymous until it is freed.
    """
    cache, pfn, nr = swap_cache(), pfn_of(folio), folio_nr_pages(folio)
    entry = folio.swap
    if not types.folio_test_swapcache(folio):
        raise ModelError(f"folio pfn {pfn} is not in the swap cache")
    if current().refcount(pfn) <= nr:
        raise ModelError(f"deleting folio pfn {pfn} from the swap cache would drop its last reference")
    for i in range(nr):
        del cache.folios[entry + i]
        cache.release(entry + i)
    folio.swap = 0
    current().set_flag(pfn, pf.PG_swapcache, False)
    current().set_refcount(pfn, current().refcount(pfn) - nr)


@implement
def folio_alloc_swap(folio: Folio) -> int:
    """mm/swapfile.c: allocate swap slots for a locked, uptodate folio and add it to the swap cache
    (6.16 to 6.18 also took a gfp mask)."""
    if not types.folio_test_locked(folio) or not types.folio_test_uptodate(folio):
        raise ModelError("folio_alloc_swap() needs a locked, uptodate folio")  # VM_BUG_ON_FOLIO
    entry = swap_cache().alloc(folio_nr_pages(folio))
    if entry is None:
        return -ENOMEM
    swap_cache_add_folio(folio, entry)
    return 0


@implement
def swap_cache_get_folio(entry: int) -> types.SwapcacheFolio | None:
    """The folio caching swap entry `entry`, referenced, or NULL."""
    pfn = swap_cache().folios.get(entry)
    if pfn is None:
        return None
    folio = folio_view(pfn)
    if not types.folio_test_swapcache(folio):
        raise ModelError(f"swap cache holds pfn {pfn} without PG_swapcache")
    folio_get(folio)
    return folio


def folio_swapped(folio: Folio) -> bool:
    """Whether any swap PTE still refers to one of the folio's swap entries."""
    cache, entry = swap_cache(), folio.swap
    return any(cache.swap_map.get(entry + i, 0) for i in range(folio_nr_pages(folio)))


@implement
def folio_free_swap(folio: Folio) -> bool:
    """Free a locked folio's swap space if no swap PTE needs it; the folio becomes dirty again."""
    if not types.folio_test_locked(folio):
        raise ModelError("folio_free_swap() on an unlocked folio")  # VM_BUG_ON_FOLIO
    if not types.folio_test_swapcache(folio) or types.folio_test_writeback(folio) or folio_swapped(folio):
        return False
    swap_cache_del_folio(folio)
    current().set_flag(pfn_of(folio), pf.PG_dirty)
    return True


def swap_duplicate(entry: int) -> None:
    """One more swap PTE refers to `entry` (try_to_unmap, fork)."""
    cache = swap_cache()
    if entry not in cache.swap_map:
        raise ModelError(f"swap entry {entry:#x} is not allocated")
    cache.swap_map[entry] += 1


def swap_free_entry(entry: int) -> None:
    """swap_free_nr(): a swap PTE referring to `entry` is gone."""
    cache = swap_cache()
    if not cache.swap_map.get(entry):
        raise ModelError(f"swap_free of unused swap entry {entry:#x}")
    cache.swap_map[entry] -= 1
    cache.release(entry)


def free_swap_and_cache(entry: int) -> None:
    """zap of a swap PTE: drop the reference; reclaim an idle swap cache folio it leaves unused."""
    swap_free_entry(entry)
    cache = swap_cache()
    pfn = cache.folios.get(entry)
    if pfn is None or cache.swap_map.get(entry):
        return
    folio = folio_view(pfn)
    if not types.folio_mapped(folio) and folio_trylock(folio):
        folio_get(folio)
        folio_free_swap(folio)
        folio_unlock(folio)
        folio_put(folio)


def swap_writeout(folio: Folio) -> None:
    """Write a swap cache folio to its slots (synchronously: writeback starts and ends here)."""
    cache, entry, pfn = swap_cache(), folio.swap, pfn_of(folio)
    for i in range(folio_nr_pages(folio)):
        cache.slots[entry + i] = bytes(page_bytes(pfn + i))
    current().set_flag(pfn, pf.PG_dirty, False)


def swap_read_folio(folio: Folio) -> None:
    """Read a swap cache folio's contents back from its slots and mark it uptodate."""
    cache, entry, pfn = swap_cache(), folio.swap, pfn_of(folio)
    for i in range(folio_nr_pages(folio)):
        current().contents[pfn + i] = bytearray(cache.slots.get(entry + i, bytes(PAGE_SIZE)))
    folio_mark_uptodate(folio)
