"""`memdesc path`: conversion chains ranked as a kernel developer would write them.

A chain's steps are registered conversions, a refinement standing for what it refines
(`is-a`), and a predicate that establishes a refinement (`test`: page_folio(), then
folio_test_anon(), reaches an anon_folio). Only the shortest chains are candidates; among them
`rank` puts first the chain whose preconditions are not contradicted by what is known of the
value, that uses public API rather than helpers local to one file (a sourced fact of the data,
`local_to`), whose preconditions are known to hold, and that is checked rather than trusting.
What is known follows the chain: the start type and what it refines, a test's refinement, and
what a conversion `ensures` of its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ontology.chains import Step, reachable, shortest_chains
from ontology.hierarchy import ancestors
from ontology.indexed import Ontology
from ontology.queries import require_type
from ontology.stateref import split_state

MAX_PATHS = 1000
"""Shortest conversion chains `path` ranks before it stops with "too many paths": densely
connected types have exponentially many, and the answer shows only the first few anyway."""

HOLDS, UNKNOWN, VIOLATED = "holds", "unknown", "violated"


@dataclass(frozen=True)
class Known:
    """What is known of the value at one point of a chain: states it is in, states it is not in."""

    is_in: frozenset[str]
    not_in: frozenset[str]


def _entering(onto: Ontology, name: str) -> Known:
    """Known of a value of type `name`: it is `name` and every refinement above it, and none of
    what those exclude (excludes are symmetric: head_page excludes tail_page and back)."""
    is_in = frozenset(t for t in (name, *ancestors(onto.types, name)) if t in onto.types)
    not_in = {other for t in is_in for other in onto.types[t].excludes}
    not_in |= {t.name for t in onto.types.values() if is_in & set(t.excludes)}
    return Known(is_in, frozenset(not_in))


def _ensured(onto: Ontology, states: list[str], target: str) -> Known:
    """Known of a conversion's result: its type, and the states the conversion ensures."""
    known = _entering(onto, target)
    is_in, not_in = set(known.is_in), set(known.not_in)
    for state in states:
        negated, name = split_state(state)
        (not_in if negated else is_in).add(name)
    return Known(frozenset(is_in), frozenset(not_in))


def judge(required: str, known: Known, onto: Ontology) -> str:
    """Whether `required` (a state or `not` one) holds, is unknown, or is contradicted by `known`."""
    negated, state = split_state(required)
    if negated:
        return VIOLATED if state in known.is_in else HOLDS if state in known.not_in else UNKNOWN
    excluded = state in known.not_in or any(state in onto.types[t].excludes for t in known.is_in if t in onto.types)
    return HOLDS if state in known.is_in else VIOLATED if excluded else UNKNOWN


def _steps(onto: Ontology) -> list[Step]:
    steps = [Step(c.source_type, c.target_type, c.name, c.checked) for c in onto.conversions.values()]
    steps += [
        Step(typedef.name, parent, None)
        for typedef in onto.types.values()
        if typedef.kind == "refinement"
        for parent in typedef.parents
    ]
    steps += [
        Step(p.takes, p.establishes, p.name, test=True)
        for p in onto.predicates.values()
        if p.establishes in onto.types and p.takes in onto.types
    ]
    return steps


def _step_order(step: Step) -> tuple[bool, str, str, str]:
    """Within chains of one rank: conversions before tests, then by the type reached and name."""
    return step.test, step.target, step.function or "", step.source


