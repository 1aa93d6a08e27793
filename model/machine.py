"""The modelled machine: nodes, zones over one mem_map, the buddy allocator and per-cpu lists.

Follows mm/page_alloc.c: each zone keeps free blocks per order (`FreeArea`); freeing merges a
block with its buddy (PFN xor 1 << order) while the buddy is free at the same order; allocating
takes the smallest sufficient block and splits it, returning halves to lower orders. Order-0
pages go through per-cpu lists first, refilled and drained in batches. A free block's first page
is typed PGTY_buddy with its order in ->private, exactly as the kernel marks it.

The free-list structure sits behind the `FreeArea` interface so that a different structure (a
radix tree whose nodes come from the model, `model.radix_free`) can replace the lists.

The path modules act on `current()` machine: what one keeps per machine (the swap cache, the LRU
lists, slab caches...) is a `PerMachine` side table, and `model_object()` narrows a kernel object
a caller passes (an mm, a kmem_cache...) to the model's own class.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from model import pageflags as pf
from model.memmap import COMPOUND_HEAD, FLAGS, PAGE_TYPE, PRIVATE, REFCOUNT, MemMap, Slot
from model.views import ViewRegistry, attach_registry

ZONE_ORDER = ("DMA32", "NORMAL", "HIGHMEM", "MOVABLE")
"""Zones in PFN order. x86-64 has no HIGHMEM; the model keeps one so highmem's missing kernel
mapping (the 2021 free-page question, kmap_local) can be shown."""


LARGE_MAPCOUNT: Slot = (2, 0)
NR_PAGES_MAPPED: Slot = (2, 1)
PINCOUNT: Slot = (3, 1)
"""Slots of a large folio's second page: _large_mapcount, _nr_pages_mapped, _pincount (64-bit)."""


class ModelError(Exception):
    """The model refusing an operation the kernel would BUG or WARN on (double free, bad unpin...)."""


T = TypeVar("T")


def model_object(value: object, cls: type[T], what: str) -> T:
    """`value` as the model's own `cls`: functions declared on the ontology's kernel objects
    (an mm, a kmem_cache...) get them from callers, who might pass another implementation's."""
    if not isinstance(value, cls):
        raise ModelError(f"{type(value).__name__} is not {what} of this model")
    return value


class FreeArea(Protocol):
    """Free blocks of one zone by order: the structure the 2021 debate asked about."""

    def add(self, pfn: int, order: int) -> None: ...
    def remove(self, pfn: int, order: int) -> None: ...
    def pop(self, order: int) -> int | None: ...
    def count(self, order: int) -> int: ...
    def blocks(self) -> Iterator[tuple[int, int]]: ...
    def check_free(self, inserts: Sequence[tuple[int, int]], frees: Sequence[tuple[int, int]]) -> None:
        """Raise, changing nothing, if listing `inserts` (free_one each, in order) would need memory
        the free path cannot get; `frees` are the caller's blocks, for the message."""
        ...


class ListFreeArea:
    """The kernel's structure: a list of free blocks per order (an insertion-ordered dict here)."""

    def __init__(self, zone: Zone):
        self.lists: list[dict[int, None]] = [{} for _ in range(pf.MAX_PAGE_ORDER + 1)]

    def add(self, pfn: int, order: int) -> None:
        self.lists[order][pfn] = None

    def remove(self, pfn: int, order: int) -> None:
        del self.lists[order][pfn]

    def pop(self, order: int) -> int | None:
        free = self.lists[order]
        if not free:
            return None
        pfn = next(iter(free))
        del free[pfn]
        return pfn

    def count(self, order: int) -> int:
        return len(self.lists[order])

    def blocks(self) -> Iterator[tuple[int, int]]:
        for order, free in enumerate(self.lists):
            for pfn in free:
                yield pfn, order

    def check_free(self, inserts: Sequence[tuple[int, int]], frees: Sequence[tuple[int, int]]) -> None:
        """A list never needs memory to insert: its list_head lives in the free page itself."""


FreeAreaFactory = Callable[["Zone"], FreeArea]


@dataclass
class PerCpuPages:
    """struct per_cpu_pages, order 0 only: a list, a high mark and a batch size."""

    pages: list[int] = field(default_factory=list)
    high: int = 64
    batch: int = 16


