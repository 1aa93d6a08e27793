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

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import model
from model import pageflags as pf
from model.machine import Machine, boot
from model.memmap import FLAGS, REFCOUNT
from model.page_alloc import __free_pages as free_page_block
from model.page_alloc import alloc_pages, folio_alloc, folio_get, folio_put, page_folio
from model.predicates import PREDICATES
from model.views import MeaninglessField, UseAfterFree
from ontology import types
from ontology.typegen.naming import class_name

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
        self.dropped: list[Any] = []  # views whose last reference a rule dropped

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
            self.dropped.append(folio)

    @precondition(lambda self: self.pages)
    @rule(index=st.integers(0, 10**6))
    def free_pages(self, index: int) -> None:
        page, order, _ = self.pages.pop(index % len(self.pages))
        free_page_block(page, order)
        self.dropped.append(page)

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
    def dropped_views_are_dead_and_held_ones_alive(self) -> None:
        """KASAN's view: a descriptor used after its last reference is dropped is reported, even
        once its pages are allocated again; one still referenced is not."""
        if not hasattr(self, "machine"):
            return
        for view in self.dropped:
            with pytest.raises(UseAfterFree):
                _ = view.flags
        for view in [folio for folio, _ in self.folios] + [page for page, _, _ in self.pages]:
            assert view.flags == self.machine.mem.get(view.pfn, FLAGS)

    @invariant()
    def tail_pages_have_no_mapping_of_their_own(self) -> None:
        if not hasattr(self, "machine"):
            return
        for folio, _ in self.folios:
            for pfn in range(folio.pfn + 1, folio.pfn + self.machine.span(folio.pfn)):
                with pytest.raises(MeaninglessField, match="tail_page"):
                    _ = self.machine.views.view("page", pfn).mapping

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


BASE = 0x10000000
FILE_BASE = 0x20000000
PAGE = 4096
ANON_PAGES = 32
FILE_PAGES = 16


