# fmt: off
"""memdesc-return: kernel API functions with other descriptor types, @implement'ed or not."""

from __future__ import annotations

from ontology.runtime import implement
from ontology.types import AnonFolio, Folio, Page, Slab


@implement  # E: [memdesc-return] alloc_pages() must return "Page | None" as the ontology declares, not "Folio | None"
def alloc_pages(gfp: int, order: int) -> Folio | None:
    return None


@implement  # E: [memdesc-return] folio_add_anon_rmap_pte() parameter 1 "folio" must be "AnonFolio" as the ontology declares, not "Folio" # E: [memdesc-return] folio_add_anon_rmap_pte() parameter 2 "page" must be "Page" as the ontology declares, not "Folio"
def folio_add_anon_rmap_pte(folio: Folio, page: Folio, vma: object, address: int, flags: int) -> None: ...


def folio_put(page: Page) -> None: ...  # E: [memdesc-return] folio_put() parameter 1 "page" must be "Folio" as the ontology declares, not "Page"


def folio_alloc(gfp: int, order: int) -> Folio:  # E: [memdesc-return] folio_alloc() must return "Folio | None" as the ontology declares, not "Folio"
    return Folio()


def page_slab(folio: Folio) -> Slab | None:  # E: [memdesc-return] page_slab() parameter 1 "folio" must be "Page" as the ontology declares, not "Folio"
    return Slab()


def folio_test_anon(page: Page) -> bool:  # E: [memdesc-return] folio_test_anon() parameter 1 "page" must be "Folio" as the ontology declares, not "Page"
    return False


def folio_add_anon_rmap_ptes(folio: AnonFolio) -> None: ...  # E: [memdesc-return] folio_add_anon_rmap_ptes() is missing parameter 2 "page" of type "Page"


@implement("folio_put")
def model_folio_put(page: Page) -> None: ...  # E: [memdesc-return] folio_put() parameter 1 "page" must be "Folio" as the ontology declares, not "Page"


@implement("page_folio")
def model_page_folio(page: Page) -> Slab:  # E: [memdesc-return] page_folio() must return "Folio" as the ontology declares, not "Slab"
    return Slab()
