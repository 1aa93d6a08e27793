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
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from mypy.nodes import (
    MDEF,
    CallExpr,
    Context,
    Decorator,
    Expression,
    FuncDef,
    Import,
    ImportAll,
    ImportFrom,
    IntExpr,
    ListExpr,
    MypyFile,
    NameExpr,
    StrExpr,
    SymbolTableNode,
    TupleExpr,
    TypeInfo,
    UnaryExpr,
    Var,
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
from mypy.server.trigger import make_trigger, make_wildcard_trigger
from mypy.subtypes import is_subtype
from mypy.types import AnyType, CallableType, FunctionLike, Instance, LiteralType, Type, TypeOfAny, get_proper_type

from checker import errorcodes as codes
from checker.facts import Facts
from checker.names import (
    FACTS_CLASS,
    FACTS_DECORATOR,
    FIELDS_BASE,
    IMPLEMENT,
    METADATA_KEY,
    RUNTIME_MODULE,
    SKIP_PREFIXES,
    TYPES_MODULE,
)
from checker.rules import convert, deprecated, field, narrow, returns
from checker.shapes import descriptor_of, descriptor_of_info, parameter_names, shape_of

__version__ = "1"
"""Bumped when the plugin's behaviour changes, so mypy's cache of plugin results is dropped."""

_HERE = Path(__file__).parent
_READS = [_HERE.parent / "ontology" / "facttable.py", _HERE.parent / "ontology" / "chains.py"]
_FINGERPRINT = hashlib.sha256(
    b"".join(path.read_bytes() for path in [*sorted([*_HERE.glob("*.py"), *_HERE.glob("rules/*.py")]), *_READS])
).hexdigest()[:16]
"""The content of checker's modules and rules and of the ontology modules they read the facts and
search chains with: a changed rule must invalidate cached results, and mypy itself only watches
this entry module. (checker.docsite, which the plugin never imports, is left out: it is read at
every mypy start.)"""

R = TypeVar("R")
V = TypeVar("V")

_NO_HOOK: dict[str, None] = {}
"""Empty: its bound `get` answers "no hook" for any name at C speed (see `_install_fast_routes`)."""

UNUSED_HOOKS = (
    "get_type_analyze_hook",
    "get_method_signature_hook",
    "get_method_hook",
    "get_class_attribute_hook",
    "get_class_decorator_hook",
    "get_metaclass_hook",
    "get_base_class_hook",
    "get_customize_class_mro_hook",
    "get_dynamic_class_hook",
)
"""The fullname hooks the plugin never uses: mypy still asks it each of them for every name."""


class _Memo(dict[str, V]):
    """fullname -> hook (or None): a miss asks `compute`, which stores the answer when it may be kept."""

    __slots__ = ("_compute",)

    def __init__(self, compute: Callable[[str], V]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, fullname: str) -> V:
        return self._compute(fullname)


_FIELDS_PREFIX = FIELDS_BASE + "."

FACTS_STAMP = "_memdesc_facts_hash"
"""A member the plugin adds to `_OntologyFacts`, typed Literal[<hash of the facts>]: see `stamp_facts`."""

ONTOLOGY_CHANGED = (make_wildcard_trigger(TYPES_MODULE), make_trigger(f"{FACTS_CLASS}.{FACTS_STAMP}"))
"""dmypy's triggers for a change to ontology.types' module-level symbols and to its facts."""


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
        if ctx.cls.info.fullname == FACTS_CLASS:
            values["parameters"] = declared_parameters(ctx, values)
        ctx.cls.info.metadata[METADATA_KEY] = values
        if ctx.cls.info.fullname == FACTS_CLASS:
            stamp_facts(ctx, values)
    return True


def declared_parameters(ctx: ClassDefContext, values: dict[str, Any]) -> dict[str, list[str]]:
    """Parameter names of the declared functions, kept with the facts: they are positional-only,
    and mypy keeps no name for those in its cache (CallableType.arg_names has None, and a FuncDef
    read from the cache has no `arguments`), so a warm run could not name them otherwise."""
    names = {entry[0] for key in ("functions", "conversions", "predicates") for entry in values.get(key, ())}
    found: dict[str, list[str]] = {}
    for name in sorted(names):
        node = ctx.api.lookup_fully_qualified_or_none(f"{TYPES_MODULE}.{name}")
        target = node.node if node is not None else None
        if isinstance(target, Decorator):
            target = target.func
        arguments = getattr(target, "arguments", None) if isinstance(target, FuncDef) else None
        if arguments:
            found[name] = [argument.variable.name for argument in arguments]
    return found


def stamp_facts(ctx: ClassDefContext, values: dict[str, Any]) -> None:
    """Make a change of the facts visible to dmypy, which compares symbols, not metadata.

    Fine-grained mode re-checks what depends on a changed symbol; TypeInfo metadata is not part
    of what it compares, so a new `replacement` or a renamed predicate would change nothing it
    sees. A member typed Literal[<hash of the facts>] does.
    """
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]
    info = ctx.cls.info
    var = Var(FACTS_STAMP, LiteralType(digest, ctx.api.named_type("builtins.str")))
    var.info = info
    var._fullname = f"{info.fullname}.{FACTS_STAMP}"
    var.is_classvar = True
    info.names[FACTS_STAMP] = SymbolTableNode(MDEF, var, plugin_generated=True)


