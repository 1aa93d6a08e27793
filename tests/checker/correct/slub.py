# fmt: off
"""kfree() of Linux 7.3.4's mm/slub.c (Debian linux-source-7.3 7.3.4-1~bpo13+1), transliterated;
the `_7_3` name keeps it from standing for the kernel's own. Tracing is left out, and the
static slab_free() is represented by reading the object's cache (it is not in the ontology)."""

from __future__ import annotations

from ontology.types import KmemCache, free_large_kmalloc, page_slab, virt_to_page


def kfree_7_3(obj: object) -> KmemCache | None:
    """mm/slub.c kfree() (7.3.4); ZERO_OR_NULL_PTR() is `obj is None`. Returns the cache the
    object goes back to (None for a large kmalloc or a NULL pointer)."""
    if obj is None:
        return None
    page = virt_to_page(obj)
    slab = page_slab(page)
    if slab is None:
        free_large_kmalloc(page, obj)
        return None
    return slab.slab_cache
