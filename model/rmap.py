"""Reverse mapping (mm/rmap.c): mapcounts, a folio's anon_vma, and walking a folio's mappings.

Mapcounts live where the kernel keeps them: an order-0 folio's `_mapcount` shares the
page_type word (-1: unmapped); a large folio (CONFIG_PAGE_MAPCOUNT) counts per page in each
page's `_mapcount`, in total in `_large_mapcount` and the pages mapped at all in
`_nr_pages_mapped`, all three in its second page. Adding the first anonymous mapping with
`folio_add_new_anon_rmap()` writes the anon_vma with FOLIO_MAPPING_ANON into ->mapping, which is
what makes the runtime class AnonFolio. Every present PTE of a folio also holds one reference
to it (the shared zero page excepted: it is never counted).

`rmap_walk()` visits the VMAs that may map a folio: an anon folio's anon_vma lists them, a file
folio's mapping lists them in i_mmap; `page_vma_mapped()` then finds the PTEs that really do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from model import pageflags as pf
from model.arch import EBUSY, PAGE_SHIFT
from model.machine import LARGE_MAPCOUNT, NR_PAGES_MAPPED, ModelError, current, model_object
from model.memmap import MAPPING, PAGE_TYPE
from model.mm import AnonVma, VmAreaStruct, mm_state, vma_address
from model.page_alloc import folio_nr_pages, folio_put, folio_view, page_folio, page_view, pfn_of
from model.pagecache import folio_mapping, swap_duplicate
from model.pgtable import lookup_pte, unmap_pte
from model.views import POINTER_ALIGN_BITS
from ontology import types
from ontology.runtime import implement
from ontology.types import AnonFolio, Folio, Page

RMAP_NONE = 0
RMAP_EXCLUSIVE = 0x1
RMAP_COMPOUND = 0x2

PG_anon_exclusive = 11
"""PG_owner_2: on an anon page, set while exactly one mm maps it (page-flags.h)."""

TTU_SYNC = 0x10
TTU_BATCH_FLUSH = 0x40

GUP_PIN_COUNTING_BIAS = pf.GUP_PIN_COUNTING_BIAS


# -- mapcounts ------------------------------------------------------------------------------


def page_mapcount_raw(pfn: int) -> int:
    """A page's _mapcount word (-1 unmapped); a typed page's word is its type, not a count."""
    machine = current()
    if machine.page_type(pfn) is not None:
        raise ModelError(f"pfn {pfn} has a page type; its _mapcount word is not a mapcount")
    return machine.mem.get(pfn, PAGE_TYPE)


def _set_page_mapcount(pfn: int, value: int) -> None:
    if value < -1:
        raise ModelError(f"mapcount underflow on pfn {pfn}")  # PGTY_mapcount_underflow
    current().mem.set(pfn, PAGE_TYPE, value)
    current().views.changed(pfn)


def folio_large_mapcount(folio: Folio) -> int:
    return current().mem.get(pfn_of(folio) + 1, LARGE_MAPCOUNT) + 1


def folio_mapcount(folio: Folio) -> int:
    """mm.h: how many page table entries map the folio (0 for the zero page, which is not counted)."""
    pfn = pfn_of(folio)
    if current().is_head(pfn):
        return folio_large_mapcount(folio)
    if current().page_type(pfn) is not None:
        return 0
    return page_mapcount_raw(pfn) + 1


@implement
def folio_mapped(folio: Folio) -> bool:
    return folio_mapcount(folio) >= 1


@implement
def page_mapped(page: Page) -> bool:
    return folio_mapped(page_folio(page))


def folio_maybe_dma_pinned(folio: Folio) -> bool:
    """mm.h: large folios count pins exactly in _pincount; small ones by a refcount >= the bias."""
    machine = current()
    pfn = pfn_of(folio)
    if machine.is_head(pfn):
        return bool(folio._pincount)
    return machine.refcount(pfn) >= GUP_PIN_COUNTING_BIAS


def page_anon_exclusive(pfn: int) -> bool:
    return current().test_flag(pfn, PG_anon_exclusive)


def set_page_anon_exclusive(pfn: int, on: bool = True) -> None:
    current().set_flag(pfn, PG_anon_exclusive, on)


def _add_ptes(folio: Folio, first_pfn: int, nr: int) -> None:
    """__folio_add_rmap(PTE level): each page's _mapcount, then the large folio's totals."""
    head = pfn_of(folio)
    if not current().is_head(head):
        _set_page_mapcount(head, page_mapcount_raw(head) + 1)
        return
    _check_range(folio, first_pfn, nr)
    first = 0
    for pfn in range(first_pfn, first_pfn + nr):
        count = page_mapcount_raw(pfn) + 1
        _set_page_mapcount(pfn, count)
        first += count == 0
    mem = current().mem
    mem.set(head + 1, NR_PAGES_MAPPED, mem.get(head + 1, NR_PAGES_MAPPED) + first)
    mem.set(head + 1, LARGE_MAPCOUNT, mem.get(head + 1, LARGE_MAPCOUNT) + nr)


def _remove_ptes(folio: Folio, first_pfn: int, nr: int) -> None:
    """__folio_remove_rmap(PTE level)."""
    head = pfn_of(folio)
    if not current().is_head(head):
        _set_page_mapcount(head, page_mapcount_raw(head) - 1)
        return
    _check_range(folio, first_pfn, nr)
    mem = current().mem
    if mem.get(head + 1, LARGE_MAPCOUNT) - nr < -1:
        raise ModelError(f"large mapcount underflow on folio pfn {head}")
    last = 0
    for pfn in range(first_pfn, first_pfn + nr):
        count = page_mapcount_raw(pfn) - 1
        _set_page_mapcount(pfn, count)
        last += count == -1
    mem.set(head + 1, LARGE_MAPCOUNT, mem.get(head + 1, LARGE_MAPCOUNT) - nr)
    mem.set(head + 1, NR_PAGES_MAPPED, mem.get(head + 1, NR_PAGES_MAPPED) - last)


def _check_range(folio: Folio, first_pfn: int, nr: int) -> None:
    head = pfn_of(folio)
    if first_pfn < head or first_pfn + nr > head + folio_nr_pages(folio):
        raise ModelError(f"pages {first_pfn}..{first_pfn + nr - 1} are not all in folio pfn {head}")


# -- anon -----------------------------------------------------------------------------------


def folio_set_anon(folio: Folio, anon_vma: AnonVma, index: int) -> None:
    """__folio_set_anon(): ->mapping = anon_vma | FOLIO_MAPPING_ANON, ->index = page offset."""
    machine = current()
    raw = machine.mem.handle(anon_vma) << POINTER_ALIGN_BITS | pf.FOLIO_MAPPING_ANON
    machine.mem.set(pfn_of(folio), MAPPING, raw)
    folio.index = index
    machine.views.changed(pfn_of(folio))


@implement
def folio_anon_vma(folio: Folio) -> AnonVma:
    """The anon_vma an anonymous folio's ->mapping points to (KSM folios have none here)."""
    raw = current().mem.get(pfn_of(folio), MAPPING)
    if raw & pf.FOLIO_MAPPING_FLAGS != pf.FOLIO_MAPPING_ANON:
        raise ModelError(f"folio pfn {pfn_of(folio)} is not an anonymous folio with an anon_vma")
    anon_vma = current().mem.object(raw >> POINTER_ALIGN_BITS)
    if not isinstance(anon_vma, AnonVma):
        raise ModelError(f"folio pfn {pfn_of(folio)}'s ->mapping is not an anon_vma")
    return anon_vma