def imports_runtime(file: MypyFile) -> bool:
    """`import ontology.runtime`, `from ontology.runtime import ...` or `from ontology import runtime`."""
    package, _, module = RUNTIME_MODULE.rpartition(".")
    for node in file.imports:
        if isinstance(node, ImportFrom | ImportAll) and node.id == RUNTIME_MODULE and not node.relative:
            return True
        if (
            isinstance(node, ImportFrom)
            and node.id == package
            and not node.relative
            and any(name == module for name, _ in node.names)
        ):
            return True
        if isinstance(node, Import) and any(name == RUNTIME_MODULE for name, _ in node.ids):
            return True
    return False


def depend_on_ontology(api: CheckerPluginInterface) -> None:
    """In dmypy, re-check the current target (function, class body or module) whenever
    ontology.types changes: the facts a rule reads come through plugin lookups, which record no
    dependency, so without this a target checked clean would stay clean after the ontology gains
    a fact that flags it (a folio replacement, a changed declaration for an @implement)."""
    tree = getattr(api, "tree", None)
    stack = getattr(getattr(api, "scope", None), "stack", None)
    if not isinstance(tree, MypyFile) or not isinstance(stack, list):
        return
    target = tree.fullname
    for entry in stack:
        if isinstance(entry, FuncDef):
            target = entry.fullname
            break
        if isinstance(entry, TypeInfo):
            target = entry.fullname
    for trigger in ONTOLOGY_CHANGED:
        tree.plugin_deps.setdefault(trigger, set()).add(target)


