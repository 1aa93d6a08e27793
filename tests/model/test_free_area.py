"""The buddy allocator's free blocks in lists (the kernel) and in radix trees whose nodes are pages
of the machine (model.radix_free, the 2021 folio-thread idea): same buddy behaviour, and the one
difference the thread raised, a highmem free that needs a node it cannot get."""

from __future__ import annotations

import random
from collections.abc import Iterable

import pytest

import model.predicates  # noqa: F401 - registers the predicates the views' runtime classes use
from model import page_alloc as pa
from model import pageflags as pf
from model.machine import FreeAreaFactory, ListFreeArea, Machine, ModelError, Zone, boot, running
from model.radix_free import (
    FreeNeedsAllocation,
    RadixFreeArea,
    aligned_blocks,
    preload,
    radix_area,
    release_reserve,
)
from ontology.types import Page

ZONES = {"DMA32": 2048, "NORMAL": 4096, "HIGHMEM": 2048, "MOVABLE": 2048}
ORDERS = range(pf.MAX_PAGE_ORDER + 1)


def machine(free_area: FreeAreaFactory) -> Machine:
    return boot(ZONES, free_area=free_area)


def zone(m: Machine, name: str) -> Zone:
    return next(z for z in m.zones if z.name == name)


def counts(z: Zone) -> list[int]:
    return [z.free_area.count(order) for order in ORDERS]


def held_pages(m: Machine) -> set[int]:
    held: set[int] = set()
    for z in m.zones:
        if isinstance(z.free_area, RadixFreeArea):
            pages = z.free_area.node_pages()
            assert not held & pages, "a page holds nodes of two free areas"
            held |= pages
    return held


def check(m: Machine, live: dict[int, int]) -> None:
    """Every page of every zone is exactly one of: in a free block, on a per-cpu list, allocated
    by the test (`live`: first pfn -> order), or held by a free area as node memory."""
    held = held_pages(m)
    owner: dict[int, str] = {}

    def own(pages: Iterable[int], what: str) -> None:
        for page in pages:
            assert page not in owner, f"pfn {page} is both {owner[page]} and {what}"
            owner[page] = what

    for pfn, order in live.items():
        assert m.refcount(pfn) >= 1
        own(range(pfn, pfn + (1 << order)), "allocated")
    own(held, "node memory")
    for z in m.zones:
        allocated = sum(1 << order for pfn, order in live.items() if z.start_pfn <= pfn < z.end_pfn)
        assert z.free_pages() + allocated + z.metadata_pages == z.nr_pages, z.name
        assert z.metadata_pages == sum(1 for page in held if z.start_pfn <= page < z.end_pfn), z.name
        for pfn, order in z.free_area.blocks():
            assert m.is_free_block(pfn, order), f"listed block {pfn}@{order} is not marked PGTY_buddy"
            buddy = pfn ^ (1 << order)
            assert order == pf.MAX_PAGE_ORDER or not m.is_free_block(buddy, order), f"unmerged buddies {pfn}@{order}"
            own(range(pfn, pfn + (1 << order)), "free")
        own((page for cpu in z.pcp for page in cpu.pages), "on a per-cpu list")
    assert len(owner) == m.nr_pages


def free(page: Page, order: int) -> None:
    pa.__free_pages(page, order)


