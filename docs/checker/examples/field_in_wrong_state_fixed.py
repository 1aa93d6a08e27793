"""memdesc-field in a state, fixed as 8b8817630ae8 did: test PageSlab() (and PageTail()) before
reading ->mapping; after the test the checker knows the page is neither."""

from __future__ import annotations

from ontology.types import PageSlab, PageTail, pfn_to_page


def isolate_movable(pfn: int) -> bool:
    page = pfn_to_page(pfn)
    if PageSlab(page) or PageTail(page):
        return False
    return page.mapping is not None
