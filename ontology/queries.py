"""Queries over the ontology: plain functions returning plain data, which the CLI renders.

Each function states its contract; unknown names raise `InputError` with a close match, so the
CLI's one-line error reads `unknown type 'foilo' (did you mean 'folio'?)`.
"""

from __future__ import annotations

from typing import Any

from ontology.chains import Step, reachable, shortest_chains
from ontology.errors import InputError, NotInRelease
from ontology.hierarchy import ancestors
from ontology.indexed import Ontology, Signature
from ontology.releases import spans
from ontology.schema import CATEGORIES, KINDS, FunctionDef
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
    NULL; `err_ptr`: an ERR_PTR() value, cited by `err_ptr_source`), notes and sources."""
    signature = onto.function_signature(function)
    cited = [function.source, *([function.err_ptr_source] if function.err_ptr_source else [])]
    return {
        "name": function.name,
        "category": function.category,
        **_signature_dict(signature),
        "nullable": function.nullable,
        "err_ptr": function.err_ptr,
        "err_ptr_source": function.err_ptr_source,
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


def tree(onto: Ontology, root: str | None = None) -> list[dict[str, Any]]:
    """The refinement forest as nested dicts {name, kind, children}; roots are parentless types.

    A type with two parents (devmem in 2021) appears under each, but a subtree is spelled out
    once: a later occurrence of a type that has children is the node alone, with
    `"shown_above": true` and no children, so a deep diamond stays linear. Built iteratively
    from one children index: linear in the types, however deep the hierarchy.
    """
    if root is not None:
        require_type(onto, root)
        roots = [root]
    else:
        roots = sorted(t.name for t in onto.types.values() if not t.parents)
    children: dict[str, list[str]] = {}
    for typedef in sorted(onto.types.values(), key=lambda t: t.name):
        for parent in dict.fromkeys(typedef.parents):
            children.setdefault(parent, []).append(typedef.name)
    expanded: set[str] = set()
    forest: list[dict[str, Any]] = []
    # Depth first in the written order: (name, the list its node joins, the names above it).
    stack: list[tuple[str, list[dict[str, Any]], frozenset[str]]] = [
        (name, forest, frozenset()) for name in reversed(roots)
    ]
    while stack:
        name, siblings, above = stack.pop()
        node: dict[str, Any] = {"name": name, "kind": onto.types[name].kind, "children": []}
        siblings.append(node)
        kids = [child for child in children.get(name, []) if child not in above and child != name]
        if kids and name in expanded:
            node["shown_above"] = True
            continue
        expanded.add(name)
        stack.extend((child, node["children"], above | {name}) for child in reversed(kids))
    return forest


MAX_PATHS = 1000
"""Shortest conversion chains `path` looks at before it stops with "too many paths": densely
connected types have exponentially many, and the answer shows only the first few anyway."""


def conversion_paths(onto: Ontology, source: str, target: str, limit: int = 5) -> dict[str, Any]:
    """Shortest conversion chains from `source` to `target`, each step naming its function.

    Refinements convert implicitly to what they refine (an anon_folio is a folio), shown as a
    step with function null. With no chain, "reason" says why: which types are reachable.
    """
    require_type(onto, source)
    require_type(onto, target)
    steps = [Step(c.source_type, c.target_type, c.name, c.checked) for c in onto.conversions.values()]
    steps += [
        Step(typedef.name, parent, None)
        for typedef in onto.types.values()
        if typedef.kind == "refinement"
        for parent in typedef.parents
    ]
    chains = shortest_chains(steps, [source], target, limit=MAX_PATHS + 1)
    paths = [
        [{"from": s.source, "to": s.target, "function": s.function, "checked": s.checked} for s in chain]
        for chain in chains[:limit]
    ]
    result: dict[str, Any] = {"from": source, "to": target, "paths": paths}
    if len(chains) > MAX_PATHS:
        result["too_many"] = (
            f"too many paths: more than {MAX_PATHS} shortest chains (MAX_PATHS); showing the first {len(paths)}"
        )
    if source == target:
        result["reason"] = f"{source!r} is already {target!r}"
    elif not paths:
        reason = (
            f"no registered conversion chain leads from {source!r} to {target!r}; from {source!r} "
            f"one can reach: {', '.join(sorted(reachable(steps, source))) or 'nothing'}"
        )
        goal = onto.types[target]
        if goal.kind == "refinement" and goal.predicate:
            reason += (
                f". {target!r} is a refinement of {goal.parents[0]!r}: reach {goal.parents[0]!r}, "
                f"then test {goal.predicate}()"
            )
        result["reason"] = reason
    return result


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
