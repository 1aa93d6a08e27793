"""Messages of the state rules: a field that means nothing in a state, a contract's state.

The rules (`checker.errorcodes`): memdesc-field for a field read or written on a descriptor that
is, or may be, in a state where the field means nothing; memdesc-narrow for a call whose
contract requires a state its argument is not known to be in. What a value is or may be comes
from its type, from predicates tested earlier in the function, and from where it came from
(`checker.flow`); the facts from `ontology.states`.
"""

from __future__ import annotations

from checker.facts import Facts
from checker.rules.wording import a
from ontology.stateref import split_state


def _test(facts: Facts, state: str, shown: str) -> str:
    """How to establish or exclude `state` for `shown`: its predicate, as code."""
    fact = facts.types.get(state)
    predicate = fact.predicate if fact is not None else ""
    return f"if {predicate}({shown}): ..." if predicate else f"a test for {state}"


def meaningless_message(field: str, state: str, reason: str) -> str:
    """memdesc-field: the receiver is known to be in `state`."""
    return f'"{field}" means nothing on {a(state)}: {reason}'


def possibly_meaningless_message(facts: Facts, field: str, state: str, reason: str, shown: str, origin: str) -> str:
    """memdesc-field: the receiver may be in `state` (it comes from `origin`)."""
    return (
        f'"{shown}" may be {a(state)} here (it comes from {origin}), where "{field}" means nothing: '
        f"{reason}; exclude it first ({_test(facts, state, shown)})"
    )


def contract_message(facts: Facts, callee: str, parameter: str, required: str, shown: str, why: str) -> str:
    """memdesc-narrow: `callee`'s `parameter` must be in state `required`; `why` says what the
    argument is instead ("is a tail_page", "may be a slab_page (it comes from virt_to_page())",
    "is not known to be a head_page")."""
    negated, state = split_state(required)
    wanted = f"not {a(state)}" if negated else a(state)
    return (
        f'{callee}() requires "{parameter}" to be {wanted}; "{shown}" {why}: '
        f"test it first ({_test(facts, state, shown)})"
    )
