"""Page faults, fork and unmapping (mm/memory.c, mm/filemap.c: filemap_fault, kernel/fork.c).

`handle_mm_fault()` follows handle_pte_fault(): with no PTE, a private anonymous VMA maps the
shared zero page on a read (never counted: no reference, no mapcount) and allocates a zeroed
anon folio on a write (`vma_alloc_folio`, `folio_add_new_anon_rmap` with RMAP_EXCLUSIVE, so the
runtime class becomes AnonFolio, then `folio_add_lru_vma`); a file VMA maps its page cache folio
(filemap_fault: `__filemap_get_folio` with FGP_CREAT, read if not uptodate,
`folio_add_file_rmap_ptes`), copying it into an anon folio first for a write to a private
mapping (do_cow_fault); a swap PTE is swapped in from the swap cache or the device. A write to
a present read-only PTE is do_wp_page(): a shared file mapping dirties the folio and maps it
writable, an exclusive anon page is reused, anything else (the zero page, an anon page shared
with a fork child, a page cache page in a private mapping) is copied by wp_page_copy().

`fork_mm()` is dup_mmap()/copy_page_range(): anon pages are shared read-only with the child,
mapcount and refcount raised and PageAnonExclusive cleared, so the next write copies; an
exclusive page that may be DMA-pinned is copied at once instead, so the pinned page stays
the parent's.
"""

from __future__ import annotations

from model import pageflags as pf
from model.arch import PAGE_SIZE
from model.highmem import copy_page_contents, page_bytes
from model.lru import lru_add_drain
from model.machine import Machine, ModelError, PerMachine, current
from model.mm import (
    VM_DONTCOPY,
    VM_READ,
    VM_SHARED,
    VM_WRITE,
    MmState,
    VmAreaStruct,
    anon_vma_prepare,
    dup_vma,
    forget_mm,
    is_cow_mapping,
    linear_page_index,
    mm_state,
    new_mm,
    remove_vma,
    vma_is_anonymous,
    vma_lookup,
)
from model.page_alloc import alloc_pages, folio_get, folio_nr_pages, folio_put, page_view, pfn_of, vma_alloc_folio
from model.pagecache import (
    FGP_CREAT,
    FGP_FOR_MMAP,
    ErrPtr,
    __filemap_get_folio,
    filemap_read_folio,
    folio_lock,
    folio_mark_dirty,
    folio_mark_uptodate,
    folio_ref_add,
    folio_swapped,
    folio_trylock,
    folio_unlock,
    free_swap_and_cache,
    shmem_get_folio,
    swap_cache_add_folio,
    swap_cache_get_folio,
    swap_duplicate,
    swap_free_entry,
    swap_read_folio,
)
from model.pgtable import (
    MmStruct,
    free_pgtables,
    lookup_pte,
    map_pte,
    mapped_ptes,
    mmdrop,
    ptep_set_wrprotect,
    unmap_pte,
)
from model.predicates import ZERO_PFNS
from model.rmap import (
    RMAP_EXCLUSIVE,
    RMAP_NONE,
    folio_add_anon_rmap_ptes,
    folio_add_file_rmap_ptes,
    folio_add_new_anon_rmap,
    folio_dup_file_rmap_ptes,
    folio_large_mapcount,
    folio_of_pfn,
    folio_remove_rmap_pte,
    folio_try_dup_anon_rmap_ptes,
    page_anon_exclusive,
    rmap_mappings,
    set_page_anon_exclusive,
)
from ontology import types
from ontology.types import Folio

VM_FAULT_OOM = 0x1
VM_FAULT_SIGBUS = 0x2
VM_FAULT_SIGSEGV = 0x40
VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV
"""include/linux/mm_types.h: vm_fault_t bits (0 is success)."""

GFP_ANON = pf.GFP_HIGHUSER_MOVABLE
"""What anonymous faults allocate with: movable, and highmem allowed."""


# -- the zero page --------------------------------------------------------------------------


def _alloc_zero_page(machine: Machine) -> int:
    """One reserved, never-freed page, recorded in ZERO_PFNS."""
    page = alloc_pages(pf.GFP_KERNEL | pf.__GFP_ZERO, 0)
    if page is None:
        raise ModelError("no memory for the zero page")
    pfn = pfn_of(page)
    ZERO_PFNS.add(pfn)
    machine.set_flag(pfn, pf.PG_reserved)
    return pfn


