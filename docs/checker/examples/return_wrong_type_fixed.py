"""memdesc-return, fixed: the declared descriptor types, NULL included."""

from __future__ import annotations

from ontology.runtime import implement
from ontology.types import Folio, Page


@implement
def alloc_pages(gfp: int, order: int) -> Page | None:
    return None


@implement
def folio_put(folio: Folio) -> None: ...


@implement
def folio_alloc(gfp: int, order: int) -> Folio | None:
    return None
