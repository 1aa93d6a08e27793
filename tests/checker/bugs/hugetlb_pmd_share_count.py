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
"""

from __future__ import annotations

from ontology.types import PtDesc, get_page, page_count, ptdesc_page

COMMIT = "59d9094df3d79443937add8700b2ef1a866b1081"
SUBJECT = "mm: hugetlb: independent PMD page table shared count"
FILE = "mm/hugetlb.c"
CLASS = "page table page's refcount used as share count"
OUT_OF_REACH = ""


def huge_pmd_share_buggy(spte: PtDesc) -> None:
    get_page(ptdesc_page(spte))  # missed: a table page's _refcount is a legal word; no fact says it is not a share count


def huge_pmd_unshare_buggy(ptep: PtDesc) -> bool:
    return page_count(ptdesc_page(ptep)) == 1


def huge_pmd_share_fixed(spte: PtDesc) -> None:
    """ptdesc_pmd_pts_inc(): the count lives in ptdesc->pt_share_count."""
    spte.pt_share_count += 1


def huge_pmd_unshare_fixed(ptep: PtDesc) -> bool:
    return ptep.pt_share_count == 0
