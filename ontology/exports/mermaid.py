"""Mermaid flowchart for code hosts and MkDocs.

Mermaid ids must avoid reserved words (`end` breaks a flowchart) and punctuation, so each node
gets a generated id (`type_folio`, `function_alloc_pages`) and shows its name as a label.
"""

from __future__ import annotations

import re

import networkx as nx

_SHAPES = {"type": ('["', '"]'), "predicate": ('{"', '"}'), "page_type": ('[/"', '"/]')}


def safe_id(node: str) -> str:
    """`type:folio` -> `type_folio`: letters, digits and underscores, never a bare keyword."""
    return re.sub(r"[^A-Za-z0-9_]", "_", node)


def label(text: object) -> str:
    return str(text).replace('"', "#quot;")


def export(graph: nx.MultiDiGraph) -> str:
    lines = ["flowchart BT"]
    for node, data in sorted(graph.nodes(data=True)):
        opening, closing = _SHAPES.get(str(data.get("kind", "")), ('("', '")'))
        lines.append(f"    {safe_id(node)}{opening}{label(data.get('name', node))}{closing}")
    for source, target, key, data in sorted(graph.edges(keys=True, data=True)):
        text = data.get("function") or data.get("relation") or key
        arrow = "-.->" if data.get("relation") in ("takes", "returns") else "-->"
        lines.append(f"    {safe_id(source)} {arrow}|{label(text)}| {safe_id(target)}")
    return "\n".join(lines) + "\n"
