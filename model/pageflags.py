"""Page flag bits, page types and GFP flags as the model uses them.

PG_* numbers are those of Linux 6.18's `enum pageflags` (read from this machine's BTF; the
aliases PG_swapcache = PG_owner_priv_1 and PG_large_rmappable = PG_workingset included). Page
type values come from the ontology's page types (`enum pagetype` in BTF). GFP flags are the
model's own small set: only which zones a request may use and whether it wants a compound page
matter here.
"""

from __future__ import annotations

from ontology.types import FACTS

PG_locked = 0
PG_writeback = 1
PG_referenced = 2
PG_uptodate = 3
PG_dirty = 4
PG_lru = 5
PG_head = 6
PG_active = 8
PG_workingset = 9
PG_owner_priv_1 = 10
PG_reserved = 13
PG_private = 14
PG_reclaim = 16
PG_swapbacked = 17
PG_unevictable = 18
PG_mlocked = 20

PG_swapcache = PG_owner_priv_1
PG_large_rmappable = PG_workingset
"""Second-page flag: set on large folios that rmap tracks (folio_test_large_rmappable)."""

FOLIO_MAPPING_ANON = 0x1
FOLIO_MAPPING_KSM = 0x3
FOLIO_MAPPING_FLAGS = 0x3

_PAGE_TYPES = {page_type.name: page_type.value for page_type in FACTS.page_types.values()}
PGTY_buddy = _PAGE_TYPES["PGTY_buddy"]
PGTY_table = _PAGE_TYPES["PGTY_table"]
PGTY_slab = _PAGE_TYPES["PGTY_slab"]
PGTY_zsmalloc = _PAGE_TYPES["PGTY_zsmalloc"]
PGTY_large_kmalloc = _PAGE_TYPES["PGTY_large_kmalloc"]
PGTY_hugetlb = _PAGE_TYPES["PGTY_hugetlb"]
PGTY_offline = _PAGE_TYPES["PGTY_offline"]
PGTY_guard = _PAGE_TYPES["PGTY_guard"]
PGTY_unaccepted = _PAGE_TYPES["PGTY_unaccepted"]

UNTYPED = -1
"""page_type == UINT_MAX (the int32 -1): no type, and _mapcount -1: not mapped."""

# GFP: which zones a request may use, whether it wants a compound page.
__GFP_DMA32 = 0x4
__GFP_HIGHMEM = 0x2
__GFP_MOVABLE = 0x8
__GFP_ZERO = 0x100
__GFP_COMP = 0x40000
__GFP_NOWARN = 0x2000
GFP_KERNEL = 0x400 | 0x800 | 0x40 | 0x80
GFP_ATOMIC = 0x20 | 0x800
GFP_USER = GFP_KERNEL | 0x100000
GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM
GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE
GFP_DMA32 = GFP_KERNEL | __GFP_DMA32

POISON_POINTER_DELTA = 0xDEAD000000000000
"""x86-64's CONFIG_ILLEGAL_POINTER_VALUE: poison values never look like kernel pointers."""
PP_SIGNATURE = 0x40 + POISON_POINTER_DELTA
"""include/linux/poison.h: page->pp_magic of a page_pool page (netmem_or_pp_magic)."""
PP_DMA_INDEX_SHIFT = 7
PP_DMA_INDEX_BITS = 32
PP_DMA_INDEX_MASK = ((1 << PP_DMA_INDEX_BITS) - 1) << PP_DMA_INDEX_SHIFT
PP_MAGIC_MASK = ~(PP_DMA_INDEX_MASK | 0x3) & 0xFFFFFFFFFFFFFFFF
"""mm.h: the bits of pp_magic page_pool_page_is_pp() compares (not the DMA index, not bits 0-1)."""

GUP_PIN_COUNTING_BIAS = 1 << 10
"""mm.h: a FOLL_PIN on a small folio adds this to the refcount; large folios count in _pincount."""

FOLL_WRITE = 0x01
FOLL_GET = 0x04
FOLL_PIN = 0x40000
FOLL_LONGTERM = 0x100

MAX_PAGE_ORDER = 10
"""x86-64's default CONFIG_ARCH_FORCE_MAX_ORDER: buddy blocks up to 4 MiB."""