class MemdescPlugin(Plugin):
    """Routes mypy's hooks to the memdesc rules."""

    def __init__(self, options: Options):
        super().__init__(options)
        self._facts: tuple[object, Facts] | None = None
        # The conditions under which mypy computes fine-grained dependencies (dmypy, --cache-fine-grained).
        self._fine_grained = options.fine_grained_incremental or options.cache_fine_grained
        # The router's answers by callee, once the facts are loaded: mypy asks for every call site,
        # and within one build neither the facts nor a callee's declared signature change. dmypy
        # re-analyses modules between runs of the same plugin, so it gets no memo.
        self._signature_hooks: _Memo[Callable[[FunctionSigContext], FunctionLike] | None] = _Memo(self._signature_hook)
        self._function_hooks: _Memo[Callable[[FunctionContext], Type] | None] = _Memo(self._new_function_hook)
        # An attribute hook depends on the name only (the callback reads the facts when it runs).
        self._attribute_hooks: _Memo[Callable[[AttributeContext], Type] | None] = _Memo(self._new_attribute_hook)
        self._install_fast_routes()

    def _install_fast_routes(self) -> None:
        """Answer mypy's hook questions without a Python frame.

        mypy's compiled core asks a plugin written in Python for a hook by calling the method by
        name, and an instance attribute of that name is found first. So each fullname hook is
        also an instance attribute that is a C-level lookup: the memo's `__getitem__` for the
        routers (a miss falls through to the Python router) and an empty dict's `get` for the
        hooks the plugin does not use. The answers are those of the methods below; a subclass
        that overrides a hook keeps its override.
        """
        routes: dict[str, Callable[[str], object]] = dict.fromkeys(UNUSED_HOOKS, _NO_HOOK.get)
        routes["get_function_hook"] = self._function_hooks.__getitem__
        routes["get_function_signature_hook"] = self._signature_hooks.__getitem__
        routes["get_attribute_hook"] = self._attribute_hooks.__getitem__
        routes["get_class_decorator_hook_2"] = {FACTS_DECORATOR: store_facts}.get
        for name, route in routes.items():
            if getattr(type(self), name) is getattr(MemdescPlugin, name):
                setattr(self, name, route)

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

    def _types_instance(self, class_name: str) -> Instance | None:
        node = self.lookup_fully_qualified(f"{TYPES_MODULE}.{class_name}")
        return Instance(node.node, []) if node is not None and isinstance(node.node, TypeInfo) else None

    def _widened(self, callee: CallableType, facts: Facts) -> dict[int, Instance]:
        """Formal positions declared as a refinement -> that refinement's struct (AnonFolio -> Folio)."""
        widened: dict[int, Instance] = {}
        for index, refinement in self._refined_params(callee, facts).items():
            struct = self._types_instance(facts.types[facts.types[refinement].struct].class_name)
            if struct is not None:
                widened[index] = struct
        return widened

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

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        """A module that imports ontology.runtime (for `@implement`) also needs ontology.types,
        whose declarations and facts the check reads: without it in the build, or before it in
        the build order, an `@implement` would pass unchecked."""
        if file.fullname != TYPES_MODULE and imports_runtime(file):
            return [(10, TYPES_MODULE, -1)]  # 10: mypy's PRI_MED
        return []

    def get_class_decorator_hook_2(self, fullname: str) -> Callable[[ClassDefContext], bool] | None:
        if fullname == FACTS_DECORATOR:  # the descriptor classes' own decorator arguments are not needed
            return store_facts
        return None

    # mypy asks the routers for every attribute and at every call site: a known name costs one
    # dict lookup (and, through `_install_fast_routes`, no Python frame).

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        return self._attribute_hooks[fullname]

    def get_function_signature_hook(self, fullname: str) -> Callable[[FunctionSigContext], FunctionLike] | None:
        return self._signature_hooks[fullname]

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        return self._function_hooks[fullname]

    def _new_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        hook = None
        if fullname.startswith(_FIELDS_PREFIX):
            hook = self.guarded(partial(self.field_access, fullname.rsplit(".", 1)[1]))
        self._attribute_hooks[fullname] = hook
        return hook

    def _signature_hook(self, fullname: str) -> Callable[[FunctionSigContext], FunctionLike] | None:
        if fullname.startswith(SKIP_PREFIXES):
            self._signature_hooks[fullname] = None
            return None
        facts = self.facts()
        if facts is None:
            return None
        callee = self._callee_type(fullname)
        widened = self._widened(callee, facts) if callee is not None else {}
        hook = self.guarded_sig(partial(self.widen_refinements, widened, last=[])) if widened else None
        if not self._fine_grained:
            self._signature_hooks[fullname] = hook
        return hook

    def _new_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if fullname.startswith(SKIP_PREFIXES):
            self._function_hooks[fullname] = None
            return None
        facts = self.facts()
        if facts is None:
            return None
        hook = self._function_hook(fullname, facts)
        if not self._fine_grained:
            self._function_hooks[fullname] = hook
        return hook

    def _function_hook(self, fullname: str, facts: Facts) -> Callable[[FunctionContext], Type] | None:
        if fullname == IMPLEMENT:
            return self.guarded(partial(self.check_implementation, facts))
        module, _, name = fullname.rpartition(".")
        if module == TYPES_MODULE and name in facts.by_class:
            return self.guarded(partial(self.check_constructor, facts, facts.by_class[name].name))
        callbacks: list[Callable[[FunctionContext], Type]] = []
        callee = self._callee_type(fullname)
        if callee is not None:
            required = {
                index: (refinement, instance)
                for index, refinement in self._refined_params(callee, facts).items()
                if (instance := self._types_instance(facts.types[refinement].class_name)) is not None
            }
            if required:
                names = parameter_names(callee, facts)
                callbacks.append(partial(self.check_refined_args, facts, name, required, names))
        # Only the ontology's own declarations: a model's or a library's `put_page` is not the kernel's,
        # and whether facts are loaded when such a module is checked depends on the build order.
        if module == TYPES_MODULE and deprecated.deprecated_message(facts, name) is not None:
            callbacks.append(partial(self.note_deprecated, facts, name))
        if not callbacks and not (self._fine_grained and module == TYPES_MODULE):
            return None
        if len(callbacks) == 1:
            return self.guarded(callbacks[0])

        def run_all(ctx: FunctionContext) -> Type:
            for callback in callbacks:
                callback(ctx)
            return ctx.default_return_type

        # With no rule today, a call into the ontology still needs its dmypy dependency.
        return self.guarded(run_all)

    def guarded(self, callback: Callable[[Any], Type]) -> Callable[[Any], Type]:
        return guarded(callback, self._fine_grained)

    def guarded_sig(
        self, callback: Callable[[FunctionSigContext], FunctionLike]
    ) -> Callable[[FunctionSigContext], FunctionLike]:
        return guarded_sig(callback, self._fine_grained)

    # -- callbacks -----------------------------------------------------------------------

    def field_access(self, name: str, ctx: AttributeContext) -> Type:
        facts = self.facts()
        receiver = descriptor_of(ctx.type, facts) if facts else None
        if facts is not None and receiver is not None:
            ctx.api.fail(field.field_message(facts, name, receiver.name), ctx.context, code=codes.FIELD)
            return AnyType(TypeOfAny.from_error)
        return ctx.default_attr_type

    def widen_refinements(
        self, widened: dict[int, Instance], ctx: FunctionSigContext, last: list[FunctionLike] | None = None
    ) -> FunctionLike:
        """Accept the refinement's struct here; the function hook then reports memdesc-narrow.
        `widened` (position -> struct) is worked out once per callee: this runs at every call.
        `last` keeps the callee's previous [declared, widened] pair: mypy passes the same declared
        signature object at every call of a plain function, so its widened copy is made once."""
        signature = ctx.default_signature
        if last and last[0] is signature:
            return last[1]
        arg_types = list(signature.arg_types)
        for index, struct in widened.items():
            if index < len(arg_types):
                arg_types[index] = struct
        result = signature.copy_modified(arg_types=arg_types)
        if last is not None:
            last[:] = (signature, result)
        return result

    def check_refined_args(
        self,
        facts: Facts,
        callee: str,
        refined: dict[int, tuple[str, Instance]],
        names: list[str],
        ctx: FunctionContext,
    ) -> Type:
        for index, (refinement, required) in refined.items():
            if index >= len(ctx.arg_types):
                continue
            for position, actual in enumerate(ctx.arg_types[index]):
                proper = get_proper_type(actual)
                if isinstance(proper, Instance) and required.type in proper.type.mro:
                    continue  # the refinement itself or a subclass: the common case, without is_subtype
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
        return ctx.default_return_type

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

    def note_deprecated(self, facts: Facts, name: str, ctx: FunctionContext) -> Type:
        message = deprecated.deprecated_message(facts, name)
        if message is not None:
            ctx.api.msg.note(message, ctx.context, code=codes.DEPRECATED)
        return ctx.default_return_type


