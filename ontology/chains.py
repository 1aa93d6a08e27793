"""Conversion chains: the shortest ways from one descriptor type to another, as plain data.

One search for both of its users: `memdesc path` (queries.conversion_paths, which also counts a
refinement standing for what it refines as a step) and the checker's suggestions
(checker.facts.Facts.conversions_between, which starts from a refinement's struct too). Pure
Python over plain steps, so the checker imports it without the ontology engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison


@dataclass(frozen=True)
class Step:
    """One edge: a registered conversion `function` from `source` to `target`, or, with
    function None, a refinement standing for the type it refines."""

    source: str
    target: str
    function: str | None
    checked: bool = False


def by_target_then_function(step: Step) -> tuple[str, str]:
    """The default order of chains: step by step, by the type reached, then by function name."""
    return step.target, step.function or ""


def shortest_chains(
    steps: Iterable[Step],
    starts: Iterable[str],
    target: str,
    order: Callable[[Step], SupportsRichComparison] = by_target_then_function,
) -> list[tuple[Step, ...]]:
    """Every shortest chain of steps from one of `starts` to `target`, sorted by `order` of their
    steps (chains compare step by step). No chain passes a type twice; a start may be the target
    (then the chains are cycles through it). [] when `target` cannot be reached.

    >>> page_folio, folio_page = Step("page", "folio", "page_folio"), Step("folio", "page", "folio_page")
    >>> [[s.function for s in chain] for chain in shortest_chains([folio_page, page_folio], ["page"], "page")]
    [['page_folio', 'folio_page']]
    """
    outgoing: dict[str, list[Step]] = {}
    for step in steps:
        outgoing.setdefault(step.source, []).append(step)
    level = set(starts)
    seen = set(level)
    # Breadth first, one length at a time: layers[d][node] holds the steps reaching `node` from
    # the types first reached at length d (length 0: the starts).
    layers: list[dict[str, list[Step]]] = []
    while level:
        reached: dict[str, list[Step]] = {}
        for node in level:
            for step in outgoing.get(node, ()):
                if step.target == target or step.target not in seen:
                    reached.setdefault(step.target, []).append(step)
        layers.append(reached)
        if target in reached:
            chains = _chains_into(layers, len(layers) - 1, target)
            return sorted(chains, key=lambda chain: [order(step) for step in chain])
        seen.update(reached)
        level = set(reached)
    return []


def _chains_into(layers: list[dict[str, list[Step]]], depth: int, node: str) -> list[tuple[Step, ...]]:
    if depth < 0:
        return [()]
    return [(*prefix, step) for step in layers[depth][node] for prefix in _chains_into(layers, depth - 1, step.source)]


def reachable(steps: Iterable[Step], start: str) -> set[str]:
    """Every type some chain of steps leads to from `start` (not `start` itself)."""
    outgoing: dict[str, list[str]] = {}
    for step in steps:
        outgoing.setdefault(step.source, []).append(step.target)
    seen: set[str] = set()
    stack = [start]
    while stack:
        for following in outgoing.get(stack.pop(), ()):
            if following not in seen and following != start:
                seen.add(following)
                stack.append(following)
    return seen
