"""ontology.chains: the one conversion-chain search, against a brute force over small graphs."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from ontology.chains import Step, reachable, shortest_chains

TYPES = ["page", "folio", "slab", "anon_folio", "ptdesc"]


def brute_force(steps: list[Step], starts: set[str], target: str) -> list[tuple[Step, ...]]:
    """Every chain of up to len(TYPES) + 1 steps, kept if simple and of the least length."""
    found: list[tuple[Step, ...]] = []
    for length in range(1, len(TYPES) + 2):
        for chain in itertools.product(steps, repeat=length):
            if chain[0].source not in starts or chain[-1].target != target:
                continue
            if any(a.target != b.source for a, b in itertools.pairwise(chain)):
                continue
            visited = [chain[0].source, *(s.target for s in chain[:-1])]
            if len(set(visited)) == len(visited) and not starts & set(visited[1:]):
                found.append(chain)
        if found:
            return sorted(found, key=lambda chain: [(s.target, s.function or "", s.source) for s in chain])
    return []


steps_strategy = st.lists(
    st.builds(
        Step,
        st.sampled_from(TYPES),
        st.sampled_from(TYPES),
        st.one_of(st.none(), st.sampled_from(["f1", "f2", "f3"])),
        st.booleans(),
    ),
    max_size=6,
    unique_by=lambda s: (s.source, s.target, s.function),
)


@given(steps_strategy, st.sets(st.sampled_from(TYPES), min_size=1, max_size=2), st.sampled_from(TYPES))
def test_shortest_chains_are_all_least_simple_chains_in_order(steps: list[Step], starts: set[str], target: str) -> None:
    assert shortest_chains(steps, starts, target) == brute_force(steps, starts, target)


def test_a_start_that_is_the_target_gives_cycles() -> None:
    page_folio, folio_page = Step("page", "folio", "page_folio"), Step("folio", "page", "folio_page")
    assert shortest_chains([page_folio, folio_page], ["page"], "page") == [(page_folio, folio_page)]


def test_one_function_name_from_two_types_is_ordered_by_source() -> None:
    """Hypothesis found it: a self-loop and a step of the same name into one target tied."""
    into, loop = Step("ptdesc", "anon_folio", "f1"), Step("anon_folio", "anon_folio", "f1")
    assert shortest_chains([into, loop], {"anon_folio", "ptdesc"}, "anon_folio") == [(loop,), (into,)]


def test_order_picks_among_equal_chains() -> None:
    checked = Step("page", "folio", "a_checked", checked=True)
    unchecked = Step("page", "folio", "b_unchecked")
    assert shortest_chains([checked, unchecked], ["page"], "folio")[0] == (checked,)
    by_checked = shortest_chains([checked, unchecked], ["page"], "folio", order=lambda s: s.checked)
    assert by_checked[0] == (unchecked,)


def test_reachable() -> None:
    steps = [Step("anon_folio", "folio", None), Step("folio", "page", "folio_page"), Step("slab", "folio", "x")]
    assert reachable(steps, "anon_folio") == {"folio", "page"}
    assert shortest_chains(steps, ["page"], "folio") == []