# -- the same buddy behaviour ---------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_same_sequence_gives_same_free_counts(seed: int) -> None:
    """One random alloc/free sequence in HIGHMEM on both machines: the free counts per order agree
    after every step. Lists pop the oldest block, trees the lowest PFN, so once an order holds
    several blocks the two may allocate different PFNs; the counts still agree through
    allocations (which split the same orders) and after freeing everything, and the PFNs agree
    through the first allocations and frees, which the test checks too. Lowmem is not allocated
    from, so there the radix machine's free pages plus its node pages equal the list machine's."""
    rng = random.Random(seed)
    lists, trees = machine(ListFreeArea), machine(RadixFreeArea)
    high = zone(trees, "HIGHMEM")
    area = radix_area(high)
    assert preload(high, area.max_nodes())  # every free succeeds; test_highmem_* covers the rest
    live: dict[Machine, list[tuple[Page, int]]] = {lists: [], trees: []}

    def step(m: Machine, action: str, order: int, index: int) -> int:
        with running(m):
            if action == "alloc":
                page = pa.alloc_pages(pf.GFP_HIGHUSER, order)
                assert page is not None and page.pfn >= high.start_pfn
                live[m].append((page, order))
                return page.pfn
            page, order = live[m].pop(index)
            free(page, order)
            return page.pfn

    def compare(same_pfns: bool, a: int, b: int) -> None:
        if same_pfns:
            assert a == b
        assert counts(zone(lists, "HIGHMEM")) == counts(high)
        for name in ("DMA32", "NORMAL", "MOVABLE"):
            assert zone(lists, name).free_pages() == zone(trees, name).free_pages() + zone(trees, name).metadata_pages

    for _ in range(60):  # allocations only: each order holds at most one block, both pick it
        order = rng.choice([0, 0, 1, 2, 3])
        compare(True, step(lists, "alloc", order, 0), step(trees, "alloc", order, 0))
    for _ in range(40):  # frees of the same pages from the same state
        index = rng.randrange(len(live[lists]))
        compare(True, step(lists, "free", 0, index), step(trees, "free", 0, index))
    for _ in range(60):  # allocations: maybe other PFNs, the same orders split
        order = rng.choice([0, 1, 2, 3, 4])
        compare(False, step(lists, "alloc", order, 0), step(trees, "alloc", order, 0))
    while live[lists]:  # the PFNs may differ now, so may the merges: compare once all is free
        index = rng.randrange(len(live[lists]))
        step(lists, "free", 0, index)
        step(trees, "free", 0, index)
    lists.drain_pcp()
    trees.drain_pcp()
    compare(False, 0, 0)
    assert counts(high) == [0] * pf.MAX_PAGE_ORDER + [2]
    check(trees, {})


def test_random_sequence_keeps_every_zone_consistent() -> None:
    """Allocations and frees of every kind in every zone: lowmem blocks paying for their nodes,
    highmem frees refused until preloaded; every page accounted for throughout."""
    rng = random.Random(7)
    m = machine(RadixFreeArea)
    live: list[tuple[Page, int]] = []
    refused = 0
    gfps = [pf.GFP_KERNEL, pf.GFP_DMA32, pf.GFP_HIGHUSER, pf.GFP_HIGHUSER_MOVABLE]
    for step in range(400):
        if live and rng.random() < 0.45:
            index = rng.randrange(len(live))
            page, order = live[index]
            try:
                free(page, order)
            except FreeNeedsAllocation as error:
                refused += 1
                assert "freeing highmem pfn" in str(error)
                check(m, {p.pfn: o for p, o in live})  # nothing changed: still allocated
                high = m.zone_of(page.pfn)
                assert preload(high, radix_area(high).max_nodes())
                free(page, order)
            live.pop(index)
        else:
            order = rng.choice([0, 0, 0, 1, 2, 3, 5])
            new = pa.alloc_pages(rng.choice(gfps), order)
            if new is not None:
                live.append((new, order))
        if step % 40 == 39:
            release_reserve(m, keep=rng.choice([0, 2]))  # shrink the node caches now and then
            check(m, {p.pfn: o for p, o in live})
    assert refused  # the highmem frees did run into empty reserves
    assert preload(zone(m, "HIGHMEM"), radix_area(zone(m, "HIGHMEM")).max_nodes())
    for page, order in live:
        free(page, order)
    m.drain_pcp()
    check(m, {})


# -- lowmem: the freed page holds the node ------------------------------------------------


