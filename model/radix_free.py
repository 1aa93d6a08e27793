"""Free blocks in radix trees whose nodes are pages of the machine: the 2021 folio-thread idea.

If struct page shrinks to a memory descriptor pointer, the buddy allocator loses the list_head it
threads its free lists through. One idea was to keep free blocks in an xarray keyed by PFN
instead. The objection: inserting may need a new tree node, and the free path cannot allocate
(it would recurse into the allocator, possibly in atomic context). A freed lowmem page can hold
the node itself; a freed highmem page cannot, since it has no kernel mapping to write the node in.

`RadixFreeArea` implements the `FreeArea` protocol of `model.machine` that way: per order, a
radix tree (fan-out 64, the xarray's XA_CHUNK_SHIFT 6) indexed by the block's number within the
zone, `(pfn - zone_start_pfn) >> order`, with a fixed height that spans the zone (the xarray
grows and shrinks its height; fixing it makes the nodes an insert needs a function of which
nodes exist). Every node occupies one lowmem page of the machine, counted in the
`metadata_pages` of the zone that page lies in, with refcount 1 like any page a subsystem owns.

Where a node comes from when an insert needs one, in order:

1. the zone's reserve, filled outside any free by `preload()` (radix_tree_preload(), xa_reserve():
   lowmem pages from `__get_free_pages(GFP_KERNEL, 0)`), and refilled by empty nodes, whose pages
   go back to it;
2. for a lowmem zone, the freed block itself: its first t pages become node pages (into the
   reserve) and the rest of the block, [pfn + t, pfn + 2^order), is listed as the aligned
   blocks it decomposes into, t the smallest count that covers the nodes those inserts need.
   Accounting: t pages move to `metadata_pages`, 2^order - t become free; the listed pieces
   cannot merge with anything, since their buddies contain the node pages;
3. for a highmem zone, nothing: `FreeNeedsAllocation`. `Machine.check_free()`, which
   `__free_pages()`, `folio_put()` and `drain_pcp()` call before anything changes, simulates the
   free (merges, the per-cpu batch it drains) on copies of the trees and raises first, so the
   page stays allocated with its refcount and the caller can `preload()` and retry.

Allocation splits blocks too (expand() lists the upper halves): a highmem `pop()` first tops
the reserve up from lowmem for the worst-case split, which the allocation path may do.

Boot (Machine.__init__ frees every zone's max-order blocks): a lowmem zone claims its first
pages for the nodes its boot needs, as memblock allocations precede the buddy allocator, and
its first block arrives with them inside; a highmem zone preloads its boot nodes from the
lowmem zones booted before it (DMA32 and NORMAL precede HIGHMEM), so highmem is freed from
the reserve alone and boot never splits a highmem block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from model import pageflags as pf
from model.arch import pfn_to_kaddr, virt_to_pfn
from model.machine import Machine, ModelError, Zone, running
from model.memmap import PRIVATE
from model.page_alloc import __get_free_pages, free_pages

CHUNK_SHIFT = 6
"""XA_CHUNK_SHIFT: each node has 64 slots."""
FANOUT = 1 << CHUNK_SHIFT
MASK = FANOUT - 1


class FreeNeedsAllocation(ModelError):
    """A free that needs a radix-tree node the free path cannot get (a highmem block, no reserve)."""


def _height(nr_keys: int) -> int:
    """Levels of 64-slot nodes needed to index keys 0..nr_keys-1."""
    height = 1
    while FANOUT**height < nr_keys:
        height += 1
    return height


class _Node:
    """struct xa_node, reduced: 64 slots (children, or PFNs in a leaf), a count, its page."""

    __slots__ = ("count", "page", "slots")

    def __init__(self, page: int) -> None:
        self.page = page
        self.slots: list[_Node | int | None] = [None] * FANOUT
        self.count = 0

    def clone(self) -> _Node:
        copy = _Node(self.page)
        copy.count = self.count
        copy.slots = [slot.clone() if isinstance(slot, _Node) else slot for slot in self.slots]
        return copy


class RadixTree:
    """A fixed-height radix tree from keys to PFNs; creating a node takes a page, pruning gives it back."""

    def __init__(self, height: int) -> None:
        self.height = height
        self.root: _Node | None = None
        self.size = 0

    def _digits(self, key: int) -> list[int]:
        return [(key >> (CHUNK_SHIFT * level)) & MASK for level in range(self.height - 1, -1, -1)]

    def missing(self, key: int) -> int:
        """How many nodes inserting `key` would create."""
        node = self.root
        if node is None:
            return self.height
        for depth, digit in enumerate(self._digits(key)[:-1]):
            child = node.slots[digit]
            if not isinstance(child, _Node):
                return self.height - depth - 1
            node = child
        return 0

    def _leaf(self, key: int) -> _Node | None:
        node = self.root
        for digit in self._digits(key)[:-1]:
            if node is None:
                return None
            child = node.slots[digit]
            node = child if isinstance(child, _Node) else None
        return node

    def get(self, key: int) -> int | None:
        leaf = self._leaf(key)
        value = None if leaf is None else leaf.slots[key & MASK]
        return value if isinstance(value, int) else None

    def insert(self, key: int, value: int, take: Callable[[], int]) -> None:
        """Store `value` at `key`, creating missing nodes on pages from `take()`."""
        if self.root is None:
            self.root = _Node(take())
        node = self.root
        for digit in self._digits(key)[:-1]:
            child = node.slots[digit]
            if not isinstance(child, _Node):
                child = _Node(take())
                node.slots[digit] = child
                node.count += 1
            node = child
        if node.slots[key & MASK] is not None:
            raise ModelError(f"radix tree already holds key {key} (pfn {node.slots[key & MASK]})")
        node.slots[key & MASK] = value
        node.count += 1
        self.size += 1

    def delete(self, key: int, release: Callable[[int], None]) -> int:
        """Erase `key`, handing each node left empty to `release()`; returns how many were."""
        path: list[tuple[_Node, int]] = []
        node = self.root
        for digit in self._digits(key):
            if node is None:
                break
            path.append((node, digit))
            child = node.slots[digit]
            node = child if isinstance(child, _Node) else None
        if len(path) != self.height or not isinstance(path[-1][0].slots[path[-1][1]], int):
            raise ModelError(f"radix tree holds no key {key}")
        self.size -= 1
        released = 0
        for depth in range(self.height - 1, -1, -1):
            parent, digit = path[depth]
            parent.slots[digit] = None
            parent.count -= 1
            if parent.count:
                break
            release(parent.page)  # xas_delete_node(): an empty node goes
            released += 1
            if depth == 0:
                self.root = None
        return released

    def first(self) -> int | None:
        """xa_find() from 0: the value at the lowest key (no node is ever empty)."""
        node = self.root
        while node is not None:
            slot = next(slot for slot in node.slots if slot is not None)
            if not isinstance(slot, _Node):
                return slot
            node = slot
        return None

    def values(self) -> Iterator[int]:
        stack = [self.root] if self.root is not None else []
        while stack:
            for slot in reversed(stack.pop().slots):
                if isinstance(slot, _Node):
                    stack.append(slot)
                elif slot is not None:
                    yield slot

    def nodes(self) -> Iterator[_Node]:
        stack = [self.root] if self.root is not None else []
        while stack:
            node = stack.pop()
            yield node
            stack.extend(slot for slot in node.slots if isinstance(slot, _Node))

    def clone(self) -> RadixTree:
        copy = RadixTree(self.height)
        copy.root = None if self.root is None else self.root.clone()
        copy.size = self.size
        return copy


def aligned_blocks(lo: int, hi: int) -> list[tuple[int, int]]:
    """[lo, hi) as the largest naturally aligned buddy blocks, lowest first."""
    blocks = []
    while lo < hi:
        order = pf.MAX_PAGE_ORDER
        while lo & ((1 << order) - 1) or lo + (1 << order) > hi:
            order -= 1
        blocks.append((lo, order))
        lo += 1 << order
    return blocks


def _node_page(machine: Machine) -> int | None:
    """A kernel-addressable page for a node: __get_free_pages(GFP_KERNEL, 0), the normal path."""
    with running(machine):
        addr = __get_free_pages(pf.GFP_KERNEL, 0)
    return virt_to_pfn(addr) if addr else None


class RadixFreeArea:
    """The FreeArea of one zone as per-order radix trees whose nodes are the machine's pages."""

    def __init__(self, zone: Zone) -> None:
        if zone.machine is None:
            raise ModelError(f"zone {zone.name} has no machine; a radix free area allocates from it")
        self.zone = zone
        self.machine: Machine = zone.machine
        self.trees = [RadixTree(_height(zone.nr_pages >> order)) for order in range(pf.MAX_PAGE_ORDER + 1)]
        self.reserve: list[int] = []
        """Node pages in no tree: preloaded, claimed from a freed block, or released by a node."""
        self._boot_claim = 0
        self._boot()

    # -- geometry and page marks ---------------------------------------------------------

    def key(self, pfn: int, order: int) -> int:
        return (pfn - self.zone.start_pfn) >> order

    def _mark(self, pfn: int, order: int) -> None:
        """set_buddy_order(): PGTY_buddy with the order in ->private (as Machine._free_block)."""
        self.machine.set_page_type(pfn, pf.PGTY_buddy)
        self.machine.mem.set(pfn, PRIVATE, order)

    def _unmark(self, pfn: int) -> None:
        self.machine.mem.set(pfn, PRIVATE, 0)
        self.machine.set_page_type(pfn, None)

    def _hold(self, pfn: int) -> None:
        """Make a page being freed node memory: allocated (refcount 1), metadata of its zone."""
        self.machine.set_refcount(pfn, 1)
        self.machine.zone_of(pfn).metadata_pages += 1
        self.reserve.append(pfn)

    def _take(self) -> int:
        if not self.reserve:
            raise ModelError(f"zone {self.zone.name}: radix-tree node reserve exhausted mid-insert")
        return self.reserve.pop()

    # -- boot ---------------------------------------------------------------------------

    def _boot(self) -> None:
        """Nodes for Machine.__init__'s frees of every max-order block of the zone."""
        top = pf.MAX_PAGE_ORDER
        blocks = self.zone.nr_pages >> top
        start = self.zone.start_pfn
        if self.zone.highmem:
            need = self._nodes_for([(start + (i << top), top) for i in range(blocks)])
            if not self.top_up(need):
                raise ModelError(
                    f"booting highmem zone {self.zone.name}: no lowmem left for its {need} radix-tree node pages"
                )
            return
        rest = [(start + (i << top), top) for i in range(1, blocks)]
        claim = next(
            t
            for t in range(1, (1 << top) + 1)
            if self._nodes_for(aligned_blocks(start + t, start + (1 << top)) + rest) <= t
        )
        for pfn in range(start, start + claim):
            self._hold(pfn)
        self._boot_claim = claim

    def _nodes_for(self, blocks: Sequence[tuple[int, int]]) -> int:
        """Nodes that inserting `blocks` (no merging) would create; trees are copied only for an
        order with several blocks, since inserts into one tree share nodes."""
        by_order: dict[int, list[int]] = {}
        for pfn, order in blocks:
            by_order.setdefault(order, []).append(pfn)
        total = 0
        for order, pfns in by_order.items():
            if len(pfns) == 1:
                total += self.trees[order].missing(self.key(pfns[0], order))
                continue
            tree = self.trees[order].clone()
            for pfn in pfns:
                total += tree.missing(self.key(pfn, order))
                tree.insert(self.key(pfn, order), pfn, lambda: -1)
        return total

    # -- the FreeArea protocol ----------------------------------------------------------

    def add(self, pfn: int, order: int) -> None:
        """List a free block (the machine has marked it PGTY_buddy)."""
        if self._boot_claim and pfn == self.zone.start_pfn:
            # The zone's first block, whose first pages boot already claimed for nodes.
            claim, self._boot_claim = self._boot_claim, 0
            self._unmark(pfn)
            self._list_range(pfn + claim, pfn + (1 << order))
            return
        key = self.key(pfn, order)
        if self.trees[order].missing(key) <= len(self.reserve):
            self.trees[order].insert(key, pfn, self._take)
        elif self.zone.highmem:
            raise FreeNeedsAllocation(_message(pfn, order, pfn, order) + " (Machine.check_free was bypassed)")
        else:
            self._donate(pfn, order)

    def _donate(self, pfn: int, order: int) -> None:
        """A lowmem block holds the nodes it needs: its first t pages become node pages."""
        end = pfn + (1 << order)
        claim = next(
            t
            for t in range(1, (1 << order) + 1)
            if self._nodes_for(aligned_blocks(pfn + t, end)) <= len(self.reserve) + t
        )
        self._unmark(pfn)
        for page in range(pfn, pfn + claim):
            self._hold(page)
        self._list_range(pfn + claim, end)

    def _list_range(self, lo: int, hi: int) -> None:
        for block, order in aligned_blocks(lo, hi):
            self._mark(block, order)
            self.trees[order].insert(self.key(block, order), block, self._take)

    def remove(self, pfn: int, order: int) -> None:
        tree = self.trees[order]
        if tree.get(self.key(pfn, order)) != pfn:
            raise ModelError(f"pfn {pfn} is not listed free at order {order} in zone {self.zone.name}")
        tree.delete(self.key(pfn, order), self.reserve.append)

    def pop(self, order: int) -> int | None:
        """The lowest free block of `order`; in highmem, first top the reserve up for its split."""
        pfn = self.trees[order].first()
        if pfn is None:
            return None
        if self.zone.highmem and order:
            halves = [(pfn + (1 << lower), lower) for lower in range(order)]
            need = sum(self.trees[lower].missing(self.key(half, lower)) for half, lower in halves)
            if not self.top_up(need):
                return None  # no lowmem for the nodes: this allocation fails, nothing changed
        self.trees[order].delete(self.key(pfn, order), self.reserve.append)
        return pfn

    def count(self, order: int) -> int:
        return self.trees[order].size

    def blocks(self) -> Iterator[tuple[int, int]]:
        for order, tree in enumerate(self.trees):
            for pfn in tree.values():
                yield pfn, order

    def check_free(self, inserts: Sequence[tuple[int, int]], frees: Sequence[tuple[int, int]]) -> None:
        """Raise FreeNeedsAllocation, changing nothing, if listing `inserts` needs more nodes than
        the reserve (plus what merging frees) holds. Lowmem never does: the block pays (rule 2)."""
        if not self.zone.highmem or not inserts:
            return
        if len(self.reserve) >= len(inserts) * max(tree.height for tree in self.trees):
            return  # no insert needs more than a tree's height
        failing = self._simulate(inserts, len(self.reserve))
        if failing is not None:
            caller = next(((p, o) for p, o in frees if self.machine.zone_of(p) is self.zone), inserts[0])
            raise FreeNeedsAllocation(_message(*caller, *failing))

    def nodes_needed(self, pfn: int, order: int) -> int:
        """Node pages the reserve must hold for free_one(pfn, order) to list it without
        allocating: what the merged block's insert creates, less what the merges release."""
        low, high = 0, sum(tree.height for tree in self.trees)
        while low < high:  # the smallest reserve that suffices
            middle = (low + high) // 2
            if self._simulate([(pfn, order)], middle) is None:
                high = middle
            else:
                low = middle + 1
        return low

    def _simulate(self, inserts: Sequence[tuple[int, int]], spare: int) -> tuple[int, int] | None:
        """free_one() each block on copies of the trees with `spare` reserve pages: the first
        merged block whose insert finds too few, or None."""
        trees: dict[int, RadixTree] = {}

        def tree(order: int) -> RadixTree:
            return trees.setdefault(order, self.trees[order].clone())

        for pfn, order in inserts:
            block, level = pfn, order
            while level < pf.MAX_PAGE_ORDER:  # __free_one_page()'s merging, on the copies
                buddy = block ^ (1 << level)
                if not self.zone.start_pfn <= buddy < self.zone.end_pfn:
                    break
                if tree(level).get(self.key(buddy, level)) != buddy:
                    break
                spare += tree(level).delete(self.key(buddy, level), lambda page: None)
                block, level = min(block, buddy), level + 1
            need = tree(level).missing(self.key(block, level))
            if need > spare:
                return block, level
            spare -= need
            tree(level).insert(self.key(block, level), block, lambda: -1)
        return None

    def max_nodes(self) -> int:
        """Nodes every tree would have with every key present: a reserve this size (less the
        nodes in use) can never run short, whatever is freed."""
        total = 0
        for order, tree in enumerate(self.trees):
            keys = self.zone.nr_pages >> order
            total += sum(((keys - 1) >> (CHUNK_SHIFT * level)) + 1 for level in range(1, tree.height + 1))
        return total

    # -- reserve ------------------------------------------------------------------------

    def top_up(self, n: int) -> bool:
        """radix_tree_preload(): fill the reserve to `n` pages from lowmem; False if lowmem ran out."""
        while len(self.reserve) < n:
            page = _node_page(self.machine)
            if page is None:
                return False
            self.machine.zone_of(page).metadata_pages += 1
            self.reserve.append(page)
        return True

    def release(self, keep: int = 0) -> int:
        """Give spare node pages beyond `keep` back to the page allocator; returns how many."""
        released = 0
        for _ in range(len(self.reserve) - keep):
            if len(self.reserve) <= keep:
                break
            page = self.reserve.pop()
            self.machine.zone_of(page).metadata_pages -= 1
            with running(self.machine):
                free_pages(pfn_to_kaddr(page), 0)
            released += 1
        return released

    def node_pages(self) -> set[int]:
        """Every page this free area holds: the nodes in its trees and its reserve."""
        held = set(self.reserve)
        for tree in self.trees:
            held.update(node.page for node in tree.nodes())
        return held

    def nodes_in_use(self) -> int:
        return sum(1 for tree in self.trees for _ in tree.nodes())