def describe_chain(onto: Ontology, start: str, chain: tuple[Step, ...]) -> list[dict[str, Any]]:
    """Each step as `path --json` shows it: kind, function, whether checked, its preconditions
    judged against what is known at that point, and the file it is local to."""
    known = _entering(onto, start)
    described: list[dict[str, Any]] = []
    for step in chain:
        record: dict[str, Any] = {
            "from": step.source,
            "to": step.target,
            "kind": "test" if step.test else "is-a" if step.function is None else "conversion",
            "function": step.function,
            "checked": step.checked,
            "requires": [],
            "local_to": None,
            "local_source": None,
        }
        conversion = onto.conversions.get(step.function or "") if not step.test else None
        if conversion is not None:
            record["requires"] = [{"state": s, "judged": judge(s, known, onto)} for s in conversion.requires]
            record["local_to"], record["local_source"] = conversion.local_to, conversion.local_source
            known = _ensured(onto, conversion.ensures, step.target)
        elif step.test:
            entered = _entering(onto, step.target)
            known = Known(known.is_in | entered.is_in, known.not_in | entered.not_in)
        described.append(record)
    return described


def rank(chain: list[dict[str, Any]]) -> tuple[int, int, int, int]:
    """A chain's rank, lower first: contradicted preconditions, helpers local to a file (a .c
    file's static one after a private header's), preconditions not known to hold, trusting
    conversions."""
    judged = [r["judged"] for step in chain for r in step["requires"]]
    local = sum(2 if step["local_to"].endswith(".c") else 1 for step in chain if step["local_to"])
    trusting = sum(1 for step in chain if step["kind"] == "conversion" and not step["checked"])
    return judged.count(VIOLATED), local, judged.count(UNKNOWN), trusting


def conversion_paths(onto: Ontology, source: str, target: str, limit: int = 5) -> dict[str, Any]:
    """The shortest chains from `source` to `target`, best first (`rank`), at most `limit`.

    A type's path to itself is the empty chain, and "reason" says so. With no chain, "reason"
    says which types are reachable.
    """
    require_type(onto, source)
    require_type(onto, target)
    result: dict[str, Any] = {"from": source, "to": target, "paths": []}
    if source == target:
        result["paths"] = [[]]
        result["reason"] = f"{source!r} is already {target!r}: the empty path"
        return result
    steps = _steps(onto)
    chains = shortest_chains(steps, [source], target, order=_step_order, limit=MAX_PATHS + 1)
    described = [describe_chain(onto, source, chain) for chain in chains[:MAX_PATHS]]
    ranked = sorted(range(len(described)), key=lambda i: rank(described[i]))  # stable: step order breaks ties
    result["paths"] = [described[i] for i in ranked[:limit]]
    if len(chains) > MAX_PATHS:
        result["too_many"] = (
            f"too many paths: more than {MAX_PATHS} shortest chains (MAX_PATHS); "
            f"showing the first {len(result['paths'])}"
        )
    if not chains:
        result["reason"] = (
            f"no registered conversion chain leads from {source!r} to {target!r}; from {source!r} "
            f"one can reach: {', '.join(sorted(reachable(steps, source))) or 'nothing'}"
        )
    return result


def step_text(step: dict[str, Any]) -> str:
    """One step as `path` prints it: `--page_slab() [checked; requires not tail_page]--> slab`."""
    if step["kind"] == "is-a":
        return f"--is-a--> {step['to']}"
    notes = ["checked"] if step["checked"] else []
    notes += ["test"] if step["kind"] == "test" else []
    for requirement in step["requires"]:
        negated, state = split_state(requirement["state"])
        wanted = f"not {_article(state)}" if negated else _article(state)
        if requirement["judged"] == VIOLATED:
            notes.append(f"requires {wanted}: it is {'one' if negated else 'not'}")
        elif requirement["judged"] == UNKNOWN:
            notes.append(f"requires {wanted}")
    if step["local_to"]:
        notes.append(f"local to {step['local_to']}")
    shown = f" [{'; '.join(notes)}]" if notes else ""
    return f"--{step['function']}(){shown}--> {step['to']}"


def _article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def paths_text(result: dict[str, Any]) -> str:
    """The chains one a line (no line for the empty path), then the notes."""
    lines = [" ".join([result["from"], *(step_text(step) for step in chain)]) for chain in result["paths"] if chain]
    lines += [result[key] for key in ("too_many", "reason") if key in result]
    return "\n".join(lines)
