"""How a state is written: a refinement's name, or `not ` and one (`not tail_page`).

Kept apart from `ontology.states`, which derives the state facts from the whole ontology (and so
imports pydantic), so that the checker's plugin can read a state without that import: mypy loads
the plugin into every run, and its imports are the plugin's fixed cost.
"""

from __future__ import annotations

NOT = "not "


def split_state(state: str) -> tuple[bool, str]:
    """`not tail_page` -> (True, "tail_page"); `tail_page` -> (False, "tail_page")."""
    return (True, state[len(NOT) :]) if state.startswith(NOT) else (False, state)
