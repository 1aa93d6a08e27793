"""memdesc-return's messages: how an implementation's descriptor types differ from the declaration
(the rule: `checker.errorcodes`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    """A signature reduced to its descriptor types: None where a position holds no descriptor."""

    params: tuple[tuple[str, str | None], ...]
    returns: str | None


def signature_problems(name: str, declared: Shape, implemented: Shape) -> list[str]:
    """Messages for each way `implemented` differs from `declared` in descriptor types."""
    problems: list[str] = []
    if declared.returns is not None and declared.returns != implemented.returns:
        got = implemented.returns or "no descriptor type"
        problems.append(f'{name}() must return "{declared.returns}" as the ontology declares, not "{got}"')
    for index, (param, want) in enumerate(declared.params):
        if want is None:
            continue
        if index >= len(implemented.params):
            problems.append(f'{name}() is missing parameter {index + 1} "{param}" of type "{want}"')
            continue
        given = implemented.params[index][1]
        if given != want:
            shown = given or "no descriptor type"
            problems.append(
                f'{name}() parameter {index + 1} "{implemented.params[index][0]}" must be "{want}" '
                f'as the ontology declares, not "{shown}"'
            )
    return problems
