"""Generate `ontology/types.py`, the Python face of the ontology, from the data.

One class per descriptor type: struct types derive only from `Descriptor` (never from each
other, so mypy rejects a Page where a Folio is wanted), refinements subclass what they refine,
proposed types subclass their proposed parents. Predicates return `TypeIs[Refinement]` so they
narrow; conversions and API functions are typed with the descriptor classes. The facts (fields
and their offsets, page types, conversions...) follow once, as one table.

Three steps, one module each: `naming` (Python names and annotations for C names), `records`
(what the module declares, built from an Ontology), `emit` (how it is written).
"""

from ontology.typegen.emit import HEADER, TYPES_PATH, generate, write_types

__all__ = ["HEADER", "TYPES_PATH", "generate", "write_types"]
