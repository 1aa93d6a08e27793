"""memdesc's ontology of Linux memory descriptors: data, schema, types, graph, queries."""

from pathlib import Path

__version__ = "0.1.0"

BUNDLED_ROOT = Path(__file__).parent / "data" / "ontology.toml"
"""The ontology shipped with memdesc: Linux 6.1 to 7.3. Defined here, where importing it loads
nothing else, so the CLI's cached answers can name the bundled data without loading pydantic."""

REFERENCE_KERNELS = Path(__file__).parent / "kernels"
"""The BTF (xz) of the reference kernels the data is verified against, 6.1 to 7.3."""
