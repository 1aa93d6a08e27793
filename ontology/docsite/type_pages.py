"""One reference page per descriptor type, and the index of them, generated from the ontology.

A page is `memdesc show TYPE` laid out for reading: the facts table (kind, C struct, size,
since...), the fields with the struct page word each occupies, a diagram of the type's
neighbourhood (an SVG beside the page, with its Mermaid source for code hosts), conversions, predicates, page types, the
kernel API that takes or returns it, and every source cited. All of it comes from
`ontology.queries.show_type`, so the page and the CLI cannot disagree.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ontology.docsite import neighbourhood
from ontology.docsite.markdown import (
    MERMAID_SUMMARY,
    cell,
    code,
    collapsed,
    diagram_text,
    fence,
    image,
    link,
    table,
    text,
    url,
)
from ontology.exports.mermaid import Edge, flowchart
from ontology.indexed import Ontology
from ontology.queries import function_record, show_type
from ontology.releases import changed_values, release_key, releases_of
from ontology.schema import FieldDef, TypeDef

KIND_ORDER = ("struct", "handle", "refinement", "proposed")
KIND_TITLES = {
    "struct": "C structs",
    "handle": "Handles",
    "refinement": "Refinements (fixed by a predicate)",
    "proposed": "Proposed types",
}


def type_link(name: str) -> str:
    """A link from one type page (or the index beside them) to another type's page."""
    return link(code(name), quote(f"{name}.md"))


def _links(names: list[str]) -> str:
    return ", ".join(type_link(n) for n in names) or "—"


def _facts(info: dict[str, Any]) -> str:
    rows: list[tuple[str, str]] = [("kind", cell(info["kind"])), ("status", cell(info["status"]))]
    if info["c_struct"]:
        rows.append(("C type", code(f"struct {info['c_struct']}") if info["kind"] != "handle" else code(info["name"])))
    if info["size"]:
        rows.append(("size", f"{info['size']} bytes ({info['size'] // 8} words)"))
    if info["header"]:
        rows.append(("header", code(info["header"])))
    if info["overlays"]:
        rows.append(("overlays", type_link(info["overlays"])))
    for key, title in (("since", "since"), ("until", "until"), ("proposed_in", "proposed in")):
        if info[key]:
            rows.append((title, cell(info[key])))
    if info["predicate"]:
        rows.append(("established by", code(f"{info['predicate']}()")))
    if info["parents"]:
        rows.append(("refines", _links(info["parents"])))
    if info["ancestors"]:
        rows.append(("ancestors", _links(info["ancestors"])))
    if info["children"]:
        rows.append(("refined by", _links(info["children"])))
    if info["realized_by"]:
        rows.append(("realized by", type_link(info["realized_by"])))
    return table(["fact", "value"], [[title, value] for title, value in rows])


def neighbourhood_file(name: str) -> str:
    """The file name of a type's neighbourhood SVG, beside its page (`folio.svg`)."""
    return f"{name}.svg"


def neighbourhood_dot(onto: Ontology, name: str) -> str:
    """The DOT source of the neighbourhood SVG on the type's page."""
    kinds = {typedef.name: typedef.kind for typedef in onto.types.values()}
    return neighbourhood.dot_source(neighbourhood.neighbourhood(show_type(onto, name)), kinds, onto.kernel)


def _neighbourhood(info: dict[str, Any]) -> str:
    """The neighbourhood drawn (the SVG beside the page) and its Mermaid source, collapsed."""
    graph = neighbourhood.neighbourhood(info)
    lines = [image(f"Neighbourhood of {info['name']}", neighbourhood_file(info["name"])), ""]
    lines += collapsed(MERMAID_SUMMARY, fence(neighbourhood.mermaid_lines(graph), "mermaid"))
    return "\n".join(lines) + "\n"


