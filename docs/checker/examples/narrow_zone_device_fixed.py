"""memdesc-narrow for a state a caller may pass, fixed as c5d6c45e90c4 did: a ZONE_DEVICE folio
goes to folio_put(), whose __folio_put() hands it to its pgmap; after `if
folio_is_zone_device(folio): return` the folio, and folio->page, are known not to be one."""

from __future__ import annotations

from ontology.runtime import implement
from ontology.types import (
    Page,
    folio_is_zone_device,
    folio_order,
    folio_put,
    folio_put_testzero,
    free_frozen_pages,
    page_folio,
)


@implement("put_page")
def release_page(page: Page) -> None:
    folio = page_folio(page)
    if folio_is_zone_device(folio):
        folio_put(folio)
        return
    if folio_put_testzero(folio):
        free_frozen_pages(folio.page, folio_order(folio))
