"""The memdesc mypy plugin: `plugins = ["checker.plugin"]`.

The plugin class only routes: each hook answers None fast for names outside the ontology and
otherwise returns a callback that gathers plain data and asks a rule in `checker.rules` for the
message. Ontology facts come from mypy's own view of `ontology.types` (class-decorator
arguments stored in TypeInfo metadata), so the incremental cache, dmypy and `-n N` see the
ontology that is being checked. An exception inside a callback becomes a `memdesc-internal`
error at the offending line, never an INTERNAL ERROR.

Works in plain mypy: memdesc-field, memdesc-narrow, memdesc-convert for constructors and for
conversions that need a refined source, memdesc-return for `@implement`ed functions, and
memdesc-deprecated. Needs `memdesc check`: typing.cast, unregistered converting functions, and
API-named functions that are not `@implement`ed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from mypy.nodes import (
    CallExpr,
    Context,
    Decorator,
    Expression,
    FuncDef,
    IntExpr,
    ListExpr,
    NameExpr,
    StrExpr,
    TupleExpr,
    TypeInfo,
    UnaryExpr,
)
from mypy.options import Options
from mypy.plugin import (
    AttributeContext,
    CheckerPluginInterface,
    ClassDefContext,
    FunctionContext,
    FunctionSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.subtypes import is_subtype
from mypy.types import AnyType, CallableType, FunctionLike, Instance, Type, TypeOfAny, get_proper_type

from checker import errorcodes as codes
from checker.facts import Facts
from checker.names import (
    DESCRIPTOR_DECORATOR,
    FACTS_CLASS,
    FACTS_DECORATOR,
    FIELDS_BASE,
    IMPLEMENT,
    METADATA_KEY,
    SKIP_PREFIXES,
    TYPES_MODULE,
)
from checker.rules import convert, deprecated, field, narrow, returns
from checker.shapes import descriptor_of, descriptor_of_info, shape_of

__version__ = "1"
"""Bumped when the plugin's behaviour changes, so mypy's cache of plugin results is dropped."""

_FINGERPRINT = hashlib.sha256(
    b"".join(path.read_bytes() for path in sorted(Path(__file__).parent.rglob("*.py")))
).hexdigest()[:16]
"""Every checker module's content: a changed rule must invalidate cached results, and mypy
itself only watches this entry module."""

R = TypeVar("R")


def literal(expression: Expression) -> Any:
    """The value of a literal decorator argument (str, int, bool, None, nested tuples)."""
    if isinstance(expression, StrExpr | IntExpr):
        return expression.value
    if isinstance(expression, NameExpr) and expression.name in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[expression.name]
    if isinstance(expression, TupleExpr | ListExpr):
        return [literal(item) for item in expression.items]
    if isinstance(expression, UnaryExpr) and expression.op == "-":
        return -literal(expression.expr)
    raise ValueError(f"not a literal: {type(expression).__name__}")


def store_facts(ctx: ClassDefContext) -> bool:
    """Class decorator hook: keep the decorator's literal arguments in the class's metadata."""
    reason = ctx.reason
    if isinstance(reason, CallExpr):
        values = {name: literal(arg) for name, arg in zip(reason.arg_names, reason.args, strict=True) if name}
        ctx.cls.info.metadata[METADATA_KEY] = values
    return True


class MemdescPlugin(Plugin):
    """Routes mypy's hooks to the memdesc rules."""

    def __init__(self, options: Options):
        super().__init__(options)
        self._facts: tuple[object, Facts] | None = None

    # -- facts ---------------------------------------------------------------------------

    def facts(self) -> Facts | None:
        """The facts of the ontology.types in this build, or None when it is not imported."""
        node = self.lookup_fully_qualified(FACTS_CLASS)
        if node is None or not isinstance(node.node, TypeInfo):
            return None
        data = node.node.metadata.get(METADATA_KEY)
        if not data:
            return None
        if self._facts is None or self._facts[0] is not data:
            self._facts = (data, Facts.from_metadata(data))
        return self._facts[1]

    def _callee_type(self, fullname: str) -> CallableType | None:
        node = self.lookup_fully_qualified(fullname)
        target = node.node if node is not None else None
        if isinstance(target, Decorator):
            target = target.func
        if isinstance(target, FuncDef) and isinstance(target.type, CallableType):
            return target.type
        return None

    def _refined_params(self, callee: CallableType, facts: Facts) -> dict[int, str]:
        """Formal positions whose declared type is a refinement (AnonFolio, HeadPage...)."""
        found: dict[int, str] = {}
        for index, arg in enumerate(callee.arg_types):
            proper = get_proper_type(arg)
            if isinstance(proper, Instance) and proper.type.module_name == TYPES_MODULE:
                entry = facts.by_class.get(proper.type.name)
                if entry is not None and entry.kind == "refinement":
                    found[index] = entry.name
        return found

    # -- hooks ---------------------------------------------------------------------------

    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        return {"memdesc-checker": _FINGERPRINT, "version": __version__}

    def get_class_decorator_hook_2(self, fullname: str) -> Callable[[ClassDefContext], bool] | None:
        if fullname in (DESCRIPTOR_DECORATOR, FACTS_DECORATOR):
            return store_facts
        return None

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        if fullname.startswith(FIELDS_BASE + "."):
            return guarded(partial(self.field_access, fullname.rsplit(".", 1)[1]))
        return None

    def get_function_signature_hook(self, fullname: str) -> Callable[[FunctionSigContext], FunctionLike] | None:
        if fullname.startswith(SKIP_PREFIXES):
            return None
        facts = self.facts()
        callee = self._callee_type(fullname) if facts else None
        if facts is None or callee is None or not self._refined_params(callee, facts):
            return None
        return guarded_sig(partial(self.widen_refinements, facts))

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if fullname.startswith(SKIP_PREFIXES):
            return None
        facts = self.facts()
        if facts is None:
            return None
        if fullname == IMPLEMENT:
            return guarded(partial(self.check_implementation, facts))
        module, _, name = fullname.rpartition(".")
        if module == TYPES_MODULE and name in facts.by_class:
            return guarded(partial(self.check_constructor, facts, facts.by_class[name].name))
        callbacks: list[Callable[[FunctionContext], None]] = []
        callee = self._callee_type(fullname)
        if callee is not None:
            refined = self._refined_params(callee, facts)
            if refined:
                callbacks.append(partial(self.check_refined_args, facts, name, refined, parameter_names(callee)))
        if deprecated.deprecated_message(facts, name) is not None:
            callbacks.append(partial(self.note_deprecated, facts, name))
        if not callbacks:
            return None

        def run_all(ctx: FunctionContext) -> Type:
            for callback in callbacks:
                callback(ctx)
            return ctx.default_return_type

        return guarded(run_all)

    # -- callbacks -----------------------------------------------------------------------

    def field_access(self, name: str, ctx: AttributeContext) -> Type:
        facts = self.facts()
        receiver = descriptor_of(ctx.type, facts) if facts else None
        if facts is not None and receiver is not None:
            ctx.api.fail(field.field_message(facts, name, receiver.name), ctx.context, code=codes.FIELD)
            return AnyType(TypeOfAny.from_error)
        return ctx.default_attr_type

    def widen_refinements(self, facts: Facts, ctx: FunctionSigContext) -> FunctionLike:
        """Accept the refinement's struct here; the function hook then reports memdesc-narrow."""
        signature = ctx.default_signature
        arg_types = list(signature.arg_types)
        for index, refinement in self._refined_params(signature, facts).items():
            struct = facts.types[refinement].struct
            node = self.lookup_fully_qualified(f"{TYPES_MODULE}.{facts.types[struct].class_name}")
            if node is not None and isinstance(node.node, TypeInfo):
                arg_types[index] = Instance(node.node, [])
        return signature.copy_modified(arg_types=arg_types)

    def check_refined_args(
        self, facts: Facts, callee: str, refined: dict[int, str], names: list[str], ctx: FunctionContext
    ) -> None:
        for index, refinement in refined.items():
            if index >= len(ctx.arg_types):
                continue
            node = self.lookup_fully_qualified(f"{TYPES_MODULE}.{facts.types[refinement].class_name}")
            if node is None or not isinstance(node.node, TypeInfo):
                continue
            required = Instance(node.node, [])
            for position, actual in enumerate(ctx.arg_types[index]):
                given = descriptor_of(actual, facts)
                if given is None or is_subtype(actual, required):
                    continue
                expression = ctx.args[index][position] if position < len(ctx.args[index]) else None
                parameter = names[index] if index < len(names) else f"arg{index}"
                shown = expression.name if isinstance(expression, NameExpr) else parameter
                if callee in facts.conversions:
                    message = convert.refined_source_message(facts, callee, refinement, given.name)
                    ctx.api.fail(message, ctx.context, code=codes.CONVERT)
                else:
                    message = narrow.narrow_message(facts, callee, parameter, refinement, given.name, shown)
                    ctx.api.fail(message, ctx.context, code=codes.NARROW)

    def check_constructor(self, facts: Facts, target: str, ctx: FunctionContext) -> Type:
        for group in ctx.arg_types:
            for actual in group:
                source = descriptor_of(actual, facts)
                if source is not None:
                    message = convert.constructor_message(facts, target, source.name)
                    ctx.api.fail(message, ctx.context, code=codes.CONVERT)
        return ctx.default_return_type

    def check_implementation(self, facts: Facts, ctx: FunctionContext) -> Type:
        """`@implement def alloc_pages(...)`: the definition must match the declaration."""
        if not ctx.arg_types or not ctx.arg_types[0]:
            return ctx.default_return_type
        implemented = get_proper_type(ctx.arg_types[0][0])
        if not isinstance(implemented, CallableType) or not implemented.name:
            return ctx.default_return_type
        name = implemented.name.split(" of ")[0]
        declared = self._callee_type(f"{TYPES_MODULE}.{name}")
        if declared is None:
            return ctx.default_return_type
        for problem in returns.signature_problems(name, shape_of(declared, facts), shape_of(implemented, facts)):
            ctx.api.fail(problem, ctx.context, code=codes.RETURN)
        return ctx.default_return_type

    def note_deprecated(self, facts: Facts, name: str, ctx: FunctionContext) -> None:
        message = deprecated.deprecated_message(facts, name)
        if message is not None:
            ctx.api.msg.note(message, ctx.context, code=codes.DEPRECATED)


