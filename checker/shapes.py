"""mypy types reduced to the ontology's descriptor names ("folio", "Page | None", "list[Page]").

A model's own subclasses (FolioView) count as the ontology class they derive from.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import FuncDef, SymbolTableNode, TypeInfo
from mypy.types import AnyType, CallableType, Instance, NoneType, Type, UnionType, get_proper_type

from checker.facts import Facts
from checker.fullnames import TYPES_MODULE
from checker.rules.returns import Accepts, Shape
from ontology.facttable import TypeFact


def descriptor_of_info(info: TypeInfo, facts: Facts) -> TypeFact | None:
    """The ontology type a class is or derives from (the nearest in its MRO)."""
    for base in info.mro:
        if base.module_name == TYPES_MODULE:
            found = facts.by_class.get(base.name)
            if found is not None:
                return found
    return None


def descriptor_of(typ: Type, facts: Facts) -> TypeFact | None:
    proper = get_proper_type(typ)
    if isinstance(proper, Instance):
        return descriptor_of_info(proper.type, facts)
    return None


def describe(typ: Type | None, facts: Facts) -> str | None:
    """`Page`, `Page | None`, `list[Page]`; None when no descriptor is involved; `Any` if untyped."""
    if typ is None:
        return "Any"
    proper = get_proper_type(typ)
    if isinstance(proper, AnyType):
        return "Any"
    if isinstance(proper, Instance):
        found = descriptor_of_info(proper.type, facts)
        if found is not None:
            return found.class_name
        if proper.type.fullname == "builtins.list" and proper.args:
            inner = describe(proper.args[0], facts)
            return f"list[{inner}]" if inner not in (None, "Any") else None
        return None
    if isinstance(proper, UnionType):
        parts = [describe(item, facts) for item in proper.items]
        if not any(part not in (None, "None") for part in parts):
            return None
        return " | ".join(sorted(part or "?" for part in parts if part != "None")) + (
            " | None" if any(isinstance(get_proper_type(i), NoneType) for i in proper.items) else ""
        )
    if isinstance(proper, NoneType):
        return "None"
    return None


def parameter_names(callee: CallableType, facts: Facts) -> list[str]:
    """Parameter names, positional-only ones included (mypy hides those in arg_names).

    A FuncDef read from mypy's cache has no `arguments`: the ontology's own functions then take
    their names from the facts, so cold and warm runs give the same messages."""
    definition = callee.definition
    arguments = getattr(definition, "arguments", None) if isinstance(definition, FuncDef) else None
    if arguments is not None and len(arguments) == len(callee.arg_types):
        return [argument.variable.name for argument in arguments]
    if isinstance(definition, FuncDef) and definition.fullname == f"{TYPES_MODULE}.{definition.name}":
        declared = facts.parameters.get(definition.name, ())
        if len(declared) == len(callee.arg_types):
            return list(declared)
    return [name or f"arg{index}" for index, name in enumerate(callee.arg_names)]


def shape_of(callable_type: CallableType, facts: Facts) -> Shape:
    names = parameter_names(callable_type, facts)
    params = tuple(
        (name, describe(arg, facts) if not _implicit_any(arg) else "Any")
        for name, arg in zip(names, callable_type.arg_types, strict=True)
    )
    return Shape(params=params, returns=describe(callable_type.ret_type, facts))


def _implicit_any(typ: Type) -> bool:
    proper = get_proper_type(typ)
    return isinstance(proper, AnyType)


def class_accepts(find: Callable[[str], SymbolTableNode | None]) -> Accepts:
    """`accepts` for `checker.rules.returns`: a descriptor class stands where one of its bases is
    declared (AnonFolio for Folio), as mypy's own class hierarchy of ontology.types says.
    `find` looks a fullname up (the plugin's lookup, or the post-pass's module table)."""

    def accepts(given: str, wanted: str) -> bool:
        node = find(f"{TYPES_MODULE}.{given}")
        info = node.node if node is not None else None
        return isinstance(info, TypeInfo) and any(
            base.name == wanted and base.module_name == TYPES_MODULE for base in info.mro
        )

    return accepts
