"""Which callback a callee or an attribute gets: the routers behind the plugin's memos.

`checker.plugin` answers mypy's hook questions from memos; a name's first question reaches one
of these routers, which look at the callee's declaration and the ontology facts and hand out a
callback from `checker.callbacks`, wrapped by `checker.guard`. This module imports the rules;
the plugin imports it at the first question, so a warm run (every module from mypy's cache,
no question asked) never loads them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from mypy.plugin import AttributeContext, FunctionContext, FunctionSigContext
from mypy.types import FunctionLike, Type

from checker import callbacks
from checker.declarations import Lookup
from checker.facts import Facts
from checker.fullnames import FACTS_CLASS, FIELDS_BASE, SKIP_PREFIXES, TYPES_MODULE
from checker.guard import failing, failing_sig, guarded, guarded_sig
from checker.metadata import parsed_facts, stored_facts

_FIELDS_PREFIX = FIELDS_BASE + "."
_TYPES_PREFIX = TYPES_MODULE + "."

AttributeHook = Callable[[AttributeContext], Type]
SignatureHook = Callable[[FunctionSigContext], FunctionLike]
FunctionHook = Callable[[FunctionContext], Type]


class Routes:
    """The routers of one plugin instance. Each stores its answer in the memo it serves when
    the answer may be kept (always for attributes; for callees, once the facts are loaded and
    outside dmypy, which re-analyses modules between runs of the same plugin)."""

    def __init__(
        self,
        lookup: Lookup,
        fine_grained: bool,
        attribute_hooks: dict[str, AttributeHook | None],
        signature_hooks: dict[str, SignatureHook | None],
        function_hooks: dict[str, FunctionHook | None],
    ) -> None:
        self._lookup = lookup
        self._fine_grained = fine_grained
        self._attribute_hooks = attribute_hooks
        self._signature_hooks = signature_hooks
        self._function_hooks = function_hooks
        self._facts: tuple[dict[str, Any], Facts] | None = None

    def facts(self) -> Facts | None:
        """The facts of the ontology.types in this build, or None when it is not imported.
        Parsed again only when mypy holds new metadata (dmypy re-analysing ontology.types); once
        found, a one-shot build (no dmypy) keeps them without looking again: ontology.types is
        analysed once per build, and the rules ask on every hook."""
        if self._facts is not None and not self._fine_grained:
            return self._facts[1]
        data = stored_facts(self._lookup(FACTS_CLASS))
        if data is None:
            return None
        if self._facts is None or self._facts[0] is not data:
            self._facts = (data, parsed_facts(data))
        return self._facts[1]

    def attribute_hook(self, fullname: str) -> AttributeHook | None:
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

    def signature_hook(self, fullname: str) -> SignatureHook | None:
        if fullname.startswith(SKIP_PREFIXES):
            self._signature_hooks[fullname] = None
            return None
        try:
            facts = self.facts()
            if facts is None:
                return None
            callback = callbacks.signature_callback(self._lookup, facts, fullname)
        except Exception as error:
            hook: SignatureHook | None = failing_sig(error)
        else:
            hook = guarded_sig(callback, self._fine_grained) if callback is not None else None
        if not self._fine_grained:
            self._signature_hooks[fullname] = hook
        return hook

    def function_hook(self, fullname: str) -> FunctionHook | None:
        if fullname.startswith(SKIP_PREFIXES):
            self._function_hooks[fullname] = None
            return None
        try:
            facts = self.facts()
            if facts is None:
                return None
            callback = callbacks.function_callback(self._lookup, facts, fullname, self._fine_grained)
        except Exception as error:
            hook: FunctionHook | None = failing(error)
        else:
            hook = guarded(callback, self._fine_grained) if callback is not None else None
        if not self._fine_grained:
            self._function_hooks[fullname] = hook
        return hook
