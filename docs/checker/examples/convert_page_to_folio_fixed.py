"""memdesc-convert, fixed: page_folio() for any page, page_rmappable_folio() only after PageHead()."""

from __future__ import annotations

from ontology.types import Page, PageHead, folio_mark_dirty, page_folio, page_rmappable_folio


def dirty(page: Page) -> None:
    folio_mark_dirty(page_folio(page))


def dirty_rmappable(page: Page) -> None:
    if PageHead(page):
        folio_mark_dirty(page_rmappable_folio(page))
