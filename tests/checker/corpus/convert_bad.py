# fmt: off
"""memdesc-convert: constructors, casts and unregistered converting functions."""

from __future__ import annotations

from typing import cast

from ontology.types import (
    AnonFolio,
    Folio,
    HeadPage,
    NetmemDesc,
    Page,
    PtDesc,
    Slab,
    TailPage,
    folio_page,
    page_folio,
    page_rmappable_folio,
)


class View:
    pfn: int = 0


class FolioView(View, Folio):
    """A model's folio class, as in model/views.py."""


def constructors(page: Page, folio: Folio, slab: Slab, anon: AnonFolio, view: FolioView) -> None:
    print(Folio(page))  # E: [memdesc-convert] constructing a folio from a page is not a conversion; use page_folio()
    print(Slab(page))  # E: [memdesc-convert] constructing a slab from a page is not a conversion; use page_slab()
    print(PtDesc(slab))  # E: [memdesc-convert] constructing a ptdesc from a slab is not a conversion; use slab_page() then page_ptdesc()
    print(Page(anon), Page(view))  # E: [memdesc-convert] constructing a page from an anon_folio is not a conversion; use folio_page() # E: [memdesc-convert] constructing a page from a folio is not a conversion; use folio_page()
    print(AnonFolio(folio))  # E: [memdesc-convert] constructing an anon_folio from a folio is not a conversion; check folio_test_anon() instead


def refined_sources(page: Page, tail: TailPage, folio: Folio, head: HeadPage) -> None:
    print(page_rmappable_folio(page))  # E: [memdesc-convert] page_rmappable_folio() needs a head_page but gets a page, which may be a tail page; use page_folio() (or check PageHead() first)
    print(page_rmappable_folio(tail))  # E: [memdesc-convert] page_rmappable_folio() needs a head_page but gets a tail_page; use page_folio() (or check PageHead() first)
    print(page_rmappable_folio(folio_page(folio, 0)))  # E: [memdesc-convert] page_rmappable_folio() needs a head_page but gets a page, which may be a tail page; use page_folio() (or check PageHead() first)
    print(page_rmappable_folio(head))


def casts(page: Page, folio: Folio, anon: AnonFolio, view: FolioView, netmem: NetmemDesc) -> None:
    print(cast(Folio, page))  # E: [memdesc-convert] cast from page to folio bypasses the registered conversions; use page_folio()
    print(cast("Slab", anon))  # E: [memdesc-convert] cast from anon_folio to slab bypasses the registered conversions; use folio_page() then page_slab()
    print(cast(PtDesc, view))  # E: [memdesc-convert] cast from folio to ptdesc bypasses the registered conversions; use folio_page() then page_ptdesc()
    print(cast(Page, netmem))  # E: [memdesc-convert] cast from netmem_desc to page bypasses the registered conversions; there is no registered conversion from netmem_desc to page (memdesc path netmem_desc page)
    print(cast(AnonFolio, page))  # E: [memdesc-convert] cast from page to anon_folio bypasses the registered conversions; use page_folio(), then check folio_test_anon()


def folio_of(page: Page) -> Folio:  # E: [memdesc-convert] folio_of() turns a page into a folio but is not a registered conversion; use page_folio()
    raise NotImplementedError


def slab_of(view: FolioView, count: int) -> Slab:  # E: [memdesc-convert] slab_of() turns a folio into a slab but is not a registered conversion; use folio_page() then page_slab()
    raise NotImplementedError


def head_to_ptdesc(head: HeadPage) -> PtDesc:  # E: [memdesc-convert] head_to_ptdesc() turns a head_page into a ptdesc but is not a registered conversion; use page_ptdesc()
    raise NotImplementedError


def through_the_registry(page: Page) -> Folio | None:
    """Converts only by calling registered conversions: not a conversion of its own."""
    if page is None:
        return None
    return page_folio(page)


def try_folio(page: Page | None) -> Folio | None:  # E: [memdesc-convert] try_folio() turns a page into a folio but is not a registered conversion; use page_folio()
    return None


def outer(folio: Folio) -> None:
    def page_of(f: Folio) -> Page:  # E: [memdesc-convert] page_of() turns a folio into a page but is not a registered conversion; use folio_page()
        raise NotImplementedError

    print(page_of(folio))
