"""`memdesc diff OLD NEW`: what changed in the descriptors between two kernel releases.

The answer is a proposal's diff (`ontology.proposal.diff`) between the two snapshots, so it reads
the same: types and fields added, removed, moved, retyped; functions whose parameters went from
page to folio. What only history knows is added first: a fact that holds at both releases under
two names is one rename (`page.compound_head -> compound_info`), not a removal and a creation, and
the older snapshot is compared under the newer names so the rest of its changes still show.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ontology.indexed import Ontology
from ontology.loader import LoadResult
from ontology.proposal.diff import Change, diff
from ontology.releases import at_release, holds, snapshot
from ontology.schema import Dated, TypeDef
from ontology.strict import choose_release, snapshot_ontology

RENAMED_SECTIONS = {"function": "{}()", "conversion": "{}()", "predicate": "{}()", "page_type": "{}", "type": "{}"}
"""The sections whose facts can change name, and how a diff names their subject."""


def _renames(history: LoadResult, old: str, new: str) -> Iterator[tuple[str, str, str, str]]:
    """(section, owning type or "", old name, new name) of each fact holding at both releases
    under different names."""
    for entry in history.entries:
        item = entry.item
        if not isinstance(item, Dated) or item.build is not None or not (holds(item, old) and holds(item, new)):
            continue
        was, now = at_release(item, old), at_release(item, new)
        if entry.section in RENAMED_SECTIONS and was.name != now.name:
            yield entry.section, "", was.name, now.name
        if isinstance(item, TypeDef):
            for member in item.fields:
                if member.build is None and holds(member, old) and holds(member, new):
                    before, after = at_release(member, old), at_release(member, new)
                    if before.name != after.name:
                        yield "field", now.name, before.name, after.name


def _under_new_names(history: LoadResult, old: str, renames: list[tuple[str, str, str, str]]) -> LoadResult:
    """The snapshot at `old` with each renamed fact called by its newer name."""
    facts = {(section, name): new for section, owner, name, new in renames if not owner}
    fields = {(owner, name): new for section, owner, name, new in renames if owner}
    result = snapshot(history, old)
    entries = []
    for entry in result.entries:
        item: Any = entry.item
        update: dict[str, Any] = {}
        new_name = facts.get((entry.section, str(getattr(item, "name", ""))))
        if new_name is not None:
            update["name"] = new_name
        if isinstance(item, TypeDef) and fields:
            owner = new_name or item.name
            update["fields"] = [
                f.model_copy(update={"name": fields[owner, f.name]}) if (owner, f.name) in fields else f
                for f in item.fields
            ]
        entries.append(replace(entry, item=item.model_copy(update=update)) if update else entry)
    result.entries = entries
    return result


def release_diff(history: LoadResult, old: str, new: str) -> tuple[str, str, list[Change]]:
    """(old release, new release, every change from one to the other), sorted like a proposal's."""
    old, new = choose_release(history, old) or old, choose_release(history, new) or new
    renames = list(_renames(history, old, new))
    before = Ontology.from_load(_under_new_names(history, old, renames))
    after = snapshot_ontology(history, new)
    changes = set(diff(before, after))
    for section, owner, was, now in renames:
        if section == "field":
            changes.add(Change("renamed", f"{owner}.{was}", f"-> {now}"))
        else:
            shape = RENAMED_SECTIONS[section]
            changes.add(Change("renamed", shape.format(was), f"-> {shape.format(now)}"))
    return old, new, sorted(changes)


def diff_record(old: str, new: str, changes: list[Change]) -> dict[str, Any]:
    """`diff --json`: the releases and the changes, in the shape of `propose diff --json`'s list."""
    return {"old": old, "new": new, "changes": [change.as_dict() for change in changes]}
