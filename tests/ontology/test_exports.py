"""Exports load in their real consumers: Graphviz, networkx GraphML and node-link, Mermaid ids."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from ontology.exports import EXPORTERS, mermaid
from ontology.graph import build_graph
from ontology.strict import load_ontology
from tests.support.paths import MINI

MERMAID_RESERVED = {
    "end",
    "graph",
    "subgraph",
    "flowchart",
    "class",
    "classDef",
    "click",
    "style",
    "linkStyle",
    "direction",
    "default",
}


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    return build_graph(load_ontology())


def test_graph_has_every_relation(graph: nx.MultiDiGraph) -> None:
    relations = {data["relation"] for _, _, data in graph.edges(data=True)}
    assert {"refines", "converts", "overlays", "takes", "returns", "establishes", "marks"} <= relations
    assert graph.has_edge("type:anon_folio", "type:folio", "refines")
    assert graph.has_edge("type:page", "type:folio", "converts:page_folio")
    assert graph.edges["type:slab", "type:page", "overlays"]["words"] == "0-7"
    assert graph.edges["type:folio", "type:page", "overlays"]["words"] == "0-31"
    assert graph.has_edge("predicate:folio_test_anon", "type:anon_folio", "establishes")


def test_dot_renders_with_graphviz_silently(graph: nx.MultiDiGraph) -> None:
    dot = shutil.which("dot")
    assert dot is not None, "graphviz `dot` is required (.ci/run installs it)"
    text = EXPORTERS["dot"](graph)
    result = subprocess.run([dot, "-Tsvg"], input=text, capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stderr == ""
    plain = subprocess.run([dot, "-Tplain"], input=text, capture_output=True, text=True, check=True).stdout
    names = {line.split()[1].strip('"') for line in plain.splitlines() if line.startswith("node ")}
    assert names == set(graph.nodes)


def test_dot_quotes_awkward_names() -> None:
    awkward = nx.MultiDiGraph(name='a "quoted" graph')
    awkward.add_node("type:page::lru", kind="type", name='page "lru"')
    awkward.add_node("with space", kind="type", name="with space")
    awkward.add_edge("type:page::lru", "with space", key="refines", relation="refines")
    text = EXPORTERS["dot"](awkward)
    dot = shutil.which("dot")
    assert dot is not None
    result = subprocess.run([dot, "-Tplain"], input=text, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stderr == ""
    assert '"type:page::lru"' in result.stdout or "type:page::lru" in result.stdout


def test_graphml_round_trips(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = tmp_path / "g.graphml"
    path.write_text(EXPORTERS["graphml"](graph))
    back = nx.read_graphml(path, force_multigraph=True)
    assert set(back.nodes) == set(graph.nodes)
    assert back.number_of_edges() == graph.number_of_edges()
    assert dict(back.nodes["type:folio"]) == dict(graph.nodes["type:folio"])
    # read_graphml adds empty node_default/edge_default graph attributes of its own.
    assert back.graph.pop("node_default") == {} and back.graph.pop("edge_default") == {}
    assert nx.utils.graphs_equal(back, graph)


def test_node_link_json_round_trips(graph: nx.MultiDiGraph) -> None:
    data = json.loads(EXPORTERS["json"](graph))
    back = nx.node_link_graph(data, edges="edges", multigraph=True, directed=True)
    assert nx.utils.graphs_equal(back, graph)


def test_mermaid_ids_are_safe() -> None:
    tricky = nx.MultiDiGraph()
    tricky.add_node("end", kind="type", name="end")
    tricky.add_node("type:graph", kind="type", name='say "hi"')
    tricky.add_edge("end", "type:graph", key="refines", relation="refines")
    text = mermaid.export(tricky)
    ids = re.findall(r"^\s{4}([^\s\[\(\{]+)[\[\(\{]", text, flags=re.M)
    assert ids and all(re.fullmatch(r"[A-Za-z0-9_]+", i) for i in ids)
    assert "#quot;" in text


def test_mermaid_bundled_has_no_reserved_ids(graph: nx.MultiDiGraph) -> None:
    text = mermaid.export(graph)
    assert text.splitlines()[1] == "flowchart BT"
    ids = set(re.findall(r"^\s{4}([A-Za-z0-9_]+)[\[\(\{]", text, flags=re.M))
    assert len(ids) == graph.number_of_nodes()
    assert not ids & MERMAID_RESERVED


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_exports_identical_across_hash_seeds(fmt: str) -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-m", "memdesc", "export", "--format", fmt, "--data", str(MINI)],
            capture_output=True,
            env=env,
            check=True,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
