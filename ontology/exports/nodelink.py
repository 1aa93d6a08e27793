"""networkx node-link JSON (`edges` key named explicitly), sorted keys, two-space indent."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx


def export(graph: nx.MultiDiGraph) -> str:
    import networkx as nx  # here, not at the top: importing ontology.exports stays light (see __init__)

    data = nx.node_link_data(graph, edges="edges")
    data["nodes"].sort(key=lambda node: node["id"])
    data["edges"].sort(key=lambda edge: (edge["source"], edge["target"], edge["key"]))
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
