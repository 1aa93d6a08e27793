# fmt: off
"""The heap check of hardened usercopy in Linux 7.3.4's mm/usercopy.c (Debian linux-source-7.3
7.3.4-1~bpo13+1), transliterated; the `_7_3` name keeps it from standing for the kernel's own."""

from __future__ import annotations

from ontology.types import PageCompound, compound_head, page_address, page_size, page_slab, virt_to_page


def check_heap_object_7_3(ptr: object, n: int, offset: int) -> str | None:
    """mm/usercopy.c check_heap_object() (7.3.4) for a valid direct-map address (the kmap and
    vmalloc cases and virt_addr_valid() are left out). `offset` is `ptr - page_address(page)`
    of the compound head, an address difference passed in; __check_heap_object() is
    represented by reading the slab's cache. Returns what usercopy_abort() would name, or None."""
    page = virt_to_page(ptr)
    slab = page_slab(page)
    if slab is not None:
        return None if slab.slab_cache is not None else "SLUB object"
    if PageCompound(page):
        page = compound_head(page)
        page_address(page)
        if n > page_size(page) - offset:
            return "page alloc"
    return None
