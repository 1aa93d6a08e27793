# fmt: off
"""memdesc-field: reads and writes of fields a descriptor's struct does not declare."""

from __future__ import annotations

from ontology.types import AnonFolio, Folio, HeadPage, Page, PtDesc, Slab, folio_test_anon


class View:
    pfn: int = 0


class SlabView(View, Slab):
    """A model's slab class."""


def reads(slab: Slab, folio: Folio, page: Page, ptdesc: PtDesc) -> None:
    print(slab.mapping)  # E: [memdesc-field] "mapping" is not a field of slab; it belongs to folio, page
    print(folio.slab_cache)  # E: [memdesc-field] "slab_cache" is not a field of folio; it belongs to slab
    print(page.pt_mm, ptdesc.index)  # E: [memdesc-field] "pt_mm" is not a field of page; it belongs to ptdesc # E: [memdesc-field] "index" is not a field of ptdesc; it belongs to folio


def writes(slab: SlabView, folio: Folio) -> None:
    slab.mapping = None  # E: [memdesc-field] "mapping" is not a field of slab; it belongs to folio, page
    folio.slab_cache = None  # E: [memdesc-field] "slab_cache" is not a field of folio; it belongs to slab
    slab.slab_cache = None


def refinements(anon: AnonFolio, head: HeadPage, folio: Folio) -> None:
    print(anon.slab_cache)  # E: [memdesc-field] "slab_cache" is not a field of anon_folio (a folio); it belongs to slab
    head.pt_mm = None  # E: [memdesc-field] "pt_mm" is not a field of head_page (a page); it belongs to ptdesc
    if folio_test_anon(folio):
        print(folio.mapping, folio.slab_cache)  # E: [memdesc-field] "slab_cache" is not a field of anon_folio (a folio); it belongs to slab


def ignored(slab: Slab) -> None:
    print(slab.mapping)  # type: ignore[memdesc-field]
    print(slab.mapping)  # type: ignore[attr-defined]  # E: [unused-ignore] Unused "type: ignore" comment # E: [memdesc-field] "mapping" is not a field of slab; it belongs to folio, page # N: Error code "memdesc-field" not covered by "type: ignore[attr-defined]" comment
