"""Graphviz DOT: every id quoted, so names with ':' (our node ids) are never read as ports."""

from __future__ import annotations

import networkx as nx

_SHAPES = {"type": "box", "function": "ellipse", "conversion": "ellipse", "predicate": "diamond", "page_type": "note"}
_STYLES = {"struct": "bold", "refinement": "solid", "proposed": "dashed", "handle": "dotted"}


def quote(text: object) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines as \\n."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def export(graph: nx.MultiDiGraph) -> str:
    lines = [
        "digraph memdesc {",
        f"  graph [label={quote(graph.graph.get('name', 'memdesc'))}, rankdir=BT, fontsize=12];",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8];',
    ]
    for node, data in sorted(graph.nodes(data=True)):
        kind = str(data.get("kind", ""))
        attrs = [f"label={quote(data.get('name', node))}", f"shape={_SHAPES.get(kind, 'box')}"]
        style = _STYLES.get(str(data.get("type_kind", "")))
        if style:
            attrs.append(f"style={style}")
        lines.append(f"  {quote(node)} [{', '.join(attrs)}];")
    for source, target, key, data in sorted(graph.edges(keys=True, data=True)):
        label = data.get("function") or data.get("relation") or key
        lines.append(f"  {quote(source)} -> {quote(target)} [label={quote(label)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
