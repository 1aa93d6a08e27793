# fmt: off
"""Isolation for migration in Linux 7.3.4's mm/migrate.c (Debian linux-source-7.3
7.3.4-1~bpo13+1), transliterated; `_7_3` names keep them from standing for the kernel's own.
List bookkeeping (list_add) and node statistics are left out."""

from __future__ import annotations

from ontology.types import (
    Folio,
    ListHead,
    folio_isolate_hugetlb,
    folio_isolate_lru,
    folio_page,
    folio_test_hugetlb,
    isolate_movable_ops_page,
    page_has_movable_ops,
)

ISOLATE_UNEVICTABLE = 0x8  # include/linux/mmzone.h (7.3.4)


def isolate_folio_to_list_7_3(folio: Folio, lst: ListHead) -> bool:
    """mm/migrate.c isolate_folio_to_list() (7.3.4); &folio->page is folio_page(folio, 0)."""
    if folio_test_hugetlb(folio):
        return folio_isolate_hugetlb(folio, lst)
    if page_has_movable_ops(folio_page(folio, 0)):
        if not isolate_movable_ops_page(folio_page(folio, 0), ISOLATE_UNEVICTABLE):
            return False
    elif not folio_isolate_lru(folio):
        return False
    return True
