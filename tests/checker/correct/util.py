# fmt: off
"""folio_mapping() of Linux 7.3.4's mm/util.c (Debian linux-source-7.3 7.3.4-1~bpo13+1),
transliterated; the `_7_3` name keeps it from standing for the kernel's own."""

from __future__ import annotations

from ontology.types import AddressSpace, Folio, folio_test_anon, folio_test_slab, folio_test_swapcache


def folio_mapping_7_3(folio: Folio, swap_space: AddressSpace | None) -> AddressSpace | None:
    """mm/util.c folio_mapping() (7.3.4): a slab folio's mapping word is the slab's, so it is
    excluded first. swap_address_space(folio->swap) is `swap_space` (folio->swap is read); the
    FOLIO_MAPPING_FLAGS test of the mapping's low bits is folio_test_anon(), which covers
    FOLIO_MAPPING_ANON and FOLIO_MAPPING_KSM (0x3); FOLIO_MAPPING_ANON_KSM alone (0x2) is left
    out."""
    if folio_test_slab(folio):
        return None
    if folio_test_swapcache(folio):
        return swap_space if folio.swap >= 0 else None
    mapping = folio.mapping
    if folio_test_anon(folio):
        return None
    return mapping
