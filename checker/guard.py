"""The one place where an exception inside a plugin callback becomes a memdesc-internal error.

mypy turns an exception escaping a plugin into an INTERNAL ERROR traceback that stops the run;
the router wraps every callback it hands out, so a bug in a rule is reported at the line being
checked and the other rules go on. The wrapper also records the dmypy dependency on the ontology
when mypy computes fine-grained dependencies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mypy.plugin import FunctionSigContext
from mypy.types import FunctionLike, Type

from checker import errorcodes as codes
from checker.incremental import depend_on_ontology


def guarded(callback: Callable[[Any], Type], fine_grained: bool = False) -> Callable[[Any], Type]:
    """A function or attribute callback that reports its exceptions at the line instead of raising."""

    def run(ctx: Any) -> Type:
        try:
            if fine_grained:
                depend_on_ontology(ctx.api)
            return callback(ctx)
        except Exception as error:
            ctx.api.fail(internal_error(error), ctx.context, code=codes.INTERNAL)
            return ctx.default_return_type if hasattr(ctx, "default_return_type") else ctx.default_attr_type  # type: ignore[no-any-return]

    return run


def guarded_sig(
    callback: Callable[[FunctionSigContext], FunctionLike], fine_grained: bool = False
) -> Callable[[FunctionSigContext], FunctionLike]:
    """A signature callback that reports its exceptions at the line and keeps the declared signature."""

    def run(ctx: FunctionSigContext) -> FunctionLike:
        try:
            if fine_grained:
                depend_on_ontology(ctx.api)
            return callback(ctx)
        except Exception as error:
            ctx.api.fail(internal_error(error), ctx.context, code=codes.INTERNAL)
            return ctx.default_signature

    return run


def internal_error(error: Exception) -> str:
    """The memdesc-internal message: names the exception, so a report can be acted on."""
    return f"memdesc checker internal error: {type(error).__name__}: {error}"