def _message(pfn: int, order: int, block: int, level: int) -> str:
    text = (
        f"freeing highmem pfn {pfn} (order {order}) needs a radix-tree node; a highmem page has no kernel "
        "mapping to hold it and the free path cannot allocate one (preload nodes first)"
    )
    if (block, level) != (pfn, order):
        text += f"; the block to list is pfn {block} order {level}, after merging or draining the per-cpu list"
    return text


def radix_area(zone: Zone) -> RadixFreeArea:
    """The zone's RadixFreeArea (ModelError if the zone keeps lists)."""
    area = zone.free_area
    if not isinstance(area, RadixFreeArea):
        raise ModelError(f"zone {zone.name} keeps its free blocks in {type(area).__name__}, not radix trees")
    return area


def _areas(target: Zone | Machine) -> list[RadixFreeArea]:
    if isinstance(target, Zone):
        return [radix_area(target)]
    return [zone.free_area for zone in target.zones if isinstance(zone.free_area, RadixFreeArea)]


def preload(target: Zone | Machine, n: int) -> bool:
    """radix_tree_preload() / xa_reserve() for the free path: fill the node reserve of a zone (or
    of every radix zone of a machine) to at least `n` lowmem pages, allocated through the normal
    allocation path outside any free. False if lowmem ran out first (-ENOMEM)."""
    return all([area.top_up(n) for area in _areas(target)])


def release_reserve(target: Zone | Machine, keep: int = 0) -> int:
    """Shrink the node reserve(s) to `keep` pages, freeing the rest; returns pages freed. A lowmem
    zone's own freed page may come straight back (its free may need a node: rule 2)."""
    return sum(area.release(keep) for area in _areas(target))
