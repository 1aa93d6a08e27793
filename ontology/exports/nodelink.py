"""networkx node-link JSON (`edges` key named explicitly), sorted keys, two-space indent.

JSON holds no comment, so the first line is a `"generator"` member: `-o` replaces a file only
when its first line is memdesc's (see `ontology.ownership`), and networkx ignores the member."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

FIRST_LINE = '{"generator": "memdesc: the memory-descriptor ontology as networkx node-link JSON",'


def export(graph: nx.MultiDiGraph) -> str:
    import networkx as nx  # here, not at the top: importing ontology.exports stays light (see __init__)

    data = nx.node_link_data(graph, edges="edges")
    data["nodes"].sort(key=lambda node: node["id"])
    data["edges"].sort(key=lambda edge: (edge["source"], edge["target"], edge["key"]))
    body = json.dumps(data, indent=2, sort_keys=True)  # "{\n  ...": the members follow the first line
    return f"{FIRST_LINE}\n{body[2:]}\n"