def _report_internal(api: CheckerPluginInterface, context: Context, error: Exception) -> None:
    api.fail(f"memdesc checker internal error: {type(error).__name__}: {error}", context, code=codes.INTERNAL)


def guarded(callback: Callable[[Any], Type], fine_grained: bool = False) -> Callable[[Any], Type]:
    """Run a callback; an unexpected exception becomes a memdesc-internal error at the line."""

    def run(ctx: Any) -> Type:
        try:
            if fine_grained:
                depend_on_ontology(ctx.api)
            return callback(ctx)
        except Exception as error:
            _report_internal(ctx.api, ctx.context, error)
            return ctx.default_return_type if hasattr(ctx, "default_return_type") else ctx.default_attr_type  # type: ignore[no-any-return]

    return run


def guarded_sig(
    callback: Callable[[FunctionSigContext], FunctionLike], fine_grained: bool = False
) -> Callable[[FunctionSigContext], FunctionLike]:
    def run(ctx: FunctionSigContext) -> FunctionLike:
        try:
            if fine_grained:
                depend_on_ontology(ctx.api)
            return callback(ctx)
        except Exception as error:
            _report_internal(ctx.api, ctx.context, error)
            return ctx.default_signature

    return run


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return MemdescPlugin


__all__ = ["MemdescPlugin", "descriptor_of_info", "plugin"]
