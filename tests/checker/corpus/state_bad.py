# fmt: off
"""States: fields that mean nothing in a state (memdesc-field), known from a type, a test or an origin."""

from __future__ import annotations

from ontology.types import (
    AddressSpace,
    Folio,
    HeadPage,
    Page,
    PageHead,
    PageSlab,
    PageTail,
    SlabFolio,
    TailPage,
    compound_head,
    find_get_page,
    folio_page,
    folio_test_slab,
    page_folio,
)


def by_type(tail: TailPage, slab: SlabFolio, head: HeadPage) -> None:
    print(tail.mapping)  # E: [memdesc-field] "mapping" means nothing on a tail_page: a tail page has no mapping of its own: its folio's is in the head page (use page_folio(page)->mapping)
    print(slab.index)  # E: [memdesc-field] "index" means nothing on a slab_folio: on a slab_folio the bytes of folio->index hold slab->freelist
    print(tail.flags, slab.flags, head.mapping)


def by_test(page: Page, folio: Folio) -> None:
    if PageTail(page):
        print(page.lru)  # E: [memdesc-field] "lru" means nothing on a tail_page: on a tail page the first word of lru is compound_head (bit 0 set): only the folio is on an LRU list (use page_folio(page)->lru)
    if PageSlab(page):
        page.mapping = None  # E: [memdesc-field] "mapping" means nothing on a slab_page: a slab page has no mapping: the word belongs to the slab (slab_list); use page_slab() and the slab's fields
    if folio_test_slab(folio):
        print(folio.mapping)  # E: [memdesc-field] "mapping" means nothing on a slab_folio: a slab folio has no mapping: the word belongs to the slab (slab_list); use folio_slab() and the slab's fields
    print(page.mapping, folio.mapping)


def by_origin(folio: Folio, index: int) -> None:
    page = folio_page(folio, index)
    print(page.mapping)  # E: [memdesc-field] "page" may be a tail_page here (it comes from folio_page()), where "mapping" means nothing: a tail page has no mapping of its own: its folio's is in the head page (use page_folio(page)->mapping); exclude it first (if PageTail(page): ...)
    print(page.flags)
    head = compound_head(page)
    print(head.mapping)


def the_first_page(folio: Folio) -> object:
    """folio_page(folio, 0) is &folio->page, never a tail: a literal 0 voids the origin."""
    page = folio_page(folio, 0)
    return page.mapping


def a_later_page(folio: Folio) -> object:
    page = folio_page(folio, 1)
    return page.mapping  # E: [memdesc-field] "page" may be a tail_page here (it comes from folio_page()), where "mapping" means nothing: a tail page has no mapping of its own: its folio's is in the head page (use page_folio(page)->mapping); exclude it first (if PageTail(page): ...)


def excluded_by_an_early_return(folio: Folio, index: int) -> object:
    page = folio_page(folio, index)
    if PageTail(page):
        return None
    return page.mapping


def excluded_by_an_assert(folio: Folio, index: int) -> object:
    page = folio_page(folio, index)
    assert not PageTail(page)
    return page.mapping


def excluded_by_the_head_test(folio: Folio, index: int) -> object:
    page = folio_page(folio, index)
    if not PageHead(page):
        return None
    return page.mapping


def only_in_one_branch(folio: Folio, index: int, flag: bool) -> object:
    page = folio_page(folio, index)
    if flag and PageTail(page):
        return None
    return page.mapping  # E: [memdesc-field] "page" may be a tail_page here (it comes from folio_page()), where "mapping" means nothing: a tail page has no mapping of its own: its folio's is in the head page (use page_folio(page)->mapping); exclude it first (if PageTail(page): ...)


def reassigned(folio: Folio, other: Page, index: int) -> object:
    page = folio_page(folio, index)
    page = other
    return page.mapping


def in_a_loop(folio: Folio) -> None:
    for index in range(4):
        page = folio_page(folio, index)
        print(page.__folio_index)  # E: [memdesc-field] "page" may be a tail_page here (it comes from folio_page()), where "__folio_index" means nothing: a tail page has no index of its own: its folio's is in the head page (use page_folio(page) and folio_page_idx()); exclude it first (if PageTail(page): ...)


def from_the_page_cache(mapping: AddressSpace, index: int) -> object:
    """find_get_page() returns the precise page: a tail page inside a large folio."""
    page = find_get_page(mapping, index)
    if page is None:
        return None
    print(page.__folio_index)  # E: [memdesc-field] "page" may be a tail_page here (it comes from find_get_page()), where "__folio_index" means nothing: a tail page has no index of its own: its folio's is in the head page (use page_folio(page) and folio_page_idx()); exclude it first (if PageTail(page): ...)
    return page_folio(page).mapping
