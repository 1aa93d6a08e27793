"""Random sequences of kernel operations on the model, checking the kernel's invariants after each.

Invariants (mm/page_alloc.c, mm.h, page-flags.h): no page is both free and in use; pages are
conserved per zone; in-use memory has refcount >= 1 and free memory 0; every tail page points
to its head; buddy blocks are aligned to their order and disjoint; no descriptor's runtime class
disagrees with its predicates. Run deeper with HYPOTHESIS_PROFILE=deep.
"""

from __future__ import annotations

import bisect
import itertools
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import model
from model import pageflags as pf
from model.machine import Machine, boot
from model.memmap import REFCOUNT
from model.page_alloc import __free_pages as free_page_block
from model.page_alloc import alloc_pages, folio_alloc, folio_get, folio_put, page_folio
from model.predicates import PREDICATES
from ontology import types
from ontology.typegen import class_name

SMALL = {"DMA32": 1024, "NORMAL": 2048, "HIGHMEM": 1024, "MOVABLE": 1024}
GFPS = st.sampled_from([pf.GFP_KERNEL, pf.GFP_HIGHUSER_MOVABLE, pf.GFP_KERNEL | pf.__GFP_COMP, pf.GFP_DMA32])


class KernelMemory(RuleBasedStateMachine):
    """The allocator paths; later paths add their own rules in subclasses below."""

    machine: Machine

    @initialize()
    def start(self) -> None:
        assert model.predicates  # the package registers the model's implementations
        self.machine = boot(SMALL)
        self.pages: list[tuple[Any, int, int]] = []  # (page view, order, extra references)
        self.folios: list[tuple[Any, int]] = []  # (folio view, extra references)

    # -- rules ----------------------------------------------------------------------------

    @rule(gfp=GFPS, order=st.integers(0, 4))
    def allocate_pages(self, gfp: int, order: int) -> None:
        page = alloc_pages(gfp, order)
        if page is not None:
            assert isinstance(page, types.Page)
            self.pages.append((page, order, 0))

    @rule(order=st.integers(0, 4), movable=st.booleans())
    def allocate_folio(self, order: int, movable: bool) -> None:
        folio = folio_alloc(pf.GFP_HIGHUSER_MOVABLE if movable else pf.GFP_KERNEL, order)
        if folio is not None:
            assert isinstance(folio, types.Folio)
            assert isinstance(folio, types.LargeFolio) == (order > 0)
            self.folios.append((folio, 0))

    @precondition(lambda self: self.folios)
    @rule(index=st.integers(0, 10**6))
    def get_folio(self, index: int) -> None:
        position = index % len(self.folios)
        folio, refs = self.folios[position]
        folio_get(folio)
        self.folios[position] = (folio, refs + 1)

    @precondition(lambda self: self.folios)
    @rule(index=st.integers(0, 10**6))
    def put_folio(self, index: int) -> None:
        position = index % len(self.folios)
        folio, refs = self.folios[position]
        folio_put(folio)
        if refs:
            self.folios[position] = (folio, refs - 1)
        else:
            self.folios.pop(position)

    @precondition(lambda self: self.pages)
    @rule(index=st.integers(0, 10**6))
    def free_pages(self, index: int) -> None:
        page, order, _ = self.pages.pop(index % len(self.pages))
        free_page_block(page, order)

    @rule()
    def drain(self) -> None:
        self.machine.drain_pcp()

    # -- invariants -----------------------------------------------------------------------

    def in_use(self) -> dict[int, int]:
        """PFN -> owner head PFN, for every page the test holds."""
        used: dict[int, int] = {}
        for page, order, _ in self.pages:
            for pfn in range(page.pfn, page.pfn + (1 << order)):
                assert pfn not in used, f"pfn {pfn} handed out twice"
                used[pfn] = page.pfn
        for folio, _ in self.folios:
            for pfn in range(folio.pfn, folio.pfn + self.machine.span(folio.pfn)):
                assert pfn not in used, f"pfn {pfn} handed out twice"
                used[pfn] = folio.pfn
        return used

    def free_intervals(self) -> list[tuple[int, int]]:
        """Every free block and per-cpu page as sorted (start, end) PFN intervals, checked."""
        intervals: list[tuple[int, int]] = []
        for zone in self.machine.zones:
            for pfn, order in zone.free_area.blocks():
                assert pfn % (1 << order) == 0, f"free block {pfn} not aligned to order {order}"
                assert self.machine.is_free_block(pfn, order)
                intervals.append((pfn, pfn + (1 << order)))
            for cpu in zone.pcp:
                intervals.extend((pfn, pfn + 1) for pfn in cpu.pages)
        intervals.sort()
        for (_, end), (start, _) in itertools.pairwise(intervals):
            assert end <= start, f"free memory overlaps at pfn {start}"
        return intervals

    @invariant()
    def pages_are_free_or_used_never_both(self) -> None:
        if not hasattr(self, "machine"):
            return
        used = self.in_use()
        free = self.free_intervals()
        starts = [start for start, _ in free]
        for pfn in used:
            slot = bisect.bisect_right(starts, pfn) - 1
            assert slot < 0 or not free[slot][0] <= pfn < free[slot][1], f"pfn {pfn} is free and in use"
        refcounts = self.machine.mem.columns[REFCOUNT]
        for start, end in free:
            assert not any(refcounts[start:end]), f"free memory at pfn {start} has a refcount"
        for zone in self.machine.zones:
            zone_used = sum(1 for pfn in used if zone.start_pfn <= pfn < zone.end_pfn)
            zone_free = sum(
                min(end, zone.end_pfn) - max(start, zone.start_pfn)
                for start, end in free
                if start < zone.end_pfn and end > zone.start_pfn
            )
            assert zone_used + zone_free + zone.metadata_pages == zone.nr_pages, zone.name
        for page, _, refs in self.pages:
            assert self.machine.refcount(page.pfn) == 1 + refs
        for folio, refs in self.folios:
            assert self.machine.refcount(folio.pfn) == 1 + refs

    @invariant()
    def tails_point_to_heads(self) -> None:
        if not hasattr(self, "machine"):
            return
        for folio, _ in self.folios:
            for pfn in range(folio.pfn + 1, folio.pfn + self.machine.span(folio.pfn)):
                assert self.machine.compound_head_pfn(pfn) == folio.pfn
                assert page_folio(self.machine.views.view("page", pfn)) is folio  # type: ignore[arg-type]

    @invariant()
    def runtime_classes_agree_with_predicates(self) -> None:
        if not hasattr(self, "machine"):
            return
        held = [folio for folio, _ in self.folios] + [page for page, _, _ in self.pages]
        for view in held:
            for name, (test, refinement, struct) in PREDICATES.items():
                if refinement and struct == view._struct:
                    cls = getattr(types, class_name(refinement))
                    assert isinstance(view, cls) == test(view), f"{name} vs {type(view).__name__}"


TestKernelMemory = KernelMemory.TestCase
