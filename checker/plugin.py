"""The memdesc mypy plugin: `plugins = ["checker.plugin"]`. It only routes.

Each of mypy's hook questions is a lookup from fullname to a callback: None, fast, for names
outside the ontology; otherwise a callback from `checker.callbacks`, wrapped by `checker.guard`
so that an exception becomes a memdesc-internal error at the line, never an INTERNAL ERROR
(the class decorator hook too, and the router's own lookups: a callee it cannot look at gets
a callback that reports why at each call site). The facts come from mypy's own view of
ontology.types (`checker.metadata`), so the incremental cache, dmypy and `-n N` see the
ontology being checked; `checker.incremental` declares what else the results depend on. What
each rule checks, and what only `memdesc check` finds: the rule table in `checker.errorcodes`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from mypy.nodes import MypyFile
from mypy.options import Options
from mypy.plugin import (
    AttributeContext,
    ClassDefContext,
    FunctionContext,
    FunctionSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.types import FunctionLike, Type

from checker import callbacks, incremental
from checker.facts import Facts
from checker.fullnames import FACTS_CLASS, FACTS_DECORATOR, FIELDS_BASE, SKIP_PREFIXES, TYPES_MODULE
from checker.guard import failing, failing_sig, guarded, guarded_class, guarded_sig
from checker.metadata import parsed_facts, store_facts, stored_facts

__version__ = incremental.VERSION
"""mypy keys its cache on the entry module's version (and file): see `checker.incremental`."""

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

CLASS_DECORATOR_HOOKS: dict[str, Callable[[ClassDefContext], bool]] = {FACTS_DECORATOR: guarded_class(store_facts)}
"""The descriptor classes' own decorator arguments are not needed: only the facts class's."""

_FIELDS_PREFIX = FIELDS_BASE + "."
_TYPES_PREFIX = TYPES_MODULE + "."


class _Memo(dict[str, V]):
    """fullname -> hook (or None): a miss asks `compute`, which stores the answer when it may be kept."""

    __slots__ = ("_compute",)

    def __init__(self, compute: Callable[[str], V]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, fullname: str) -> V:
        return self._compute(fullname)


class MemdescPlugin(Plugin):
    """Routes mypy's hooks to the memdesc callbacks."""

    def __init__(self, options: Options):
        super().__init__(options)
        self._facts: tuple[object, Facts] | None = None
        # The conditions under which mypy computes fine-grained dependencies (dmypy, --cache-fine-grained).
        self._fine_grained = options.fine_grained_incremental or options.cache_fine_grained
        # The router's answers by callee, once the facts are loaded: mypy asks for every call site,
        # and within one build neither the facts nor a callee's declared signature change. dmypy
        # re-analyses modules between runs of the same plugin, so it gets no memo.
        self._signature_hooks: _Memo[Callable[[FunctionSigContext], FunctionLike] | None] = _Memo(self._signature_hook)
        self._function_hooks: _Memo[Callable[[FunctionContext], Type] | None] = _Memo(self._function_hook)
        # An attribute hook depends on the name only (the callback reads the facts when it runs).
        self._attribute_hooks: _Memo[Callable[[AttributeContext], Type] | None] = _Memo(self._attribute_hook)
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
        routes["get_class_decorator_hook_2"] = CLASS_DECORATOR_HOOKS.get
        for name, route in routes.items():
            if getattr(type(self), name) is getattr(MemdescPlugin, name):
                setattr(self, name, route)

    def facts(self) -> Facts | None:
        """The facts of the ontology.types in this build, or None when it is not imported.
        Parsed again only when mypy holds new metadata (dmypy re-analysing ontology.types); once
        found, a one-shot build (no dmypy) keeps them without looking again: ontology.types is
        analysed once per build, and the rules ask on every hook."""
        if self._facts is not None and not self._fine_grained:
            return self._facts[1]
        data = stored_facts(self.lookup_fully_qualified(FACTS_CLASS))
        if data is None:
            return None
        if self._facts is None or self._facts[0] is not data:
            self._facts = (data, parsed_facts(data))
        return self._facts[1]

    # -- hooks without a fullname: `checker.incremental` ---------------------------------

    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        return incremental.config_data()

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        # No line to report at here: when the imports cannot be read, depending on the ontology
        # is the safe answer (one more module in the build, never an unchecked `@implement`).
        try:
            return incremental.additional_deps(file)
        except Exception:
            return [] if file.fullname == TYPES_MODULE else [(10, TYPES_MODULE, -1)]

    # -- fullname hooks: what `_install_fast_routes` answers without a frame ---------------

    def get_class_decorator_hook_2(self, fullname: str) -> Callable[[ClassDefContext], bool] | None:
        return CLASS_DECORATOR_HOOKS.get(fullname)

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        return self._attribute_hooks[fullname]

    def get_function_signature_hook(self, fullname: str) -> Callable[[FunctionSigContext], FunctionLike] | None:
        return self._signature_hooks[fullname]

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        return self._function_hooks[fullname]

    # -- the routers behind the memos: a name's first lookup ------------------------------

    def _attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        hook = None
        if fullname.startswith(_FIELDS_PREFIX):
            field = fullname.rsplit(".", 1)[1]
            hook = guarded(partial(callbacks.field_access, self.facts, field), self._fine_grained)
        elif fullname.startswith(_TYPES_PREFIX):
            facts = self.facts()
            if facts is None:
                return None  # asked before the facts are stored: ask again later
            class_name, _, field = fullname[len(_TYPES_PREFIX) :].rpartition(".")
            fact = facts.by_class.get(class_name)
            if fact is not None and field in facts.meaningless_by_struct.get(fact.struct, {}):
                hook = guarded(partial(callbacks.state_field_access, self.facts, field), self._fine_grained)
        self._attribute_hooks[fullname] = hook
        return hook

    def _signature_hook(self, fullname: str) -> Callable[[FunctionSigContext], FunctionLike] | None:
        if fullname.startswith(SKIP_PREFIXES):
            self._signature_hooks[fullname] = None
            return None
        try:
            facts = self.facts()
            if facts is None:
                return None
            callback = callbacks.signature_callback(self.lookup_fully_qualified, facts, fullname)
        except Exception as error:
            hook: Callable[[FunctionSigContext], FunctionLike] | None = failing_sig(error)
        else:
            hook = guarded_sig(callback, self._fine_grained) if callback is not None else None
        if not self._fine_grained:
            self._signature_hooks[fullname] = hook
        return hook

    def _function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if fullname.startswith(SKIP_PREFIXES):
            self._function_hooks[fullname] = None
            return None
        try:
            facts = self.facts()
            if facts is None:
                return None
            callback = callbacks.function_callback(self.lookup_fully_qualified, facts, fullname, self._fine_grained)
        except Exception as error:
            hook: Callable[[FunctionContext], Type] | None = failing(error)
        else:
            hook = guarded(callback, self._fine_grained) if callback is not None else None
        if not self._fine_grained:
            self._function_hooks[fullname] = hook
        return hook


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return MemdescPlugin


__all__ = ["MemdescPlugin", "plugin"]
