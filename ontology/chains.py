"""Conversion chains: the shortest ways from one descriptor type to another, as plain data.

One search for both of its users: `memdesc path` (paths.conversion_paths, which also counts a
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
    function None, a refinement standing for the type it refines, or (`test`) the predicate
    `function` establishing the refinement `target` of `source`."""

    source: str
    target: str
    function: str | None
    checked: bool = False
    test: bool = False


def by_target_then_function(step: Step) -> tuple[str, str, str]:
    """The default order of chains: step by step, by the type reached, then by function name,
    then by the type it starts from (one macro name may convert from two types: no ties)."""
    return step.target, step.function or "", step.source


def shortest_chains(
    steps: Iterable[Step],
    starts: Iterable[str],
    target: str,
    order: Callable[[Step], SupportsRichComparison] = by_target_then_function,
    limit: int | None = None,
) -> list[tuple[Step, ...]]:
    """The shortest chains of steps from one of `starts` to `target`, sorted by `order` of their
    steps (chains compare step by step): all of them, or the first `limit`. No chain passes a
    type twice; a start may be the target (then the chains are cycles through it). [] when
    `target` cannot be reached.

    Densely connected types have exponentially many shortest chains, so they are listed lazily
    in order, each in time linear in its length: `limit` bounds the work, not only the answer.

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
            return _chains_in_order(layers, target, order, limit)
        seen.update(reached)
        level = set(reached)
    return []


def _chains_in_order(
    layers: list[dict[str, list[Step]]],
    target: str,
    order: Callable[[Step], SupportsRichComparison],
    limit: int | None,
) -> list[tuple[Step, ...]]:
    """The chains through `layers` ending at `target`, in `order`, at most `limit` of them.

    Keeps only the steps that lie on some chain (walking back from `target`), then walks
    forward depth first taking each node's steps by `order`, then source: every partial chain
    leads to `target`, so the walk never backtracks from a dead end. The chains found are
    sorted by `order` (steps of equal order from different sources are taken in source order,
    so a `limit` cuts the same chains whatever the hash seed)."""
    depth = len(layers) - 1
    useful: list[dict[str, list[Step]]] = [{} for _ in layers]  # [d][source]: its steps on a chain
    needed = {target}
    for d in range(depth, -1, -1):
        sources: set[str] = set()
        for node in needed:
            for step in layers[d][node]:
                useful[d].setdefault(step.source, []).append(step)
                sources.add(step.source)
        needed = sources
    for by_source in useful:
        for choices in by_source.values():
            choices.sort(key=lambda step: (order(step), step.source))
    firsts = sorted((step for choices in useful[0].values() for step in choices), key=lambda s: (order(s), s.source))
    chains: list[tuple[Step, ...]] = []
    stack: list[tuple[Step, ...]] = [(step,) for step in reversed(firsts)]
    while stack and (limit is None or len(chains) < limit):
        chain = stack.pop()
        if len(chain) == depth + 1:
            chains.append(chain)
            continue
        stack.extend((*chain, step) for step in reversed(useful[len(chain)].get(chain[-1].target, [])))
    return sorted(chains, key=lambda chain: [order(step) for step in chain])


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
