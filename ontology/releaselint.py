"""Lint of the data's history: release ranges and changes that make sense on their own.

Each snapshot is linted like one-release data (`ontology.lint`); what no snapshot can see is
checked here on the versioned data: the release list is ordered and ends at `kernel`, every
fact's `since` lies before its `until`, its changes are ordered, inside its range and each
repeats what a later one sets, and the sources that date a boundary or name a vendor build exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ontology.lint import Finding
from ontology.loader import Entry, LoadResult, Location, display_path
from ontology.releases import changed_values, entry_name, release_key, releases_of
from ontology.schema import Dated, TypeDef


def _range_problems(fact: Dated) -> Iterator[str]:
    """What is wrong with one fact's own dates and changes (messages without a place)."""
    since = release_key(fact.since) if fact.since else None
    until = release_key(fact.until) if fact.until else None
    if since is not None and until is not None and since >= until:
        yield f"since {fact.since} is not before until {fact.until}"
    previous: tuple[int, int] | None = None
    for change in getattr(fact, "changes", []):
        key = release_key(change.until)
        if previous is not None and key <= previous:
            yield f"changes are not in release order (until {change.until} after a later one)"
        if since is not None and key <= since:
            yield f"a change until {change.until} ends before the fact's since {fact.since}"
        if until is not None and key >= until:
            yield f"a change until {change.until} ends after the fact's until {fact.until}"
        previous = key
    yield from _unrepeated_keys(getattr(fact, "changes", []))
    if fact.module is not None and fact.config is None:
        yield f"module {fact.module!r} without the config condition that builds it"


def _unrepeated_keys(changes: list[Any]) -> Iterator[str]:
    """Only the change in effect applies at a release, its unset keys taking the fact's newest
    value (`ontology.releases.at_release`): an earlier change that leaves unset a key a later
    change sets would skip that later value, so its period silently gets the newest one."""
    for index, change in enumerate(changes):
        for later in changes[index + 1 :]:
            skipped = sorted(set(changed_values(later)) - set(changed_values(change)))
            if skipped:
                yield (
                    f"the change until {change.until} leaves {', '.join(skipped)} unset, which the change until "
                    f"{later.until} sets: before {change.until} the newest value would apply; repeat the earlier one"
                )


def _source_refs(fact: Dated) -> Iterator[tuple[str, str | None]]:
    yield "since_source", fact.since_source
    yield "until_source", fact.until_source
    yield "build", fact.build


def _fact_findings(
    fact: Dated, where: Location, label: str, result: LoadResult, sources: dict[str, Any]
) -> Iterator[Finding]:
    for problem in _range_problems(fact):
        yield Finding(where, "release-range", f"{label}: {problem}")
    for key, source_id in _source_refs(fact):
        if source_id is None:
            continue
        source = sources.get(source_id)
        if source is None:
            yield Finding(where, "dangling-ref", f"{label}: {key} {source_id!r} is not a defined source")
        elif key == "build" and source.kind != "btf":
            yield Finding(
                where, "release-range", f"{label}: build {source_id!r} is a {source.kind} source, not a BTF build"
            )
    covered = releases_of(result.meta)
    for change in getattr(fact, "changes", []):
        if covered and release_key(change.until) <= release_key(covered[0]):
            yield Finding(
                where,
                "release-range",
                f"{label}: a change until {change.until} describes no release the data covers (oldest {covered[0]})",
            )
    newest = result.meta.kernel if result.meta else None
    for release in (fact.since, fact.until):
        if newest and release and release_key(release) > release_key(newest):
            yield Finding(where, "release-range", f"{label}: release {release} is after the newest release {newest}")


def _meta_findings(result: LoadResult) -> Iterator[Finding]:
    meta = result.meta
    if meta is None or not meta.releases:
        return
    where = Location(display_path(result.root), 1)
    keys = [release_key(release) for release in meta.releases]
    if keys != sorted(set(keys)):
        yield Finding(where, "release-range", "[ontology] releases must be listed oldest first, each once")
    if meta.releases[-1] != meta.kernel:
        yield Finding(
            where,
            "release-range",
            f"[ontology] kernel {meta.kernel} must be the newest of releases (last: {meta.releases[-1]})",
        )


def release_findings(result: LoadResult) -> list[Finding]:
    """Every history problem in loaded (not yet snapshotted) data."""
    sources = {entry.item.id: entry.item for entry in result.entries if entry.section == "source"}
    findings = list(_meta_findings(result))
    for entry in result.entries:
        if not isinstance(entry.item, Dated):
            continue
        label = f"{entry.section} {entry_name(entry)!r}"
        findings.extend(_fact_findings(entry.item, entry.location, label, result, sources))
        if isinstance(entry.item, TypeDef):
            findings.extend(_field_findings(entry, entry.item, result, sources))
    findings.extend(_state_findings(result))
    return findings


def _state_findings(result: LoadResult) -> Iterator[Finding]:
    """A refinement's state facts name a field its struct has, and a descriptor that exists, at
    some release (each snapshot sees only its own release's names)."""
    types = [entry.item for entry in result.entries if isinstance(entry.item, TypeDef)]
    names = {t.name for t in types}
    parents = {t.name: t.parents[0] for t in types if t.kind == "refinement" and t.parents}
    fields: dict[str, set[str]] = {}
    for typedef in types:
        if typedef.kind != "refinement":
            known = fields.setdefault(typedef.name, set())
            known.update(f.name for f in typedef.fields)
            known.update(c.name for f in typedef.fields for c in f.changes if c.name)
    for entry in result.entries:
        typedef = entry.item
        if not isinstance(typedef, TypeDef) or typedef.kind != "refinement":
            continue
        for over in typedef.overlaid_by:
            if over.descriptor not in names:
                yield Finding(entry.location, "dangling-ref", f"type {over.descriptor!r} is not defined at any release")
        struct, seen = typedef.name, set()
        while struct in parents and struct not in seen:  # a cycle is the cycle rule's to report
            seen.add(struct)
            struct = parents[struct]
        known = fields.get(struct, set())
        for fact in typedef.meaningless:
            if fact.field not in known:
                yield Finding(
                    entry.location, "state", f"{typedef.name!r}: {struct} has no field {fact.field!r} at any release"
                )


def _field_findings(entry: Entry, typedef: TypeDef, result: LoadResult, sources: dict[str, Any]) -> Iterator[Finding]:
    for member in typedef.fields:
        label = f"field {typedef.name}.{member.name}"
        yield from _fact_findings(member, entry.member_location(member.name), label, result, sources)
