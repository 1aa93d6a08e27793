"""The ontology's facts as the checker sees them, parsed from mypy's view of `ontology.types`.

The generated `_OntologyFacts` class carries them as decorator arguments; the plugin's class
decorator hook stores them in the class's TypeInfo metadata, which mypy caches with the module,
so warm runs, `dmypy` and `-n N` see exactly the facts of the ontology.types being checked.
This module turns that JSON-able dict into indexed plain data; it imports nothing from mypy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ontology.chains import Step, shortest_chains


@dataclass(frozen=True)
class TypeFacts:
    name: str
    class_name: str
    kind: str
    struct: str
    predicate: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Conversion:
    name: str
    source: str
    target: str
    checked: bool


@dataclass
class Facts:
    """Indexed facts: types by name and by class name, conversions, predicates, replacements."""

    kernel: str = ""
    types: dict[str, TypeFacts] = field(default_factory=dict)
    by_class: dict[str, TypeFacts] = field(default_factory=dict)
    conversions: dict[str, Conversion] = field(default_factory=dict)
    predicates: dict[str, tuple[str, str]] = field(default_factory=dict)
    """predicate name -> (takes, establishes or "")"""
    functions: dict[str, tuple[str, str]] = field(default_factory=dict)
    """API function name -> (category, replacement or "")"""
    parameters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Declared function name -> its parameter names (positional-only: mypy's cache drops them)"""

    @classmethod
    def from_metadata(cls, data: dict[str, Any]) -> Facts:
        facts = cls(kernel=str(data.get("kernel", "")))
        for name, class_name, kind, struct, predicate, fields in data.get("types", ()):
            entry = TypeFacts(name, class_name, kind, struct, predicate, tuple(fields))
            facts.types[name] = entry
            facts.by_class[class_name] = entry
        for name, source, target, checked in data.get("conversions", ()):
            facts.conversions[name] = Conversion(name, source, target, bool(checked))
        for name, takes, establishes in data.get("predicates", ()):
            facts.predicates[name] = (takes, establishes)
        for name, category, replacement in data.get("functions", ()):
            facts.functions[name] = (category, replacement)
        for name, parameters in data.get("parameters", {}).items():
            facts.parameters[name] = tuple(parameters)
        return facts

    def is_api(self, name: str) -> bool:
        """A kernel function name the ontology declares (the kernel has one namespace)."""
        return name in self.functions or name in self.conversions or name in self.predicates

    def field_owners(self, field_name: str) -> list[str]:
        """Struct (and proposed) types that declare `field_name`; refinements inherit, so omitted."""
        return sorted(t.name for t in self.types.values() if t.kind != "refinement" and field_name in t.fields)

    def conversions_between(self, source: str, target: str) -> list[str]:
        """The shortest chain of registered conversions from `source` to `target`, as names.

        A refinement may stand for its struct (an anon_folio is a folio), so chains start from
        the source's struct too. Among equal chains the kernel's own naming wins: `page_folio`
        for page -> folio (also for a head_page, which has page_rmappable_folio too), then
        unchecked before checked, then by name; chains compare step by step, so the choice
        does not depend on the order of the facts or on the names of the start types.
        Returns e.g. ["page_folio"] or ["page_folio", "folio_slab"]; [] when there is none.
        """
        starts = {source, self.types[source].struct} if source in self.types else {source}
        steps = [Step(c.source, c.target, c.name, c.checked) for c in self.conversions.values()]
        chains = shortest_chains(steps, starts, target, order=_kernel_naming_first)
        return [str(step.function) for step in chains[0]] if chains else []


def _kernel_naming_first(step: Step) -> tuple[bool, bool, str]:
    """`<source>_<target>` (page_folio) before other names, unchecked before checked, then by name."""
    return step.function != f"{step.source}_{step.target}", step.checked, str(step.function)
