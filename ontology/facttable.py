"""The ontology's facts as one table, and its format: written by the generator, read by its users.

`ontology/types.py` carries the facts once, as the literal keyword arguments of the decorator
on its `_OntologyFacts` class, one fact per line, so a change to the data reads as a diff. This
module owns both directions, like mypy's serialize/deserialize pairs: `fact_lines` writes a
table as those source lines (for the generator), `read_facts` reads one back from the literal
values, whether the decorator's own arguments at run time (models, via `ontology.types.FACTS`)
or the lists mypy's plugin stores in TypeInfo metadata (the checker). Pure Python, so the
checker and the model import it without pydantic, networkx or mypy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple


class FieldFact(NamedTuple):
    """A member of a descriptor struct: where its bytes (and bits) are on 64-bit, and its C type.

    `owner` is the type that declares it; a refinement carries the fields its struct declares.
    """

    owner: str
    name: str
    offset: int
    size: int
    bit_offset: int | None
    bit_size: int | None
    c_type: str


class TypeFact(NamedTuple):
    """A descriptor type: its generated class, kind, the struct it is made of, its predicate.

    `struct` is the type itself unless it is a refinement (then the struct it refines);
    `predicate` is "" when none picks the type out. `c_name` is what BTF calls it: a struct's
    tag, a handle's typedef; "" for the other kinds, which have no C type of their own.
    `fields` are the fields its instances carry (its own, or its struct's); they travel in
    the `fields` table, not in the type's row.
    """

    name: str
    class_name: str
    kind: str
    struct: str
    predicate: str
    c_name: str
    fields: tuple[FieldFact, ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


class PageTypeFact(NamedTuple):
    """A PGTY_* value of page->page_type's top byte and the type it marks ("" when none)."""

    name: str
    value: int
    marks: str


class PredicateFact(NamedTuple):
    """A test on a descriptor; `establishes` is the refinement it narrows to ("" when none)."""

    name: str
    takes: str
    establishes: str


class ConversionFact(NamedTuple):
    """A registered conversion between descriptor types; `checked` ones may return NULL."""

    name: str
    source: str
    target: str
    checked: bool


class FunctionFact(NamedTuple):
    """A kernel API function: its category, the function that replaces it ("" when none) and
    its symbol in BTF when that is not its name (alloc_pages -> alloc_pages_noprof; else "")."""

    name: str
    category: str
    replacement: str
    impl: str


class StateFact(NamedTuple):
    """One fact about descriptor states (`ontology.states` derives them from the data).

    kind: meaningless (subject: a refinement, item: a field of its struct, reason: why it means
    nothing there), excludes (subject and state: two refinements no instance is at once),
    requires (subject: a function, item: its parameter, state: what the argument must be
    known to be), releases (subject: a function, item: the parameter whose reference the call
    drops), ensures / may_be (subject: a function or conversion, state: what its result is, or
    may be although its type does not say so), may_be_unless_zero (subject: a function or
    conversion, item: the parameter whose value 0 voids its may_be), same_memory (subject and
    state: refinements of two structs that hold of the same memory), accepts (subject: a
    function, item: its parameter, state: what its callers may pass). A state is a refinement
    or `not <refinement>`.
    """

    kind: str
    subject: str
    item: str
    state: str
    reason: str


class FactTable(NamedTuple):
    """Every fact of one ontology, each kind of fact by name; `data_hash` fingerprints the data
    files they were read from (`ontology.fingerprint`), so a reader can tell whether they are
    the facts of the data at hand."""

    kernel: str
    data_hash: str
    types: dict[str, TypeFact]
    page_types: dict[str, PageTypeFact]
    predicates: dict[str, PredicateFact]
    conversions: dict[str, ConversionFact]
    functions: dict[str, FunctionFact]
    states: tuple[StateFact, ...] = ()


TABLES: dict[str, tuple[str, ...]] = {
    "types": TypeFact._fields[:-1],  # a type's fields travel in their own table
    "fields": FieldFact._fields,
    "page_types": PageTypeFact._fields,
    "predicates": PredicateFact._fields,
    "conversions": ConversionFact._fields,
    "functions": FunctionFact._fields,
    "states": StateFact._fields,
}
"""Each table's keyword and the columns of its rows, in order (written as a comment above them)."""


# -- writing ------------------------------------------------------------------------------


def fact_rows(table: FactTable) -> dict[str, tuple[tuple[Any, ...], ...]]:
    """Each table's rows as plain tuples, in the table's order; a field's row is written once,
    by the type that declares it."""
    return {
        "types": tuple(fact[: len(TABLES["types"])] for fact in table.types.values()),
        "fields": tuple(tuple(f) for t in table.types.values() for f in t.fields if f.owner == t.name),
        "page_types": tuple(tuple(fact) for fact in table.page_types.values()),
        "predicates": tuple(tuple(fact) for fact in table.predicates.values()),
        "conversions": tuple(tuple(fact) for fact in table.conversions.values()),
        "functions": tuple(tuple(fact) for fact in table.functions.values()),
        "states": tuple(tuple(fact) for fact in table.states),
    }


def string_literal(text: str) -> str:
    """`text` as a double-quoted Python string literal in ASCII: JSON's escapes for quotes,
    backslashes and controls, `\\uXXXX`/`\\UXXXXXXXX` for everything else outside printable ASCII
    (JSON's surrogate pairs would read back as two lone surrogates in Python)."""
    return "".join(
        char if " " <= char <= "~" else f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}"
        for char in json.dumps(text, ensure_ascii=False)
    )


