"""Graph exports, one module per format; `EXPORTERS` maps a format name to its writer.

Every writer takes the ontology graph and returns text ending in a newline, with nodes and
edges in sorted order so the output is byte-identical between runs and hash seeds.
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx

from ontology.exports import dot, graphml, mermaid, nodelink

Exporter = Callable[[nx.MultiDiGraph], str]

EXPORTERS: dict[str, Exporter] = {
    "dot": dot.export,
    "graphml": graphml.export,
    "json": nodelink.export,
    "mermaid": mermaid.export,
}