def _model_vma(vma: types.VmAreaStruct) -> VmAreaStruct:
    return model_object(vma, VmAreaStruct, "a VMA")


@implement
def folio_add_new_anon_rmap(folio: Folio, vma: types.VmAreaStruct, address: int, flags: int) -> None:
    """The first mapping of a new anonymous folio: swap-backed, anon ->mapping, every page mapped once."""
    area = _model_vma(vma)
    nr = folio_nr_pages(folio)
    if address < area.vm_start or address + (nr << PAGE_SHIFT) > area.vm_end:
        raise ModelError(f"{address:#x} + {nr} pages is outside {area}")  # VM_BUG_ON_VMA
    if area.anon_vma is None:
        raise ModelError(f"{area} has no anon_vma: anon_vma_prepare() first")
    if folio_mapcount(folio):
        raise ModelError(f"folio pfn {pfn_of(folio)} is already mapped")
    machine = current()
    machine.set_flag(pfn_of(folio), pf.PG_swapbacked)
    folio_set_anon(folio, area.anon_vma, ((address - area.vm_start) >> PAGE_SHIFT) + area.vm_pgoff)
    _add_anon_ptes(folio, pfn_of(folio), nr, flags)


@implement
def folio_add_anon_rmap_ptes(
    folio: AnonFolio, page: Page, nr_pages: int, vma: types.VmAreaStruct, address: int, flags: int
) -> None:
    """Map `nr_pages` pages of an already anonymous folio (swap-in, migration)."""
    _model_vma(vma)
    _add_anon_ptes(folio, pfn_of(page), nr_pages, flags)


