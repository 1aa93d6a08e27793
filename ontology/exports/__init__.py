"""Graph exports, one module per format; `EXPORTERS` maps a format name to its writer.

Every writer takes the ontology graph and returns text ending in a newline, with nodes and
edges in sorted order so the output is byte-identical between runs and hash seeds. The DOT and
Mermaid modules are also the docs site's and proposal documents' writers of those formats, so
importing this package loads no networkx (the writers that need it import it when they run).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ontology.exports import dot, graphml, mermaid, nodelink

if TYPE_CHECKING:
    import networkx as nx

Exporter = Callable[["nx.MultiDiGraph"], str]

FIRST_LINES = (
    f"// {dot.EXPORT_COMMENT}",
    graphml.FIRST_LINE,
    nodelink.FIRST_LINE,
    mermaid.FIRST_LINE,
)
"""The first line of each format's export: `export -o` may replace a file starting with any of them."""

EXPORTERS: dict[str, Exporter] = {
    "dot": dot.export,
    "graphml": graphml.export,
    "json": nodelink.export,
    "mermaid": mermaid.export,
}
