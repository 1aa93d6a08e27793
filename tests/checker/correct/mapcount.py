# fmt: off
"""Mapcounts and expected references of folios, as Linux 7.3.4's include/linux/mm.h writes them
(Debian linux-source-7.3 7.3.4-1~bpo13+1), transliterated; `_7_3` names keep them from
standing for the kernel's own. Atomic reads are plain field reads; the WARN_ON_ONCE of
folio_expected_ref_count() is kept as its test."""

from __future__ import annotations

from ontology.types import (
    Folio,
    folio_large_mapcount,
    folio_mapcount,
    folio_order,
    folio_page,
    folio_test_anon,
    folio_test_hugetlb,
    folio_test_large,
    folio_test_private,
    folio_test_swapcache,
    page_has_type,
)

PGTY_MAPCOUNT_UNDERFLOW = 0xFF  # include/linux/page-flags.h (7.3.4)
FOLIO_MM_IDS_SHARED_BITNUM = 63  # 2 * MM_ID_BITS + 1, MM_ID_BITS = 31 (unsigned int mm_id_t, include/linux/mm_types.h 7.3.4)


def page_mapcount_is_type_7_3(mapcount: int) -> bool:
    """include/linux/page-flags.h page_mapcount_is_type(): page_type_has_type(mapcount - 1),
    a signed compare of the 32-bit word with PGTY_mapcount_underflow << 24."""
    value = (mapcount - 1) & 0xFFFFFFFF
    signed = value - (1 << 32) if value & (1 << 31) else value
    return signed < (PGTY_MAPCOUNT_UNDERFLOW << 24) - (1 << 32)


def folio_mapcount_7_3(folio: Folio) -> int:
    """include/linux/mm.h folio_mapcount() (7.3.4)."""
    if not folio_test_large(folio):
        mapcount = folio._mapcount + 1
        if page_mapcount_is_type_7_3(mapcount):
            mapcount = 0
        return mapcount
    return folio_large_mapcount(folio)


def folio_mapped_7_3(folio: Folio) -> bool:
    """include/linux/mm.h folio_mapped() (7.3.4)."""
    return folio_mapcount(folio) >= 1


def folio_maybe_mapped_shared_7_3(folio: Folio) -> bool:
    """include/linux/mm.h folio_maybe_mapped_shared() (7.3.4) with CONFIG_MM_ID set
    (Debian's amd64 config)."""
    mapcount = folio_mapcount(folio)
    if not folio_test_large(folio) or folio_test_hugetlb(folio):
        return mapcount > 1
    if mapcount <= 1:
        return False
    return bool(folio._mm_ids >> FOLIO_MM_IDS_SHARED_BITNUM & 1)


def folio_expected_ref_count_7_3(folio: Folio) -> int:
    """include/linux/mm.h folio_expected_ref_count() (7.3.4)."""
    order = folio_order(folio)
    ref_count = 0
    if page_has_type(folio_page(folio, 0)) and not folio_test_hugetlb(folio):
        return 0
    ref_count += int(folio_test_swapcache(folio)) << order
    if not folio_test_anon(folio):
        ref_count += int(folio.mapping is not None) << order
        ref_count += int(folio_test_private(folio))
    return ref_count + folio_mapcount(folio)
