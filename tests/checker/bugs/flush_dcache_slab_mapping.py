# fmt: off
"""flush_dcache_page() of a slab page (the loop driver splicing a kmalloc'ed buffer, XFS on
loopback) called page_mapping(), which read page->mapping; since 8456a648cf44 ("slab: use
struct page for slab management", 3.13) that word of a slab page belongs to the slab, and
PA-RISC's flush_dcache_page() crashed using it as an address_space.

Fixing commit: 03e5ac2fc3bf6f4140db0371e8bb4243b24e3e02 "mm: fix crash when using XFS on
loopback" (3.13; the commit at android-kvm.googlesource.com/linux and infradead.org's nvme.git
mirror). File: mm/util.c (page_mapping).
Class: field read in the wrong state (slab page's mapping).

The fix's test lives on in folio_mapping() with the comment it brought, "This happens if
someone calls flush_dcache_page on slab page" (mm/util.c of 7.3.4), so the model
writes both forms as implementations of folio_mapping(), whose callers may pass a slab folio
(its `accepts` fact, from that test).
"""

from __future__ import annotations

from ontology.runtime import implement
from ontology.types import AddressSpace, Folio, folio_test_anon, folio_test_slab

COMMIT = "03e5ac2fc3bf6f4140db0371e8bb4243b24e3e02"
SUBJECT = "mm: fix crash when using XFS on loopback"
FILE = "mm/util.c"
CLASS = "field read in the wrong state (slab page's mapping)"
OUT_OF_REACH = ""


@implement("folio_mapping")
def folio_mapping_buggy(folio: Folio) -> AddressSpace | None:
    mapping = folio.mapping  # expect: memdesc-field
    if folio_test_anon(folio):
        return None
    return mapping


@implement("folio_mapping")
def folio_mapping_fixed(folio: Folio) -> AddressSpace | None:
    if folio_test_slab(folio):
        return None
    mapping = folio.mapping
    if folio_test_anon(folio):
        return None
    return mapping
