"""The ontology's declarations as mypy's symbol tables hold them: signatures, classes, refined parameters."""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import Decorator, FuncDef, SymbolTableNode, TypeInfo
from mypy.types import CallableType, Instance, get_proper_type

from checker.facts import Facts
from checker.fullnames import TYPES_MODULE

Lookup = Callable[[str], SymbolTableNode | None]
"""fullname -> symbol, e.g. the plugin's `lookup_fully_qualified`."""


def signature_of(node: SymbolTableNode | None) -> CallableType | None:
    """The declared signature of the function `node` names (decorated or not); None otherwise."""
    target = node.node if node is not None else None
    if isinstance(target, Decorator):
        target = target.func
    if isinstance(target, FuncDef) and isinstance(target.type, CallableType):
        return target.type
    return None


def types_instance(lookup: Lookup, class_name: str) -> Instance | None:
    """The ontology.types class `class_name` as a mypy type (Folio -> Instance of ontology.types.Folio)."""
    node = lookup(f"{TYPES_MODULE}.{class_name}")
    return Instance(node.node, []) if node is not None and isinstance(node.node, TypeInfo) else None


def refined_params(callee: CallableType, facts: Facts) -> dict[int, str]:
    """Formal positions whose declared type is a refinement (AnonFolio, HeadPage...) -> its name."""
    found: dict[int, str] = {}
    for index, arg in enumerate(callee.arg_types):
        proper = get_proper_type(arg)
        if isinstance(proper, Instance) and proper.type.module_name == TYPES_MODULE:
            entry = facts.by_class.get(proper.type.name)
            if entry is not None and entry.kind == "refinement":
                found[index] = entry.name
    return found


def widened_params(lookup: Lookup, callee: CallableType, facts: Facts) -> dict[int, Instance]:
    """Formal positions declared as a refinement -> that refinement's struct (AnonFolio -> Folio)."""
    widened: dict[int, Instance] = {}
    for index, refinement in refined_params(callee, facts).items():
        struct = types_instance(lookup, facts.types[facts.types[refinement].struct].class_name)
        if struct is not None:
            widened[index] = struct
    return widened
