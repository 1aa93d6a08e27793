# fmt: off
"""Freeing, splitting and address-based allocation of pages in Linux 7.3.4's mm/page_alloc.c
(Debian linux-source-7.3 7.3.4-1~bpo13+1), transliterated; `_7_3` names keep them from
standing for the kernel's own. `page + i` is pfn_to_page(page_to_pfn(page) + i). Three lines
are the checker's known limits (`# limit:`): correct because of a number or a caller's contract
it does not follow (docs/checker/rules.md, "What the checker can and cannot see")."""

from __future__ import annotations

from ontology.types import (
    Page,
    PageHead,
    __free_pages,
    alloc_pages,
    free_frozen_pages,
    free_page,
    page_address,
    page_count,
    page_to_pfn,
    pfn_to_page,
    put_page_testzero,
    set_page_refcounted,
    split_page_memcg,
    virt_to_page,
)

GFP_HIGHMEM = 0x02  # ___GFP_HIGHMEM, include/linux/gfp_types.h (7.3.4)
GFP_ZERO = 0x100  # ___GFP_ZERO, include/linux/gfp_types.h (7.3.4)
PAGE_SIZE = 4096


def split_page_7_3(page: Page, order: int) -> None:
    """mm/page_alloc.c split_page() with __split_page() (7.3.4); split_page_owner() and
    pgalloc_tag_split() are left out."""
    assert page_count(page)  # VM_WARN_ON_PAGE(!page_count(page), page)
    for i in range(1, 1 << order):
        set_page_refcounted(pfn_to_page(page_to_pfn(page) + i))  # limit: memdesc-narrow: page + i of a non-compound allocation is never a tail, a number the checker does not follow
    split_page_memcg(page, order)


def get_free_pages_7_3(gfp: int, order: int) -> object:
    """mm/page_alloc.c get_free_pages_noprof() (7.3.4): 0 is None."""
    page = alloc_pages(gfp & ~GFP_HIGHMEM, order)
    if page is None:
        return None
    return page_address(page)


def get_zeroed_page_7_3(gfp: int) -> object:
    """mm/page_alloc.c get_zeroed_page_noprof() (7.3.4)."""
    return get_free_pages_7_3(gfp | GFP_ZERO, 0)


def ___free_pages_7_3(page: Page, order: int) -> None:
    """mm/page_alloc.c ___free_pages() (7.3.4) with FPI_NONE (__free_pages()): PageHead is read
    before the reference is dropped; the later pages of a non-compound allocation are freed
    here. The alloc-tag calls are left out; __free_frozen_pages() is free_frozen_pages()."""
    head = PageHead(page)
    if put_page_testzero(page):
        free_frozen_pages(page, order)
    elif not head:
        while order > 0:
            order -= 1
            free_frozen_pages(pfn_to_page(page_to_pfn(page) + (1 << order)), order)  # limit: memdesc-narrow: page + 2^k of a non-compound allocation, a number the checker does not follow


def free_pages_7_3(addr: object, order: int) -> None:
    """mm/page_alloc.c free_pages() (7.3.4): 0 is None."""
    if addr is not None:
        __free_pages(virt_to_page(addr), order)  # limit: memdesc-narrow: the caller got addr from __get_free_pages(), a head or order-0 page


def free_pages_exact_7_3(addr: int, size: int) -> None:
    """mm/page_alloc.c free_pages_exact() (7.3.4), the address as an int."""
    end = addr + (size + PAGE_SIZE - 1) // PAGE_SIZE * PAGE_SIZE
    while addr < end:
        free_page(addr)
        addr += PAGE_SIZE
