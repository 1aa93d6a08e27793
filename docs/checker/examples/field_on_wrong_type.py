"""memdesc-field: a field is read or written only through a descriptor type that declares it.

struct slab, struct ptdesc and struct folio overlay struct page and name its words each in their own
way: where a page or a folio keeps ->mapping, a slab keeps the second half of slab_list (or
flush_freelist and slabs). Each access below reads a word through a type that gives it another
meaning, which C only allows after a cast.
"""

from __future__ import annotations

from ontology.types import AnonFolio, Folio, Page, Slab


def slab_mapping(slab: Slab) -> None:
    print(slab.mapping)  # E: [memdesc-field] "mapping" is not a field of slab; it belongs to folio, page


def folio_cache(folio: Folio) -> None:
    print(folio.slab_cache)  # E: [memdesc-field] "slab_cache" is not a field of folio; it belongs to slab


def anon_cache(anon: AnonFolio) -> None:
    print(anon.slab_cache)  # E: [memdesc-field] "slab_cache" is not a field of anon_folio (a folio); it belongs to slab


def clear_table_owner(page: Page) -> None:
    page.pt_mm = None  # E: [memdesc-field] "pt_mm" is not a field of page; it belongs to ptdesc
