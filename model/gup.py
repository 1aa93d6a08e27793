"""get_user_pages and pinning (mm/gup.c), with the references and pins the kernel keeps.

GUP walks a user range, faulting in what is missing or not writable enough, and returns the
exact page each address maps: for an address inside a large folio that is a tail page, whose
page_folio() is the folio. Each returned page carries a grab on its folio (try_grab_folio):
FOLL_GET is one plain reference, released with put_page(); FOLL_PIN on an order-0 folio adds
GUP_PIN_COUNTING_BIAS (1024) to _refcount, on a large folio 1 to _refcount and 1 to
_pincount in its second page, released with unpin_user_page(s). Pinning the zero page
takes nothing. A read-only pin of an anon page shared with a fork child first unshares it
(FAULT_FLAG_UNSHARE), and FOLL_LONGTERM pins never stay in ZONE_MOVABLE: such folios are
migrated first (check_and_migrate_movable_pages) and the walk retried.
"""

from __future__ import annotations

from dataclasses import dataclass

from model import pageflags as pf
from model.anon import handle_mm_fault, is_zero_pfn
from model.arch import EFAULT, EINVAL, ENOMEM, PAGE_SIZE
from model.highmem import copy_page_contents
from model.lru import folio_isolate_lru, folio_putback_lru, lru_add_drain_all
from model.machine import ModelError, current, model_object
from model.mm import VM_SHARED, VM_WRITE, VmAreaStruct, current_mm, vma_lookup
from model.page_alloc import (
    folio_alloc,
    folio_get,
    folio_nr_pages,
    folio_put,
    folio_view,
    page_folio,
    page_view,
    pfn_of,
)
from model.pagecache import (
    ErrPtr,
    File,
    folio_lock,
    folio_mapping,
    folio_mark_dirty,
    folio_put_refs,
    folio_ref_add,
    folio_unlock,
    shmem_get_folio,
    swap_cache,
)
from model.pgtable import MmStruct, lookup_pte, map_pte, unmap_pte
from model.rmap import (
    RMAP_EXCLUSIVE,
    RMAP_NONE,
    folio_add_anon_rmap_ptes,
    folio_add_file_rmap_ptes,
    folio_anon_vma,
    folio_maybe_dma_pinned,
    folio_remove_rmap_pte,
    folio_set_anon,
    page_anon_exclusive,
    rmap_mappings,
)
from ontology import types
from ontology.runtime import implement
from ontology.types import Folio, Page

FOLL_WRITE = pf.FOLL_WRITE
FOLL_GET = pf.FOLL_GET
FOLL_PIN = pf.FOLL_PIN
FOLL_LONGTERM = pf.FOLL_LONGTERM
FOLL_FORCE = 0x10
FOLL_REMOTE = 0x2000
INTERNAL_FLAGS = FOLL_GET | FOLL_PIN
"""Flags gup sets itself; a caller passing them is a bug (is_valid_gup_args() warns)."""

GUP_PIN_COUNTING_BIAS = pf.GUP_PIN_COUNTING_BIAS


def _is_zero(folio: Folio) -> bool:
    return is_zero_pfn(pfn_of(folio))


# -- grabbing -------------------------------------------------------------------------------


@implement
def try_grab_folio(folio: Folio, refs: int, flags: int) -> int:
    """Take `refs` references (FOLL_GET) or pins (FOLL_PIN) on a folio; 0 or -ENOMEM."""
    machine, pfn = current(), pfn_of(folio)
    if machine.refcount(pfn) <= 0:
        return -ENOMEM  # WARN_ON_ONCE: grabbing a free folio
    if flags & FOLL_GET:
        folio_ref_add(folio, refs)
    elif flags & FOLL_PIN:
        if _is_zero(folio):
            return 0  # the zero page is never pinned
        if machine.is_head(pfn):  # folio_has_pincount(): every large folio on 64-bit
            folio_ref_add(folio, refs)
            folio._pincount = folio._pincount + refs
        else:
            folio_ref_add(folio, refs * GUP_PIN_COUNTING_BIAS)
    return 0


@implement
def gup_put_folio(folio: Folio, refs: int, flags: int) -> None:
    """Release what try_grab_folio() took; unpinning more than was pinned is a bug."""
    machine, pfn = current(), pfn_of(folio)
    if flags & FOLL_PIN:
        if _is_zero(folio):
            return
        if machine.is_head(pfn):
            if folio._pincount < refs:
                raise ModelError(f"unpin of folio pfn {pfn}: _pincount {folio._pincount} < {refs}")
            folio._pincount = folio._pincount - refs
        else:
            if machine.refcount(pfn) < refs * GUP_PIN_COUNTING_BIAS:
                raise ModelError(f"unpin of folio pfn {pfn}: refcount {machine.refcount(pfn)} holds no pin")
            refs *= GUP_PIN_COUNTING_BIAS
    folio_put_refs(folio, refs)


