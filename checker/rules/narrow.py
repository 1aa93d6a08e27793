"""memdesc-narrow's messages: the predicate to test first (the rule: `checker.errorcodes`)."""

from __future__ import annotations

from checker.facts import Facts
from checker.rules.wording import a


def narrow_message(facts: Facts, callee: str, parameter: str, required: str, given: str, shown: str = "") -> str:
    """`needs parameter 'folio' to be an anon_folio ... if folio_test_anon(f):` (f: the argument)."""
    predicate = facts.types[required].predicate if required in facts.types else ""
    hint = f"; narrow it first: `if {predicate}({shown or parameter}):`" if predicate else ""
    return f"{callee}() needs parameter {parameter!r} to be {a(required)}, not {a(given)}{hint}"


def cast_message(facts: Facts, required: str, given: str, shown: str) -> str:
    """`cast(AnonFolio, folio)`: a cast claims a refinement its predicate never established."""
    predicate = facts.types[required].predicate if required in facts.types else ""
    hint = f"; narrow it instead: `if {predicate}({shown}):`" if predicate else ""
    return f"cast from {given} to {required} skips the predicate that establishes it{hint}"