def _fields(info: dict[str, Any]) -> str:
    rows = []
    for f in info["fields"]:
        bits = ""
        if f["bit_size"] is not None:  # bit_offset counts from the struct's start; show it within the field
            low = f["bit_offset"] - 8 * f["offset"]
            bits = f"{low}-{low + f['bit_size'] - 1}"
        matches = code(f["matches"]) if f["matches"] else ""
        if matches and f["match_index"]:
            matches += f" (page +{f['match_index']})"
        rows.append(
            [
                str(f["word"]),
                str(f["offset"]),
                str(f["size"]),
                bits,
                code(f["name"]),
                code(f["c_type"]),
                matches,
                code(f["config"]) if f["config"] else "",
            ]
        )
    headers = ["word", "offset", "size", "bits", "field", "C type", "matches", "config"]
    meanings = [f"- {code(f['name'])} (word {f['word']}): {cell(f['doc'])}" for f in info["fields"] if f["doc"]]
    what = "\n### What each field holds\n\n" + "\n".join(meanings) + "\n" if meanings else ""
    return table(headers, rows) + what


def _earlier(field: FieldDef) -> str:
    """A field's earlier states, oldest first: before 7.1: name `compound_head` (`commit-...`)."""
    parts = []
    for change in sorted(field.changes, key=lambda c: release_key(c.until)):
        values = ", ".join(f"{cell(key)} {code(value)}" for key, value in sorted(changed_values(change).items()))
        parts.append(f"before {cell(change.until)}: {values} ({code(change.source)})")
    return "; ".join(parts)


def field_history(onto: Ontology, name: str) -> str:
    """Every field the versioned data gives the type, at any release: since and until (each with
    the source that dates it), its earlier names and types. A field without a `since` of its own
    or its type's was there at the oldest release the data covers (shown `≤ 6.1`); without an
    `until`, it is still there at the newest; one seen in a vendor build only is in no mainline
    release. Empty when the type has no fields at any release."""
    if onto.history is None:
        return ""
    covered = releases_of(onto.history.meta)
    oldest = f"≤ {covered[0]}" if covered else ""
    rows: list[tuple[str, tuple[int, int], list[str]]] = []
    for entry in onto.history.entries:
        typedef = entry.item
        if not isinstance(typedef, TypeDef) or typedef.name != name:
            continue
        for field in typedef.fields:
            since, until = field.since or typedef.since, field.until or typedef.until
            since_source = field.since_source if field.since else typedef.since_source
            until_source = field.until_source if field.until else typedef.until_source
            dated = [f"{key} {code(s)}" for key, s in (("since", since_source), ("until", until_source)) if s]
            if field.build:
                dated.append(f"only in build {code(field.build)}")
            rows.append(
                (
                    field.name,
                    release_key(since) if since else (0, 0),
                    [
                        code(field.name),
                        "not in mainline" if field.build else cell(since) if since else oldest,
                        cell(until) if until else "—",
                        _earlier(field),
                        ", ".join(dated),
                    ],
                )
            )
    rows.sort(key=lambda row: (row[0], row[1]))
    return table(["field", "since", "until", "earlier", "dated by"], [row[2] for row in rows]) if rows else ""


def _conversions(info: dict[str, Any]) -> str:
    rows = [
        [code(c["name"] + "()"), type_link(c["from"]), type_link(c["to"]), "checked" if c["checked"] else "trusting"]
        for c in info["conversions"]
    ]
    return table(["conversion", "from", "to", "kind"], rows)


def _predicates(info: dict[str, Any]) -> str:
    rows = [
        [
            code(p["name"] + "()"),
            type_link(p["takes"]),
            type_link(p["establishes"]) if p["establishes"] else "—",
            cell(p["tests"]),
        ]
        for p in info["predicates"]
    ]
    return table(["predicate", "takes", "establishes", "tests"], rows)


def _functions(onto: Ontology, info: dict[str, Any]) -> str:
    rows = []
    for entry in info["functions"]:
        record = function_record(onto, onto.functions[entry["name"]])
        rows.append(
            [code(entry["name"]), cell(entry["category"]), cell(", ".join(entry["roles"])), code(record["prototype"])]
        )
    return table(["function", "category", "role", "prototype"], rows)


