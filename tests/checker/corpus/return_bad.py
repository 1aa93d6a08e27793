# fmt: off
"""memdesc-return: kernel API functions with other descriptor types, @implement'ed or not."""

from __future__ import annotations

from ontology.runtime import implement
from ontology.types import AnonFolio, Folio, Page, Slab


@implement  # E: [memdesc-return] alloc_pages() must return "Page | None" as the ontology declares, not "Folio | None"
def alloc_pages(gfp: int, order: int) -> Folio | None:
    return None


@implement  # E: [memdesc-return] folio_add_anon_rmap_pte() parameter 2 "page" must be "Page" as the ontology declares, not "Folio"
def folio_add_anon_rmap_pte(folio: Folio, page: Folio, vma: object, address: int, flags: int) -> None: ...
# A wider first parameter (any folio where an anon_folio is declared) is type-safe: not reported.


def folio_put(page: Page) -> None: ...  # E: [memdesc-return] folio_put() parameter 1 "page" must be "Folio" as the ontology declares, not "Page"


def folio_alloc(gfp: int, order: int) -> Folio:
    """A model that never fails may return Folio where Folio | None is declared: not reported."""
    return Folio()


def page_folio(page: Page) -> Folio | None:  # E: [memdesc-return] page_folio() must return "Folio" as the ontology declares, not "Folio | None"
    return None


def folio_get(folio: AnonFolio) -> None: ...  # E: [memdesc-return] folio_get() parameter 1 "folio" must be "Folio" as the ontology declares, not "AnonFolio"


def folio_mark_dirty(folio: Folio) -> AnonFolio | None:
    """Narrower results are fine, whatever the declaration returns (bool here, no descriptor)."""
    return None


def page_slab(folio: Folio) -> Slab | None:  # E: [memdesc-return] page_slab() parameter 1 "folio" must be "Page" as the ontology declares, not "Folio"
    return Slab()


def folio_test_anon(page: Page) -> bool:  # E: [memdesc-return] folio_test_anon() parameter 1 "page" must be "Folio" as the ontology declares, not "Page"
    return False


def folio_add_anon_rmap_ptes(folio: AnonFolio) -> None: ...  # E: [memdesc-return] folio_add_anon_rmap_ptes() is missing parameter 2 "page" of type "Page"  # E: [memdesc-return] folio_add_anon_rmap_ptes() is missing parameters 3 "nr_pages", 4 "vma", 5 "address", 6 "flags" (not descriptors)


@implement("folio_put")
def model_folio_put(page: Page) -> None: ...  # E: [memdesc-return] folio_put() parameter 1 "page" must be "Folio" as the ontology declares, not "Page"


@implement("page_folio")
def model_page_folio(page: Page) -> Slab:  # E: [memdesc-return] page_folio() must return "Folio" as the ontology declares, not "Slab"
    return Slab()
