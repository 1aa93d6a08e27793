"""Process address spaces: VMAs over the page tables of `model.pgtable` (mm/mmap.c, mm/vma.c).

A `VmAreaStruct` is a range of user addresses with its permissions (VM_READ, VM_WRITE,
VM_SHARED) and what backs it: private anonymous memory, whose folios point at the VMA's
`AnonVma` once faulted in (mm/rmap.c: anon_vma_prepare), or a file, whose folios live in the
`AddressSpace` the VMA maps from page offset `vm_pgoff`. rmap finds a folio's mappings through
these: an anon folio's anon_vma lists the VMAs that may map it (the anon_vma_chain, which fork
extends to the child's VMAs), a file's i_mmap lists the VMAs that map the file.

The page tables themselves belong to `model.pgtable`; the model keeps the non-present PTEs it
needs (swap entries written by reclaim) beside them in `MmState.swap_ptes`, keyed by address.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from model.arch import PAGE_SHIFT, PAGE_SIZE, TASK_SIZE
from model.machine import ModelError, model_object
from model.pagecache import AddressSpace, File
from model.pgtable import MmStruct, mm_alloc
from ontology import types

VM_READ = 0x1
VM_WRITE = 0x2
VM_EXEC = 0x4
VM_SHARED = 0x8
VM_MAYREAD = 0x10
VM_MAYWRITE = 0x20
VM_DONTCOPY = 0x20000
"""include/linux/mm.h values."""


class AnonVma(types.AnonVma):
    """struct anon_vma: where an anonymous folio's ->mapping points.

    `vmas` is the interval tree of anon_vma_chain entries: every VMA that may map a folio of
    this anon_vma (the VMA that faulted it in, and after fork the children's copies of it).
    """

    def __init__(self, root: AnonVma | None = None):
        self.root: AnonVma = root if root is not None else self
        self.vmas: list[VmAreaStruct] = []

    def __repr__(self) -> str:
        return f"<AnonVma vmas={len(self.vmas)}>"


@dataclass(eq=False)
class VmAreaStruct(types.VmAreaStruct):
    """struct vm_area_struct: [vm_start, vm_end) of `vm_mm`, its flags, and what backs it."""

    vm_mm: MmStruct
    vm_start: int
    vm_end: int
    vm_flags: int
    vm_pgoff: int
    vm_file: File | None = None
    anon_vma: AnonVma | None = None
    anon_vma_chain: list[AnonVma] = field(default_factory=list)
    anon_order: int = 0
    """The largest folio order an anonymous fault may allocate here (the mTHP sysfs setting)."""

    @property
    def mapping(self) -> AddressSpace | None:
        """vma->vm_file->f_mapping, for a file mapping."""
        return self.vm_file.f_mapping if self.vm_file is not None else None

    def __repr__(self) -> str:
        kind = "file" if self.vm_file is not None else "anon"
        return f"<VmAreaStruct {kind} {self.vm_start:#x}-{self.vm_end:#x} flags={self.vm_flags:#x}>"


@dataclass
class MmState:
    """What the model keeps per mm besides its page tables: the VMAs, sorted, and swap PTEs."""

    vmas: list[VmAreaStruct] = field(default_factory=list)
    swap_ptes: dict[int, int] = field(default_factory=dict)


_STATES: dict[int, tuple[MmStruct, MmState]] = {}


def mm_state(mm: types.MmStruct) -> MmState:
    """The VMA list and swap PTEs of `mm` (created empty the first time)."""
    found = _STATES.get(id(mm))
    if found is None or found[0] is not mm:
        found = (model_object(mm, MmStruct, "an mm"), MmState())
        _STATES[id(mm)] = found
    return found[1]


def forget_mm(mm: types.MmStruct) -> None:
    """Drop the model's state for an mm whose mappings are gone (exit_mmap)."""
    _STATES.pop(id(mm), None)


def vma_is_anonymous(vma: VmAreaStruct) -> bool:
    return vma.vm_file is None


def is_cow_mapping(flags: int) -> bool:
    """mm.h: private and may be written: writes copy rather than reach the backing object."""
    return flags & (VM_SHARED | VM_MAYWRITE) == VM_MAYWRITE


def linear_page_index(vma: VmAreaStruct, address: int) -> int:
    """pagemap.h: the page offset `address` maps, in the file or (anon) the VMA's own space."""
    return ((address - vma.vm_start) >> PAGE_SHIFT) + vma.vm_pgoff


def vma_address(vma: VmAreaStruct, pgoff: int) -> int | None:
    """mm/internal.h: where page offset `pgoff` is mapped in `vma`, or None if outside it."""
    address = vma.vm_start + ((pgoff - vma.vm_pgoff) << PAGE_SHIFT)
    return address if vma.vm_start <= address < vma.vm_end else None


def vma_pages(vma: VmAreaStruct) -> int:
    return (vma.vm_end - vma.vm_start) >> PAGE_SHIFT


def find_vma(mm: types.MmStruct, addr: int) -> VmAreaStruct | None:
    """mm/mmap.c: the first VMA ending above `addr`, which may start above it; None if none."""
    vmas = mm_state(mm).vmas
    position = bisect.bisect_right([vma.vm_end for vma in vmas], addr)
    return vmas[position] if position < len(vmas) else None


def vma_lookup(mm: types.MmStruct, addr: int) -> VmAreaStruct | None:
    """mm.h: the VMA containing `addr`, or None."""
    vma = find_vma(mm, addr)
    return vma if vma is not None and vma.vm_start <= addr else None


def _check_range(mm: types.MmStruct, addr: int, length: int) -> None:
    if addr % PAGE_SIZE or length <= 0 or length % PAGE_SIZE:
        raise ModelError(f"mmap({addr:#x}, {length:#x}): address and length must be whole pages")
    if addr + length > TASK_SIZE:
        raise ModelError(f"mmap({addr:#x}, {length:#x}) reaches past TASK_SIZE")
    vma = find_vma(mm, addr)
    if vma is not None and vma.vm_start < addr + length:
        raise ModelError(f"mmap({addr:#x}, {length:#x}) overlaps {vma}")


def insert_vma(vma: VmAreaStruct) -> None:
    """vma_link(): into the mm's sorted list and, for a file, the mapping's i_mmap."""
    vmas = mm_state(vma.vm_mm).vmas
    bisect.insort(vmas, vma, key=lambda other: other.vm_start)
    mapping = vma.mapping
    if mapping is not None:
        mapping.i_mmap.append(vma)


def remove_vma(vma: VmAreaStruct) -> None:
    """Unlink a VMA whose pages are already zapped: from its mm, i_mmap and every anon_vma."""
    mm_state(vma.vm_mm).vmas.remove(vma)
    mapping = vma.mapping
    if mapping is not None:
        mapping.i_mmap.remove(vma)
    for anon_vma in vma.anon_vma_chain:
        anon_vma.vmas.remove(vma)
    vma.anon_vma_chain.clear()
    vma.anon_vma = None


def mmap_anon(mm: types.MmStruct, addr: int, length: int, writable: bool, order: int = 0) -> VmAreaStruct:
    """mmap(addr, length, PROT_READ[|PROT_WRITE], MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED).

    Nothing is allocated until a fault; anonymous faults may use folios up to `order`.
    """
    _check_range(mm, addr, length)
    owner = model_object(mm, MmStruct, "an mm")
    flags = VM_READ | VM_MAYREAD | VM_MAYWRITE | (VM_WRITE if writable else 0)
    vma = VmAreaStruct(owner, addr, addr + length, flags, addr >> PAGE_SHIFT, anon_order=order)
    insert_vma(vma)
    return vma


def mmap_file(
    mm: types.MmStruct, mapping: AddressSpace, addr: int, length: int, pgoff: int, shared: bool, writable: bool = False
) -> VmAreaStruct:
    """mmap(addr, length, PROT_READ[|PROT_WRITE], MAP_SHARED or MAP_PRIVATE, fd, pgoff << 12).

    A private file mapping is a COW mapping: its writes copy into anonymous folios.
    """
    _check_range(mm, addr, length)
    owner = model_object(mm, MmStruct, "an mm")
    flags = VM_READ | VM_MAYREAD | VM_MAYWRITE | (VM_WRITE if writable else 0) | (VM_SHARED if shared else 0)
    vma = VmAreaStruct(owner, addr, addr + length, flags, pgoff, vm_file=File(mapping))
    insert_vma(vma)
    return vma


def anon_vma_prepare(vma: VmAreaStruct) -> AnonVma:
    """mm/rmap.c: give `vma` an anon_vma before its first anonymous folio."""
    if vma.anon_vma is None:
        anon_vma = AnonVma()
        anon_vma.vmas.append(vma)
        vma.anon_vma = anon_vma
        vma.anon_vma_chain.append(anon_vma)
    return vma.anon_vma


def anon_vma_fork(child: VmAreaStruct, parent: VmAreaStruct) -> None:
    """mm/rmap.c: link the child VMA to each of the parent's anon_vmas, then give it its own.

    The parent's folios keep pointing at the parent's anon_vma; linking the child into it is
    what lets rmap find the child's (COW-shared) mappings of them.
    """
    if parent.anon_vma is None:
        return
    for anon_vma in parent.anon_vma_chain:  # anon_vma_clone()
        anon_vma.vmas.append(child)
        child.anon_vma_chain.append(anon_vma)
    own = AnonVma(root=parent.anon_vma.root)
    own.vmas.append(child)
    child.anon_vma_chain.append(own)
    child.anon_vma = own


def dup_vma(parent: VmAreaStruct, mm: MmStruct) -> VmAreaStruct:
    """vm_area_dup() + anon_vma_fork() + vma_link(): the child's copy of a VMA at fork."""
    child = VmAreaStruct(
        mm,
        parent.vm_start,
        parent.vm_end,
        parent.vm_flags,
        parent.vm_pgoff,
        parent.vm_file,
        anon_order=parent.anon_order,
    )
    anon_vma_fork(child, parent)
    insert_vma(child)
    return child


def new_mm() -> MmStruct:
    """mm_alloc(): an empty address space."""
    mm = mm_alloc()
    mm_state(mm)
    return mm


_CURRENT_MM: list[MmStruct] = []


def current_mm() -> MmStruct:
    """current->mm, for the functions that act on the calling task (get_user_pages...)."""
    if not _CURRENT_MM:
        raise ModelError("no current mm: enter one with model.mm.use_mm(mm)")
    return _CURRENT_MM[-1]


@contextmanager
def use_mm(mm: MmStruct) -> Iterator[MmStruct]:
    """kthread_use_mm(): run a block as a task whose current->mm is `mm`."""
    _CURRENT_MM.append(mm)
    try:
        yield mm
    finally:
        _CURRENT_MM.remove(mm)