def _source(source: dict[str, Any]) -> str:
    parts = [code(source["id"])]
    if source.get("title"):
        parts.append(cell(source["title"]))
    where = [str(source[key]) for key in ("kind", "version", "path") if source.get(key)]
    if where:
        parts.append("(" + cell(", ".join(where)) + ")")
    if source.get("url"):
        parts.append(url(str(source["url"])))
    return "- " + " ".join(parts)


def type_page(onto: Ontology, name: str) -> str:
    """The Markdown reference page of one descriptor type."""
    info = show_type(onto, name)
    out = [f"# {text(name)}\n", cell(info["summary"]) + "\n", _facts(info)]
    if info["notes"]:
        out.append("> **Notes.** " + cell(info["notes"]) + "\n")
    out.append("## Neighbourhood\n")
    out.append(
        "Hollow arrows: *is a*; red arrows: conversion functions; "
        "dashed blue: overlays, realizations, predicates that establish the type.\n"
    )
    out.append(_neighbourhood(info))
    if info["fields"]:
        out.append("## Fields\n")
        out.append(
            "Offsets in bytes on x86-64; *word* is the 8-byte word of the struct page the field occupies; "
            "*bits* are bit positions within the field's unit; *matches* is the overlaid struct's field at the "
            "same place, as the kernel's `*_MATCH` asserts pair them "
            "(page +*n*: in the *n*-th struct page after the first).\n"
        )
        out.append(_fields(info))
    history = field_history(onto, name)
    if history:
        out.append("## Field history\n")
        out.append(
            "Every field the type has had at any release the data covers, with the release it appeared in "
            "(*since*) and the first it no longer has it in (*until*; — still there). "
            "*earlier* gives its name or type before a change.\n"
        )
        out.append(history)
    if info["page_types"]:
        out.append("## Page types\n")
        out.append("\n".join(f"- {code(p)}" for p in info["page_types"]) + "\n")
    sections = (
        ("Conversions", info["conversions"], _conversions),
        ("Predicates", info["predicates"], _predicates),
    )
    for title, entries, render in sections:
        if entries:
            out.append(f"## {title}\n")
            out.append(render(info))
    if info["functions"]:
        out.append("## Kernel API\n")
        out.append(f"{len(info['functions'])} functions take or return a {code(name)}.\n")
        out.append(_functions(onto, info))
    out.append("## Sources\n")
    out.append("\n".join(_source(s) for s in info["sources"]) + "\n")
    return "\n".join(out)


def index_page(onto: Ontology, diagrams: dict[str, tuple[str, str]]) -> str:
    """The type index: every type grouped by kind, the Graphviz diagrams (SVG files beside the
    page, `diagrams` maps file name to caption and key) and a Mermaid hierarchy for code hosts."""
    out = ["# Descriptor types\n"]
    out.append(
        f"The ontology knows {len(onto.types)} types. Each page below is generated from the data under "
        "`ontology/data/` (`memdesc docs`), like `memdesc show TYPE`.\n"
    )
    for file_name, (caption, key) in diagrams.items():
        out.append(f"## {text(caption)}\n")
        out.append(f"{key}\n")
        out.append(image(caption, file_name) + "\n")
    for kind in KIND_ORDER:
        members = sorted((t for t in onto.types.values() if t.kind == kind), key=lambda t: t.name)
        if not members:
            continue
        out.append(f"## {KIND_TITLES[kind]}\n")
        rows = [[type_link(t.name), cell(t.status), _links(sorted(t.parents)), cell(t.summary)] for t in members]
        out.append(table(["type", "status", "refines", "summary"], rows))
    out.append("## Hierarchy (Mermaid)\n")
    out.append("The same *is a* relation as the type hierarchy drawn above, as Mermaid for a code host.\n")
    typedefs = sorted(onto.types.values(), key=lambda t: t.name)
    nodes = [("type:" + typedef.name, diagram_text(typedef.name), "type") for typedef in typedefs]
    edges: list[Edge] = [
        ("type:" + typedef.name, "type:" + parent, "-->", None)
        for typedef in typedefs
        for parent in sorted(typedef.parents)
    ]
    out.append("\n".join(collapsed(MERMAID_SUMMARY, fence(flowchart("BT", nodes, edges), "mermaid"))) + "\n")
    return "\n".join(out)
