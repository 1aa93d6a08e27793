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
from typing import TYPE_CHECKING, Any

from ontology.facttable import ConversionFact, FactTable, StateFact, TypeFact, read_facts

if TYPE_CHECKING:
    from ontology.chains import Step


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
    states: tuple[StateFact, ...] = ()
    """The state facts (`ontology.states`): meaningless fields, exclusions, contracts."""

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
            states=table.states,
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

    # -- states (`checker.flow`, `checker.rules.state`) --------------------------------------

    def _states_of(self, kind: str) -> list[StateFact]:
        return [fact for fact in self.states if fact.kind == kind]

    @cached_property
    def meaningless(self) -> dict[str, dict[str, str]]:
        """Refinement -> {field: why the field means nothing in that state}."""
        found: dict[str, dict[str, str]] = {}
        for fact in self._states_of("meaningless"):
            found.setdefault(fact.subject, {})[fact.item] = fact.reason
        return found

    @cached_property
    def meaningless_by_struct(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """Struct -> {field: the refinements of it where the field means nothing}, for a value
        of the plain struct that may be in one of those states."""
        found: dict[str, dict[str, set[str]]] = {}
        for refinement, fields in self.meaningless.items():
            fact = self.types.get(refinement)
            if fact is not None:
                for name in fields:
                    found.setdefault(fact.struct, {}).setdefault(name, set()).add(refinement)
        return {s: {f: tuple(sorted(r)) for f, r in fields.items()} for s, fields in found.items()}

    @cached_property
    def exclusions(self) -> dict[str, frozenset[str]]:
        """Refinement -> the refinements no instance of it can also be (symmetric)."""
        found: dict[str, set[str]] = {}
        for fact in self._states_of("excludes"):
            found.setdefault(fact.subject, set()).add(fact.state)
            found.setdefault(fact.state, set()).add(fact.subject)
        return {name: frozenset(others) for name, others in found.items()}

    @cached_property
    def requires(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """Function -> {parameter: the states its argument must be known to be in}."""
        found: dict[str, dict[str, list[str]]] = {}
        for fact in self._states_of("requires"):
            found.setdefault(fact.subject, {}).setdefault(fact.item, []).append(fact.state)
        return {f: {p: tuple(s) for p, s in params.items()} for f, params in found.items()}

    @cached_property
    def accepts(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """Function -> {parameter: the states its callers may pass in it}."""
        found: dict[str, dict[str, list[str]]] = {}
        for fact in self._states_of("accepts"):
            found.setdefault(fact.subject, {}).setdefault(fact.item, []).append(fact.state)
        return {f: {p: tuple(s) for p, s in params.items()} for f, params in found.items()}

    @cached_property
    def same_memory(self) -> dict[str, frozenset[str]]:
        """Refinement -> the refinements of other structs holding of the same memory; a state in
        this table is a property of the memory: it survives a release and crosses conversions."""
        found: dict[str, set[str]] = {}
        for fact in self._states_of("same_memory"):
            found.setdefault(fact.subject, set()).add(fact.state)
            found.setdefault(fact.state, set()).add(fact.subject)
        return {name: frozenset(others) for name, others in found.items()}

    def same_memory_in(self, state: str, struct: str) -> frozenset[str]:
        """`state` seen from a value of `struct`: itself if it refines `struct`, else its
        same-memory counterparts that do (zone_device_page in a folio: zone_device_folio)."""
        fact = self.types.get(state)
        if fact is not None and fact.struct == struct:
            return frozenset({state})
        others = self.same_memory.get(state, ())
        return frozenset(o for o in others if o in self.types and self.types[o].struct == struct)

    @cached_property
    def releases(self) -> dict[str, frozenset[str]]:
        """Function -> the parameters whose reference the call drops."""
        found: dict[str, set[str]] = {}
        for fact in self._states_of("releases"):
            found.setdefault(fact.subject, set()).add(fact.item)
        return {name: frozenset(params) for name, params in found.items()}

    def _states_by_subject(self, kind: str) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for fact in self._states_of(kind):
            found.setdefault(fact.subject, []).append(fact.state)
        return {name: tuple(states) for name, states in found.items()}

    @cached_property
    def ensures(self) -> dict[str, tuple[str, ...]]:
        """Function or conversion -> the states its result is known to be in."""
        return self._states_by_subject("ensures")

    @cached_property
    def may_be(self) -> dict[str, tuple[str, ...]]:
        """Function or conversion -> the states its result may be in beyond what its type says."""
        return self._states_by_subject("may_be")

    @cached_property
    def may_be_unless_zero(self) -> dict[str, str]:
        """Function or conversion -> the parameter whose value 0 voids its `may_be`
        (folio_page(folio, 0) is the folio's first page)."""
        return {fact.subject: fact.item for fact in self._states_of("may_be_unless_zero")}

    def conversions_between(self, source: str, target: str) -> list[str]:
        """The shortest chain of registered conversions from `source` to `target`, as names.

        A refinement may stand for its struct (an anon_folio is a folio), so chains start from
        the source's struct too. Among equal chains the kernel's own naming wins: `page_folio`
        for page -> folio (also for a head_page, which has page_rmappable_folio too), then
        unchecked before checked, then by name; chains compare step by step, so the choice
        does not depend on the order of the facts or on the names of the start types.
        Returns e.g. ["page_folio"] or ["page_folio", "folio_slab"]; [] when there is none.
        """
        from ontology.chains import Step, shortest_chains  # only when a message names a chain: not at every mypy start

        starts = {source, self.types[source].struct} if source in self.types else {source}
        steps = [Step(c.source, c.target, c.name, c.checked) for c in self.conversions.values()]
        chains = shortest_chains(steps, starts, target, order=_kernel_naming_first)
        return [str(step.function) for step in chains[0]] if chains else []


def _kernel_naming_first(step: Step) -> tuple[bool, bool, str]:
    """`<source>_<target>` (page_folio) before other names, unchecked before checked, then by name."""
    return step.function != f"{step.source}_{step.target}", step.checked, str(step.function)
