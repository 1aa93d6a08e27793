# mypy: enable-error-code="memdesc-deprecated"
"""memdesc-deprecated, fixed: one page_folio(), then the folio API."""

from __future__ import annotations

from ontology.types import Page, folio_lock, folio_mark_dirty, folio_put, folio_unlock, page_folio


def dirty_and_release(page: Page) -> None:
    folio = page_folio(page)
    folio_lock(folio)
    folio_mark_dirty(folio)
    folio_unlock(folio)
    folio_put(folio)
