"""Find any named thing of the ontology: a type, a field, a function, a conversion, a predicate,
a page type or a typedef, however the user spells it (`ontology.spelling`).

`resolve` answers with what the name names at the snapshot's release; a name the versioned data
has at other releases only raises `NotInRelease` (an answer: "not there, since 6.6"), any other
raises `InputError` with the closest names, ranked (`ontology.suggest.ranked_matches`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ontology.errors import InputError, NotInRelease
from ontology.indexed import Ontology
from ontology.spelling import looks_like, lookup_key
from ontology.suggest import did_you_mean, ranked_matches

KINDS = ("type", "field", "function", "conversion", "predicate", "page_type", "typedef")
"""What a name may name, in the order a name that names several is answered."""

LABELS = {"page_type": "page type"}
"""A kind as sentences say it (the others as they are)."""


@dataclass(frozen=True, order=True)
class Thing:
    """One named thing: its kind (one of KINDS) and its name (a field's as TYPE.FIELD)."""

    kind: str
    name: str

    @property
    def id(self) -> str:
        """`function:filemap_lock_folio`: unique across kinds (slab_folio is a type and more)."""
        return f"{self.kind}:{self.name}"


def _sections(onto: Ontology) -> dict[str, list[str]]:
    return {
        "function": sorted(onto.functions),
        "conversion": sorted(onto.conversions),
        "predicate": sorted(onto.predicates),
        "page_type": sorted(onto.page_types),
        "typedef": sorted(onto.typedefs),
    }


def things(onto: Ontology) -> list[Thing]:
    """Every named thing at the snapshot's release, in KINDS order, each kind by name."""
    found = [Thing("type", name) for name in sorted(onto.types)]
    found += [
        Thing("field", f"{typedef.name}.{field.name}")
        for typedef in sorted(onto.types.values(), key=lambda t: t.name)
        for field in sorted(typedef.fields, key=lambda f: f.name)
    ]
    for kind, names in _sections(onto).items():
        found += [Thing(kind, name) for name in names]
    return found


def _c_keys(onto: Ontology, thing: Thing) -> set[str]:
    """The lookup keys of a type's C names (`struct folio`, `netmem_ref`), or of a field's
    owner's (`struct slab.slab_cache`)."""
    owner, _, member = thing.name.partition(".")
    typedef = onto.types.get(owner) if thing.kind in ("type", "field") else None
    if typedef is None:
        return set()
    names = [name for name in (typedef.c_struct, typedef.c_type) if name]
    return {lookup_key(name + ("." + member if member else "")) for name in names}


def name_index(onto: Ontology) -> dict[str, list[str]]:
    """Lookup key -> the ids of the things it finds, in KINDS order (sorted keys).

    A thing's own name wins over another's C name: `struct page` is page, whichever other
    type says it is made of struct page. A name several things share also finds each by its
    id (`conversion:slab_folio`)."""
    every = things(onto)
    index: dict[str, list[str]] = {}
    for thing in every:
        index.setdefault(lookup_key(thing.name), []).append(thing.id)
    by_c_name: dict[str, list[str]] = {}
    for thing in every:
        for key in sorted(_c_keys(onto, thing)):
            if key not in index:
                by_c_name.setdefault(key, []).append(thing.id)
    shared = {thing_id: [thing_id] for ids in index.values() if len(ids) > 1 for thing_id in ids}
    by_id = {lookup_key(thing_id): ids for thing_id, ids in shared.items()}  # `conversion:slab_folio`
    return dict(sorted({**index, **by_c_name, **by_id}.items()))


def parse_id(thing_id: str) -> Thing:
    kind, _, name = thing_id.partition(":")
    return Thing(kind, name)


def resolve(onto: Ontology, text: str) -> list[Thing]:
    """What `text` names at the snapshot's release, the first to answer with first.

    Raises NotInRelease when the versioned data has it at other releases only, else InputError
    naming the closest things (same words and the kind the spelling points at first)."""
    found = name_index(onto).get(lookup_key(text))
    if found:
        return [parse_id(thing_id) for thing_id in found]
    absent = _elsewhere(onto, text)
    if absent is not None:
        raise absent
    candidates = {thing.name: thing.kind for thing in things(onto)}
    matches = ranked_matches(lookup_key(text), candidates, looks_like(text))
    raise InputError(
        f"unknown name {text!r}: no type, field, function, conversion, predicate or page type "
        f"is called that in Linux {onto.kernel}{did_you_mean(matches)}"
    )


class Renamed(NotInRelease):
    """A name the thing had at other releases, when it holds at this one under another."""

    def __init__(self, what: str, name: str, kernel: str, spans: list[tuple[str | None, str | None]], now: str):
        super().__init__(what, name, kernel, spans)
        self.now = now
        self.args = (f"{self.message}; it is called {now!r} there",)
        self.message = self.args[0]

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "called": self.now}


def name_spans(
    fact: object, since: str | None = None, until: str | None = None
) -> list[tuple[str, str | None, str | None]]:
    """(name, since, until) of each stretch of releases a fact had one name, oldest first;
    `since`/`until` bound a fact that has none of its own (a field by its type's)."""
    since = getattr(fact, "since", None) or since
    stretches: list[tuple[str, str | None, str | None]] = []
    for change in getattr(fact, "changes", []):
        named = getattr(change, "name", None)
        if not named:
            continue
        if stretches and stretches[-1][0] == named:  # a change of something else, same name
            since = stretches.pop()[1]
        stretches.append((named, since, change.until))  # called `named` until this change
        since = change.until
    current = str(getattr(fact, "name", ""))
    if stretches and stretches[-1][0] == current:
        since = stretches.pop()[1]
    stretches.append((current, since, getattr(fact, "until", None) or until))
    return stretches


def _elsewhere(onto: Ontology, text: str) -> NotInRelease | None:
    """NotInRelease for a name the versioned data holds at other releases (Renamed when the
    thing is here under another name), or None."""
    from ontology.releases import holds
    from ontology.schema import Dated, TypeDef

    history = onto.history
    if history is None:
        return None
    key = lookup_key(text)
    owner, dot, member = key.partition(".")
    for entry in history.entries:
        item = entry.item
        if entry.section not in KINDS or not isinstance(item, Dated) or item.build is not None:
            continue
        if dot:
            if not isinstance(item, TypeDef) or owner not in {
                lookup_key(name) for name in (item.name, item.c_struct, item.c_type) if name
            }:
                continue
            facts: list[tuple[str, Dated]] = [(f"{item.name}.", f) for f in item.fields if f.build is None]
            bounds = (item.since, item.until)
            what = "field"
        else:
            facts, what = [("", item)], LABELS.get(entry.section, entry.section)
            bounds = (None, None)
        for prefix, fact in facts:
            stretches = name_spans(fact, *bounds)
            matching = [(name, since, until) for name, since, until in stretches if lookup_key(name) == (member or key)]
            if not matching:
                continue
            name, spans = prefix + matching[0][0], [(since, until) for _, since, until in matching]
            now = [name for name, since, until in stretches if _within(onto.kernel, since, until)]
            if now and holds(fact, onto.kernel) and (not prefix or holds(item, onto.kernel)):
                return Renamed(what, name, onto.kernel, spans, prefix + now[0])
            return NotInRelease(what, name, onto.kernel, spans)
    return None


def _within(release: str, since: str | None, until: str | None) -> bool:
    from ontology.releases import release_key

    key = release_key(release)
    return (since is None or release_key(since) <= key) and (until is None or key < release_key(until))
