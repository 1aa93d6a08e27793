# fmt: off
"""Pinning in Linux 7.3.4's mm/gup.c (Debian linux-source-7.3 7.3.4-1~bpo13+1), transliterated
without the WARN_ON_ONCEs and node statistics; folio_has_pincount() is folio_test_large() on
64-bit (include/linux/mm.h). `_7_3` names keep them from standing for the kernel's own."""

from __future__ import annotations

from ontology.types import Folio, folio_ref_add, folio_ref_count, folio_ref_inc, folio_test_large, is_zero_folio

FOLL_GET = 1 << 2
FOLL_PIN = 1 << 18
GUP_PIN_COUNTING_BIAS = 1 << 10
ENOMEM = 12


def folio_add_pin_7_3(folio: Folio) -> None:
    """mm/gup.c folio_add_pin() (7.3.4)."""
    if is_zero_folio(folio):
        return
    if folio_test_large(folio):
        folio_ref_inc(folio)
        folio._pincount += 1
    else:
        folio_ref_add(folio, GUP_PIN_COUNTING_BIAS)


def try_grab_folio_7_3(folio: Folio, refs: int, flags: int) -> int:
    """mm/gup.c try_grab_folio() (7.3.4) without the P2PDMA test."""
    if folio_ref_count(folio) <= 0:
        return -ENOMEM
    if flags & FOLL_GET:
        folio_ref_add(folio, refs)
    elif flags & FOLL_PIN:
        if is_zero_folio(folio):
            return 0
        if folio_test_large(folio):
            folio_ref_add(folio, refs)
            folio._pincount += refs
        else:
            folio_ref_add(folio, refs * GUP_PIN_COUNTING_BIAS)
    return 0