class UserMemory(RuleBasedStateMachine):
    """Faults, page-cache reads, gup get/pin/unpin, LRU moves, reclaim and fork on one process.

    After every step: pins balanced (the folio's count equals the pins the test holds), every
    mapped page's folio in use (refcount >= 1) and never free, tails pointing at their heads,
    runtime classes agreeing with predicates. At teardown everything is released and every
    zone gets all its pages back.
    """

    machine: Machine

    @initialize(shared=st.booleans(), order=st.sampled_from([0, 0, 2]))
    def start(self, shared: bool, order: int) -> None:
        from model import anon, mm, pagecache

        self.machine = boot(SMALL)
        anon.zero_pfn()  # the kernel's zero page exists from boot and is never freed
        self.free_at_boot = self.free_counts()
        self.space = mm.new_mm()
        self.anon_vma = mm.mmap_anon(self.space, BASE, ANON_PAGES * PAGE, writable=True, order=order)
        self.mapping = pagecache.AddressSpace(bytes(range(256)) * (FILE_PAGES * PAGE // 256), name="data")
        self.file_vma = mm.mmap_file(self.space, self.mapping, FILE_BASE, FILE_PAGES * PAGE, 0, shared, writable=True)
        self.children: list[Any] = []
        self.pins: list[Any] = []  # pages pinned with FOLL_PIN
        self.gets: list[Any] = []  # pages referenced with FOLL_GET
        self.cached: list[Any] = []  # folio references from read_cache_folio
        assert anon.VM_FAULT_ERROR

    def free_counts(self) -> list[int]:
        from model import lru

        lru.lru_add_drain_all()
        self.machine.drain_pcp()
        return [zone.free_pages() + zone.metadata_pages for zone in self.machine.zones]

    # -- rules ----------------------------------------------------------------------------

    @rule(page=st.integers(0, ANON_PAGES - 1), write=st.booleans())
    def anon_fault(self, page: int, write: bool) -> None:
        from model import anon

        assert anon.handle_mm_fault(self.anon_vma, BASE + page * PAGE, write) == 0

    @rule(page=st.integers(0, FILE_PAGES - 1), write=st.booleans())
    def file_fault(self, page: int, write: bool) -> None:
        from model import anon

        assert anon.handle_mm_fault(self.file_vma, FILE_BASE + page * PAGE, write) == 0

    @rule(index=st.integers(0, FILE_PAGES - 1))
    def read_page_cache(self, index: int) -> None:
        from model import pagecache

        folio = types.read_cache_folio(self.mapping, index, None, pagecache.File(self.mapping))
        assert isinstance(folio, types.FileFolio) and types.folio_test_uptodate(folio)
        self.cached.append(folio)

    @precondition(lambda self: self.cached)
    @rule(index=st.integers(0, 10**6))
    def drop_page_cache_reference(self, index: int) -> None:
        folio_put(self.cached.pop(index % len(self.cached)))

    @rule(page=st.integers(0, ANON_PAGES - 1), pin=st.booleans(), anon_region=st.booleans())
    def gup(self, page: int, pin: bool, anon_region: bool) -> None:
        from model import gup, mm

        address = (BASE if anon_region else FILE_BASE) + page % (ANON_PAGES if anon_region else FILE_PAGES) * PAGE
        pages: list[types.Page] = []
        with mm.use_mm(self.space):
            if pin:
                assert gup.pin_user_pages(address, 1, pf.FOLL_WRITE, pages) == 1
            else:
                assert gup.get_user_pages(address, 1, pf.FOLL_WRITE, pages) == 1
        assert isinstance(pages[0], types.Page)
        (self.pins if pin else self.gets).append(pages[0])

    @precondition(lambda self: self.pins)
    @rule(index=st.integers(0, 10**6))
    def unpin(self, index: int) -> None:
        from model import gup

        gup.unpin_user_page(self.pins.pop(index % len(self.pins)))

    @precondition(lambda self: self.gets)
    @rule(index=st.integers(0, 10**6))
    def put(self, index: int) -> None:
        from model import page_alloc

        page_alloc.put_page(self.gets.pop(index % len(self.gets)))

    @rule()
    def drain_lru_batches(self) -> None:
        from model import lru

        lru.lru_add_drain()

    @rule(page=st.integers(0, ANON_PAGES - 1))
    def isolate_and_putback(self, page: int) -> None:
        from model import lru
        from model.pgtable import lookup_pte

        pte = lookup_pte(self.space, BASE + page * PAGE)
        if pte is None:
            return
        folio = page_folio(self.machine.views.view("page", pte[0]))  # type: ignore[arg-type]
        if lru.folio_isolate_lru(folio):
            assert not isinstance(folio, types.LruFolio)
            lru.folio_putback_lru(folio)

    @rule(nr=st.integers(1, 8))
    def reclaim(self, nr: int) -> None:
        from model import lru

        lru.shrink_node(nr)

    @precondition(lambda self: len(self.children) < 2)
    @rule()
    def fork(self) -> None:
        from model import anon

        self.children.append(anon.fork_mm(self.space))

    @precondition(lambda self: self.children)
    @rule(page=st.integers(0, ANON_PAGES - 1))
    def child_writes(self, page: int) -> None:
        from model import anon, mm

        child = self.children[-1]
        vma = mm.vma_lookup(child, BASE + page * PAGE)
        assert vma is not None
        assert anon.handle_mm_fault(vma, BASE + page * PAGE, True) == 0

    # -- invariants -----------------------------------------------------------------------

    def mapped_pfns(self) -> list[int]:
        from model.pgtable import lookup_pte

        pfns = []
        for space in [self.space, *self.children]:
            for address in [BASE + i * PAGE for i in range(ANON_PAGES)] + [
                FILE_BASE + i * PAGE for i in range(FILE_PAGES)
            ]:
                pte = lookup_pte(space, address)
                if pte is not None:
                    pfns.append(pte[0])
        return pfns

    @invariant()
    def pins_balanced(self) -> None:
        if not hasattr(self, "space"):
            return
        per_folio: dict[int, int] = {}
        for page in self.pins:
            head = self.machine.compound_head_pfn(page.pfn)
            per_folio[head] = per_folio.get(head, 0) + 1
        for head, pins in per_folio.items():
            if self.machine.is_head(head):
                assert self.machine.mem.get(head + 1, (3, 1)) == pins, f"_pincount of {head}"
            else:
                assert self.machine.refcount(head) >= pins * pf.GUP_PIN_COUNTING_BIAS

    @invariant()
    def mapped_memory_is_in_use_and_consistent(self) -> None:
        if not hasattr(self, "space"):
            return
        for pfn in self.mapped_pfns():
            head = self.machine.compound_head_pfn(pfn)
            assert self.machine.refcount(head) >= 1, f"mapped pfn {pfn} has a free folio"
            assert self.machine.page_type(head) is None or self.machine.page_type(head) != pf.PGTY_buddy
            page = self.machine.views.view("page", pfn)
            folio = page_folio(page)  # type: ignore[arg-type]
            assert folio.pfn == head  # type: ignore[attr-defined]
            for view in (page, folio):
                for name, (test, refinement, struct) in PREDICATES.items():
                    if refinement and struct == view._struct:
                        assert isinstance(view, getattr(types, class_name(refinement))) == test(view), name

    def teardown(self) -> None:
        if not hasattr(self, "space"):
            return
        from model import anon, gup, page_alloc, pagecache

        for page in self.pins:
            gup.unpin_user_page(page)
        for page in self.gets:
            page_alloc.put_page(page)
        for folio in self.cached:
            folio_put(folio)
        for child in self.children:
            anon.mmput(child)
        anon.mmput(self.space)
        pagecache.truncate_inode_pages(self.mapping)
        assert self.free_counts() == self.free_at_boot, "pages leaked"


TestUserMemory = UserMemory.TestCase
