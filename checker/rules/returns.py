"""memdesc-return's messages: how an implementation's descriptor types differ from the declaration
(the rule: `checker.errorcodes`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple


class Shape(NamedTuple):
    """A signature reduced to its descriptor types: None where a position holds no descriptor.
    (A NamedTuple, not a frozen dataclass: the plugin imports it at every mypy start.)"""

    params: tuple[tuple[str, str | None], ...]
    returns: str | None


Accepts = Callable[[str, str], bool]
"""`accepts(given, wanted)`: a value of class `given` may stand where class `wanted` is declared."""


def _same(given: str, wanted: str) -> bool:
    return given == wanted


def fits(given: str | None, wanted: str, accepts: Accepts = _same) -> bool:
    """Whether a value of shape `given` may stand where `wanted` is declared: each member of a
    union must fit a member of the other (`Folio` fits `Folio | None`, `None` fits only a
    nullable shape); `Any` fits and is fitted by everything."""
    if given is None:
        return False
    if "Any" in (given, wanted):
        return True
    wanted_parts = wanted.split(" | ")
    return all(
        any(part == other or (part != "None" and other != "None" and accepts(part, other)) for other in wanted_parts)
        for part in given.split(" | ")
    )


def signature_problems(name: str, declared: Shape, implemented: Shape, accepts: Accepts = _same) -> list[str]:
    """Messages for each way `implemented` breaks `declared`'s descriptor types.

    Variance as for any override: the implementation may return a narrower type (`Folio` for a
    declared `Folio | None`, an `AnonFolio` for a `Folio`) and accept wider parameters (a
    `Folio` where an `AnonFolio` is declared), never the reverse. `accepts` says which classes
    stand for which (a refinement for its parents); without it only equal classes do."""
    problems: list[str] = []
    if declared.returns is not None and not fits(implemented.returns, declared.returns, accepts):
        got = implemented.returns or "no descriptor type"
        problems.append(f'{name}() must return "{declared.returns}" as the ontology declares, not "{got}"')
    for index, (param, want) in enumerate(declared.params):
        if want is None:
            continue
        if index >= len(implemented.params):
            problems.append(f'{name}() is missing parameter {index + 1} "{param}" of type "{want}"')
            continue
        given = implemented.params[index][1]
        if given is None or not fits(want, given, accepts):
            shown = given or "no descriptor type"
            problems.append(
                f'{name}() parameter {index + 1} "{implemented.params[index][0]}" must be "{want}" '
                f'as the ontology declares, not "{shown}"'
            )
    # Parameters of the prototype the implementation lacks, where no descriptor sits (one the
    # kernel or a proposal added, as 7.2 added allocate_slab()'s alloc_flags): the ones no
    # implemented parameter is named like when that accounts for all that are lacking (an
    # `offsets` inserted before `locked`), else those past the implementation's last.
    have, deficit = len(implemented.params), len(declared.params) - len(implemented.params)
    names = {param for param, _ in implemented.params}
    plain = [(i, param) for i, (param, want) in enumerate(declared.params) if want is None]
    unnamed = [(i, param) for i, param in plain if param not in names]
    lacking = unnamed if 0 < deficit == len(unnamed) else [(i, param) for i, param in plain if i >= have]
    absent = [f'{i + 1} "{param}"' for i, param in lacking]
    if absent:
        many = len(absent) > 1
        problems.append(
            f"{name}() is missing parameter{'s' if many else ''} {', '.join(absent)} "
            f"(not {'descriptors' if many else 'a descriptor'})"
        )
    return problems