_zero_pfns = PerMachine(_alloc_zero_page)


def zero_pfn() -> int:
    """The machine's shared zero page, allocated on first use."""
    return _zero_pfns()


def zero_folio() -> Folio:
    """The zero page as a folio (its runtime class is ZeroFolio)."""
    return folio_of_pfn(zero_pfn())


def is_zero_pfn(pfn: int) -> bool:
    """is_zero_pfn(): without allocating the zero page if the machine has none yet."""
    return _zero_pfns.get(current()) == pfn


# -- faults ---------------------------------------------------------------------------------


def handle_mm_fault(vma: VmAreaStruct, address: int, write: bool, unshare: bool = False) -> int:
    """Resolve a fault at `address` in `vma`: 0, or VM_FAULT_* error bits.

    `unshare` is FAULT_FLAG_UNSHARE: a read-only pin asks for an exclusive anon page.
    """
    if not vma.vm_start <= address < vma.vm_end:
        return VM_FAULT_SIGSEGV
    if (write and not vma.vm_flags & VM_WRITE) or not vma.vm_flags & VM_READ:
        return VM_FAULT_SIGSEGV  # access_error() in the arch fault handler
    address &= ~(PAGE_SIZE - 1)
    mm = vma.vm_mm
    pte = lookup_pte(mm, address)
    if pte is None:
        entry = mm_state(mm).swap_ptes.get(address)
        if entry is not None:
            return do_swap_page(vma, address, entry, write)
        if vma_is_anonymous(vma):
            return do_anonymous_page(vma, address, write)
        return do_fault(vma, address, write)
    pfn, writable = pte
    if (write and not writable) or (unshare and _must_unshare(pfn)):
        return do_wp_page(vma, address, pfn, unshare=not write)
    return 0


def _must_unshare(pfn: int) -> bool:
    """gup_must_unshare(): an anon page that is not exclusive to this mm."""
    if is_zero_pfn(pfn):
        return False
    return types.folio_test_anon(folio_of_pfn(pfn)) and not page_anon_exclusive(pfn)


def _anon_order(vma: VmAreaStruct, address: int) -> int:
    """alloc_anon_folio(): the largest allowed order whose aligned range fits with no PTEs yet."""
    state = mm_state(vma.vm_mm)
    for order in range(vma.anon_order, 0, -1):
        start = address & ~((PAGE_SIZE << order) - 1)
        end = start + (PAGE_SIZE << order)
        if (
            vma.vm_start <= start
            and end <= vma.vm_end
            and all(lookup_pte(vma.vm_mm, a) is None and a not in state.swap_ptes for a in range(start, end, PAGE_SIZE))
        ):
            return order
    return 0


def do_anonymous_page(vma: VmAreaStruct, address: int, write: bool) -> int:
    """No PTE in a private anonymous VMA: the zero page for a read, a new anon folio for a write."""
    mm = vma.vm_mm
    if not write:
        map_pte(mm, address, zero_pfn(), False)
        return 0
    anon_vma_prepare(vma)
    order = _anon_order(vma, address)
    folio = None
    while folio is None:
        folio = vma_alloc_folio(GFP_ANON | pf.__GFP_ZERO, order, vma, address)
        if folio is None:
            if order == 0:
                return VM_FAULT_OOM
            order = 0
    nr = folio_nr_pages(folio)
    start = address & ~((PAGE_SIZE << order) - 1)
    folio_mark_uptodate(folio)
    folio_ref_add(folio, nr - 1)  # each PTE holds a reference
    folio_add_new_anon_rmap(folio, vma, start, RMAP_EXCLUSIVE)
    types.folio_add_lru_vma(folio, vma)
    for i in range(nr):
        map_pte(mm, start + i * PAGE_SIZE, pfn_of(folio) + i, bool(vma.vm_flags & VM_WRITE))
    return 0


def filemap_fault(vma: VmAreaStruct, address: int) -> Folio:
    """The uptodate page cache folio for a file fault, referenced (ErrPtr if memory runs out)."""
    mapping = vma.mapping
    if mapping is None:
        raise ModelError(f"filemap_fault() on anonymous {vma}")
    index = linear_page_index(vma, address)
    if mapping.shmem:
        return shmem_get_folio(mapping, index)
    folio = __filemap_get_folio(mapping, index, FGP_CREAT | FGP_FOR_MMAP, mapping.gfp_mask)
    if not types.folio_test_uptodate(folio):
        folio_lock(folio)
        filemap_read_folio(vma.vm_file, None, folio)
    return folio


