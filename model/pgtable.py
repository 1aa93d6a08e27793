"""Page-table pages as ptdescs, and a four-level x86-64 page table per mm.

Follows include/linux/mm.h (pagetable_alloc, __pagetable_ctor, pagetable_dtor), include/asm-
generic/pgalloc.h, arch/x86/mm/pgtable.c and mm/memory.c (free_pgd_range). A page-table page is
an ordinary page allocation seen as `struct ptdesc`; the constructor types it PGTY_table (so its
page is a TablePage) and counts it in NR_PAGETABLE; the destructor undoes both before
pagetable_free() returns it to the page allocator.

An mm's page table has four levels (p4d folded into the pgd, as without 5-level paging): PGD,
PUD, PMD and PTE tables of 512 entries indexed by address bits 47-39, 38-30, 29-21 and 20-12.
Table contents are page contents, so they are not in mem_map: each table's 512 entries are a
Python dict keyed by the table's PFN. Upper-level entries hold the next table's PFN with
_PAGE_TABLE bits, PTEs a PFN with present/user/accessed and, when writable, RW and dirty.

API for the fault, rmap, LRU and gup model (all on the current machine):

- `MmStruct(pgd: PtDesc | None = None)`: an mm; allocates its PGD (pgd_alloc) unless given one.
- `mm_alloc() -> MmStruct`: a new mm with an empty page table (kernel/fork.c mm_alloc).
- `map_pte(mm, addr, pfn, writable) -> None`: set the PTE for `addr`, allocating PUD, PMD and PTE
  tables on demand (__pud_alloc, __pmd_alloc, __pte_alloc); ModelError if a PTE is present
  (set_pte_at over a present PTE) or a table cannot be allocated.
- `lookup_pte(mm, addr) -> tuple[int, bool] | None`: (pfn, writable) of a present PTE, else None.
- `unmap_pte(mm, addr) -> tuple[int, bool] | None`: clear the PTE (ptep_get_and_clear); returns
  what it mapped. Tables stay, as they do after zapping until free_pgtables().
- `ptep_set_wrprotect(mm, addr) -> None`: clear RW of a present PTE (fork's COW).
- `mapped_ptes(mm) -> list[tuple[int, int, bool]]`: every present (addr, pfn, writable).
- `free_pgtables(mm) -> None`: free every PUD/PMD/PTE table through an mmu_gather
  (free_pgd_range); ModelError if a PTE table still maps pages (exit_mmap zaps them first).
- `mmdrop(mm) -> None`: free the PGD (pgd_free) once the tables are gone; check_mm's checks.
- `nr_pagetable(node=0) -> int`: the NR_PAGETABLE count of pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from model import pageflags as pf
from model.arch import __PHYSICAL_MASK_SHIFT, PAGE_MASK, PAGE_SHIFT, TASK_SIZE
from model.machine import ModelError, PerMachine, current, model_object
from model.page_alloc import __free_pages, alloc_pages, folio_view, page_view, pfn_of
from model.views import PtDescView, view_as
from ontology import types
from ontology.runtime import implement
from ontology.types import Folio, MmuGather, Page, PtDesc

PMD_SHIFT = 21
PUD_SHIFT = 30
PGDIR_SHIFT = 39
PTRS_PER_TABLE = 512
LEVEL_SHIFTS = (PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT, PAGE_SHIFT)

_PAGE_PRESENT = 0x001
_PAGE_RW = 0x002
_PAGE_USER = 0x004
_PAGE_ACCESSED = 0x020
_PAGE_DIRTY = 0x040
_PAGE_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY
PTE_PFN_MASK = ((1 << __PHYSICAL_MASK_SHIFT) - 1) & PAGE_MASK

GFP_PGTABLE_KERNEL = pf.GFP_KERNEL | pf.__GFP_ZERO
GFP_PGTABLE_USER = GFP_PGTABLE_KERNEL
"""asm-generic/pgalloc.h adds __GFP_ACCOUNT for user tables; the model has no memcg."""
PT_kernel = pf.PG_referenced
PT_reserved = pf.PG_reserved


@dataclass
class PgtableState:
    """Per machine: the entries of every page-table page, and NR_PAGETABLE per node."""

    tables: dict[int, dict[int, int]] = field(default_factory=dict)
    nr_pagetable: dict[int, int] = field(default_factory=dict)


pgtable_state = PerMachine(lambda machine: PgtableState())


def table_entries(pt: PtDesc) -> dict[int, int]:
    """The entries of a page-table page (its contents), by index."""
    return pgtable_state().tables.setdefault(pfn_of(pt), {})


def nr_pagetable(node: int = 0) -> int:
    return pgtable_state().nr_pagetable.get(node, 0)


# -- conversions (mm_types.h) ---------------------------------------------------------------


@implement
def page_ptdesc(page: Page) -> PtDesc:
    return view_as(current().views, PtDescView, pfn_of(page))


@implement
def ptdesc_page(pt: PtDesc) -> Page:
    return page_view(pfn_of(pt))


@implement
def ptdesc_folio(pt: PtDesc) -> Folio:
    return folio_view(pfn_of(pt))


def _ptdesc_at(pfn: int) -> PtDesc:
    return view_as(current().views, PtDescView, pfn)


@implement
def folio_test_pgtable(folio: Folio) -> bool:
    return current().page_type(pfn_of(folio)) == pf.PGTY_table


@implement
def pagetable_is_reserved(pt: PtDesc) -> bool:
    return current().test_flag(pfn_of(pt), PT_reserved)


@implement
def ptdesc_test_kernel(ptdesc: PtDesc) -> bool:
    return current().test_flag(pfn_of(ptdesc), PT_kernel)


# -- allocation, constructors, destructors --------------------------------------------------


@implement
def pagetable_alloc(gfp: int, order: int) -> PtDesc | None:
    """alloc_pages(gfp | __GFP_COMP, order) seen as a ptdesc; not yet a page table (no ctor)."""
    page = alloc_pages(gfp | pf.__GFP_COMP, order)
    if page is None:
        return None
    if gfp & pf.__GFP_ZERO:
        pgtable_state().tables.pop(pfn_of(page), None)
    return page_ptdesc(page)


@implement
def pagetable_free(pt: PtDesc) -> None:
    """__free_pages(ptdesc_page(pt), compound_order(page)); a kernel table loses PT_kernel first."""
    machine = current()
    pfn = pfn_of(pt)
    if ptdesc_test_kernel(pt):
        machine.set_flag(pfn, PT_kernel, False)  # ptdesc_clear_kernel()
    pgtable_state().tables.pop(pfn, None)
    __free_pages(ptdesc_page(pt), machine.order_of(pfn))


def __pagetable_ctor(ptdesc: PtDesc) -> None:
    """__folio_set_pgtable() and lruvec_stat_add_folio(folio, NR_PAGETABLE)."""
    machine = current()
    pfn = pfn_of(ptdesc)
    machine.set_page_type(pfn, pf.PGTY_table)
    node = machine.zone_of(pfn).node
    counts = pgtable_state().nr_pagetable
    counts[node] = counts.get(node, 0) + machine.span(pfn)


@implement
def pagetable_pte_ctor(mm: types.MmStruct, ptdesc: PtDesc) -> bool:
    """ptlock_init() (the spinlock is embedded in ptdesc->ptl on x86-64) and __pagetable_ctor()."""
    ptdesc.ptl = 0
    __pagetable_ctor(ptdesc)
    return True


@implement
def pagetable_pmd_ctor(mm: types.MmStruct, ptdesc: PtDesc) -> bool:
    """pmd_ptlock_init(), ptdesc_pmd_pts_init() (pt_share_count = 0) and __pagetable_ctor()."""
    ptdesc.pt_share_count = 0
    ptdesc.ptl = 0
    __pagetable_ctor(ptdesc)
    return True


def pagetable_pud_ctor(ptdesc: PtDesc) -> None:
    __pagetable_ctor(ptdesc)


@implement
def pagetable_dtor(ptdesc: PtDesc) -> None:
    """ptlock_free(), __folio_clear_pgtable() and NR_PAGETABLE back down."""
    machine = current()
    pfn = pfn_of(ptdesc)
    if machine.page_type(pfn) != pf.PGTY_table:
        raise ModelError(f"pagetable_dtor: pfn {pfn} is not a page table (VM_BUG_ON_FOLIO !folio_test_pgtable)")
    machine.set_page_type(pfn, None)
    node = machine.zone_of(pfn).node
    pgtable_state().nr_pagetable[node] -= machine.span(pfn)


@implement
def pagetable_dtor_free(ptdesc: PtDesc) -> None:
    pagetable_dtor(ptdesc)
    pagetable_free(ptdesc)


@implement
def pte_alloc_one(mm: types.MmStruct) -> Page | None:
    """arch/x86/mm/pgtable.c: a PTE table page (pgtable_t is a struct page * on x86)."""
    ptdesc = pagetable_alloc(GFP_PGTABLE_USER, 0)
    if ptdesc is None:
        return None
    if not pagetable_pte_ctor(mm, ptdesc):
        pagetable_free(ptdesc)
        return None
    return ptdesc_page(ptdesc)


@implement
def pte_free(mm: types.MmStruct, pte_page: Page) -> None:
    pagetable_dtor_free(page_ptdesc(pte_page))


def pmd_alloc_one(mm: types.MmStruct, addr: int) -> PtDesc | None:
    """A PMD table (the ontology's pmd_alloc_one returns the pmd_t *; the model returns its ptdesc)."""
    ptdesc = pagetable_alloc(GFP_PGTABLE_USER, 0)
    if ptdesc is None:
        return None
    if not pagetable_pmd_ctor(mm, ptdesc):
        pagetable_free(ptdesc)
        return None
    return ptdesc


def pud_alloc_one(mm: types.MmStruct, addr: int) -> PtDesc | None:
    ptdesc = pagetable_alloc(GFP_PGTABLE_USER, 0)
    if ptdesc is None:
        return None
    pagetable_pud_ctor(ptdesc)
    return ptdesc


def pgd_alloc(mm: types.MmStruct) -> PtDesc | None:
    """__pgd_alloc(): a zeroed table, pagetable_pgd_ctor(), and pgd_set_mm() (ptdesc->pt_mm)."""
    ptdesc = pagetable_alloc(GFP_PGTABLE_USER, 0)
    if ptdesc is None:
        return None
    __pagetable_ctor(ptdesc)
    ptdesc.pt_mm = mm
    return ptdesc


# -- the mm ---------------------------------------------------------------------------------


class MmStruct(types.MmStruct):
    """struct mm_struct: its PGD and mm->pgtables_bytes (what mm_inc_nr_ptes() and friends count)."""

    def __init__(self, pgd: PtDesc | None = None):
        if pgd is None:
            pgd = pgd_alloc(self)
            if pgd is None:
                raise ModelError("mm_alloc: no memory for a PGD")
        self.pgd: PtDesc | None = pgd
        self.pgtables_bytes = 0

    def __repr__(self) -> str:
        return f"<MmStruct pgd={self.pgd!r} pgtables_bytes={self.pgtables_bytes}>"


def mm_alloc() -> MmStruct:
    return MmStruct()


class MmuGatherBatch(MmuGather):
    """struct mmu_gather: page-table pages removed from the tree, freed at tlb_finish_mmu()."""

    def __init__(self, mm: MmStruct):
        self.mm = mm
        self.tables: list[PtDesc] = []


def tlb_gather_mmu(mm: MmStruct) -> MmuGatherBatch:
    return MmuGatherBatch(mm)


def _gather(tlb: MmuGather) -> MmuGatherBatch:
    return model_object(tlb, MmuGatherBatch, "an mmu_gather")


def tlb_remove_ptdesc(tlb: MmuGather, pt: PtDesc) -> None:
    _gather(tlb).tables.append(pt)


@implement
def ___pte_free_tlb(tlb: MmuGather, pte: Page) -> None:
    """arch/x86/mm/pgtable.c: queue the PTE table; __tlb_remove_table() dtors and frees it (6.14+)."""
    tlb_remove_ptdesc(tlb, page_ptdesc(pte))


def tlb_finish_mmu(tlb: MmuGather) -> None:
    """After the TLB flush, the gathered tables go: __tlb_remove_table() is pagetable_dtor_free()."""
    batch = _gather(tlb)
    for pt in batch.tables:
        pagetable_dtor_free(pt)
    batch.tables.clear()


def _mm(mm: types.MmStruct) -> MmStruct:
    model_mm = model_object(mm, MmStruct, "an mm")
    if model_mm.pgd is None:
        raise ModelError("the mm has been dropped (no PGD)")
    return model_mm


def _index(addr: int, level: int) -> int:
    return (addr >> LEVEL_SHIFTS[level]) & (PTRS_PER_TABLE - 1)


def _check_user(addr: int) -> None:
    if not 0 <= addr < TASK_SIZE:
        raise ModelError(f"{addr:#x} is not a user address (TASK_SIZE {TASK_SIZE:#x})")


def _walk(mm: MmStruct, addr: int, allocate: bool) -> dict[int, int] | None:
    """The PTE table covering `addr`, allocating missing levels if asked (__pud/__pmd/__pte_alloc)."""
    _check_user(addr)
    assert mm.pgd is not None
    table = table_entries(mm.pgd)
    for level in range(3):
        index = _index(addr, level)
        entry = table.get(index, 0)
        if not entry & _PAGE_PRESENT:
            if not allocate:
                return None
            child = _alloc_level(mm, addr, level + 1)
            entry = pfn_of(child) << PAGE_SHIFT | _PAGE_TABLE
            table[index] = entry  # pgd_populate / pud_populate / pmd_install
        table = pgtable_state().tables.setdefault((entry & PTE_PFN_MASK) >> PAGE_SHIFT, {})
    return table


def _alloc_level(mm: MmStruct, addr: int, level: int) -> PtDesc:
    """A PUD (level 1), PMD (2) or PTE (3) table, counted in mm->pgtables_bytes."""
    if level == 3:
        page = pte_alloc_one(mm)
        child = None if page is None else page_ptdesc(page)
    else:
        child = (pud_alloc_one if level == 1 else pmd_alloc_one)(mm, addr)
    if child is None:
        raise ModelError(f"no memory for a level-{level} page table at {addr:#x} (the fault would return OOM)")
    mm.pgtables_bytes += PTRS_PER_TABLE * 8  # mm_inc_nr_puds / mm_inc_nr_pmds / mm_inc_nr_ptes
    return child


def _pte_value(pfn: int, writable: bool) -> int:
    value = pfn << PAGE_SHIFT | _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED
    return value | _PAGE_RW | _PAGE_DIRTY if writable else value


def map_pte(mm: types.MmStruct, addr: int, pfn: int, writable: bool) -> None:
    """set_pte_at(mm, addr, pte, mk_pte(pfn)): the PTE for the page containing `addr`."""
    table = _walk(_mm(mm), addr, allocate=True)
    assert table is not None
    index = _index(addr, 3)
    if table.get(index, 0) & _PAGE_PRESENT:
        mapped = table[index] >> PAGE_SHIFT
        raise ModelError(f"map_pte: {addr:#x} already maps pfn {mapped} (set_pte_at over a present PTE)")
    if not 0 <= pfn < current().nr_pages:
        raise ModelError(f"map_pte: pfn {pfn} is outside mem_map")
    table[index] = _pte_value(pfn, writable)


def lookup_pte(mm: types.MmStruct, addr: int) -> tuple[int, bool] | None:
    """(pfn, writable) of the present PTE mapping `addr`, or None."""
    table = _walk(_mm(mm), addr, allocate=False)
    entry = 0 if table is None else table.get(_index(addr, 3), 0)
    if not entry & _PAGE_PRESENT:
        return None
    return (entry & PTE_PFN_MASK) >> PAGE_SHIFT, bool(entry & _PAGE_RW)


def unmap_pte(mm: types.MmStruct, addr: int) -> tuple[int, bool] | None:
    """ptep_get_and_clear(): clear the PTE for `addr`, returning what it mapped (None if nothing)."""
    table = _walk(_mm(mm), addr, allocate=False)
    if table is None:
        return None
    entry = table.pop(_index(addr, 3), 0)
    if not entry & _PAGE_PRESENT:
        return None
    return (entry & PTE_PFN_MASK) >> PAGE_SHIFT, bool(entry & _PAGE_RW)


def ptep_set_wrprotect(mm: types.MmStruct, addr: int) -> None:
    table = _walk(_mm(mm), addr, allocate=False)
    index = _index(addr, 3)
    if table is None or not table.get(index, 0) & _PAGE_PRESENT:
        raise ModelError(f"ptep_set_wrprotect: no PTE maps {addr:#x}")
    table[index] &= ~_PAGE_RW


def _children(table: dict[int, int]) -> Iterator[tuple[int, int]]:
    """(index, child table PFN) of the present entries of an upper-level table."""
    for index, entry in sorted(table.items()):
        if entry & _PAGE_PRESENT:
            yield index, (entry & PTE_PFN_MASK) >> PAGE_SHIFT


def mapped_ptes(mm: types.MmStruct) -> list[tuple[int, int, bool]]:
    """Every present PTE as (address, pfn, writable), in address order."""
    model_mm = _mm(mm)
    assert model_mm.pgd is not None
    tables = pgtable_state().tables
    found: list[tuple[int, int, bool]] = []
    for i, pud in _children(table_entries(model_mm.pgd)):
        for j, pmd in _children(tables.get(pud, {})):
            for k, pte in _children(tables.get(pmd, {})):
                for index, entry in sorted(tables.get(pte, {}).items()):
                    if entry & _PAGE_PRESENT:
                        addr = i << PGDIR_SHIFT | j << PUD_SHIFT | k << PMD_SHIFT | index << PAGE_SHIFT
                        found.append((addr, (entry & PTE_PFN_MASK) >> PAGE_SHIFT, bool(entry & _PAGE_RW)))
    return found


def free_pgtables(mm: types.MmStruct) -> None:
    """free_pgd_range() over all of user space: every PTE, PMD and PUD table, via an mmu_gather."""
    model_mm = _mm(mm)
    assert model_mm.pgd is not None
    tables = pgtable_state().tables
    live = mapped_ptes(model_mm)
    if live:
        raise ModelError(f"free_pgtables: PTEs still map {len(live)} pages, from {live[0][0]:#x} (exit_mmap zaps them)")
    tlb = tlb_gather_mmu(model_mm)
    pgd = table_entries(model_mm.pgd)
    for i, pud in list(_children(pgd)):
        for j, pmd in list(_children(tables.get(pud, {}))):
            for _, pte in list(_children(tables.get(pmd, {}))):
                ___pte_free_tlb(tlb, page_view(pte))  # free_pte_range(): pmd_clear + pte_free_tlb
            tables.get(pud, {}).pop(j, None)
            tlb_remove_ptdesc(tlb, _ptdesc_at(pmd))  # pmd_free_tlb
        pgd.pop(i)
        tlb_remove_ptdesc(tlb, _ptdesc_at(pud))  # pud_free_tlb
    model_mm.pgtables_bytes -= len(tlb.tables) * PTRS_PER_TABLE * 8
    tlb_finish_mmu(tlb)


def mmdrop(mm: types.MmStruct) -> None:
    """__mmdrop(): mm_free_pgd() and check_mm(); the tables below the PGD must be gone."""
    model_mm = _mm(mm)
    assert model_mm.pgd is not None
    if table_entries(model_mm.pgd):
        raise ModelError("mmdrop: the PGD still has tables (free_pgtables() runs in exit_mmap first)")
    if model_mm.pgtables_bytes:
        raise ModelError(f"BUG: non-zero pgtables_bytes on freeing mm: {model_mm.pgtables_bytes}")
    pgd = model_mm.pgd
    pgd.pt_mm = None
    pagetable_dtor_free(pgd)  # pgd_free() -> _pgd_free()
    model_mm.pgd = None
