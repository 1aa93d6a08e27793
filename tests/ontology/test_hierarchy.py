"""ontology.hierarchy: ancestors and refinement cycles, as pure functions over a type table."""

from __future__ import annotations

import random

import networkx as nx

from ontology.hierarchy import ancestors, cycle_through, refinement_cycles
from ontology.schema import TypeDef
from tests.support.btf_errors import time_limit


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


def test_one_cycle_per_group_of_types_that_refine_each_other() -> None:
    """Matches networkx: one cycle per strongly connected component that has one, the shortest
    through its smallest member, made of real parent edges."""
    rng = random.Random(11)
    for _ in range(300):
        names = [chr(ord("a") + i) for i in range(rng.randint(1, 6))]
        pool = [*names, "dangling"]
        types = table(**{name: rng.sample(pool, rng.randint(0, min(3, len(pool)))) for name in names})
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(types)
        graph.add_edges_from((t.name, p) for t in types.values() for p in t.parents if p in types)
        groups = [g for g in nx.strongly_connected_components(graph) if len(g) > 1 or graph.has_edge(*[min(g)] * 2)]
        cycles = refinement_cycles(types)
        assert sorted(min(g) for g in groups) == [cycle[0] for cycle in cycles]
        for cycle in cycles:
            assert cycle[0] == min(next(g for g in groups if cycle[0] in g))
            assert all(graph.has_edge(a, b) for a, b in zip(cycle, [*cycle[1:], cycle[0]], strict=True))
            assert len(cycle) == len(nx.shortest_path(graph, cycle[0], cycle[-1])) or len(cycle) == 1


def test_fourteen_types_that_all_refine_each_other_are_one_cycle() -> None:
    """Issue 12: enumerating every elementary cycle of 14 mutually refining types never ended."""
    names = [f"t{i:02}" for i in range(14)]
    types = table(**{name: [other for other in names if other != name] for name in names})
    with time_limit(5):
        assert refinement_cycles(types) == [["t00", "t01"]]
        assert cycle_through(types, "t05") == ["t05", "t00"]
        assert ancestors(types, "t00") == names[1:]


def test_a_deep_chain_is_walked_without_recursion() -> None:
    """Issue 12: a 1,500-deep refinement chain raised RecursionError."""
    depth = 5000
    types = table(t0=[], **{f"t{i}": [f"t{i - 1}"] for i in range(1, depth)})
    with time_limit(5):
        assert refinement_cycles(types) == []
        assert len(ancestors(types, f"t{depth - 1}")) == depth - 1
    types["t0"] = table(t0=[f"t{depth - 1}"])["t0"]
    with time_limit(5):
        assert [len(cycle) for cycle in refinement_cycles(types)] == [depth]