def _map_file_page(vma: VmAreaStruct, address: int, folio: Folio, writable: bool) -> None:
    """set_pte_range() for one page of a page cache folio: the fault's reference becomes the PTE's."""
    pfn = pfn_of(folio) + linear_page_index(vma, address) - folio.index
    folio_add_file_rmap_ptes(folio, page_view(pfn), 1, vma)
    map_pte(vma.vm_mm, address, pfn, writable)


def do_fault(vma: VmAreaStruct, address: int, write: bool) -> int:
    """do_read_fault() / do_cow_fault() / do_shared_fault(); SIGBUS past the end of the file."""
    mapping = vma.mapping
    if mapping is None or linear_page_index(vma, address) * PAGE_SIZE >= len(mapping.data):
        return VM_FAULT_SIGBUS
    try:
        folio = filemap_fault(vma, address)
    except ErrPtr:
        return VM_FAULT_OOM
    if not write:
        _map_file_page(vma, address, folio, False)
        return 0
    if vma.vm_flags & VM_SHARED:
        folio_mark_dirty(folio)  # page_mkwrite + fault_dirty_shared_page
        _map_file_page(vma, address, folio, True)
        return 0
    pfn = pfn_of(folio) + linear_page_index(vma, address) - folio.index
    result = _new_anon_copy(vma, address, pfn, writable=True)
    folio_put(folio)  # do_cow_fault drops the page cache folio
    return result


def _new_anon_copy(vma: VmAreaStruct, address: int, src_pfn: int | None, writable: bool) -> int:
    """A new exclusive anon folio at `address` holding a copy of `src_pfn` (zeroed if None)."""
    anon_vma_prepare(vma)
    gfp = GFP_ANON | (pf.__GFP_ZERO if src_pfn is None else 0)
    new = vma_alloc_folio(gfp, 0, vma, address)
    if new is None:
        return VM_FAULT_OOM
    if src_pfn is not None:
        copy_page_contents(pfn_of(new), src_pfn)
    folio_mark_uptodate(new)
    folio_add_new_anon_rmap(new, vma, address, RMAP_EXCLUSIVE)
    types.folio_add_lru_vma(new, vma)
    map_pte(vma.vm_mm, address, pfn_of(new), writable)
    return 0


def wp_can_reuse_anon_folio(folio: Folio, vma: VmAreaStruct) -> bool:
    """May a write reuse this anon folio instead of copying it? Only if nobody else can see it."""
    pfn = pfn_of(folio)
    if types.folio_test_large(folio):
        # __wp_can_reuse_large_anon_folio(): every reference is a mapping, all in this mm.
        if folio_large_mapcount(folio) != current().refcount(pfn):
            return False
        return all(other.vm_mm is vma.vm_mm for other, _ in rmap_mappings(folio))
    if types.folio_test_ksm(folio) or current().refcount(pfn) > 3:
        return False
    if not types.folio_test_lru(folio):
        lru_add_drain()  # the lru_add batch may hold the extra reference
    swapcache = types.folio_test_swapcache(folio)
    if current().refcount(pfn) > 1 + swapcache:
        return False
    if not folio_trylock(folio):
        return False
    if swapcache:
        types.folio_free_swap(folio)
    reuse = current().refcount(pfn) == 1
    folio_unlock(folio)
    return reuse


def do_wp_page(vma: VmAreaStruct, address: int, pfn: int, unshare: bool = False) -> int:
    """A write (or unshare) fault on a present read-only PTE."""
    mm = vma.vm_mm
    if vma.vm_flags & VM_SHARED and not unshare:
        folio = folio_of_pfn(pfn)
        folio_mark_dirty(folio)  # wp_page_shared()
        _make_writable(mm, address, pfn)
        return 0
    if is_zero_pfn(pfn):
        unmap_pte(mm, address)
        return _new_anon_copy(vma, address, None, writable=not unshare)
    folio = folio_of_pfn(pfn)
    if types.folio_test_anon(folio) and (page_anon_exclusive(pfn) or wp_can_reuse_anon_folio(folio, vma)):
        set_page_anon_exclusive(pfn)
        if not unshare:
            _make_writable(mm, address, pfn)  # wp_page_reuse()
        return 0
    folio_get(folio)
    return wp_page_copy(vma, address, pfn, unshare)


