"""The refinement hierarchy as plain functions over a type table: ancestors and cycles.

Both take `types`, a mapping from type name to its definition (an `Ontology`'s or a proposal
`State`'s), and follow each type's `parents`. A parent that is not in the table is a dangling
name (lint reports it); it is never followed. Results are plain lists, in a fixed order.
"""

from __future__ import annotations

from collections.abc import Mapping

from ontology.schema import TypeDef


def ancestors(types: Mapping[str, TypeDef], name: str) -> list[str]:
    """Every type `name` refines or is proposed under, nearest first, without repeats.

    Breadth first over `parents`; a dangling parent is listed but not followed, and `name`
    itself is never listed even when a cycle leads back to it.

    >>> ancestors({"page": TypeDef(name="page", kind="struct", summary="", source="s"),
    ...            "folio": TypeDef(name="folio", kind="refinement", summary="", source="s", parents=["page"])},
    ...           "folio")
    ['page']
    """
    order: list[str] = []
    frontier = list(types[name].parents) if name in types else []
    while frontier:
        parent = frontier.pop(0)
        if parent in order or parent == name:
            continue
        order.append(parent)
        if parent in types:
            frontier.extend(types[parent].parents)
    return order


def refinement_cycles(types: Mapping[str, TypeDef]) -> list[list[str]]:
    """Every elementary cycle of the parent relation, each once: `[a, b, c]` for a -> b -> c -> a.

    Each cycle starts at its smallest name and the list is sorted, so the answer does not
    depend on the order of `types`. A type that is its own parent is the cycle `[name]`.
    Acyclic data (the usual case) is decided by one depth-first pass.

    >>> refinement_cycles({"a": TypeDef(name="a", kind="proposed", summary="", source="s", parents=["b"]),
    ...                    "b": TypeDef(name="b", kind="proposed", summary="", source="s", parents=["a"])})
    [['a', 'b']]
    """
    if not _has_cycle(types):
        return []
    found: set[tuple[str, ...]] = set()
    for start in sorted(types):
        # Cycles whose smallest member is `start`: paths through larger names back to `start`.
        stack: list[list[str]] = [[start]]
        while stack:
            path = stack.pop()
            for parent in types[path[-1]].parents:
                if parent == start:
                    found.add(tuple(path))
                elif parent in types and parent > start and parent not in path:
                    stack.append([*path, parent])
    return sorted(list(cycle) for cycle in found)


def _has_cycle(types: Mapping[str, TypeDef]) -> bool:
    """Depth-first search for a back edge in the parent relation."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done

    def visit(name: str) -> bool:
        state[name] = 1
        for parent in types[name].parents:
            if parent not in types:
                continue
            if state.get(parent) == 1 or (parent not in state and visit(parent)):
                return True
        state[name] = 2
        return False

    return any(name not in state and visit(name) for name in sorted(types))