@dataclass
class Zone:
    """struct zone: a PFN range with its own free area and per-cpu lists."""

    name: str
    node: int
    start_pfn: int
    nr_pages: int
    highmem: bool
    free_area: FreeArea = field(init=False, repr=False)
    pcp: list[PerCpuPages] = field(default_factory=list, repr=False)
    metadata_pages: int = 0
    """Pages the free-area structure itself holds (radix-tree nodes); 0 for lists."""
    machine: Machine | None = field(default=None, repr=False, compare=False)
    """The machine the zone belongs to (set before its free area is created, which may allocate)."""

    @property
    def end_pfn(self) -> int:
        return self.start_pfn + self.nr_pages

    def free_pages(self) -> int:
        buddy = sum(1 << order for _, order in self.free_area.blocks())
        return buddy + sum(len(cpu.pages) for cpu in self.pcp)


class Machine:
    """A machine: nodes of zones over one mem_map, and the current CPU for per-cpu lists.

    `zone_pages` maps a zone name to its size in pages per node; sizes are rounded down to
    whole max-order blocks so the buddy allocator starts from aligned blocks as at boot.
    """

    def __init__(
        self,
        zone_pages: dict[str, int],
        nodes: int = 1,
        cpus: int = 2,
        free_area: FreeAreaFactory = ListFreeArea,
    ):
        block = 1 << pf.MAX_PAGE_ORDER
        self.zones: list[Zone] = []
        pfn = 0
        for node in range(nodes):
            for name in ZONE_ORDER:
                size = zone_pages.get(name, 0) // block * block
                if size:
                    self.zones.append(Zone(name, node, pfn, size, name == "HIGHMEM"))
                    pfn += size
        self.nr_pages = pfn
        self.mem = MemMap(pfn)
        self.views = ViewRegistry(self.mem, self.compound_head_pfn, self.span)
        attach_registry(self.views)
        self.cpus = cpus
        self.cpu = 0
        self._zone_starts = [zone.start_pfn for zone in self.zones]
        self.contents: dict[int, bytearray] = {}
        """Page contents written so far (sparse); highmem pages only through kmap_local."""
        for zone in self.zones:
            zone.pcp = [PerCpuPages() for _ in range(cpus)]
            zone.machine = self
            zone.free_area = free_area(zone)
            for start in range(zone.start_pfn, zone.end_pfn, block):
                self._free_block(zone, start, pf.MAX_PAGE_ORDER)

    # -- geometry -----------------------------------------------------------------------

    def zone_of(self, pfn: int) -> Zone:
        if not 0 <= pfn < self.nr_pages:
            raise ModelError(f"pfn {pfn} is outside mem_map (0..{self.nr_pages - 1})")
        return self.zones[bisect.bisect_right(self._zone_starts, pfn) - 1]

    def compound_head_pfn(self, pfn: int) -> int:
        """The head of the compound page `pfn` belongs to (itself if not a tail)."""
        value = self.mem.get(pfn, COMPOUND_HEAD)
        return value >> 1 if value & 1 else pfn

    def is_head(self, pfn: int) -> bool:
        return bool(self.mem.get(pfn, FLAGS) >> pf.PG_head & 1)

    def order_of(self, head: int) -> int:
        """folio_order(): 0 unless PG_head, else the low byte of the second page's flags."""
        return self.mem.get(head + 1, FLAGS) & 0xFF if self.is_head(head) else 0

    def span(self, pfn: int) -> int:
        return 1 << self.order_of(pfn)

    # -- flags and types ------------------------------------------------------------------

    def test_flag(self, pfn: int, bit: int) -> bool:
        return bool(self.mem.get(pfn, FLAGS) >> bit & 1)

    def set_flag(self, pfn: int, bit: int, on: bool = True) -> None:
        value = self.mem.get(pfn, FLAGS)
        self.mem.set(pfn, FLAGS, value | 1 << bit if on else value & ~(1 << bit))
        self.views.changed(pfn)

    def page_type(self, pfn: int) -> int | None:
        """The PGTY_* value in the top byte of page_type, or None when untyped."""
        raw = self.mem.get(pfn, PAGE_TYPE) & 0xFFFFFFFF
        return raw >> 24 if raw >> 24 >= 0xF0 and raw != 0xFFFFFFFF else None

    def set_page_type(self, pfn: int, pgty: int | None, low: int = 0) -> None:
        """__SetPageX / __ClearPageX: a page type in the top byte, low bits owner-defined."""
        if pgty is None:
            self.mem.set(pfn, PAGE_TYPE, pf.UNTYPED)
        else:
            if self.page_type(pfn) is None and self.mem.get(pfn, PAGE_TYPE) != pf.UNTYPED:
                raise ModelError(f"pfn {pfn} is mapped (mapcount {self.mem.get(pfn, PAGE_TYPE)}); cannot type it")
            raw = (pgty << 24) | (low & 0xFFFFFF)
            self.mem.set(pfn, PAGE_TYPE, raw - (1 << 32) if raw >= 1 << 31 else raw)
        self.views.changed(pfn)

    def refcount(self, pfn: int) -> int:
        return self.mem.get(pfn, REFCOUNT)

    def set_refcount(self, pfn: int, value: int) -> None:
        self.mem.set(pfn, REFCOUNT, value)

    # -- compound pages -------------------------------------------------------------------

    def prep_compound(self, head: int, order: int) -> None:
        """prep_compound_page(): PG_head, each tail's compound_head = head | 1, order in page[1]."""
        self.set_flag(head, pf.PG_head)
        for tail in range(head + 1, head + (1 << order)):
            self.mem.set(tail, COMPOUND_HEAD, head << 1 | 1)
            self.views.changed(tail)
        self.mem.set(head + 1, FLAGS, (self.mem.get(head + 1, FLAGS) & ~0xFF) | order)
        self.mem.set(head + 1, LARGE_MAPCOUNT, -1)  # prep_compound_head(): _large_mapcount = -1
        self.views.changed(head)

    def destroy_compound(self, head: int, order: int) -> None:
        for tail in range(head + 1, head + (1 << order)):
            self.mem.set(tail, COMPOUND_HEAD, 0)
            self.mem.set(tail, FLAGS, 0)
            self.views.changed(tail)
        for slot in (LARGE_MAPCOUNT, NR_PAGES_MAPPED, PINCOUNT):  # the second page's folio counters
            self.mem.set(head + 1, slot, 0)
        self.set_flag(head, pf.PG_head, False)

    # -- buddy ----------------------------------------------------------------------------

    def _free_block(self, zone: Zone, pfn: int, order: int) -> None:
        self.set_page_type(pfn, pf.PGTY_buddy)
        self.mem.set(pfn, PRIVATE, order)
        zone.free_area.add(pfn, order)

    def _take_block(self, zone: Zone, pfn: int, order: int) -> None:
        zone.free_area.remove(pfn, order)
        self._clear_buddy(pfn)

    def _clear_buddy(self, pfn: int) -> None:
        self.mem.set(pfn, PRIVATE, 0)
        self.set_page_type(pfn, None)

    def is_free_block(self, pfn: int, order: int) -> bool:
        """page_is_buddy(): typed PGTY_buddy with this order in ->private."""
        return self.page_type(pfn) == pf.PGTY_buddy and self.mem.get(pfn, PRIVATE) == order

    def free_one(self, pfn: int, order: int) -> None:
        """__free_one_page(): merge with free buddies as far as they go, then list the block."""
        zone = self.zone_of(pfn)
        while order < pf.MAX_PAGE_ORDER:
            buddy = pfn ^ (1 << order)
            if not zone.start_pfn <= buddy < zone.end_pfn or not self.is_free_block(buddy, order):
                break
            self._take_block(zone, buddy, order)
            pfn = min(pfn, buddy)
            order += 1
        self._free_block(zone, pfn, order)

    def take_smallest(self, zone: Zone, order: int) -> int | None:
        """__rmqueue_smallest(): the first free block of at least `order`, split down to it."""
        for current in range(order, pf.MAX_PAGE_ORDER + 1):
            pfn = zone.free_area.pop(current)
            if pfn is None:
                continue
            self._clear_buddy(pfn)
            while current > order:  # expand(): return the upper halves
                current -= 1
                self._free_block(zone, pfn + (1 << current), current)
            return pfn
        return None

    def rmqueue(self, zone: Zone, order: int) -> int | None:
        """Take `order` pages from `zone`: order 0 through this CPU's list, refilled in a batch."""
        if order:
            return self.take_smallest(zone, order)
        pcp = zone.pcp[self.cpu]
        if not pcp.pages:
            for _ in range(pcp.batch):
                pfn = self.take_smallest(zone, 0)
                if pfn is None:
                    break
                pcp.pages.append(pfn)
        return pcp.pages.pop() if pcp.pages else None

    def free_pages_to_zone(self, pfn: int, order: int) -> None:
        """free_one_page() / free_unref_page(): order 0 to the CPU list, drained past `high`."""
        zone = self.zone_of(pfn)
        if order:
            self.free_one(pfn, order)
            return
        pcp = zone.pcp[self.cpu]
        pcp.pages.append(pfn)
        if len(pcp.pages) > pcp.high:
            for _ in range(pcp.batch):
                self.free_one(pcp.pages.pop(0), 0)

    def check_free(self, frees: Sequence[tuple[int, int]]) -> None:
        """Before freeing `frees` (free_pages_to_zone each, in order): raise, changing nothing, if
        the free areas would need memory to list the blocks that reach the buddy (the block
        itself, or the per-cpu batch its free drains). Callers check before dropping the last
        reference, so a refused free leaves the page allocated for a retry."""
        pcps: dict[int, list[int]] = {}
        inserts: dict[int, list[tuple[int, int]]] = {}
        for pfn, order in frees:
            zone = self.zone_of(pfn)
            index = self.zones.index(zone)
            if order:
                inserts.setdefault(index, []).append((pfn, order))
                continue
            pcp = zone.pcp[self.cpu]
            pages = pcps.setdefault(index, list(pcp.pages))
            pages.append(pfn)
            if len(pages) > pcp.high:
                inserts.setdefault(index, []).extend((pages.pop(0), 0) for _ in range(pcp.batch))
        for index, blocks in inserts.items():
            self.zones[index].free_area.check_free(blocks, frees)

    def drain_pcp(self) -> None:
        """drain_all_pages(): every CPU list back into the buddy free areas (each page checked
        before it leaves its list, so a refused page stays there)."""
        for zone in self.zones:
            for pcp in zone.pcp:
                while pcp.pages:
                    zone.free_area.check_free([(pcp.pages[-1], 0)], [(pcp.pages[-1], 0)])
                    self.free_one(pcp.pages.pop(), 0)


