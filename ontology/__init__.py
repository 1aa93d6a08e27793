"""memdesc's ontology of Linux memory descriptors: data, schema, types, graph, queries."""

__version__ = "0.1.0"
