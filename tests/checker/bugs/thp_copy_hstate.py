# fmt: off
"""migrate_page_copy() copied both hugetlbfs and transparent huge pages with copy_huge_page(),
which starts with page_hstate(src): a THP has no hstate, and page_hstate() of it derived one
from its order, which failed for a THP whose order no hstate had (oopses with
default_hugepagesz=1G, reported by Dave Jiang).

Fixing commit: 30b0a105d9f7141e4cbf72ae5511832457d89788 "mm: thp: give transparent hugepage
code a separate copy_page" (Dave Hansen, 3.13; quoted in full by Hugh Dickins when asking for
its stable backport). Files: mm/migrate.c (migrate_page_copy), mm/hugetlb.c (copy_huge_page).
Class: refinement used without its predicate (hugetlb helper on a non-hugetlb folio).
"""

from __future__ import annotations

from ontology.types import Folio, Hstate, folio_hstate, folio_nr_pages, folio_test_hugetlb, folio_test_large

COMMIT = "30b0a105d9f7141e4cbf72ae5511832457d89788"
SUBJECT = "mm: thp: give transparent hugepage code a separate copy_page"
FILE = "mm/migrate.c"
CLASS = "hugetlb helper on a non-hugetlb folio"
OUT_OF_REACH = ""


def migrate_copy_buggy(folio: Folio) -> Hstate | None:
    """if (PageHuge(page) || PageTransHuge(page)) copy_huge_page(newpage, page), whose first
    line is page_hstate(src)."""
    if folio_test_hugetlb(folio) or folio_test_large(folio):
        return folio_hstate(folio)  # expect: memdesc-narrow
    return None


def migrate_copy_fixed(folio: Folio) -> int:
    """The fix copies a THP page by page (copy_high_order_page() over its nr pages) and keeps
    page_hstate() for hugetlbfs pages."""
    if folio_test_hugetlb(folio):
        folio_hstate(folio)
        return 0
    return folio_nr_pages(folio)