def _add_anon_ptes(folio: Folio, first_pfn: int, nr: int, flags: int) -> None:
    """__folio_add_anon_rmap(): map the pages; with RMAP_EXCLUSIVE each becomes PageAnonExclusive."""
    _add_ptes(folio, first_pfn, nr)
    if flags & RMAP_EXCLUSIVE:
        for pfn in range(first_pfn, first_pfn + nr):
            set_page_anon_exclusive(pfn)


@implement
def folio_add_anon_rmap_pte(folio: AnonFolio, page: Page, vma: types.VmAreaStruct, address: int, flags: int) -> None:
    folio_add_anon_rmap_ptes(folio, page, 1, vma, address, flags)


def folio_try_dup_anon_rmap_ptes(folio: Folio, first_pfn: int, nr: int) -> int:
    """fork: share anon pages with the child, or -EBUSY if an exclusive page may be DMA-pinned.

    A pinned exclusive page must be copied for the child instead (copy_present_page), so that
    the parent keeps the page the device writes to.
    """
    exclusive = any(page_anon_exclusive(pfn) for pfn in range(first_pfn, first_pfn + nr))
    if exclusive and folio_maybe_dma_pinned(folio):
        return -EBUSY
    for pfn in range(first_pfn, first_pfn + nr):
        set_page_anon_exclusive(pfn, False)
    _add_ptes(folio, first_pfn, nr)
    return 0


# -- file -----------------------------------------------------------------------------------


@implement
def folio_add_file_rmap_ptes(folio: Folio, page: Page, nr_pages: int, vma: types.VmAreaStruct) -> None:
    """Map `nr_pages` pages of a page cache folio."""
    _model_vma(vma)
    if types.folio_test_anon(folio):
        raise ModelError(f"folio_add_file_rmap_ptes() on anonymous folio pfn {pfn_of(folio)}")  # VM_WARN_ON
    _add_ptes(folio, pfn_of(page), nr_pages)


@implement
def folio_add_file_rmap_pte(folio: Folio, page: Page, vma: types.VmAreaStruct) -> None:
    folio_add_file_rmap_ptes(folio, page, 1, vma)


def folio_dup_file_rmap_ptes(folio: Folio, first_pfn: int, nr: int) -> None:
    """fork: the child's PTEs map the same file pages."""
    _add_ptes(folio, first_pfn, nr)


@implement
def folio_remove_rmap_ptes(folio: Folio, page: Page, nr_pages: int, vma: types.VmAreaStruct) -> None:
    """`nr_pages` PTEs mapping pages of `folio` are gone (the caller drops their references)."""
    _model_vma(vma)
    _remove_ptes(folio, pfn_of(page), nr_pages)


@implement
def folio_remove_rmap_pte(folio: Folio, page: Page, vma: types.VmAreaStruct) -> None:
    folio_remove_rmap_ptes(folio, page, 1, vma)


# -- walking --------------------------------------------------------------------------------


RmapOne = Callable[[Folio, VmAreaStruct, int, object], bool]


@dataclass(eq=False)
class RmapWalkControl(types.RmapWalkControl):
    """struct rmap_walk_control: rmap_one(folio, vma, address, arg) per VMA; False stops the walk."""

    rmap_one: RmapOne
    arg: object = None
    done: Callable[[Folio], bool] | None = None


