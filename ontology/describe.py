"""`memdesc show NAME` as data: everything about any named thing, at one release.

A type's record is `ontology.queries.show_type`'s; a field, function, conversion, predicate,
page type or typedef has its own, each with its facts, its meaning (a field's doc, a predicate's
test, the notes), the sources it cites and its history (`ontology.history`: when it appeared,
changed and went). Every record says what it is (`what`), the release it answers for and what
else the same name names (`also`: slab_folio is a type and a conversion).
"""

from __future__ import annotations

from typing import Any

from ontology import queries
from ontology.indexed import Ontology
from ontology.lookup import Thing, name_index, parse_id, resolve, things
from ontology.queries import function_record, source_record
from ontology.spelling import lookup_key


def show(onto: Ontology, text: str) -> dict[str, Any]:
    """The record of what `text` names (the first, when it names several: see `also`)."""
    return describe(onto, resolve(onto, text)[0])


def describe(
    onto: Ontology,
    thing: Thing,
    index: dict[str, list[str]] | None = None,
    histories: dict[tuple[str, str], list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The record of one thing; `index` (`name_index(onto)`) and `histories`
    (`ontology.history.events_by_subject`) are passed when describing many."""
    index = name_index(onto) if index is None else index
    record = DESCRIBERS[thing.kind](onto, thing.name)
    also = [parse_id(other) for other in index.get(lookup_key(thing.name), []) if other != thing.id]
    return {
        "what": thing.kind,
        "kernel": onto.kernel,
        **record,
        "history": _history(onto, thing) if histories is None else histories.get((thing.kind, thing.name), []),
        "also": [{"what": other.kind, "name": other.name} for other in also],
    }


def describe_all(onto: Ontology) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """(type records by name, other records by id, the name index): every answer of `show` at
    the snapshot's release, which `ontology.answercache` stores."""
    from ontology.history import events_by_subject

    index = name_index(onto)
    histories = {} if onto.history is None else events_by_subject(onto.history)
    types: dict[str, Any] = {}
    others: dict[str, Any] = {}
    for thing in things(onto):
        record = describe(onto, thing, index, histories)
        if thing.kind == "type":
            types[thing.name] = record
        else:
            others[thing.id] = record
    return types, others, index


def _history(onto: Ontology, thing: Thing) -> list[dict[str, Any]]:
    """The thing's own events from the versioned data (a type's, not its fields')."""
    from ontology.history import events_by_subject

    if onto.history is None:
        return []
    return events_by_subject(onto.history).get((thing.kind, thing.name), [])


def _sources(onto: Ontology, *ids: str | None) -> list[dict[str, Any]]:
    return [source_record(onto, source) for source in dict.fromkeys(i for i in ids if i)]


def _type(onto: Ontology, name: str) -> dict[str, Any]:
    return queries.show_type(onto, name)  # looked up when called: tests count the calls


def _field(onto: Ontology, name: str) -> dict[str, Any]:
    from ontology.states import meaningless_fields

    owner, _, member = name.partition(".")
    typedef = onto.types[owner]
    field = next(f for f in typedef.fields if f.name == member)
    struct = onto.struct_of(owner)
    overlaid = onto.types.get(typedef.overlays) if typedef.overlays else None
    meaningless = []
    for refinement in sorted(onto.types.values(), key=lambda t: t.name):
        if refinement.kind == "refinement" and struct is not None and onto.struct_of(refinement.name) is struct:
            reason = meaningless_fields(onto, refinement).get(member)
            if reason is not None:
                meaningless.append({"state": refinement.name, "reason": reason})
    source = onto.source_of_field(typedef, field)
    return {
        "name": name,
        "type": owner,
        "field": member,
        "c_struct": (struct.c_struct if struct else None) or typedef.c_struct,
        "offset": field.offset,
        "size": field.size,
        "word": field.offset // 8,
        "bit_offset": field.bit_offset,
        "bit_size": field.bit_size,
        "c_type": field.c_type,
        "matches": field.matches,
        "match_index": field.match_index,
        "overlays": overlaid.name if overlaid else None,
        "config": field.config,
        "meaning": field.doc,
        "meaningless_in": meaningless,
        "since": field.since or typedef.since,
        "until": field.until or typedef.until,
        "source": source,
        "sources": _sources(onto, source),
        "notes": "",
    }


def _function(onto: Ontology, name: str) -> dict[str, Any]:
    return function_record(onto, onto.functions[name])


def _conversion(onto: Ontology, name: str) -> dict[str, Any]:
    conversion = onto.conversions[name]
    return {
        "name": name,
        "from": conversion.source_type,
        "to": conversion.target_type,
        "checked": conversion.checked,
        "form": conversion.form,
        "prototype": conversion.prototype,
        "ensures": conversion.ensures,
        "may_be": conversion.may_be,
        "may_be_unless_zero": conversion.may_be_unless_zero,
        "since": conversion.since,
        "until": conversion.until,
        "source": conversion.source,
        "sources": _sources(onto, conversion.source),
        "notes": conversion.notes,
    }


def _predicate(onto: Ontology, name: str) -> dict[str, Any]:
    predicate = onto.predicates[name]
    return {
        "name": name,
        "takes": predicate.takes,
        "establishes": predicate.establishes,
        "tests": predicate.tests,
        "form": predicate.form,
        "prototype": predicate.prototype,
        "since": predicate.since,
        "until": predicate.until,
        "source": predicate.source,
        "sources": _sources(onto, predicate.source),
        "notes": predicate.notes,
    }


def _page_type(onto: Ontology, name: str) -> dict[str, Any]:
    page_type = onto.page_types[name]
    return {
        "name": name,
        "value": page_type.value,
        "marks": page_type.marks,
        "predicate": page_type.predicate,
        "since": page_type.since,
        "until": page_type.until,
        "source": page_type.source,
        "sources": _sources(onto, page_type.source),
        "notes": page_type.notes,
    }


def _typedef(onto: Ontology, name: str) -> dict[str, Any]:
    typedef = onto.typedefs[name]
    return {
        "name": name,
        "means": typedef.means,
        "since": typedef.since,
        "until": typedef.until,
        "source": typedef.source,
        "sources": _sources(onto, typedef.source),
        "notes": typedef.notes,
    }


DESCRIBERS = {
    "type": _type,
    "field": _field,
    "function": _function,
    "conversion": _conversion,
    "predicate": _predicate,
    "page_type": _page_type,
    "typedef": _typedef,
}
"""One record builder per kind (`ontology.lookup.KINDS`)."""
