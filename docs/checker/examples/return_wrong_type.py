"""memdesc-return: a model's kernel functions have the descriptor types the ontology declares.

alloc_pages() returns a struct page (NULL on failure), not a folio: without __GFP_COMP the pages
are not even compound. folio_put() takes the folio. page_folio() never returns NULL; a model
that says it may makes its callers check for nothing. Variance is as for any override: a model
may return less than declared (a folio_alloc() that never fails returns Folio for Folio | None)
and accept more (any folio where an anon_folio is declared), never the reverse. The first two
are `@implement`ed (plain mypy checks them too); the third is named like the kernel's function,
which is enough for `memdesc check`.
"""

from __future__ import annotations

from ontology.runtime import implement
from ontology.types import Folio, Page


@implement  # E: [memdesc-return] alloc_pages() must return "Page | None" as the ontology declares, not "Folio | None"
def alloc_pages(gfp: int, order: int) -> Folio | None:
    return None


@implement  # E: [memdesc-return] folio_put() parameter 1 "page" must be "Folio" as the ontology declares, not "Page"
def folio_put(page: Page) -> None: ...


def page_folio(page: Page) -> Folio | None:  # E: [memdesc-return] page_folio() must return "Folio" as the ontology declares, not "Folio | None"
    return None

# ruff: noqa: E501 - the expected messages above are long; tests/docs/test_checker_examples.py reads them