_CURRENT: list[Machine] = []


def current() -> Machine:
    """The machine kernel functions act on (the kernel's functions take no machine argument)."""
    if not _CURRENT:
        raise ModelError("no machine: create one with model.machine.boot(...)")
    return _CURRENT[-1]


@contextmanager
def running(machine: Machine) -> Iterator[Machine]:
    """Make `machine` current for the duration of a `with` block."""
    _CURRENT.append(machine)
    try:
        yield machine
    finally:
        _CURRENT.remove(machine)


class PerMachine(Generic[T]):
    """State a module keeps for each machine (its swap cache, LRU lists, slab caches...).

    The kernel keeps such state in globals; the model may run several machines, so each state
    is made by `factory` on a machine's first use and goes away with the machine.
    """

    def __init__(self, factory: Callable[[Machine], T]):
        self._factory = factory
        self._states: weakref.WeakKeyDictionary[Machine, T] = weakref.WeakKeyDictionary()

    def __call__(self, machine: Machine | None = None) -> T:
        """The state of `machine` (by default the current one), made if it has none yet."""
        machine = machine or current()
        state = self._states.get(machine)
        if state is None:
            state = self._states[machine] = self._factory(machine)
        return state

    def get(self, machine: Machine) -> T | None:
        """The state of `machine` if it has one, without making it."""
        return self._states.get(machine)


def boot(zone_pages: dict[str, int] | None = None, **options: object) -> Machine:
    """Create a machine and make it current (replacing any current one)."""
    machine = Machine(zone_pages or {"DMA32": 4096, "NORMAL": 16384, "HIGHMEM": 4096, "MOVABLE": 4096}, **options)  # type: ignore[arg-type]
    _CURRENT.clear()
    _CURRENT.append(machine)
    return machine
