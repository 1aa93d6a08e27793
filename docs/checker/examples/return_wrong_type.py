"""memdesc-return: a model's kernel functions have the descriptor types the ontology declares.

alloc_pages() returns a struct page (NULL on failure), not a folio: without __GFP_COMP the pages
are not even compound. folio_put() takes the folio. folio_alloc() may return NULL; a model that
says otherwise lets its callers skip the check. The first two are `@implement`ed (plain mypy
checks them too); the third is named like the kernel's function, which is enough for
`memdesc check`.
"""

from __future__ import annotations

from ontology.runtime import implement
from ontology.types import Folio, Page


@implement  # E: [memdesc-return] alloc_pages() must return "Page | None" as the ontology declares, not "Folio | None"
def alloc_pages(gfp: int, order: int) -> Folio | None:
    return None


@implement  # E: [memdesc-return] folio_put() parameter 1 "page" must be "Folio" as the ontology declares, not "Page"
def folio_put(page: Page) -> None: ...


def folio_alloc(gfp: int, order: int) -> Folio:  # E: [memdesc-return] folio_alloc() must return "Folio | None" as the ontology declares, not "Folio"
    raise MemoryError

# ruff: noqa: E501 - the expected messages above are long; tests/docs/test_checker_examples.py reads them