def _make_writable(mm: MmStruct, address: int, pfn: int) -> None:
    """maybe_mkwrite() on a present PTE."""
    unmap_pte(mm, address)
    map_pte(mm, address, pfn, True)


def wp_page_copy(vma: VmAreaStruct, address: int, pfn: int, unshare: bool = False) -> int:
    """Copy the page into a new exclusive anon folio, map it instead, drop the old mapping."""
    old = folio_of_pfn(pfn)
    unmap_pte(vma.vm_mm, address)
    result = _new_anon_copy(vma, address, pfn, writable=not unshare)
    if result:
        map_pte(vma.vm_mm, address, pfn, False)
        folio_put(old)
        return result
    folio_remove_rmap_pte(old, page_view(pfn), vma)
    folio_put(old)  # the old PTE's reference
    folio_put(old)  # the reference do_wp_page() took
    return 0


def do_swap_page(vma: VmAreaStruct, address: int, entry: int, write: bool) -> int:
    """A swap PTE: find the folio in the swap cache or read it from the device, then map it."""
    mm = vma.vm_mm
    folio: Folio | None = swap_cache_get_folio(entry)
    if folio is None:
        folio = vma_alloc_folio(GFP_ANON, 0, vma, address)
        if folio is None:
            return VM_FAULT_OOM
        machine = current()
        machine.set_flag(pfn_of(folio), pf.PG_locked)
        machine.set_flag(pfn_of(folio), pf.PG_swapbacked)
        swap_cache_add_folio(folio, entry)
        types.folio_add_lru(folio)
        swap_read_folio(folio)
        folio_unlock(folio)
    folio_lock(folio)
    pfn = pfn_of(folio) + entry - folio.swap
    anon_vma_prepare(vma)
    del mm_state(mm).swap_ptes[address]
    swap_free_entry(entry)
    exclusive = not types.folio_mapped(folio) and not types.folio_test_ksm(folio) and not folio_swapped(folio)
    flags = RMAP_EXCLUSIVE if exclusive else RMAP_NONE
    if types.folio_test_anon(folio):
        folio_add_anon_rmap_ptes(folio, page_view(pfn), 1, vma, address, flags)
    else:
        folio_add_new_anon_rmap(folio, vma, address, flags)
    # Like do_wp_page(): an exclusive page is mapped writable even on a read fault.
    map_pte(mm, address, pfn, exclusive and bool(vma.vm_flags & VM_WRITE))
    if write:
        types.folio_free_swap(folio)  # should_try_to_free_swap()
    folio_unlock(folio)
    if write and not exclusive:
        return do_wp_page(vma, address, pfn)
    return 0


# -- fork -----------------------------------------------------------------------------------


def _copy_pte(dst: VmAreaStruct, src: VmAreaStruct, address: int, pfn: int, writable: bool) -> None:
    """copy_present_pte(): share the page with the child, write-protecting a COW mapping."""
    if is_zero_pfn(pfn):
        map_pte(dst.vm_mm, address, pfn, False)
        return
    folio = folio_of_pfn(pfn)
    if types.folio_test_anon(folio):
        if folio_try_dup_anon_rmap_ptes(folio, pfn, 1):
            _copy_present_page(dst, address, pfn, writable)
            return
    else:
        folio_dup_file_rmap_ptes(folio, pfn, 1)
    folio_get(folio)
    if is_cow_mapping(src.vm_flags) and writable:
        ptep_set_wrprotect(src.vm_mm, address)
        writable = False
    map_pte(dst.vm_mm, address, pfn, writable)


def _copy_present_page(dst: VmAreaStruct, address: int, pfn: int, writable: bool) -> None:
    """copy_present_page(): the child gets its own copy of a page that may be pinned."""
    if _new_anon_copy(dst, address, pfn, writable):
        raise ModelError("no memory to copy a pinned page at fork")


def copy_page_range(dst: VmAreaStruct, src: VmAreaStruct) -> None:
    """Copy the parent's PTEs of one VMA into the child's page tables."""
    src_state, dst_state = mm_state(src.vm_mm), mm_state(dst.vm_mm)
    for address, entry in sorted(src_state.swap_ptes.items()):
        if src.vm_start <= address < src.vm_end:
            swap_duplicate(entry)
            dst_state.swap_ptes[address] = entry
    for address, pfn, writable in mapped_ptes(src.vm_mm):
        if src.vm_start <= address < src.vm_end:
            _copy_pte(dst, src, address, pfn, writable)