def literal(value: object) -> str:
    """A Python literal in the generated module's style (double-quoted strings).

    Strings are escaped by `string_literal` (ASCII, every quote, backslash and control escaped), so
    a data string is always one string constant; anything but a tuple, string, int, bool or
    None is refused rather than written as its repr."""
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, str):
        return string_literal(value)
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    raise TypeError(f"{type(value).__name__} is not a fact table value")


def fact_lines(table: FactTable, decorator: str) -> list[str]:
    """`table` as a call of class decorator `decorator`: one keyword per table, one row a line,
    each table headed by a comment naming its columns."""
    lines = [f"@{decorator}(", f"    kernel={literal(table.kernel)},", f"    data_hash={literal(table.data_hash)},"]
    for key, rows in fact_rows(table).items():
        lines += [f"    {key}=(", f"        # {', '.join(TABLES[key])}"]
        lines += [f"        {literal(row)}," for row in rows]
        lines.append("    ),")
    return [*lines, ")"]


# -- reading ------------------------------------------------------------------------------


def read_facts(literals: Mapping[str, Any]) -> FactTable:
    """The table `fact_lines` wrote, from its literal values: tuples at run time, lists in
    mypy's metadata. Other keys are left to the caller (the checker's plugin adds one)."""
    declared: dict[str, list[FieldFact]] = {}
    for row in literals.get("fields", ()):
        fact = FieldFact(*row)
        declared.setdefault(fact.owner, []).append(fact)
    types: dict[str, TypeFact] = {}
    for name, class_name, kind, struct, predicate, c_name in literals.get("types", ()):
        carried = declared.get(name) or declared.get(struct, [])
        types[name] = TypeFact(name, class_name, kind, struct, predicate, c_name, tuple(carried))
    return FactTable(
        kernel=str(literals.get("kernel", "")),
        data_hash=str(literals.get("data_hash", "")),
        types=types,
        page_types={row[0]: PageTypeFact(*row) for row in literals.get("page_types", ())},
        predicates={row[0]: PredicateFact(*row) for row in literals.get("predicates", ())},
        conversions={
            name: ConversionFact(name, source, target, bool(checked))
            for name, source, target, checked in literals.get("conversions", ())
        },
        functions={row[0]: FunctionFact(*row) for row in literals.get("functions", ())},
        states=tuple(StateFact(*row) for row in literals.get("states", ())),
    )
