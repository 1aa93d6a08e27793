# fmt: off
"""hugetlb PMD sharing counted the processes sharing a PMD table in the table page's
_refcount (get_page() in huge_pmd_share(), page_count() == 1 and put_page() in
huge_pmd_unshare()); anything else taking a speculative reference on that page (a pfn
walker's get_page_unless_zero()) changed the share count and the table could be freed while
still mapped (CVE-2024-57883).

Fixing commit: 59d9094df3d79443937add8700b2ef1a866b1081 "mm: hugetlb: independent PMD page
table shared count" (Liu Shixin; in akpm's mm-hotfixes, 6.13; later Fixes: tags cite it).
File: mm/hugetlb.c (huge_pmd_share, huge_pmd_unshare), include/linux/mm_types.h (ptdesc's
pt_share_count). Class: page table page's refcount used as a share count.

Out of reach: every operation of the buggy form is legal on a page table page, and no type or
state tells it from the fixed one. A table page's refcount is a meaningful word: 7.3.4's
include/linux/mm_types.h documents struct ptdesc's `__page_refcount` as "Same as page
refcount" (unlike `__page_mapping` and `__page_type`, "Unused for page tables"), and
__pagetable_free() in 7.3.4's include/linux/mm.h frees the table through it (__free_pages());
get_page()/put_page() refuse only slab and large-kmalloc folios (7.3.4 mm.h), and pfn walkers
take speculative references on whatever page a pfn holds (isolate_migratepages_block() calls
folio_get_nontail_page() on each pfn it scans, 7.3.4 mm/compaction.c). The bug is
the meaning given to a value: page_count() == 1 read as "no other process shares this table",
which any speculative reference falsifies. The field that carries the share count,
pt_share_count, was added by the fix itself.
"""

from __future__ import annotations

from ontology.types import PtDesc, get_page, page_count, ptdesc_page

COMMIT = "59d9094df3d79443937add8700b2ef1a866b1081"
SUBJECT = "mm: hugetlb: independent PMD page table shared count"
FILE = "mm/hugetlb.c"
CLASS = "page table page's refcount used as share count"
OUT_OF_REACH = "value: page_count() == 1 read as the number of sharers; a table page's refcount is a legal, meaningful word (ptdesc __page_refcount \"Same as page refcount\", 7.3.4 mm_types.h)"


def huge_pmd_share_buggy(spte: PtDesc) -> None:
    get_page(ptdesc_page(spte))  # out-of-reach: a legal reference on a table page; the bug is reading its count as the share count


def huge_pmd_unshare_buggy(ptep: PtDesc) -> bool:
    return page_count(ptdesc_page(ptep)) == 1  # out-of-reach: a value: the refcount is not the number of sharers


def huge_pmd_share_fixed(spte: PtDesc) -> None:
    """ptdesc_pmd_pts_inc(): the count lives in ptdesc->pt_share_count."""
    spte.pt_share_count += 1


def huge_pmd_unshare_fixed(ptep: PtDesc) -> bool:
    return ptep.pt_share_count == 0