def test_lowmem_free_into_empty_range_uses_the_freed_page_for_the_node() -> None:
    m = machine(RadixFreeArea)
    normal = zone(m, "NORMAL")
    area = radix_area(normal)
    m.cpu = 1  # CPU 1's list passes every order-0 page straight between caller and buddy
    normal.pcp[1].high, normal.pcp[1].batch = 0, 1
    single = pa.alloc_pages(pf.GFP_KERNEL, 0)  # splits an order-1 block: its buddy is listed at order 0
    block = pa.alloc_pages(pf.GFP_KERNEL, 6)  # 64 aligned pages: one whole leaf of the order-0 tree
    assert single is not None and block is not None
    pa.split_page(block, 6)
    first = block.pfn
    m.cpu = 0
    release_reserve(normal)  # its pages go to CPU 0's per-cpu list
    m.cpu = 1
    assert area.reserve == []
    tree = area.trees[0]
    assert tree.missing(area.key(first + 3, 0)) == 1  # the root exists, the leaf for this range does not
    live = {pfn: 0 for pfn in range(first, first + 64)} | {single.pfn: 0}
    free_before, meta_before = normal.free_pages(), normal.metadata_pages

    free(pa.page_view(first + 2), 0)  # its buddy first + 3 is allocated: no merge, a leaf is needed
    del live[first + 2]
    assert area.reserve == [first + 2]  # the freed page became node memory, nothing was listed
    assert m.refcount(first + 2) == 1 and not m.is_free_block(first + 2, 0)
    assert (normal.free_pages(), normal.metadata_pages) == (free_before, meta_before + 1)
    check(m, live)

    free(pa.page_view(first + 3), 0)  # the next free in the range lists into a leaf on that page
    del live[first + 3]
    assert m.is_free_block(first + 3, 0)
    assert tree.get(area.key(first + 3, 0)) == first + 3
    assert first + 2 in {node.page for node in tree.nodes()} and area.reserve == []
    assert (normal.free_pages(), normal.metadata_pages) == (free_before + 1, meta_before + 1)
    check(m, live)


def test_lowmem_block_pays_with_its_first_pages() -> None:
    """A larger lowmem block that needs nodes gives up its first pages and lists the rest."""
    m = machine(RadixFreeArea)
    normal = zone(m, "NORMAL")
    area = radix_area(normal)
    pages = [pa.alloc_pages(pf.GFP_KERNEL, 3) for _ in range(2)]  # buddies: the first leaves the second listed
    first, second = pages
    assert first is not None and second is not None and first.pfn ^ 8 == second.pfn
    target = first
    release_reserve(normal)
    live = {first.pfn: 3, second.pfn: 3}
    needed = area.nodes_needed(target.pfn, 3)
    assert needed >= 1 and area.reserve == []
    free_before, meta_before = normal.free_pages(), normal.metadata_pages
    free(target, 3)
    del live[target.pfn]
    paid = normal.metadata_pages - meta_before
    assert 1 <= paid <= 8 and normal.free_pages() == free_before + 8 - paid
    assert set(range(target.pfn, target.pfn + paid)) <= area.node_pages()
    for pfn, order in aligned_blocks(target.pfn + paid, target.pfn + 8):
        assert m.is_free_block(pfn, order)
    check(m, live)


# -- highmem: the free path cannot get a node ----------------------------------------------


def _highmem_pair(m: Machine) -> tuple[Page, Page]:
    """Two buddy order-1 highmem blocks, the order-1 tree left empty, the reserve emptied."""
    a = pa.alloc_pages(pf.GFP_HIGHUSER, 1)
    b = pa.alloc_pages(pf.GFP_HIGHUSER, 1)
    assert a is not None and b is not None and a.pfn ^ 2 == b.pfn
    if isinstance(zone(m, "HIGHMEM").free_area, RadixFreeArea):
        release_reserve(zone(m, "HIGHMEM"))
    return a, b


