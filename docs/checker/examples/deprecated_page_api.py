# mypy: enable-error-code="memdesc-deprecated"
"""memdesc-deprecated (off by default; the comment above enables it for this file).

Each page-based call below looks the folio up again: lock_page(page) amounts to
folio_lock(page_folio(page)), put_page(page) to folio_put(page_folio(page)). The kernel is
converting callers to take the folio once. Notes do not fail the run.
"""

from __future__ import annotations

from ontology.types import Page, lock_page, put_page, set_page_dirty, unlock_page


def dirty_and_release(page: Page) -> None:
    lock_page(page)  # N: lock_page() is page-based; the kernel prefers folio_lock()
    set_page_dirty(page)  # N: set_page_dirty() is page-based; the kernel prefers folio_mark_dirty()
    unlock_page(page)  # N: unlock_page() is page-based; the kernel prefers folio_unlock()
    put_page(page)  # N: put_page() is page-based; the kernel prefers folio_put()
