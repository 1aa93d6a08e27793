"""ontology.hierarchy: ancestors and refinement cycles, as pure functions over a type table."""

from __future__ import annotations

import random

import networkx as nx

from ontology.hierarchy import ancestors, refinement_cycles
from ontology.schema import TypeDef


def table(**parents: list[str]) -> dict[str, TypeDef]:
    return {
        name: TypeDef(name=name, kind="proposed", summary="", source="s", parents=names)
        for name, names in parents.items()
    }


def test_ancestors_nearest_first_without_repeats_or_self() -> None:
    types = table(page=[], folio=["page"], anon=["folio", "page"], loop=["loop", "ghost"])
    assert ancestors(types, "anon") == ["folio", "page"]
    assert ancestors(types, "loop") == ["ghost"]  # itself never, a dangling parent listed
    assert ancestors(types, "unknown") == []


def test_cycles_start_at_their_smallest_member_and_are_sorted() -> None:
    types = table(c=["a"], a=["b"], b=["c", "d"], d=["d"], e=["nowhere"])
    assert refinement_cycles(types) == [["a", "b", "c"], ["d"]]
    assert refinement_cycles(table(page=[], folio=["page"])) == []


def test_cycles_match_networkx_simple_cycles() -> None:
    rng = random.Random(11)
    for _ in range(300):
        names = [chr(ord("a") + i) for i in range(rng.randint(1, 6))]
        pool = [*names, "dangling"]
        types = table(**{name: rng.sample(pool, rng.randint(0, min(3, len(pool)))) for name in names})
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_edges_from((t.name, p) for t in types.values() for p in t.parents if p in types)
        want = sorted(c[c.index(min(c)) :] + c[: c.index(min(c))] for c in nx.simple_cycles(graph))
        assert refinement_cycles(types) == want