@implement
def folio_add_pin(folio: Folio) -> None:
    """One more pin on an already pinned folio (io_uring fixed buffers)."""
    if _is_zero(folio):
        return
    if not folio_maybe_dma_pinned(folio):
        raise ModelError(f"folio_add_pin() on unpinned folio pfn {pfn_of(folio)}")  # WARN_ON_ONCE
    try_grab_folio(folio, 1, FOLL_PIN)


@implement
def unpin_folio(folio: Folio) -> None:
    gup_put_folio(folio, 1, FOLL_PIN)


@implement
def unpin_folios(folios: list[Folio], nfolios: int) -> None:
    for folio in folios[:nfolios]:
        unpin_folio(folio)


@implement
def unpin_user_page(page: Page) -> None:
    gup_put_folio(page_folio(page), 1, FOLL_PIN)


@implement
def unpin_user_pages(pages: list[Page], npages: int) -> None:
    for page in pages[:npages]:
        unpin_user_page(page)


@implement
def unpin_user_pages_dirty_lock(pages: list[Page], npages: int, make_dirty: bool) -> None:
    """Unpin after DMA wrote the pages: dirty each folio (under its lock) first if asked."""
    for page in pages[:npages]:
        folio = page_folio(page)
        if make_dirty and not types.folio_test_dirty(folio):
            folio_lock(folio)
            folio_mark_dirty(folio)
            folio_unlock(folio)
        gup_put_folio(folio, 1, FOLL_PIN)


def folio_is_longterm_pinnable(folio: Folio) -> bool:
    """mm.h: not in ZONE_MOVABLE (the zero page always is pinnable)."""
    return _is_zero(folio) or current().zone_of(pfn_of(folio)).name != "MOVABLE"


# -- the walk -------------------------------------------------------------------------------


def _check_vma(vma: VmAreaStruct, gup_flags: int) -> bool:
    """check_vma_flags(): writes need VM_WRITE; long-term writable pins refuse dirty-tracked files."""
    write = bool(gup_flags & FOLL_WRITE)
    if write and not vma.vm_flags & VM_WRITE:
        return False
    mapping = vma.mapping
    if write and gup_flags & FOLL_LONGTERM and vma.vm_flags & VM_SHARED and mapping is not None:
        return mapping.shmem  # writable_file_mapping_allowed()
    return True


def _follow(mm: MmStruct, vma: VmAreaStruct, address: int, gup_flags: int) -> int | None:
    """follow_page_pte(): the PFN mapped at `address` if it already suits the access."""
    pte = lookup_pte(mm, address)
    if pte is None:
        return None
    pfn, writable = pte
    if gup_flags & FOLL_WRITE and not writable:
        return None
    if gup_flags & FOLL_PIN and not gup_flags & FOLL_WRITE and not is_zero_pfn(pfn):
        folio = folio_view(current().compound_head_pfn(pfn))
        if types.folio_test_anon(folio) and not page_anon_exclusive(pfn):
            return None  # gup_must_unshare()
    return pfn


def __get_user_pages(mm: MmStruct, start: int, nr_pages: int, gup_flags: int, pages: list[Page]) -> int:
    """Pages grabbed (maybe fewer than asked), or -errno if the first one fails."""
    del pages[:]
    for i in range(nr_pages):
        address = (start & ~(PAGE_SIZE - 1)) + i * PAGE_SIZE
        vma = vma_lookup(mm, address)
        if vma is None or not _check_vma(vma, gup_flags):
            return i or -EFAULT
        pfn = _follow(mm, vma, address, gup_flags)
        if pfn is None:
            write = bool(gup_flags & FOLL_WRITE)
            result = handle_mm_fault(vma, address, write, unshare=not write and bool(gup_flags & FOLL_PIN))
            pfn = None if result else _follow(mm, vma, address, gup_flags)
            if pfn is None:
                return i or (-ENOMEM if result & 0x1 else -EFAULT)
        page = page_view(pfn)
        if try_grab_folio(page_folio(page), 1, gup_flags):
            return i or -ENOMEM
        pages.append(page)
    return nr_pages


def _release(pages: list[Page], gup_flags: int) -> None:
    for page in pages:
        gup_put_folio(page_folio(page), 1, gup_flags)


