"""The affected part of the type hierarchy as an indented ASCII tree, for a plain-text letter.

What the proposal document's class diagrams show, in the shape of `tree --charset=ascii` (and
of `memdesc tree`, whose placement rule it shares: `queries.tree_parents`): the affected types
and the types above them, each with its kind and size, and under it the changed fields and the
changed functions that take or return it. A type with two parents is spelled out under the
first and marked "(shown above)" under the second. Sorted, so it regenerates byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable

from ontology.indexed import Ontology
from ontology.proposal.figures import changed_fields
from ontology.proposal.mailtext import WIDTH, ascii_text, wrap
from ontology.queries import tree_parents


def _label(onto: Ontology, name: str) -> str:
    typedef = onto.types[name]
    words: list[str] = [typedef.kind]
    if typedef.size:
        words.append(f"{typedef.size} B")
    if typedef.status not in ("merged", typedef.kind):
        words.append(typedef.status)
    if typedef.overlays and typedef.overlays != name:
        words.append(f"overlays {typedef.overlays}")
    return f"{ascii_text(name)} ({ascii_text(', '.join(words))})"


def _members(onto: Ontology, name: str, fields: Iterable[str], functions: Iterable[str]) -> list[str]:
    """`fields: a, b`, `taken by: f(p), ...`, `returned by: g()`: what changes at this type."""
    takes, returns = [], []
    for function in functions:
        sig = onto.readable_signature(function)
        if sig is None:
            continue
        takes += [f"{function}({p.name})" for p in sig.params if p.type == name]
        if sig.returns == name:
            returns.append(f"{function}()")
    mine = sorted(f.name for f in onto.types[name].fields if f.name in fields)
    parts = [("fields changed", mine), ("taken by", sorted(set(takes))), ("returned by", sorted(set(returns)))]
    return [f"{label}: {', '.join(names)}" for label, names in parts if names]


def hierarchy_text(
    onto: Ontology, affected: Iterable[str], functions: list[str], old: Ontology, indent: str = ""
) -> list[str]:
    """The tree's lines, each after `indent` and within `WIDTH`; `old` is the other side of the
    proposal (for which fields changed)."""
    parents = {n: tree_parents(onto, t) for n, t in onto.types.items()}
    shown = {n for n in affected if n in onto.types}
    stack = list(shown)
    while stack:
        for parent in parents[stack.pop()]:
            if parent in onto.types and parent not in shown:
                shown.add(parent)
                stack.append(parent)
    for function in functions:
        sig = onto.readable_signature(function)
        if sig is not None:
            shown.update(t for t in [sig.returns, *(p.type for p in sig.params)] if t in onto.types)
    children: dict[str, list[str]] = {}
    for name in sorted(shown):
        for parent in parents[name]:
            if parent in shown:
                children.setdefault(parent, []).append(name)
    roots = sorted(n for n in shown if not any(p in shown for p in parents[n]))
    lines: list[str] = []
    expanded: set[str] = set()
    # (name, prefix of its line, prefix of what hangs under it, names above it)
    work: list[tuple[str, str, str, frozenset[str]]] = [(r, indent, indent, frozenset()) for r in reversed(roots)]
    while work:
        name, lead, under, above = work.pop()
        kids = [c for c in children.get(name, []) if c not in above]
        if name in expanded and kids:
            lines.append(f"{lead}{ascii_text(name)} (shown above)")
            continue
        expanded.add(name)
        lines.append(f"{lead}{_label(onto, name)}")
        changed = changed_fields(old, onto, name) if name in old.types else {f.name for f in onto.types[name].fields}
        bar = "|   " if kids else "    "
        for member in _members(onto, name, changed, functions):
            lines += wrap(member, WIDTH, f"{under}{bar}      ", f"{under}{bar}  ")
        for index in reversed(range(len(kids))):
            last = index == len(kids) - 1
            branch, below = ("`-- ", "    ") if last else ("|-- ", "|   ")
            work.append((kids[index], under + branch, under + below, above | {name}))
    return lines
