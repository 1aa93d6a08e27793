"""`memdesc history NAME`: when a type, field or function appeared, changed and went.

Read straight from the versioned data: a fact's `since` (appeared), each of its `changes` (the
values that differed before that release: a rename, a new prototype, a move), and its `until`
(went), each with the source that dates or attests it. NAME is a type (`ptdesc`), a field
(`page.compound_info`), or a function, conversion, predicate or page type; a former name finds
the fact too (`isolate_hugetlb`, `page.compound_head`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ontology.errors import InputError
from ontology.loader import Entry, LoadResult
from ontology.releases import changed_values, entry_name, release_key, releases_of
from ontology.schema import Dated, TypeDef
from ontology.suggest import suggest

SECTIONS = ("type", "function", "conversion", "predicate", "page_type", "typedef")
"""Where a plain NAME is looked up, in this order."""


def _names(fact: Any) -> set[str]:
    """Every name a fact has had: its own and each change's."""
    return {fact.name, *(change.name for change in getattr(fact, "changes", []) if getattr(change, "name", None))}


def _find(history: LoadResult, name: str) -> list[tuple[str, Entry, Any]]:
    """(subject, entry, fact) for each fact `name` names (a field as TYPE.FIELD)."""
    found: list[tuple[str, Entry, Any]] = []
    owner, _, member = name.partition(".")
    for entry in history.entries:
        if entry.section not in SECTIONS or not isinstance(entry.item, Dated):
            continue
        if member and isinstance(entry.item, TypeDef) and entry.item.name == owner:
            found.extend(
                (f"{owner}.{field.name}", entry, field) for field in entry.item.fields if member in _names(field)
            )
        elif not member and name in _names(entry.item):
            found.append((entry_name(entry), entry, entry.item))
            if isinstance(entry.item, TypeDef):  # a type's history is its fields' too
                found.extend((f"{entry.item.name}.{f.name}", entry, f) for f in entry.item.fields)
    return found


def _when(release: str | None) -> tuple[int, int]:
    return release_key(release) if release else (0, 0)


def _value_after(fact: Any, later: list[Any], key: str) -> Any:
    """`key`'s value after a change: the next change that sets it, else the fact's own."""
    for change in later:
        if key in changed_values(change):
            return changed_values(change)[key]
    return getattr(fact, key)


def _values(change: Any) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(changed_values(change).items()))


def _source_of(entry: Entry) -> str | None:
    """What attests an entry's facts when one says nothing itself: a type's layout source for its fields."""
    return getattr(entry.item, "layout_source", None) or getattr(entry.item, "source", None)


def _events(subject: str, fact: Dated, oldest: str, fallback: str | None = None) -> Iterator[dict[str, Any]]:
    """A fact's events, oldest first: appeared (or present at the oldest release covered),
    each change, went."""
    changes = list(getattr(fact, "changes", []))
    first = changes[0] if changes else None
    if fact.build is not None:
        yield {
            "release": None,
            "event": "vendor",
            "subject": subject,
            "detail": f"only in build {fact.build}",
            "source": fact.build,
        }
        return
    appeared = fact.since is not None and release_key(fact.since) > release_key(oldest)
    if not appeared and not changes and not fact.until and subject.count(".") and not _extra(fact):
        return  # a field that never changed: its type's line says enough
    yield {
        "release": fact.since if appeared else oldest,
        "event": "appeared" if appeared else "present",
        "subject": subject,
        "detail": f"as {_values(first)}" if first else "",  # its oldest state
        "source": fact.since_source or (first.source if first else None) or getattr(fact, "source", None) or fallback,
    }
    for index, change in enumerate(changes):
        before = changed_values(change)
        after = {key: _value_after(fact, changes[index + 1 :], key) for key in before}
        before = {key: value for key, value in before.items() if value != after[key]}  # what really differed
        yield {
            "release": change.until,
            "event": "renamed" if "name" in before else "changed",
            "subject": subject,
            "detail": "\n".join(f"{key} {before[key]} -> {after[key]}" for key in sorted(before)),
            "source": change.source,
        }
    if fact.until:
        yield {"release": fact.until, "event": "removed", "subject": subject, "detail": "", "source": fact.until_source}
    for key, value in _extra(fact).items():
        yield {"release": None, "event": key, "subject": subject, "detail": value, "source": None}


def _extra(fact: Dated) -> dict[str, str]:
    """What else bounds a fact: the config it needs, its module, the one build it is seen in."""
    return {key: value for key in ("config", "module") if (value := getattr(fact, key))}


def _order(event: dict[str, Any]) -> tuple[str, bool, tuple[int, int]]:
    return (event["subject"], event["event"] in ("config", "module", "vendor"), _when(event["release"]))


def events_by_subject(history: LoadResult) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Every fact's events at once, by (section, subject): a field's section is `field` and its
    subject TYPE.FIELD; each list ordered as `fact_history` orders it. What `show` reads for
    every name, in one pass over the data (a type and a conversion may share a name)."""
    covered = releases_of(history.meta)
    oldest = covered[0] if covered else "0.0"
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in history.entries:
        if entry.section not in SECTIONS or not isinstance(entry.item, Dated):
            continue
        facts: list[tuple[str, str, Dated]] = [(entry.section, entry_name(entry), entry.item)]
        if isinstance(entry.item, TypeDef):
            facts += [("field", f"{entry.item.name}.{field.name}", field) for field in entry.item.fields]
        for section, subject, fact in facts:
            found.setdefault((section, subject), []).extend(_events(subject, fact, oldest, _source_of(entry)))
    return {key: sorted(events, key=_order) for key, events in sorted(found.items())}


def fact_history(history: LoadResult, name: str) -> dict[str, Any]:
    """`history NAME` as data: the releases covered and each event of each fact NAME names."""
    found = _find(history, name)
    if not found:
        known = sorted({entry_name(e) for e in history.entries if e.section in SECTIONS})
        raise InputError(f"no type, field or function is called {name!r} at any release{suggest(name, known)}")
    covered = releases_of(history.meta)
    oldest = covered[0] if covered else "0.0"
    events = [event for subject, entry, fact in found for event in _events(subject, fact, oldest, _source_of(entry))]
    events.sort(key=_order)
    return {"name": name, "releases": [covered[0], covered[-1]] if covered else [], "events": events}
