"""For tests that boot a model machine: its zone sizes, the free pages it holds, and allocations
that must succeed."""

from __future__ import annotations

from model import lru, mm
from model import page_alloc as pa
from model import pageflags as pf
from model.machine import Machine
from model.page_alloc import page_folio, page_view
from model.pgtable import lookup_pte
from ontology import types

SMALL = {"DMA32": 2048, "NORMAL": 4096, "HIGHMEM": 2048, "MOVABLE": 2048}
"""Pages per zone: small enough to boot in milliseconds, with highmem and a movable zone."""
BASE = 0x10000000
"""A user address to map at."""
PAGE = 4096


def free_pages(machine: Machine) -> list[int]:
    """Free pages per zone, once the per-CPU LRU batches and page lists are drained back."""
    lru.lru_add_drain_all()
    machine.drain_pcp()
    return [zone.free_pages() for zone in machine.zones]


def folio_at(space: mm.MmStruct, address: int) -> types.Folio:
    """The folio mapped at a user address (the address must be mapped)."""
    pte = lookup_pte(space, address)
    assert pte is not None, f"nothing mapped at {address:#x}"
    return page_folio(page_view(pte[0]))


def page(gfp: int = pf.GFP_KERNEL, order: int = 0) -> types.Page:
    """alloc_pages that must succeed."""
    allocated = pa.alloc_pages(gfp, order)
    assert allocated is not None
    return allocated


def obj(addr: object) -> int:
    """A slab allocation's address, which must be one."""
    assert isinstance(addr, int)
    return addr
