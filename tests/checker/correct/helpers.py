# fmt: off
"""Descriptor helpers of Linux 7.3.4's include/linux/mm.h (Debian linux-source-7.3
7.3.4-1~bpo13+1), transliterated; `_7_3` names keep them from standing for the kernel's own."""

from __future__ import annotations

from ontology.types import (
    Folio,
    folio_page,
    folio_ref_count,
    folio_test_large,
    page_address,
    page_folio,
    virt_to_page,
)

GUP_PIN_COUNTING_BIAS = 1 << 10


def virt_to_folio_7_3(x: object) -> Folio:
    """include/linux/mm.h virt_to_folio() (7.3.4)."""
    page = virt_to_page(x)
    return page_folio(page)


def folio_maybe_dma_pinned_7_3(folio: Folio) -> bool:
    """include/linux/mm.h folio_maybe_dma_pinned() (7.3.4); folio_has_pincount() is
    folio_test_large() on 64-bit."""
    if folio_test_large(folio):
        return folio._pincount > 0
    return (folio_ref_count(folio) & 0xFFFFFFFF) >= GUP_PIN_COUNTING_BIAS


def folio_address_7_3(folio: Folio) -> object:
    """include/linux/mm.h folio_address() (7.3.4): page_address(&folio->page)."""
    return page_address(folio_page(folio, 0))
