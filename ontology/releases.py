"""Kernel releases and snapshots: the versioned data as it was at one release.

The data is written once for every release it covers: each fact says when it holds (`since`,
`until`, `config`, `build`; `ontology.schema.Dated`) and how it looked before (`changes`). A
snapshot at a release keeps the facts that hold there, with the change that was current then
applied, and is an ordinary one-release ontology: lint, queries, the generator and the checker
read a snapshot and need not know about history at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from ontology.loader import Entry, LoadResult
from ontology.releasechoice import release_key as release_key  # re-exported: its users import it from here
from ontology.schema import Change, Dated, Meta, TypeDef

CHANGE_KEYS_KEPT = ("until", "source", "note")
"""Keys of a change that describe the change itself, not a value of the fact."""

SOURCE_KEY = {TypeDef: "layout_source"}
"""Where a change's source goes in the snapshot: a type's changes are to its layout (size,
struct, header), so they cite the layout's source; every other fact's change its own."""


def holds(fact: Dated, release: str) -> bool:
    """True when `fact` holds at `release`: since <= release < until."""
    key = release_key(release)
    if fact.since is not None and key < release_key(fact.since):
        return False
    return fact.until is None or key < release_key(fact.until)


def current_change(changes: Iterable[Change], release: str) -> Change | None:
    """The change in effect at `release`: the first (by `until`) whose `until` lies after it."""
    key = release_key(release)
    later = [change for change in changes if key < release_key(change.until)]
    return min(later, key=lambda change: release_key(change.until)) if later else None


def changed_values(change: Change) -> dict[str, Any]:
    """The fact's keys a change sets (those it leaves unset keep the fact's value)."""
    return {
        key: value
        for key, value in change
        if key not in CHANGE_KEYS_KEPT and key in change.model_fields_set and value is not None
    }


def at_release(fact: Any, release: str) -> Any:
    """`fact` as it was at `release` (assumed to hold there): its current change applied and,
    for a type, its fields filtered and resolved the same way; `changes` emptied."""
    update: dict[str, Any] = {}
    changes = getattr(fact, "changes", [])
    change = current_change(changes, release)
    if change is not None:
        update.update(changed_values(change))
        update[SOURCE_KEY.get(type(fact), "source")] = change.source
    if changes:
        update["changes"] = []
    if isinstance(fact, TypeDef) and fact.fields:
        update["fields"] = [at_release(f, release) for f in fact.fields if holds(f, release) and f.build is None]
    return fact.model_copy(update=update) if update else fact


def snapshot(result: LoadResult, release: str) -> LoadResult:
    """The data as it was at `release`: facts that hold there, each as it was then. Facts
    seen in one vendor build only (`build`) are left out: a snapshot is mainline."""
    entries = [
        replace(entry, item=at_release(entry.item, release))
        for entry in result.entries
        if not isinstance(entry.item, Dated) or (holds(entry.item, release) and entry.item.build is None)
    ]
    meta = result.meta.model_copy(update={"kernel": release}) if result.meta else None
    return LoadResult(
        root=result.root,
        meta=meta,
        entries=entries,
        issues=result.issues,
        files=result.files,
        rejected=result.rejected,
    )


def releases_of(meta: Meta | None) -> list[str]:
    """Every release the data covers, oldest first (just the newest when none are listed)."""
    if meta is None:
        return []
    return sorted(set(meta.releases) | {meta.kernel}, key=release_key)


def _boundaries(fact: Any) -> Iterator[str]:
    for release in (getattr(fact, "since", None), getattr(fact, "until", None)):
        if release is not None:
            yield release
    for change in getattr(fact, "changes", []):
        yield change.until
    for member in getattr(fact, "fields", []):
        yield from _boundaries(member)


def distinct_releases(result: LoadResult) -> list[str]:
    """The covered releases at which the data differs from the release before: linting a
    snapshot at each of them checks every state the data describes (oldest first)."""
    covered = releases_of(result.meta)
    if not covered:
        return []
    edges = {release for entry in result.entries for release in _boundaries(entry.item)}
    keys = [release_key(release) for release in covered]
    chosen = {covered[0]}
    for edge in edges:
        key = release_key(edge)
        later = [release for release, k in zip(covered, keys, strict=True) if k >= key]
        if later and key > keys[0]:
            chosen.add(later[0])
    return sorted(chosen, key=release_key)


def entry_name(entry: Entry) -> str:
    """An entry's name (a source's id)."""
    return str(entry.item.id if entry.section == "source" else getattr(entry.item, "name", ""))


def spans(history: LoadResult | None, section: str, name: str) -> list[tuple[str | None, str | None]]:
    """(since, until) of every entry of `section` named `name` in the versioned data, in
    release order: when a fact absent from one release holds elsewhere."""
    if history is None:
        return []
    found = [
        (entry.item.since, entry.item.until)
        for entry in history.entries
        if entry.section == section
        and isinstance(entry.item, Dated)
        and entry_name(entry) == name
        and entry.item.build is None
    ]
    return sorted(found, key=lambda span: release_key(span[0]) if span[0] else (0, 0))
