"""Which kernel functions a proposal changes: the names whose callers a kernel scan counts.

From the typed diff (so every operation counts, whatever its kind): each function, conversion or
predicate the diff names as removed, renamed, deprecated or retyped. Functions the proposal
creates are left out: the base kernel has no callers of them to change. And each conversion
whose source or target type stops (or starts) overlaying another struct, or goes: an overlay is
what makes `page_folio()` a cast, so a descriptor that leaves struct page changes every caller of
its conversions even when no prototype changes (memdesc-end-state).
"""

from __future__ import annotations

from collections.abc import Sequence

from ontology.indexed import Ontology
from ontology.proposal.diff import Change

NEW = frozenset({"created", "conversion-added"})
"""Change kinds that only add a name: nothing in the base kernel calls it."""


def _overlay_changed(old: Ontology, new: Ontology, name: str) -> bool:
    """Whether type `name` (old ontology's name) overlays differently, or is gone, in `new`."""
    before = old.types.get(name)
    target = name if name in new.types else new.aliases.get(name)
    after = new.types.get(target) if target is not None else None
    if before is None:
        return False
    if after is None:
        return True
    was = before.overlays
    was = was if was is None or was in new.types else new.aliases.get(was, was)
    return was != after.overlays


def touched_functions(old: Ontology, new: Ontology, changes: Sequence[Change]) -> tuple[str, ...]:
    """The kernel functions (by C name, sorted) whose callers the proposal changes."""
    names = {c.subject[:-2] for c in changes if c.subject.endswith("()") and c.kind not in NEW}
    for conversion in old.conversions.values():
        if _overlay_changed(old, new, conversion.source_type) or _overlay_changed(old, new, conversion.target_type):
            names.add(conversion.name)
    return tuple(sorted(names))
