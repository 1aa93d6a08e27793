"""GraphML for Gephi, yEd, Cytoscape and networkx: scalar attributes only, sorted."""

from __future__ import annotations

import networkx as nx


def export(graph: nx.MultiDiGraph) -> str:
    return "\n".join(nx.generate_graphml(graph, prettyprint=True)) + "\n"
