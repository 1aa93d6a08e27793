"""The x86-64 constants the model shares: page size, the direct map, the user address limit, errno.

One place for what arch/x86/include/asm/page_types.h, page_64_types.h, pgtable_64_types.h and
asm/errno.h define (4-level paging, no KASLR), so the modules modelling different paths agree.
Constants only one path uses stay with that path (the page-table level shifts in
`model.pgtable`, the kmap window in `model.highmem`).
"""

from __future__ import annotations

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_MASK = ~(PAGE_SIZE - 1)

PAGE_OFFSET = 0xFFFF888000000000
"""The direct map: lowmem page `pfn` is at PAGE_OFFSET + pfn * PAGE_SIZE. Highmem has none."""

TASK_SIZE = (1 << 47) - PAGE_SIZE
"""4-level TASK_SIZE_MAX: user addresses below the top page of the lower half."""

__PHYSICAL_MASK_SHIFT = 52
MAX_POSSIBLE_PHYSMEM_BITS = 52
"""Physical address bits a PTE can hold, and the most physical memory can ever use."""

ENOENT = 2
ENOMEM = 12
EFAULT = 14
EBUSY = 16
EEXIST = 17
EINVAL = 22
ENOSPC = 28
"""asm-generic/errno-base.h, which x86 uses (errno numbers differ between architectures)."""


def pfn_to_kaddr(pfn: int) -> int:
    """The direct-map address of page frame `pfn` (__va(pfn << PAGE_SHIFT))."""
    return PAGE_OFFSET + (pfn << PAGE_SHIFT)


def virt_to_pfn(addr: int) -> int:
    """The page frame a direct-map address falls in (__pa(addr) >> PAGE_SHIFT)."""
    return (addr - PAGE_OFFSET) >> PAGE_SHIFT