def test_highmem_free_needing_a_node_is_refused_and_changes_nothing() -> None:
    m = machine(RadixFreeArea)
    high = zone(m, "HIGHMEM")
    area = radix_area(high)
    a, b = _highmem_pair(m)
    live = {a.pfn: 1, b.pfn: 1}
    assert area.reserve == [] and area.nodes_needed(a.pfn, 1) == 2
    before = (counts(high), high.free_pages(), [z.metadata_pages for z in m.zones], area.nodes_in_use())

    with pytest.raises(FreeNeedsAllocation) as refused:
        free(a, 1)
    assert str(refused.value) == (
        f"freeing highmem pfn {a.pfn} (order 1) needs a radix-tree node; a highmem page has no kernel "
        "mapping to hold it and the free path cannot allocate one (preload nodes first)"
    )
    assert m.refcount(a.pfn) == 1  # still allocated: the caller can retry
    assert not any(pfn == a.pfn for pfn, _ in area.blocks())  # not listed, not lost
    assert (counts(high), high.free_pages(), [z.metadata_pages for z in m.zones], area.nodes_in_use()) == before
    check(m, live)

    assert preload(high, 2)  # outside the free: two lowmem pages from the normal allocation path
    assert all(not m.zone_of(page).highmem for page in area.node_pages())
    free(a, 1)
    del live[a.pfn]
    assert m.is_free_block(a.pfn, 1) and area.reserve == []
    check(m, live)
    free(b, 1)  # merges all the way up, releasing the nodes to the reserve
    assert counts(high) == [0] * pf.MAX_PAGE_ORDER + [2] and len(area.reserve) >= 2
    check(m, {})


def test_highmem_order0_refusal_comes_at_the_per_cpu_drain() -> None:
    """An order-0 free only reaches the buddy when the per-cpu list drains: that is where a
    missing node is refused, the page staying on the list."""
    m = machine(RadixFreeArea)
    high = zone(m, "HIGHMEM")
    area = radix_area(high)
    page = pa.alloc_pages(pf.GFP_HIGHUSER, 0)  # the per-cpu refill took a batch of 16
    assert page is not None
    release_reserve(high)
    free(page, 0)  # onto the per-cpu list: nothing needed yet
    on_list = list(high.pcp[0].pages)
    assert on_list[-1] == page.pfn and area.reserve == []
    with pytest.raises(FreeNeedsAllocation) as refused:
        m.drain_pcp()
    left = high.pcp[0].pages
    assert left == on_list[: len(left)]  # pages leave from the end; the refused one stays
    assert str(refused.value).startswith(f"freeing highmem pfn {left[-1]} (order 0) needs a radix-tree node")
    check(m, {})
    assert preload(high, area.nodes_needed(left[-1], 0))
    with pytest.raises(FreeNeedsAllocation):
        m.drain_pcp()  # the next page needs its own node
    assert preload(high, area.max_nodes())
    m.drain_pcp()
    assert counts(high) == [0] * pf.MAX_PAGE_ORDER + [2]
    check(m, {})


def test_lists_never_need_anything_for_the_same_free() -> None:
    m = machine(ListFreeArea)
    high = zone(m, "HIGHMEM")
    a, b = _highmem_pair(m)
    free(a, 1)
    assert m.is_free_block(a.pfn, 1) and all(z.metadata_pages == 0 for z in m.zones)
    free(b, 1)
    assert counts(high) == [0] * pf.MAX_PAGE_ORDER + [2]


# -- boot ---------------------------------------------------------------------------------------


def test_boot_nodes_are_lowmem_and_highmem_boots_whole() -> None:
    m = machine(RadixFreeArea)
    check(m, {})
    high = zone(m, "HIGHMEM")
    assert counts(high) == [0] * pf.MAX_PAGE_ORDER + [2]  # preloaded from lowmem: no block split
    assert high.metadata_pages == 0 and radix_area(high).nodes_in_use() == 1
    assert all(not m.zone_of(page).highmem for page in held_pages(m))
    for name in ("DMA32", "NORMAL", "MOVABLE"):  # lowmem zones hold their nodes in their first pages
        z = zone(m, name)
        assert z.start_pfn in radix_area(z).node_pages()
        assert 0 < z.metadata_pages < 32
        assert counts(z)[pf.MAX_PAGE_ORDER] == (z.nr_pages >> pf.MAX_PAGE_ORDER) - 1


def test_boot_without_lowmem_cannot_hold_highmem_nodes() -> None:
    with pytest.raises(ModelError, match="no lowmem left"):
        boot({"HIGHMEM": 2048}, free_area=RadixFreeArea)
