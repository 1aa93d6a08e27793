# mypy: enable-error-code="memdesc-deprecated"
# fmt: off
"""memdesc-deprecated, enabled for this file: page-based API with a folio replacement."""

from __future__ import annotations

from ontology import types
from ontology.types import Folio, Page, folio_put, lock_page, put_page, unlock_page


def release(page: Page, folio: Folio) -> None:
    lock_page(page)  # N: lock_page() is page-based; the kernel prefers folio_lock()
    unlock_page(page)  # N: unlock_page() is page-based; the kernel prefers folio_unlock()
    types.get_page(page)  # N: get_page() is page-based; the kernel prefers folio_get()
    put_page(page)  # N: put_page() is page-based; the kernel prefers folio_put()
    put_page(page)  # type: ignore[memdesc-deprecated]
    folio_put(folio)
