"""The ontology as a networkx MultiDiGraph: type and function nodes, typed relation edges.

Node ids are `<kind>:<name>` (`type:folio`, `function:alloc_pages`, `conversion:page_folio`,
`predicate:folio_test_anon`, `page_type:PGTY_slab`) so a type and a function never collide.
Edge keys are the relation, suffixed where two edges of one relation join the same nodes:

    refines       refinement or proposed type -> its parent
    converts      from type -> to type, attribute `function` names the conversion
    overlays      descriptor -> the struct it overlays, attribute `words` (e.g. "0-7")
    realizes      proposed type -> the merged type that realised it
    takes         function/conversion/predicate -> type of a parameter, attribute `param`
    returns       function/conversion -> the type it returns
    establishes   predicate -> the refinement it establishes
    marks         page type -> the refinement it marks

All attribute values are strings, ints or bools (GraphML cannot hold lists), and nodes and
edges are inserted in sorted order so every export is byte-identical between runs.
"""

from __future__ import annotations

import networkx as nx

from ontology.indexed import Ontology
from ontology.layout import word_span

Graph = nx.MultiDiGraph


def type_node(name: str) -> str:
    return f"type:{name}"


def build_graph(onto: Ontology) -> nx.MultiDiGraph:
    """Build the graph of `onto`. Dangling names (which lint reports) are skipped, not fatal."""
    nodes: dict[str, dict[str, object]] = {}
    edges: list[tuple[str, str, str, dict[str, object]]] = []

    for typedef in onto.types.values():
        nodes[type_node(typedef.name)] = {
            "kind": "type",
            "name": typedef.name,
            "type_kind": typedef.kind,
            "status": typedef.status,
            "c_struct": typedef.c_struct or "",
            "size": typedef.size or 0,
            "summary": typedef.summary,
            "source": typedef.source,
        }
        for parent in typedef.parents:
            edges.append((type_node(typedef.name), type_node(parent), "refines", {}))
        if typedef.overlays:
            overlaid = onto.types.get(typedef.overlays)
            words = word_span(typedef.size or 0, overlaid.size if overlaid else None, typedef.overlay_pages)
            edges.append((type_node(typedef.name), type_node(typedef.overlays), "overlays", {"words": words}))
        if typedef.realized_by:
            edges.append((type_node(typedef.name), type_node(typedef.realized_by), "realizes", {}))

    for conversion in onto.conversions.values():
        node = f"conversion:{conversion.name}"
        nodes[node] = {
            "kind": "conversion",
            "name": conversion.name,
            "checked": conversion.checked,
            "form": conversion.form,
            "source": conversion.source,
        }
        edges.append(
            (
                type_node(conversion.source_type),
                type_node(conversion.target_type),
                f"converts:{conversion.name}",
                {"function": conversion.name, "checked": conversion.checked},
            )
        )
        edges.append((node, type_node(conversion.source_type), "takes", {"param": "from"}))
        edges.append((node, type_node(conversion.target_type), "returns", {}))

    for predicate in onto.predicates.values():
        node = f"predicate:{predicate.name}"
        nodes[node] = {"kind": "predicate", "name": predicate.name, "form": predicate.form, "source": predicate.source}
        edges.append((node, type_node(predicate.takes), "takes", {"param": "0"}))
        if predicate.establishes:
            edges.append((node, type_node(predicate.establishes), "establishes", {}))

    for function in onto.functions.values():
        node = f"function:{function.name}"
        nodes[node] = {
            "kind": "function",
            "name": function.name,
            "category": function.category,
            "form": function.form,
            "source": function.source,
        }
        try:
            signature = onto.function_signature(function)
        except ValueError:
            continue
        if signature.returns:
            edges.append((node, type_node(signature.returns), "returns", {}))
        for param in signature.params:
            if param.type:
                edges.append((node, type_node(param.type), f"takes:{param.name}", {"param": param.name}))

    for page_type in onto.page_types.values():
        node = f"page_type:{page_type.name}"
        nodes[node] = {
            "kind": "page_type",
            "name": page_type.name,
            "value": page_type.value,
            "source": page_type.source,
        }
        if page_type.marks:
            edges.append((node, type_node(page_type.marks), "marks", {}))

    graph: nx.MultiDiGraph = nx.MultiDiGraph(name=f"memdesc ontology, Linux {onto.kernel}", generator="memdesc")
    for node in sorted(nodes):
        graph.add_node(node, **nodes[node])
    for source, target, key, attrs in sorted(edges, key=lambda edge: edge[:3]):
        if source in nodes and target in nodes and not graph.has_edge(source, target, key):
            relation = key.split(":", 1)[0]
            graph.add_edge(source, target, key=key, relation=relation, **attrs)
    return graph