def __gup_longterm_locked(mm: MmStruct, start: int, nr_pages: int, gup_flags: int, pages: list[Page]) -> int:
    """__get_user_pages(), then for FOLL_LONGTERM migrate what may not stay pinned and retry."""
    while True:
        got = __get_user_pages(mm, start, nr_pages, gup_flags, pages)
        if got <= 0 or not gup_flags & FOLL_LONGTERM:
            return got
        movable = {pfn_of(page_folio(p)) for p in pages if not folio_is_longterm_pinnable(page_folio(p))}
        if not movable:
            return got
        _release(pages, gup_flags)
        del pages[:]
        lru_add_drain_all()
        for pfn in sorted(movable):
            if migrate_longterm_folio(folio_view(pfn), pf.GFP_HIGHUSER) is None:
                return -ENOMEM
        # -EAGAIN: the walk runs again and finds the new folios


def _gup(mm: MmStruct, start: int, nr_pages: int, gup_flags: int, pages: list[Page], grab: int) -> int:
    if gup_flags & INTERNAL_FLAGS:
        raise ModelError(f"gup flags {gup_flags:#x} include FOLL_GET/FOLL_PIN, which gup sets itself")  # WARN_ON_ONCE
    return __gup_longterm_locked(mm, start, nr_pages, gup_flags | grab, pages)


@implement
def get_user_pages(start: int, nr_pages: int, gup_flags: int, pages: list[Page]) -> int:
    """Referenced pages of current->mm's range (FOLL_GET); release with put_page()."""
    return _gup(current_mm(), start, nr_pages, gup_flags, pages, FOLL_GET)


@implement
def get_user_pages_fast(start: int, nr_pages: int, gup_flags: int, pages: list[Page]) -> int:
    """The lockless walk; whatever it cannot take falls back to the slow path, as here."""
    return _gup(current_mm(), start, nr_pages, gup_flags, pages, FOLL_GET)


@implement
def get_user_pages_remote(
    mm: types.MmStruct, start: int, nr_pages: int, gup_flags: int, pages: list[Page], locked: list[int]
) -> int:
    return _gup(_mm(mm), start, nr_pages, gup_flags | FOLL_REMOTE, pages, FOLL_GET)


@implement
def pin_user_pages(start: int, nr_pages: int, gup_flags: int, pages: list[Page]) -> int:
    """Pinned pages of current->mm's range (FOLL_PIN); release with unpin_user_pages()."""
    return _gup(current_mm(), start, nr_pages, gup_flags, pages, FOLL_PIN)


@implement
def pin_user_pages_fast(start: int, nr_pages: int, gup_flags: int, pages: list[Page]) -> int:
    return _gup(current_mm(), start, nr_pages, gup_flags, pages, FOLL_PIN)


@implement
def pin_user_pages_remote(
    mm: types.MmStruct, start: int, nr_pages: int, gup_flags: int, pages: list[Page], locked: list[int]
) -> int:
    return _gup(_mm(mm), start, nr_pages, gup_flags | FOLL_REMOTE, pages, FOLL_PIN)


def _mm(mm: types.MmStruct) -> MmStruct:
    return model_object(mm, MmStruct, "an mm")


# -- memfd ----------------------------------------------------------------------------------


@implement
def memfd_pin_folios(
    memfd: types.File, start: int, end: int, folios: list[Folio], max_folios: int, offset: list[int]
) -> int:
    """Pin the folios caching bytes [start, end] of a memfd (created if absent); count or -errno.

    offset[0] is where `start` falls in the first folio. The pins are long-term: folios in
    ZONE_MOVABLE are migrated out first.
    """
    if not isinstance(memfd, File) or not memfd.f_mapping.shmem:
        return -EINVAL
    mapping = memfd.f_mapping
    if start < 0 or start > end or not max_folios or end >= len(mapping.data):
        return -EINVAL
    while True:
        del folios[:]
        index, last = start // PAGE_SIZE, end // PAGE_SIZE
        while index <= last and len(folios) < max_folios:
            try:
                folio = shmem_get_folio(mapping, index)  # filemap_get_folios_contig / memfd_alloc_folio
            except ErrPtr as error:
                unpin_folios(folios, len(folios))
                return -error.errno
            try_grab_folio(folio, 1, FOLL_PIN)
            folio_put(folio)  # the lookup's reference: the pin keeps it
            if not folios:
                offset[:] = [start - folio.index * PAGE_SIZE]
            folios.append(folio)
            index = folio.index + folio_nr_pages(folio)
        movable = [f for f in folios if not folio_is_longterm_pinnable(f)]
        if not movable:
            return len(folios)
        unpin_folios(folios, len(folios))  # check_and_migrate_movable_folios()
        lru_add_drain_all()
        for folio in movable:
            if migrate_longterm_folio(folio, pf.GFP_HIGHUSER) is None:
                return -ENOMEM


