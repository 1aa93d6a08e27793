"""memdesc-convert: a page becomes a folio only through a registered conversion.

A gup caller holds a struct page and wants to dirty the folio it belongs to. The first three
functions spell `(struct folio *)page` in three ways the checker rejects; the last hands a
conversion that needs a head page a page that may be a tail.
"""

from __future__ import annotations

from typing import cast

from ontology.types import Folio, Page, folio_mark_dirty, page_folio, page_rmappable_folio


def dirty_by_constructor(page: Page) -> None:
    folio_mark_dirty(Folio(page))  # E: [memdesc-convert] constructing a folio from a page is not a conversion; use page_folio()


def dirty_by_cast(page: Page) -> None:
    folio_mark_dirty(cast(Folio, page))  # E: [memdesc-convert] cast from page to folio bypasses the registered conversions; use page_folio()


def folio_of(page: Page) -> Folio:  # E: [memdesc-convert] folio_of() turns a page into a folio but is not a registered conversion; use page_folio()
    return Folio.__new__(Folio)  # a conversion of its own, whatever it does inside


def head_folio(page: Page) -> Folio:
    return page_folio(page)  # converts only through the registry: not reported


def dirty_rmappable(page: Page) -> None:
    folio_mark_dirty(page_rmappable_folio(page))  # E: [memdesc-convert] page_rmappable_folio() needs a head_page but gets a page, which may be a tail page; use page_folio() (or check PageHead() first)

# ruff: noqa: E501 - the expected messages above are long; tests/docs/test_checker_examples.py reads them
