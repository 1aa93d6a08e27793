"""The memdesc mypy plugin: `plugins = ["checker.plugin"]`. It only routes.

Each of mypy's hook questions is a lookup from fullname to a callback: None, fast, for names
outside the ontology; otherwise a callback from `checker.callbacks`, wrapped by `checker.guard`
so that an exception becomes a memdesc-internal error at the line, never an INTERNAL ERROR
(the class decorator hook too, and the router's own lookups: a callee it cannot look at gets
a callback that reports why at each call site). The facts come from mypy's own view of
ontology.types (`checker.metadata`), so the incremental cache, dmypy and `-n N` see the
ontology being checked; `checker.incremental` declares what else the results depend on. What
each rule checks, and what only `memdesc check` finds: the rule table in `checker.errorcodes`.

The routers (`checker.routes`) and with them the rules and the fact table are imported at the
first hook question, not with this module: a warm run, every module read from mypy's cache,
asks none, and importing them was most of what the plugin cost it (~26M instructions of a
~500M-instruction warm check of the bundled model).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

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

# checker.errorcodes is imported with the plugin, not with the rules: mypy resolves the codes its
# options name (`enable_error_code = memdesc-deprecated`) as soon as the plugin is loaded, and a
# code exists from the import that constructs it.
import checker.errorcodes  # noqa: F401
from checker import incremental
from checker.fullnames import FACTS_DECORATOR, TYPES_MODULE

if TYPE_CHECKING:
    from checker.facts import Facts
    from checker.routes import Routes

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


def store_facts(ctx: ClassDefContext) -> bool:
    """`checker.metadata.store_facts`, guarded: imported when the facts class is analysed."""
    from checker.guard import guarded_class
    from checker.metadata import store_facts

    return guarded_class(store_facts)(ctx)


CLASS_DECORATOR_HOOKS: dict[str, Callable[[ClassDefContext], bool]] = {FACTS_DECORATOR: store_facts}
"""The descriptor classes' own decorator arguments are not needed: only the facts class's."""


class _Memo(dict[str, V]):
    """fullname -> hook (or None): a miss asks `compute`, which stores the answer when it may be kept."""

    __slots__ = ("compute",)

    def __init__(self, compute: Callable[[str], V]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, fullname: str) -> V:
        return self.compute(fullname)


class MemdescPlugin(Plugin):
    """Routes mypy's hooks to the memdesc callbacks."""

    def __init__(self, options: Options):
        super().__init__(options)
        self._routers: Routes | None = None
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
        """The facts of the ontology.types in this build, or None when it is not imported (`checker.routes`)."""
        return self._routes().facts()

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

    # -- the routers behind the memos: a name's first question ---------------------------

    def _routes(self) -> Routes:
        """The routers, made at the first question (with the import of the rules); from then on
        the memos ask them directly."""
        if self._routers is None:
            from checker.routes import Routes

            routes = Routes(
                self.lookup_fully_qualified,
                self._fine_grained,
                self._attribute_hooks,
                self._signature_hooks,
                self._function_hooks,
            )
            self._attribute_hooks.compute = routes.attribute_hook
            self._signature_hooks.compute = routes.signature_hook
            self._function_hooks.compute = routes.function_hook
            self._routers = routes
        return self._routers

    def _attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        return self._routes().attribute_hook(fullname)

    def _signature_hook(self, fullname: str) -> Callable[[FunctionSigContext], FunctionLike] | None:
        return self._routes().signature_hook(fullname)

    def _function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        return self._routes().function_hook(fullname)


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return MemdescPlugin


__all__ = ["MemdescPlugin", "plugin"]
