# fmt: off
"""Reference counting of pages and folios, as Linux 7.3.4 writes it (include/linux/mm.h,
mm/gup.c of Debian's linux-source-7.3 7.3.4-1~bpo13+1). Names carry a `_7_3` suffix: a model
function named like a kernel function would stand for it (memdesc-return)."""

from __future__ import annotations

from ontology.types import (
    Folio,
    Page,
    __folio_put,
    compound_head,
    folio_get,
    folio_put,
    folio_put_refs,
    folio_put_testzero,
    folio_ref_inc,
    folio_ref_sub_and_test,
    folio_test_large,
    folio_test_large_kmalloc,
    folio_test_slab,
    gup_put_folio,
    is_zero_folio,
    page_folio,
    page_ref_dec_and_test,
    virt_to_page,
)

FOLL_PIN = 1 << 18
GUP_PIN_COUNTING_BIAS = 1 << 10


def get_page_7_3(page: Page) -> None:
    """include/linux/mm.h get_page() (7.3.4)."""
    folio = page_folio(page)
    if folio_test_slab(folio):
        return
    if folio_test_large_kmalloc(folio):
        return
    folio_get(folio)


def put_page_7_3(page: Page) -> None:
    """include/linux/mm.h put_page() (7.3.4)."""
    folio = page_folio(page)
    if folio_test_slab(folio) or folio_test_large_kmalloc(folio):
        return
    folio_put(folio)


def folio_get_7_3(folio: Folio) -> None:
    """include/linux/mm.h folio_get() (7.3.4); the VM_BUG_ON_FOLIO is left out."""
    folio_ref_inc(folio)


def virt_to_head_page_7_3(x: object) -> Page:
    """include/linux/mm.h virt_to_head_page() (7.3.4)."""
    page = virt_to_page(x)
    return compound_head(page)


def unpin_user_page_7_3(page: Page) -> None:
    """mm/gup.c unpin_user_page() (7.3.4); sanity_check_pinned_pages() is a debug check, left out."""
    gup_put_folio(page_folio(page), 1, FOLL_PIN)


def unpin_folio_7_3(folio: Folio) -> None:
    """mm/gup.c unpin_folio() (7.3.4)."""
    gup_put_folio(folio, 1, FOLL_PIN)


def folio_put_7_3(folio: Folio) -> None:
    """include/linux/mm.h folio_put() (7.3.4): the last reference frees the folio."""
    if folio_put_testzero(folio):
        __folio_put(folio)


def folio_put_refs_7_3(folio: Folio, refs: int) -> None:
    """include/linux/mm.h folio_put_refs() (7.3.4)."""
    if folio_ref_sub_and_test(folio, refs):
        __folio_put(folio)


def put_page_testzero_7_3(page: Page) -> int:
    """include/linux/mm.h put_page_testzero() (7.3.4); the VM_BUG_ON_PAGE is left out."""
    return page_ref_dec_and_test(page)


def gup_put_folio_7_3(folio: Folio, refs: int, flags: int) -> None:
    """mm/gup.c gup_put_folio() (7.3.4) without the node statistics; folio_has_pincount() is
    folio_test_large() on 64-bit (include/linux/mm.h)."""
    if flags & FOLL_PIN:
        if is_zero_folio(folio):
            return
        if folio_test_large(folio):
            folio._pincount -= refs
        else:
            refs *= GUP_PIN_COUNTING_BIAS
    folio_put_refs(folio, refs)
