"""What `memdesc verify` checks at one release, as plain data: the half that reads the ontology.

`build_plan` walks a release's snapshot (and the versioned data behind it) once and writes down
every claim BTF can decide, every fact dated elsewhere, and every reason a claim stays
undecidable, with the data location to print; `ontology.verifyjudge` then asks the BTF. The plan
holds only JSON values (dicts, lists, strings, ints, booleans, None) and no wording that
depends on the release judged, so one plan serves every release with the same snapshot and
`memdesc generate` can compile the plans of the bundled data (`ontology.verifytable`).

Each key holds a list of rows: `structs`, `types_elsewhere`, `page_types`,
`page_types_elsewhere`, `page_type_names`, `typedefs`, `typedefs_elsewhere`, `handles`,
`callables`, `callables_elsewhere`, `undecidable` (the refinements and proposed types), `keep`
(typedefs that name descriptors themselves), `descriptor_typedefs` and `descriptor_c_names`
(what `Ontology.descriptor_of` reads). Facts dated elsewhere carry `dated`: their `since`,
`until` and `build` (the vendor build's version).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ontology.cdecl import PrototypeError, parse_prototype, parse_type
from ontology.indexed import Ontology
from ontology.loader import Entry, Location
from ontology.releases import holds
from ontology.schema import Dated, FieldDef, Source, TypeDef

Plan = dict[str, Any]


class _Walk:
    """One snapshot and its versioned data, with the questions every section asks of them."""

    def __init__(self, onto: Ontology, place: Callable[[Location], str]) -> None:
        self.onto, self.place = onto, place
        self.release = onto.kernel
        loaded = onto.history or onto.load_result
        self.entries = loaded.entries if loaded else []

    def versioned(self, section: str) -> list[Entry]:
        """Every entry of `section` in the versioned data (the snapshot's own without history)."""
        return [entry for entry in self.entries if entry.section == section]

    def held(self, fact: Dated) -> bool:
        return fact.build is None and holds(fact, self.release)

    def dated(self, fact: Dated) -> dict[str, Any]:
        """What the judge needs of a fact dated elsewhere to say why (`verifyjudge._Run.elsewhere`)."""
        version = None
        if fact.build is not None:
            source = next((e.item for e in self.versioned("source") if e.item.id == fact.build), None)
            version = (source.version or fact.build) if isinstance(source, Source) else fact.build
        return {"since": fact.since, "until": fact.until, "build": version}


def _needs(fact: Dated) -> str | None:
    """The build condition a config-dependent fact needs, for an undecidable reason (None: none)."""
    if not fact.config:
        return None
    module = f", a module ({fact.module}.ko) in some builds" if fact.module else ""
    return f"needs {fact.config}{module}: this build may not have it built in"


def _state_names(fact: FieldDef) -> set[str]:
    """Every name a field fact has at some release: its own and its changes'."""
    return {fact.name} | {change.name for change in fact.changes if change.name}


def descriptor_typedefs(onto: Ontology) -> list[list[Any]]:
    """What `Ontology.descriptor_of` reads of the typedefs: [name, base, pointers] of each
    typedef's meaning ([name, None, None] when it does not parse)."""
    rows: list[list[Any]] = []
    for name, typedef in sorted(onto.typedefs.items()):
        try:
            meant = parse_type(typedef.means)
            rows.append([name, meant.base, meant.pointers])
        except PrototypeError:
            rows.append([name, None, None])
    return rows


def descriptor_c_names(onto: Ontology) -> list[list[Any]]:
    """What `Ontology.descriptor_of` reads of the types: [C name, type, is a handle]."""
    return [[c, name, onto.types[name].kind == "handle"] for c, name in sorted(onto._by_c_name.items())]


def _structs(walk: _Walk) -> list[dict[str, Any]]:
    onto = walk.onto
    structs = []
    for typedef in sorted(onto.types.values(), key=lambda t: t.name):
        if typedef.kind != "struct" or not typedef.c_struct:
            continue
        fields = []
        for fielddef in sorted(typedef.fields, key=lambda f: (f.offset, f.name)):
            fields.append(
                {
                    "name": fielddef.name,
                    "where": walk.place(onto.field_location(typedef.name, fielddef.name)),
                    "offset": fielddef.offset,
                    "size": fielddef.size,
                    "c_type": " ".join(fielddef.c_type.split()),
                    "bit_offset": fielddef.bit_offset,
                    "bit_size": fielddef.bit_size,
                    "arm": fielddef.arm,
                    "needs": _needs(fielddef),
                }
            )
        elsewhere, states = _fields_elsewhere(walk, typedef)
        structs.append(
            {
                "name": typedef.name,
                "c_struct": typedef.c_struct,
                "where": walk.place(onto.location("type", typedef.name)),
                "size": typedef.size,
                "needs": _needs(typedef),
                "fields": fields,
                "elsewhere": elsewhere,
                "states": states,
                "matches": _matches(walk, typedef),
            }
        )
    return structs


def _fields_elsewhere(walk: _Walk, typedef: TypeDef) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The type's fields dated to other releases or one vendor build, and each other name a
    field has at another release ([the field's name here, whether it holds here])."""
    declared = {f.name for f in typedef.fields}
    versioned = next(
        (e for e in walk.versioned("type") if e.item.name == typedef.name and walk.held(e.item)),
        None,
    )
    other_states: dict[str, FieldDef] = {}
    elsewhere = []
    if versioned is not None:
        for fielddef in versioned.item.fields:
            if fielddef.name in declared or walk.held(fielddef):
                for name in _state_names(fielddef) - declared:
                    other_states.setdefault(name, fielddef)
                continue
            if fielddef.name not in other_states:
                where = walk.place(versioned.member_location(fielddef.name))
                elsewhere.append({"name": fielddef.name, "where": where, "dated": walk.dated(fielddef)})
            for name in _state_names(fielddef):
                other_states.setdefault(name, fielddef)
    states = {name: [field.name, walk.held(field)] for name, field in sorted(other_states.items())}
    return elsewhere, states


def _declared_elsewhere(walk: _Walk, type_name: str, field_name: str) -> bool:
    return any(
        field_name in _state_names(fielddef)
        for entry in walk.versioned("type")
        if entry.item.name == type_name
        for fielddef in entry.item.fields
    )


def _matches(walk: _Walk, typedef: TypeDef) -> dict[str, Any] | None:
    """Each *_MATCH pair of the type's fields, with what an absent partner means."""
    onto = walk.onto
    overlaid = onto.types.get(typedef.overlays or "")
    if overlaid is None or not overlaid.c_struct:
        return None
    declared = {f.name: f for f in overlaid.fields}
    pairs = []
    for fielddef in typedef.fields:
        if fielddef.matches is None:
            continue
        wanted = declared.get(fielddef.matches)
        pairs.append(
            {
                "field": fielddef.name,
                "where": walk.place(onto.field_location(typedef.name, fielddef.name)),
                "partner": fielddef.matches,
                "index": fielddef.match_index,
                "elsewhere": wanted is None and _declared_elsewhere(walk, overlaid.name, fielddef.matches),
                "needs": None if wanted is None else _needs(wanted),
            }
        )
    return {"overlaid": overlaid.name, "c_struct": overlaid.c_struct, "pairs": pairs}


def _types_elsewhere(walk: _Walk) -> list[dict[str, Any]]:
    """Struct and handle types dated to other releases: absent agrees, present is undecidable."""
    seen: set[str] = set()
    found = []
    for entry in walk.versioned("type"):
        typedef = entry.item
        if typedef.name in walk.onto.types or typedef.name in seen or walk.held(typedef):
            continue
        if typedef.kind == "struct" and typedef.c_struct:
            c_name = typedef.c_struct
        elif typedef.kind == "handle" and typedef.c_type:
            c_name = typedef.c_type
        else:
            continue
        seen.add(typedef.name)
        found.append(
            {
                "name": typedef.name,
                "kind": typedef.kind,
                "c_name": c_name,
                "where": walk.place(entry.location),
                "dated": walk.dated(typedef),
            }
        )
    return found


def _page_type_names(walk: _Walk) -> list[str]:
    """Every page-type name the data knows, at any release (to find the BTF's enum by)."""
    other_names = {
        name
        for entry in walk.versioned("page_type")
        for name in {entry.item.name} | {c.name for c in entry.item.changes if c.name}
    }
    return sorted(other_names | set(walk.onto.page_types))


def _page_types(walk: _Walk) -> list[dict[str, Any]]:
    onto = walk.onto
    return [
        {
            "name": page_type.name,
            "value": page_type.value,
            "where": walk.place(onto.location("page_type", page_type.name)),
            "needs": _needs(page_type),
        }
        for page_type in onto.page_types.values()
    ]


def _typedefs(walk: _Walk) -> list[dict[str, Any]]:
    onto = walk.onto
    found = []
    for typedef in sorted(onto.typedefs.values(), key=lambda t: t.name):
        meant = parse_type(typedef.means)
        found.append(
            {
                "name": typedef.name,
                "where": walk.place(onto.location("typedef", typedef.name)),
                "claim": f"{meant.base} {'*' * meant.pointers}".strip(),
                "needs": _needs(typedef),
            }
        )
    return found


def _elsewhere(walk: _Walk, section: str) -> list[dict[str, Any]]:
    """Typedefs or page types (`section`) not in the snapshot: dated to other releases or one
    vendor build."""
    known: dict[str, Any] = walk.onto.typedefs if section == "typedef" else walk.onto.page_types
    return [
        {"name": entry.item.name, "where": walk.place(entry.location), "dated": walk.dated(entry.item)}
        for entry in walk.versioned(section)
        if entry.item.name not in known and not walk.held(entry.item)
    ]


def _handles(walk: _Walk) -> list[dict[str, Any]]:
    onto = walk.onto
    return [
        {
            "name": typedef.name,
            "c_type": typedef.c_type,
            "where": walk.place(onto.location("type", typedef.name)),
            "needs": _needs(typedef),
        }
        for typedef in sorted(onto.types.values(), key=lambda t: t.name)
        if typedef.kind == "handle" and typedef.c_type
    ]


def _other_names(walk: _Walk, section: str, location: Location, name: str) -> list[str]:
    """The names a callable has at other releases, to look for when it is absent as `name`."""
    others = []
    for entry in walk.versioned(section):
        if str(entry.location) != str(location):
            continue
        names: set[str] = {
            entry.item.name,
            *(c.name for c in getattr(entry.item, "changes", []) if getattr(c, "name", None)),
        }
        others += sorted(names - {name})
    return others


def _callables(walk: _Walk) -> list[dict[str, Any]]:
    onto = walk.onto
    tables: dict[str, Any] = {"function": onto.functions, "conversion": onto.conversions, "predicate": onto.predicates}
    found = []
    for kind, name, prototype in sorted(onto.all_callables(), key=lambda c: (c[1], c[0])):
        item = tables[kind][name]
        location = onto.location(kind, name)
        needs = _needs(item) if item.form == "function" else None
        try:
            parsed = parse_prototype(prototype)
        except PrototypeError:
            shape = None
        else:
            params = [
                {"name": p.name, "claim": list(onto.descriptor_of(p.ctype)), "position": parsed.params.index(p)}
                for p in parsed.params
            ]
            shape = {"returns": list(onto.descriptor_of(parsed.returns)), "params": params}
        found.append(
            {
                "kind": kind,
                "name": name,
                "where": walk.place(location),
                "impl": getattr(item, "impl", None),
                "form": item.form,
                "needs": needs,
                "others": _other_names(walk, kind, location, name) if item.form == "function" and not needs else [],
                "parsed": shape,
            }
        )
    return found


def _callables_elsewhere(walk: _Walk) -> list[dict[str, Any]]:
    """Out-of-line functions dated to other releases (or one vendor build)."""
    onto = walk.onto
    tables: dict[str, Any] = {"function": onto.functions, "conversion": onto.conversions, "predicate": onto.predicates}
    seen: set[tuple[str, str]] = set()
    found = []
    for section in ("function", "conversion", "predicate"):
        for entry in walk.versioned(section):
            item = entry.item
            key = (section, item.name)
            if item.name in tables[section] or key in seen or walk.held(item) or item.form != "function":
                continue
            seen.add(key)
            found.append(
                {
                    "section": section,
                    "name": item.name,
                    "impl": getattr(item, "impl", None),
                    "form": item.form,
                    "where": walk.place(entry.location),
                    "dated": walk.dated(item),
                }
            )
    return found


def _undecidable(walk: _Walk) -> list[list[str]]:
    """Refinements and proposed types: [subject, kind, form, reason, where]."""
    onto = walk.onto
    found = []
    for typedef in sorted(onto.types.values(), key=lambda t: t.name):
        if typedef.kind in ("refinement", "proposed"):
            reason = (
                f"refinement: holds when {typedef.predicate}() does"
                if typedef.kind == "refinement"
                else "proposed type, not in any kernel"
            )
            found.append([typedef.name, "type", typedef.kind, reason, walk.place(onto.location("type", typedef.name))])
    return found


def _kept_typedefs(onto: Ontology) -> list[str]:
    """Typedefs the ontology treats as descriptor names of their own (netmem_ref, pgtable_t)."""
    handles = {t.c_type for t in onto.types.values() if t.kind == "handle" and t.c_type}
    return sorted(handles | set(onto.typedefs))


def build_plan(onto: Ontology, place: Callable[[Location], str] = str) -> Plan:
    """Every claim verify checks of the snapshot `onto` (its release: `onto.kernel`; its
    versioned data: `onto.history`), in the order the judge records them; each data location
    written as `place` spells it (default: as messages print it)."""
    walk = _Walk(onto, place)
    return {
        "structs": _structs(walk),
        "types_elsewhere": _types_elsewhere(walk),
        "page_types": _page_types(walk),
        "page_types_elsewhere": _elsewhere(walk, "page_type"),
        "page_type_names": _page_type_names(walk),
        "typedefs": _typedefs(walk),
        "typedefs_elsewhere": _elsewhere(walk, "typedef"),
        "handles": _handles(walk),
        "callables": _callables(walk),
        "callables_elsewhere": _callables_elsewhere(walk),
        "undecidable": _undecidable(walk),
        "keep": _kept_typedefs(onto),
        "descriptor_typedefs": descriptor_typedefs(onto),
        "descriptor_c_names": descriptor_c_names(onto),
    }