def _candidate_vmas(folio: Folio) -> list[VmAreaStruct]:
    """The VMAs that may map the folio: its anon_vma's, or its file's i_mmap (pgoff overlapping)."""
    nr = folio_nr_pages(folio)
    if types.folio_test_anon(folio):
        vmas = folio_anon_vma(folio).vmas
    else:
        mapping = folio_mapping(folio)
        vmas = [] if mapping is None else [v for v in mapping.i_mmap if isinstance(v, VmAreaStruct)]
    first, last = folio.index, folio.index + nr - 1
    return [v for v in vmas if v.vm_pgoff <= last and first < v.vm_pgoff + ((v.vm_end - v.vm_start) >> PAGE_SHIFT)]


@implement
def rmap_walk(folio: Folio, rwc: types.RmapWalkControl) -> None:
    """rmap_walk_anon() / rmap_walk_file(): call rwc.rmap_one for each VMA that may map the folio."""
    walk = model_object(rwc, RmapWalkControl, "an rmap_walk_control")
    for vma in list(_candidate_vmas(folio)):
        address = vma_address(vma, folio.index)
        start = address if address is not None else vma.vm_start
        if not walk.rmap_one(folio, vma, start, walk.arg):
            break
        if walk.done is not None and walk.done(folio):
            break


def page_vma_mapped(folio: Folio, vma: VmAreaStruct) -> Iterator[tuple[int, int]]:
    """page_vma_mapped_walk(): (address, pfn) of each PTE in `vma` that maps a page of `folio`."""
    head = pfn_of(folio)
    for i in range(folio_nr_pages(folio)):
        address = vma_address(vma, folio.index + i)
        if address is None:
            continue
        pte = lookup_pte(vma.vm_mm, address)
        if pte is not None and pte[0] == head + i:
            yield address, head + i


def rmap_mappings(folio: Folio) -> list[tuple[VmAreaStruct, int]]:
    """(vma, address) of every PTE mapping a page of `folio`, found by rmap_walk()."""
    found: list[tuple[VmAreaStruct, int]] = []

    def one(walked: Folio, vma: VmAreaStruct, address: int, arg: object) -> bool:
        found.extend((vma, mapped) for mapped, _ in page_vma_mapped(walked, vma))
        return True

    rmap_walk(folio, RmapWalkControl(one))
    return found


def _try_to_unmap_one(folio: Folio, vma: VmAreaStruct, address: int, arg: object) -> bool:
    """Replace each PTE of the folio in `vma`: a swap entry for anon memory, nothing for a file."""
    anon = types.folio_test_anon(folio)
    for mapped, pfn in list(page_vma_mapped(folio, vma)):
        pte = lookup_pte(vma.vm_mm, mapped)
        if pte is not None and pte[1]:
            types.folio_mark_dirty(folio)  # the model's writable PTEs are dirty (pte_mkwrite + pte_mkdirty)
        if anon:
            if not types.folio_test_swapcache(folio):
                return False  # anon memory with nowhere to go: WARN_ON_ONCE and give up
            if page_anon_exclusive(pfn) and folio_maybe_dma_pinned(folio):
                return False  # folio_try_share_anon_rmap_pte() refuses: it may be pinned
            entry = folio.swap + (pfn - pfn_of(folio))
            swap_duplicate(entry)
            mm_state(vma.vm_mm).swap_ptes[mapped] = entry
            set_page_anon_exclusive(pfn, False)
        unmap_pte(vma.vm_mm, mapped)
        folio_remove_rmap_pte(folio, page_view(pfn), vma)
        folio_put(folio)  # the PTE's reference
    return True


@implement
def try_to_unmap(folio: Folio, flags: int) -> None:
    """Unmap the folio from every page table; the caller checks folio_mapped() afterwards."""
    rmap_walk(folio, RmapWalkControl(_try_to_unmap_one, done=lambda f: not folio_mapped(f)))


def unmap_mapping_folio(folio: Folio) -> None:
    """Zap every PTE mapping a file folio (truncation: mm/truncate.c)."""
    if types.folio_test_anon(folio):
        raise ModelError("unmap_mapping_folio() on an anonymous folio")
    try_to_unmap(folio, TTU_SYNC)


def folio_of_pfn(pfn: int) -> Folio:
    """The folio containing page `pfn`."""
    return folio_view(current().compound_head_pfn(pfn))