def parameter_names(callee: CallableType) -> list[str]:
    """Parameter names, positional-only ones included (mypy hides those in arg_names)."""
    definition = callee.definition
    if isinstance(definition, FuncDef) and len(definition.arguments) == len(callee.arg_types):
        return [argument.variable.name for argument in definition.arguments]
    return [name or f"arg{index}" for index, name in enumerate(callee.arg_names)]


def _report_internal(api: CheckerPluginInterface, context: Context, error: Exception) -> None:
    api.fail(f"memdesc checker internal error: {type(error).__name__}: {error}", context, code=codes.INTERNAL)


def guarded(callback: Callable[[Any], Type]) -> Callable[[Any], Type]:
    """Run a callback; an unexpected exception becomes a memdesc-internal error at the line."""

    def run(ctx: Any) -> Type:
        try:
            return callback(ctx)
        except Exception as error:
            _report_internal(ctx.api, ctx.context, error)
            return ctx.default_return_type if hasattr(ctx, "default_return_type") else ctx.default_attr_type  # type: ignore[no-any-return]

    return run


def guarded_sig(callback: Callable[[FunctionSigContext], FunctionLike]) -> Callable[[FunctionSigContext], FunctionLike]:
    def run(ctx: FunctionSigContext) -> FunctionLike:
        try:
            return callback(ctx)
        except Exception as error:
            _report_internal(ctx.api, ctx.context, error)
            return ctx.default_signature

    return run


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return MemdescPlugin


__all__ = ["MemdescPlugin", "descriptor_of_info", "plugin"]
