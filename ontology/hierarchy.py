"""The refinement hierarchy as plain functions over a type table: ancestors and cycles, in linear time.

Both take `types`, a mapping from type name to its definition (an `Ontology`'s or a proposal
`State`'s), and follow each type's `parents`. A parent that is not in the table is a dangling
name (lint reports it); it is never followed. Results are plain lists, in a fixed order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from ontology.schema import TypeDef


def ancestors(types: Mapping[str, TypeDef], name: str) -> list[str]:
    """Every type `name` refines or is proposed under, nearest first, without repeats.

    Breadth first over `parents`, linear in the types and edges visited; a dangling parent is
    listed but not followed, and `name` itself is never listed even when a cycle leads back to it.

    >>> ancestors({"page": TypeDef(name="page", kind="struct", summary="", source="s"),
    ...            "folio": TypeDef(name="folio", kind="refinement", summary="", source="s", parents=["page"])},
    ...           "folio")
    ['page']
    """
    order: list[str] = []
    seen = {name}
    frontier = deque(types[name].parents if name in types else [])
    while frontier:
        parent = frontier.popleft()
        if parent in seen:
            continue
        seen.add(parent)
        order.append(parent)
        if parent in types:
            frontier.extend(types[parent].parents)
    return order


def refinement_cycles(types: Mapping[str, TypeDef]) -> list[list[str]]:
    """One cycle of the parent relation for each group of types that refine each other.

    A group is a strongly connected component with a cycle (a type that is its own parent is
    the group `[name]`); it is reported once however many cycles run through it (14 types that
    all refine each other have millions), as the shortest cycle through its smallest name:
    `[a, b, c]` for a -> b -> c -> a. Linear time (iterative Tarjan, then one breadth-first
    search per group); the list is sorted, so the answer does not depend on the order of `types`.

    >>> refinement_cycles({"a": TypeDef(name="a", kind="proposed", summary="", source="s", parents=["b"]),
    ...                    "b": TypeDef(name="b", kind="proposed", summary="", source="s", parents=["a"])})
    [['a', 'b']]
    """
    cycles: list[list[str]] = []
    for group in _components(types):
        start = min(group)
        if len(group) > 1 or start in types[start].parents:
            cycle = cycle_through(types, start, set(group))
            assert cycle is not None  # a component with an edge back to `start` has a cycle through it
            cycles.append(cycle)
    return sorted(cycles)


def cycle_through(types: Mapping[str, TypeDef], name: str, within: set[str] | None = None) -> list[str] | None:
    """The shortest chain `[name, p1, ..., pk]` of parents that leads back to `name` (staying
    inside `within` when given), or None when `name` does not refine itself. Breadth first,
    parents in their written order, so the answer is deterministic."""
    if name not in types:
        return None
    came_from: dict[str, str] = {}
    frontier = deque([name])
    while frontier:
        current = frontier.popleft()
        for parent in types[current].parents:
            if parent == name:
                chain = [current]
                while chain[-1] != name:
                    chain.append(came_from[chain[-1]])
                return chain[::-1]
            if parent in types and parent not in came_from and (within is None or parent in within):
                came_from[parent] = current
                frontier.append(parent)
    return None


def _components(types: Mapping[str, TypeDef]) -> list[list[str]]:
    """The strongly connected components of the parent relation (iterative Tarjan: a 1,500-deep
    chain must not reach Python's recursion limit). Dangling parents are ignored."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in sorted(types):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            parents = types[node].parents
            while position < len(parents):
                parent = parents[position]
                position += 1
                if parent not in types:
                    continue
                if parent not in index:
                    work.append((node, position))
                    work.append((parent, 0))
                    break
                if parent in on_stack:
                    low[node] = min(low[node], index[parent])
            else:
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
                if work:
                    caller = work[-1][0]
                    low[caller] = min(low[caller], low[node])
    return components


def deepest_refinements(types: Mapping[str, TypeDef], limit: int) -> list[str]:
    """The types `limit + 1` parent steps below a parentless type (the first too deep on each
    chain, so a deep chain is reported once, not once per type below it), sorted. Longest path
    over the parent relation, computed iteratively in linear time (Kahn's order from the roots);
    types on a cycle have no depth and are left to `refinement_cycles`."""
    waiting = {name: sum(1 for parent in typedef.parents if parent in types) for name, typedef in types.items()}
    children: dict[str, list[str]] = {}
    for name, typedef in types.items():
        for parent in typedef.parents:
            if parent in types:
                children.setdefault(parent, []).append(name)
    depth = dict.fromkeys((name for name, count in waiting.items() if count == 0), 0)
    ready = deque(depth)
    while ready:
        name = ready.popleft()
        for child in children.get(name, []):
            depth[child] = max(depth.get(child, 0), depth[name] + 1)
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return sorted(name for name, level in depth.items() if level == limit + 1 and waiting[name] == 0)
