"""Queries over the ontology: plain functions returning plain data, which the CLI renders.

Each function states its contract; unknown names raise `InputError` with a close match, so the
CLI's one-line error reads `unknown type 'foilo' (did you mean 'folio'?)`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from ontology.errors import InputError, NotInRelease
from ontology.hierarchy import ancestors
from ontology.indexed import Ontology, Signature
from ontology.releases import spans
from ontology.schema import CATEGORIES, KINDS, FunctionDef, TypeDef
from ontology.suggest import suggest


def require_type(onto: Ontology, name: str) -> None:
    """Raise InputError unless `name` is a descriptor type of `onto` (NotInRelease when the
    versioned data has it at other releases)."""
    if name not in onto.types:
        known = spans(onto.history, "type", name)
        if known:
            raise NotInRelease("type", name, onto.kernel, known)
        from ontology.spelling import lookup_key
        from ontology.suggest import did_you_mean, ranked_matches

        matches = ranked_matches(lookup_key(name), {typename: "type" for typename in onto.types}, "type", 1)
        raise InputError(f"unknown type {name!r}{did_you_mean(matches)}")


def list_types(onto: Ontology, kind: str | None = None) -> list[dict[str, Any]]:
    """Every type (or those of one kind), sorted by name: name, kind, status, parents, summary."""
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}{suggest(kind, KINDS)}")
    return [
        {
            "name": t.name,
            "kind": t.kind,
            "status": t.status,
            "c_struct": t.c_struct,
            "parents": sorted(t.parents),
            "summary": t.summary,
        }
        for t in sorted(onto.types.values(), key=lambda t: t.name)
        if kind is None or t.kind == kind
    ]


def _signature_dict(signature: Signature) -> dict[str, Any]:
    return {
        "returns": signature.returns,
        "returns_c_type": signature.returns_c_type,
        "returns_array": signature.returns is not None and signature.returns_depth > 1,
        "params": [{"name": p.name, "type": p.type, "c_type": p.c_type, "depth": p.depth} for p in signature.params],
    }


def function_record(onto: Ontology, function: FunctionDef) -> dict[str, Any]:
    """A function as `functions --json` shows it: its descriptor types, how it fails (`nullable`:
    NULL; `err_ptr`: an ERR_PTR() value, cited by `err_ptr_source`), what the returned value
    means (`return_value`), its state contract (per parameter the states it requires, whether
    the call releases it, what callers may pass; what the result is or may be), notes and sources."""
    signature = onto.function_signature(function)
    cited = [function.source, *([function.err_ptr_source] if function.err_ptr_source else [])]
    return {
        "name": function.name,
        "category": function.category,
        **_signature_dict(signature),
        "nullable": function.nullable,
        "err_ptr": function.err_ptr,
        "err_ptr_source": function.err_ptr_source,
        "return_value": function.return_value,
        "contract": [
            {"param": p.name, "requires": list(p.requires), "releases": p.releases, "accepts": list(p.may_be)}
            for p in function.params
            if p.requires or p.releases or p.may_be
        ],
        "ensures": list(function.ensures),
        "may_be": list(function.may_be),
        "may_be_unless_zero": function.may_be_unless_zero,
        "prototype": function.prototype,
        "form": function.form,
        "impl": function.impl,
        "frees_with": function.frees_with,
        "replacement": function.replacement,
        "since": function.since,
        "until": function.until,
        "source": function.source,
        "notes": function.notes,
        "sources": [source_record(onto, source) for source in dict.fromkeys(cited)],
    }


def show_type(onto: Ontology, name: str) -> dict[str, Any]:
    """Everything about one type: kind, C struct, family, fields, predicates, conversions, API."""
    require_type(onto, name)
    typedef = onto.types[name]
    struct = onto.struct_of(name)
    fields: list[dict[str, Any]] = [
        {
            "name": f.name,
            "offset": f.offset,
            "size": f.size,
            "c_type": f.c_type,
            "word": f.offset // 8,
            "bit_offset": f.bit_offset,
            "bit_size": f.bit_size,
            "matches": f.matches,
            "match_index": f.match_index,
            "config": f.config,
            "doc": f.doc,
            "source": onto.source_of_field(typedef, f),
        }
        for f in sorted(typedef.fields, key=lambda f: (f.offset, f.bit_offset or 0, f.name))
    ]
    conversions = [
        {"name": c.name, "from": c.source_type, "to": c.target_type, "checked": c.checked}
        for c in sorted(onto.conversions.values(), key=lambda c: c.name)
        if name in (c.source_type, c.target_type)
    ]
    predicates = [
        {"name": p.name, "takes": p.takes, "establishes": p.establishes, "tests": p.tests}
        for p in sorted(onto.predicates.values(), key=lambda p: p.name)
        if name in (p.takes, p.establishes)
    ]
    functions = []
    for function in sorted(onto.functions.values(), key=lambda f: f.name):
        signature = onto.function_signature(function)
        roles = []
        if signature.returns == name:
            roles.append("returns")
        if any(p.type == name for p in signature.params):
            roles.append("takes")
        if roles:
            functions.append({"name": function.name, "category": function.category, "roles": roles})
    sources: list[str] = sorted({typedef.source, *(str(f["source"]) for f in fields)})
    return {
        "name": typedef.name,
        "kind": typedef.kind,
        "status": typedef.status,
        "summary": typedef.summary,
        "c_struct": (struct.c_struct if struct else None) or typedef.c_struct,
        "header": typedef.header,
        "size": typedef.size,
        "overlays": typedef.overlays,
        "parents": sorted(typedef.parents),
        "ancestors": ancestors(onto.types, name),
        "children": onto.children(name),
        "refinements": [c for c in onto.children(name) if onto.types[c].kind == "refinement"],
        "proposed_children": [c for c in onto.children(name) if onto.types[c].kind == "proposed"],
        "predicate": typedef.predicate,
        "page_types": sorted(p.name for p in onto.page_types.values() if p.marks == name),
        "realized_by": typedef.realized_by,
        "kernel": onto.kernel,
        "since": typedef.since,
        "until": typedef.until,
        "proposed_in": typedef.proposed_in,
        "fields": fields,
        "predicates": predicates,
        "conversions": conversions,
        "functions": functions,
        "sources": [source_record(onto, s) for s in sources],
        "notes": typedef.notes,
    }


def source_record(onto: Ontology, source_id: str) -> dict[str, Any]:
    source = onto.sources.get(source_id)
    if source is None:
        return {"id": source_id}
    return {
        "id": source.id,
        "kind": source.kind,
        "title": source.title,
        "version": source.version,
        "path": source.path,
        "url": source.url,
    }


ERAS: tuple[str, ...] = ("merged", "proposed", "plan")
"""What `tree` filters by: merged types (and removed ones), proposals of earlier eras (the 2021
ontology), and the memdesc plan the kernel is carrying out (a type's `plan`)."""


def era_of(typedef: TypeDef) -> str:
    """A type's era (`ERAS`): merged or removed -> merged; proposed or rejected -> plan or proposed."""
    if typedef.status in ("merged", "removed"):
        return "merged"
    return "plan" if typedef.plan else "proposed"


def tree_parents(onto: Ontology, typedef: TypeDef) -> list[str]:
    """The types a type hangs under in `tree`: the types it refines or is proposed under, else
    the struct it overlays (slab under page: struct slab is a view of struct page's words)."""
    if typedef.parents:
        return list(dict.fromkeys(typedef.parents))
    return [typedef.overlays] if typedef.overlays in onto.types and typedef.overlays != typedef.name else []


def tree(onto: Ontology, root: str | None = None, eras: Collection[str] = ()) -> list[dict[str, Any]]:
    """The type forest as nested dicts {name, kind, status, era, relation, children}.

    A type hangs under what it refines or is proposed under (`relation` "refines"), or, having
    none, under the struct it overlays (`relation` "overlays"). With `root`, the forest holds the
    types above it (its ancestors, down to it) and its whole subtree. With `eras`, only types of
    those eras (`ERAS`) and the types above them are kept. A type with two parents (devmem in
    2021) appears under each, but a subtree is spelled out once: a later occurrence of a type that
    has children is the node alone, with `"shown_above": true` and no children, so a deep diamond
    stays linear. Iterative: linear in the types, however deep the hierarchy.
    """
    unknown = sorted(set(eras) - set(ERAS))
    if unknown:
        raise InputError(f"unknown era {unknown[0]!r}; expected one of {', '.join(ERAS)}")
    parents = {t.name: tree_parents(onto, t) for t in onto.types.values()}
    children: dict[str, list[str]] = {}
    for name in sorted(onto.types):
        for parent in parents[name]:
            children.setdefault(parent, []).append(name)
    allowed = set(onto.types)
    if root is not None:
        require_type(onto, root)
        allowed = {root, *_above(parents, [root]), *_below(children, root)}
    if eras:
        wanted = [name for name in allowed if era_of(onto.types[name]) in eras]
        allowed &= {*wanted, *_above(parents, wanted)}
    roots = sorted(name for name in allowed if not any(p in allowed for p in parents[name]))
    expanded: set[str] = set()
    forest: list[dict[str, Any]] = []
    # Depth first in the written order: (name, the list its node joins, the names above it).
    stack: list[tuple[str, list[dict[str, Any]], frozenset[str]]] = [
        (name, forest, frozenset()) for name in reversed(roots)
    ]
    while stack:
        name, siblings, above = stack.pop()
        typedef = onto.types[name]
        node: dict[str, Any] = {
            "name": name,
            "kind": typedef.kind,
            "status": typedef.status,
            "era": era_of(typedef),
            "relation": "overlays" if parents[name] and not typedef.parents else "refines" if typedef.parents else None,
            "overlays": typedef.overlays,
            "children": [],
        }
        siblings.append(node)
        kids = [c for c in children.get(name, []) if c in allowed and c not in above and c != name]
        if kids and name in expanded:
            node["shown_above"] = True
            continue
        expanded.add(name)
        stack.extend((child, node["children"], above | {name}) for child in reversed(kids))
    return forest


def _above(parents: dict[str, list[str]], names: Iterable[str]) -> set[str]:
    """Every type some of `names` hangs under, directly or not (not `names` themselves)."""
    seen: set[str] = set()
    stack = [p for name in names for p in parents[name]]
    while stack:
        name = stack.pop()
        if name not in seen and name in parents:
            seen.add(name)
            stack.extend(parents[name])
    return seen


def _below(children: dict[str, list[str]], name: str) -> set[str]:
    """Every type under `name`, directly or not."""
    seen: set[str] = set()
    stack = list(children.get(name, []))
    while stack:
        child = stack.pop()
        if child not in seen:
            seen.add(child)
            stack.extend(children.get(child, []))
    return seen


def functions(
    onto: Ontology,
    returns: str | None = None,
    takes: str | None = None,
    category: str | None = None,
    exact: bool = False,
) -> list[dict[str, Any]]:
    """API functions filtered by returned type, taken type and category; sorted by name.

    A function returning or taking a refinement of the type asked for counts (`--returns folio`
    finds filemap_lock_folio, which returns a file_folio) unless `exact`; its record names the
    refinement as its type. Type names may be spelled as in C (`struct folio *`)."""
    returns = None if returns is None else type_named(onto, returns)
    takes = None if takes is None else type_named(onto, takes)
    if category is not None and category not in CATEGORIES:
        raise InputError(
            f"unknown category {category!r}{suggest(category, CATEGORIES)}; expected one of {', '.join(CATEGORIES)}"
        )

    def fits(name: str | None, wanted: str) -> bool:
        return name == wanted if exact else name is not None and onto.is_a(name, wanted)

    records = []
    for function in sorted(onto.functions.values(), key=lambda f: f.name):
        if category is not None and function.category != category:
            continue
        record = function_record(onto, function)
        if returns is not None and not fits(record["returns"], returns):
            continue
        if takes is not None and not any(fits(p["type"], takes) for p in record["params"]):
            continue
        records.append(record)
    return records


def type_named(onto: Ontology, name: str) -> str:
    """The type `name` names, spelled as memdesc does (`folio`) or as C does (`struct folio *`,
    any case); raises as `require_type` does when it names none."""
    from ontology.lookup import name_index, parse_id
    from ontology.spelling import lookup_key

    if name in onto.types:
        return name
    found = [parse_id(thing) for thing in name_index(onto).get(lookup_key(name), [])]
    types = [thing.name for thing in found if thing.kind == "type"]
    if types:
        return types[0]
    require_type(onto, name)
    return name