# -- migration for long-term pins -------------------------------------------------------------


@dataclass(frozen=True)
class _Mapped:
    """One PTE mapping the folio being migrated: where, which page, how."""

    vma: VmAreaStruct
    address: int
    delta: int
    writable: bool
    exclusive: bool


def migrate_longterm_folio(folio: Folio, gfp: int) -> Folio | None:
    """migrate_pages() of one folio to a new one allocated with `gfp` (mm/migrate.c).

    Isolate, unmap every PTE (try_to_migrate), check no one else holds a reference, copy the
    contents and flags, move the page cache or anon ->mapping over, map the new folio where the
    old one was, and free the old one. Returns the new folio, or None if it could not move.
    """
    if not folio_isolate_lru(folio):
        return None
    new = folio_alloc(gfp & ~pf.__GFP_MOVABLE, current().order_of(pfn_of(folio)))
    if new is None:
        folio_putback_lru(folio)
        return None
    mapped = [_mapped(folio, vma, address) for vma, address in rmap_mappings(folio)]
    cached = folio_mapping(folio) is not None or types.folio_test_swapcache(folio)
    if current().refcount(pfn_of(folio)) != 1 + (folio_nr_pages(folio) if cached else 0) + len(mapped):
        folio_put(new)  # folio_migrate_mapping(): -EAGAIN, someone else holds a reference
        folio_putback_lru(folio)
        return None
    for one in mapped:
        unmap_pte(one.vma.vm_mm, one.address)  # try_to_migrate_one(): a migration entry instead
        folio_remove_rmap_pte(folio, page_view(pfn_of(folio) + one.delta), one.vma)
        folio_put(folio)
    _move_state(folio, new)
    for one in mapped:
        _map_migrated(new, one)
    folio_put(folio)  # the isolation reference: the old folio is freed
    types.folio_add_lru(new)
    folio_put(new)
    return new


def _mapped(folio: Folio, vma: VmAreaStruct, address: int) -> _Mapped:
    pte = lookup_pte(vma.vm_mm, address)
    if pte is None:
        raise ModelError(f"rmap found no PTE at {address:#x}")
    return _Mapped(vma, address, pte[0] - pfn_of(folio), pte[1], page_anon_exclusive(pte[0]))


def _move_state(old: Folio, new: Folio) -> None:
    """folio_migrate_mapping() + folio_migrate_flags() + the copy."""
    machine, nr = current(), folio_nr_pages(old)
    for i in range(nr):
        copy_page_contents(pfn_of(new) + i, pfn_of(old) + i)
    for bit in (pf.PG_uptodate, pf.PG_dirty, pf.PG_swapbacked, pf.PG_referenced, pf.PG_active):
        machine.set_flag(pfn_of(new), bit, machine.test_flag(pfn_of(old), bit))
    if types.folio_test_swapcache(old):  # the swap cache entries now name the new folio
        cache, entry = swap_cache(), old.swap
        for i in range(nr):
            cache.folios[entry + i] = pfn_of(new)
        folio_ref_add(new, nr)
        new.swap = entry
        machine.set_flag(pfn_of(new), pf.PG_swapcache)
        machine.set_flag(pfn_of(old), pf.PG_swapcache, False)
        old.swap = 0
        folio_put_refs(old, nr)
    mapping = folio_mapping(old)
    if mapping is not None:
        for index in range(old.index, old.index + nr):
            mapping.i_pages[index] = pfn_of(new)
        folio_ref_add(new, nr)
        new.mapping = mapping
        new.index = old.index
        old.mapping = None
        folio_put_refs(old, nr)
    elif types.folio_test_anon(old):
        folio_set_anon(new, folio_anon_vma(old), old.index)


def _map_migrated(new: Folio, one: _Mapped) -> None:
    """remove_migration_pte(): the new folio's page where the old one was mapped."""
    page = page_view(pfn_of(new) + one.delta)
    folio_get(new)
    if types.folio_test_anon(new):
        flags = RMAP_EXCLUSIVE if one.exclusive else RMAP_NONE
        folio_add_anon_rmap_ptes(new, page, 1, one.vma, one.address, flags)
    else:
        folio_add_file_rmap_ptes(new, page, 1, one.vma)
    map_pte(one.vma.vm_mm, one.address, pfn_of(page), one.writable)


def pinned_pages(folio: Folio) -> int:
    """How many pins the folio's counters show (exact for large folios, estimated for small ones)."""
    if current().is_head(pfn_of(folio)):
        return int(folio._pincount)
    return current().refcount(pfn_of(folio)) // GUP_PIN_COUNTING_BIAS
