"""The imports of ontology/, checker/, model/ and memdesc/ form a DAG, layered as the data flows.

No module imports itself back, and the packages import one way only: the command line (memdesc)
uses checker and ontology; checker and model use ontology; ontology uses none of them.

The graph is read with `ast` from the sources (every import statement, at module level or in a
function, counts), so it needs no import of the packages. An edge goes to the module named;
`from pkg import name` goes to `pkg.name` when that is a module, else to `pkg`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ontology", "checker", "model", "memdesc")
ALLOWED = {
    "ontology": {"ontology"},
    "model": {"model", "ontology"},
    "checker": {"checker", "ontology"},
    "memdesc": {"memdesc", "checker", "ontology"},
}
"""Which packages each package may import (model reaches ontology only through ontology.types)."""


def _module_names() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _imported(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that `module` (at `path`) imports."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {name for name in found if name in known and name != module}


def import_graph() -> nx.DiGraph[str]:
    known = _module_names()
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(known)
    for module, path in known.items():
        graph.add_edges_from((module, target) for target in _imported(module, path, known))
    return graph


@pytest.mark.parametrize("package", [*PACKAGES, None], ids=[*PACKAGES, "all"])
def test_no_import_cycle(package: str | None) -> None:
    graph = import_graph()
    if package is not None:
        graph = graph.subgraph(n for n in graph if n == package or n.startswith(package + "."))
    cycles = sorted(sorted(component) for component in nx.strongly_connected_components(graph) if len(component) > 1)
    assert not cycles, f"import cycles: {cycles}"


def test_the_graph_sees_imports() -> None:
    """A guard against a reader that finds nothing: known edges are there."""
    graph = import_graph()
    assert graph.has_edge("ontology.strict", "ontology.lint")
    assert graph.has_edge("ontology.lint", "ontology.indexed")


def test_packages_import_one_way() -> None:
    graph = import_graph()
    wrong = sorted(
        (source, target)
        for source, target in graph.edges
        if target.partition(".")[0] not in ALLOWED[source.partition(".")[0]]
    )
    assert not wrong, f"imports against the data flow: {wrong}"
