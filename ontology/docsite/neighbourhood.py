"""A type's neighbourhood, the diagram of its page: the type, what it refines and overlays, what
refines it, what converts to and from it (one edge per pair, naming every function) and the
predicates that establish it.

One graph, two drawings: DOT (rendered to the SVG the page shows, so it draws with no script and
no network) and Mermaid (the page's collapsed source, which a code host renders). Names come from
data: both writers get them through `diagram_text`, and DOT quotes every label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ontology.docsite.diagrams import TYPE_STYLES, docs_diagram
from ontology.docsite.markdown import diagram_text
from ontology.exports.dot import Attrs, quote
from ontology.exports.mermaid import Edge, Node, flowchart, safe_id

_MERMAID_ARROWS = {"is a": "-->", "conversion": "==>"}
"""Mermaid arrow per relation; the rest (overlays, realized by, establishes) dotted `-.->`."""
_DOT_EDGES: dict[str, Attrs] = {
    "is a": {"arrowhead": "empty"},
    "conversion": {"penwidth": "2", "color": '"#b03a2e"', "fontcolor": '"#b03a2e"'},
}
"""DOT attributes per relation; the rest dashed."""
BROAD = 6
"""A neighbourhood of more nodes than this is a hub (page, folio): drawn left to right, its
neighbours stack in a column; a smaller one top to bottom, which keeps its labels within the
page's column."""
_PREDICATE: Attrs = {"shape": "diamond", "style": "filled", "fillcolor": '"#fff4d6"'}


@dataclass(frozen=True)
class Neighbourhood:
    """Nodes are `type:NAME` or `predicate:NAME`; edges (source, target, relation, label), sorted."""

    centre: str
    types: list[str]
    predicates: list[str]
    edges: list[tuple[str, str, str, str]]


def neighbourhood(info: dict[str, Any]) -> Neighbourhood:
    """The neighbourhood of the type `memdesc show` described as `info`."""
    name = info["name"]
    names: set[str] = {name}
    edges: set[tuple[str, str, str, str]] = set()
    for parent in info["parents"]:
        names.add(parent)
        edges.add((name, parent, "is a", "is a"))
    for child in info["children"]:
        names.add(child)
        edges.add((child, name, "is a", "is a"))
    for relation, key in (("overlays", "overlays"), ("realized by", "realized_by")):
        if info[key]:
            names.add(info[key])
            edges.add((name, info[key], relation, relation))
    pairs: dict[tuple[str, str], list[str]] = {}
    for conversion in info["conversions"]:
        pairs.setdefault((conversion["from"], conversion["to"]), []).append(conversion["name"] + "()")
    for (source, target), functions in pairs.items():
        names.update((source, target))
        edges.add((source, target, "conversion", ", ".join(sorted(functions))))
    drawn = {(f"type:{source}", f"type:{target}", relation, label) for source, target, relation, label in edges}
    predicates = sorted(p["name"] for p in info["predicates"] if p["establishes"] == name)
    drawn |= {(f"predicate:{p}", f"type:{name}", "establishes", "establishes") for p in predicates}
    return Neighbourhood(name, sorted(names), predicates, sorted(drawn))


def mermaid_lines(graph: Neighbourhood) -> list[str]:
    """The Mermaid flowchart, the type itself outlined thick."""
    nodes: list[Node] = [("type:" + name, diagram_text(name), "type") for name in graph.types]
    nodes += [("predicate:" + p, diagram_text(p + "()"), "predicate") for p in graph.predicates]
    edges: list[Edge] = [
        (source, target, _MERMAID_ARROWS.get(relation, "-.->"), diagram_text(label))
        for source, target, relation, label in graph.edges
    ]
    lines = [*flowchart("LR", nodes, edges, quote_labels=True), "    classDef current stroke-width:3px"]
    return [*lines, f"    class {safe_id('type:' + graph.centre)} current"]


def dot_source(graph: Neighbourhood, kinds: Mapping[str, str], kernel: str) -> str:
    """The DOT source of the page's SVG: types styled by kind (`kinds` maps name to kind) as in
    the type hierarchy, the type itself outlined thick; a conversion edge lists one function a line."""
    nodes: list[tuple[str, Attrs]] = []
    for name in graph.types:
        style = dict(TYPE_STYLES[kinds.get(name, "proposed")]) | {"label": quote(diagram_text(name))}
        if name == graph.centre:
            style["penwidth"] = "3"
        nodes.append(("type:" + name, style))
    nodes += [("predicate:" + p, dict(_PREDICATE) | {"label": quote(diagram_text(p + "()"))}) for p in graph.predicates]
    edges: list[tuple[str, str, Attrs]] = []
    for source, target, relation, label in graph.edges:
        shown = "\n".join(diagram_text(part) for part in label.split(", ")) if relation == "conversion" else label
        attrs = _DOT_EDGES.get(relation, {"style": "dashed", "color": '"#1f5fa8"'})
        edges.append((source, target, dict(attrs) | {"label": quote(shown)}))
    rankdir = "LR" if len(nodes) > BROAD else "TB"
    return docs_diagram(f"Neighbourhood of {diagram_text(graph.centre)}, Linux {kernel}", nodes, edges, rankdir)
