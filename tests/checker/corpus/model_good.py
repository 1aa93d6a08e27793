# fmt: off
"""A small model that follows every rule: nothing to report."""

from __future__ import annotations

from typing import cast

from ontology.runtime import implement
from ontology.types import (
    AnonFolio,
    Folio,
    HeadPage,
    KsmFolio,
    Page,
    PageHead,
    Slab,
    VmAreaStruct,
    folio_add_anon_rmap_pte,
    folio_page,
    folio_test_anon,
    page_rmappable_folio,
    page_slab,
    put_page,
)


class View:
    pfn: int = 0


class PageView(View, Page):
    """A model's page class, as in model/views.py."""


class FolioView(View, Folio):
    """A model's folio class."""


@implement
def alloc_pages(gfp: int, order: int) -> PageView | None:
    return PageView()


@implement
def folio_test_ksm(folio: Folio) -> bool:
    return False


@implement("page_folio")
def model_page_folio(page: Page) -> FolioView:
    return FolioView()


def folio_get(folio: Folio) -> None:
    """Named like the kernel's, with the declared types: no @implement needed."""


def folio_next(folio: Folio, page: Page) -> Folio:
    """Works within one struct (takes a folio, returns a folio): not a conversion."""
    return folio


def as_folio(anon: AnonFolio, ksm: KsmFolio, view: FolioView) -> list[Folio]:
    """Widening casts and casts within one type convert nothing."""
    return [cast(Folio, anon), cast(AnonFolio, ksm), cast(Folio, view)]


class Allocator:
    def folio_put(self, page: Page) -> None:
        """A method named like the kernel's function is not that function."""

    def page_folio(self, slab: Slab) -> Page:
        """Nor is a method a conversion."""
        return Page()


def use(page: Page, folio: Folio, vma: VmAreaStruct) -> Folio:
    head: HeadPage | None = None
    if PageHead(page):
        head = page
        print(page_rmappable_folio(page))
    if folio_test_anon(folio):
        folio_add_anon_rmap_pte(folio, folio_page(folio, 0), vma, 0, 0)
        print(folio.mapping, folio.index)
    put_page(page)
    slab = page_slab(page)
    print(head, page.compound_info, slab.slab_cache if slab is not None else None)
    return folio