def fork_mm(mm: MmStruct) -> MmStruct:
    """dup_mmap(): the child's address space; anon memory is shared copy-on-write."""
    child = new_mm()
    for vma in list(mm_state(mm).vmas):
        if vma.vm_flags & VM_DONTCOPY:
            continue
        copy = dup_vma(vma, child)
        if vma.anon_vma is not None:  # vma_needs_copy(): file pages are faulted in again
            copy_page_range(copy, vma)
    return child


# -- unmapping ------------------------------------------------------------------------------


def zap_vma(vma: VmAreaStruct) -> None:
    """unmap_page_range(): every PTE of the VMA gone, references and swap entries dropped."""
    mm = vma.vm_mm
    state = mm_state(mm)
    for address in [a for a in state.swap_ptes if vma.vm_start <= a < vma.vm_end]:
        free_swap_and_cache(state.swap_ptes.pop(address))
    for address, pfn, _ in mapped_ptes(mm):
        if not vma.vm_start <= address < vma.vm_end:
            continue
        unmap_pte(mm, address)
        if is_zero_pfn(pfn):
            continue
        folio = folio_of_pfn(pfn)
        folio_remove_rmap_pte(folio, page_view(pfn), vma)
        free_swap_cache(folio)
        folio_put(folio)


def free_swap_cache(folio: Folio) -> None:
    """mm/swap_state.c: the last mapping of a swap cache folio is gone: free its swap space."""
    if types.folio_test_swapcache(folio) and not types.folio_mapped(folio) and folio_trylock(folio):
        types.folio_free_swap(folio)
        folio_unlock(folio)


def munmap(mm: MmStruct, addr: int, length: int) -> None:
    """munmap() of whole VMAs (splitting a VMA is not modelled)."""
    state: MmState = mm_state(mm)
    for vma in [v for v in state.vmas if v.vm_start < addr + length and addr < v.vm_end]:
        if vma.vm_start < addr or vma.vm_end > addr + length:
            raise ModelError(f"munmap({addr:#x}, {length:#x}) would split {vma}: not modelled")
        zap_vma(vma)
        remove_vma(vma)


def exit_mmap(mm: MmStruct) -> None:
    """The last user of `mm` is gone: unmap everything, free the page tables."""
    for vma in list(mm_state(mm).vmas):
        zap_vma(vma)
        remove_vma(vma)
    free_pgtables(mm)
    forget_mm(mm)


def mmput(mm: MmStruct) -> None:
    """The last reference to the mm: exit_mmap(), then mmdrop() frees the PGD."""
    exit_mmap(mm)
    mmdrop(mm)


# -- user access ----------------------------------------------------------------------------


def fault_in(mm: MmStruct, address: int, write: bool) -> int:
    """Touch `address` as the CPU would, faulting as needed: the PFN the access reaches."""
    vma = vma_lookup(mm, address)
    if vma is None:
        raise ModelError(f"SIGSEGV: no VMA at {address:#x}")
    for _ in range(3):
        pte = lookup_pte(mm, address & ~(PAGE_SIZE - 1))
        if pte is not None and (pte[1] or not write):
            return pte[0]
        result = handle_mm_fault(vma, address, write)
        if result & VM_FAULT_ERROR:
            raise ModelError(f"fault at {address:#x} failed: VM_FAULT {result:#x}")
    raise ModelError(f"fault at {address:#x} did not resolve")


def user_write(mm: MmStruct, address: int, data: bytes) -> None:
    """copy_to_user(): write `data` at `address`, page by page."""
    done = 0
    while done < len(data):
        offset = (address + done) % PAGE_SIZE
        chunk = data[done : done + PAGE_SIZE - offset]
        pfn = fault_in(mm, address + done, True)
        page_bytes(pfn)[offset : offset + len(chunk)] = chunk
        done += len(chunk)


def user_read(mm: MmStruct, address: int, length: int) -> bytes:
    """copy_from_user(): `length` bytes at `address`."""
    out = bytearray()
    while len(out) < length:
        offset = (address + len(out)) % PAGE_SIZE
        pfn = fault_in(mm, address + len(out), False)
        out += page_bytes(pfn)[offset : offset + min(PAGE_SIZE - offset, length - len(out))]
    return bytes(out)
