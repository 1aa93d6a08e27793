"""memdesc-convert's messages and the conversion-chain hint they share (the rule: `checker.errorcodes`)."""

from __future__ import annotations

from checker.facts import Facts
from checker.rules.wording import a


def suggestion(facts: Facts, source: str, target: str) -> str:
    """How to get from `source` to `target`: the registered conversions, then the predicate when
    the target is a refinement (page -> anon_folio: page_folio(), then folio_test_anon())."""
    goal = facts.types.get(target)
    if goal is not None and goal.kind == "refinement" and goal.struct != target:
        if source in facts.types and facts.types[source].struct == goal.struct:
            return f"check {goal.predicate}() instead"
        chain = facts.conversions_between(source, goal.struct)
        if chain:
            steps = " then ".join(f"{name}()" for name in chain)
            return f"use {steps}, then check {goal.predicate}()"
    chain = facts.conversions_between(source, target)
    if not chain:
        return f"there is no registered conversion from {source} to {target} (memdesc path {source} {target})"
    return "use " + " then ".join(f"{name}()" for name in chain)


def constructor_message(facts: Facts, target: str, source: str) -> str:
    """`Folio(page)`: constructing one descriptor from another converts nothing."""
    return f"constructing {a(target)} from {a(source)} is not a conversion; {suggestion(facts, source, target)}"


def cast_message(facts: Facts, target: str, source: str) -> str:
    """`typing.cast(Folio, page)`: a cast bypasses the conversion registry."""
    return f"cast from {source} to {target} bypasses the registered conversions; {suggestion(facts, source, target)}"


def unregistered_function_message(facts: Facts, function: str, source: str, target: str) -> str:
    """A function outside the registry that takes one descriptor type and returns another."""
    return (
        f"{function}() turns {a(source)} into {a(target)} but is not a registered conversion; "
        f"{suggestion(facts, source, target)}"
    )


def refined_source_message(facts: Facts, conversion: str, required: str, given: str) -> str:
    """page_rmappable_folio(page): a trusting cast that needs a head page, given any page;
    pp_page_to_nmdesc(page): one that needs a page_pool page."""
    target = facts.conversions[conversion].target if conversion in facts.conversions else "?"
    predicate = facts.types[required].predicate if required in facts.types else ""
    check = f" (or check {predicate}() first)" if predicate else ""
    # The tail-page warning is the head_page requirement's reason, not every refinement's.
    why = ", which may be a tail page" if required == "head_page" and given != "tail_page" else ""
    return f"{conversion}() needs {a(required)} but gets {a(given)}{why}; {suggestion(facts, given, target)}{check}"


def converts_between(facts: Facts, source: str, target: str) -> bool:
    """True when going from `source` to `target` changes the struct (not a refinement step)."""
    if source not in facts.types or target not in facts.types:
        return False
    return facts.types[source].struct != facts.types[target].struct
