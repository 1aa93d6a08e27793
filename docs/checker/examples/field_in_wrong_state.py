"""memdesc-field in a state: a field read where the page's state makes it mean nothing.

A real bug: compaction's isolate_movable_page() read page->mapping of whatever page a pfn walk
found, and on a slab page that word is the slab's slab_list, taken for a movable_operations
pointer. Fixed by 8b8817630ae8 "mm/migrate: make isolate_movable_page() skip slab pages"
(Linux 6.2, mm/migrate.c). pfn_to_page() may give a slab page (or a tail page), so the read is
reported until a test excludes both.
"""

from __future__ import annotations

from ontology.types import pfn_to_page


def isolate_movable(pfn: int) -> bool:
    page = pfn_to_page(pfn)
    return page.mapping is not None  # E: [memdesc-field] "page" may be a slab_page here (it comes from pfn_to_page()), where "mapping" means nothing: a slab page has no mapping: the word belongs to the slab (slab_list); use page_slab() and the slab's fields; exclude it first (if PageSlab(page): ...)

# ruff: noqa: E501 - the expected messages above are long; tests/docs/test_checker_examples.py reads them
