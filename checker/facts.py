"""The ontology's facts as the checker's rules look them up, from mypy's view of `ontology.types`.

The generated `_OntologyFacts` class carries the fact table as decorator arguments; the plugin's
class decorator hook stores them in the class's TypeInfo metadata, which mypy caches with the
module, so warm runs, `dmypy` and `-n N` see exactly the facts of the ontology.types being
checked. `ontology.facttable.read_facts` reads that format; this module indexes the table for
the rules. Neither imports mypy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ontology.chains import Step, shortest_chains
from ontology.facttable import ConversionFact, FactTable, TypeFact, read_facts


@dataclass
class Facts:
    """Indexed facts: types by name and by class name, conversions, predicates, replacements."""

    kernel: str = ""
    types: dict[str, TypeFact] = field(default_factory=dict)
    by_class: dict[str, TypeFact] = field(default_factory=dict)
    conversions: dict[str, ConversionFact] = field(default_factory=dict)
    predicates: dict[str, tuple[str, str]] = field(default_factory=dict)
    """predicate name -> (takes, establishes or "")"""
    functions: dict[str, tuple[str, str]] = field(default_factory=dict)
    """API function name -> (category, replacement or "")"""
    parameters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Declared function name -> its parameter names (positional-only: mypy's cache drops them)"""

    @classmethod
    def from_metadata(cls, data: Mapping[str, Any]) -> Facts:
        """The facts the plugin stored: the fact table plus the declared functions' parameter names."""
        return cls.from_table(read_facts(data), data.get("parameters", {}))

    @classmethod
    def from_table(cls, table: FactTable, parameters: Mapping[str, Iterable[str]] | None = None) -> Facts:
        return cls(
            kernel=table.kernel,
            types=dict(table.types),
            by_class={t.class_name: t for t in table.types.values()},
            conversions=dict(table.conversions),
            predicates={p.name: (p.takes, p.establishes) for p in table.predicates.values()},
            functions={f.name: (f.category, f.replacement) for f in table.functions.values()},
            parameters={name: tuple(names) for name, names in (parameters or {}).items()},
        )

    def is_api(self, name: str) -> bool:
        """A kernel function name the ontology declares (the kernel has one namespace)."""
        return name in self.functions or name in self.conversions or name in self.predicates

    def field_owners(self, field_name: str) -> list[str]:
        """Struct (and proposed) types that declare `field_name`; refinements inherit, so omitted."""
        return list(self._owners_by_field.get(field_name, ()))

    @cached_property
    def _owners_by_field(self) -> dict[str, tuple[str, ...]]:
        """Field name -> its owners, built once: the field rule asks on every attribute access."""
        owners: dict[str, set[str]] = {}
        for fact in self.types.values():
            if fact.kind != "refinement":
                for name in fact.field_names:
                    owners.setdefault(name, set()).add(fact.name)
        return {name: tuple(sorted(types)) for name, types in owners.items()}

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
