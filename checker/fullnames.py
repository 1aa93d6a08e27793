"""Fullnames the checker looks for, in one place."""

from __future__ import annotations

TYPES_MODULE = "ontology.types"
RUNTIME_MODULE = "ontology.runtime"
FACTS_DECORATOR = f"{RUNTIME_MODULE}.ontology_facts"
IMPLEMENT = f"{RUNTIME_MODULE}.implement"
FACTS_CLASS = f"{TYPES_MODULE}._OntologyFacts"
FIELDS_BASE = f"{TYPES_MODULE}._DescriptorFields"
FACTS_STAMP = "_memdesc_facts_hash"
"""A member the plugin adds to `_OntologyFacts`, typed Literal[<hash of the facts>]
(`checker.metadata.stamp_facts`)."""
METADATA_KEY = "memdesc"
"""Namespace of the checker's entries in mypy's TypeInfo.metadata."""

SKIP_PREFIXES = ("builtins.", "typing.", "typing_extensions.", "collections.", "abc.", "functools.", "mypy.")
"""Callees the checker never needs to look at (kept short: the router must be cheap)."""
