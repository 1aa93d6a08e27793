"""The one place where an exception inside a plugin callback becomes a memdesc-internal error.

mypy turns an exception escaping a plugin into an INTERNAL ERROR traceback that stops the run;
the router wraps every callback it hands out (and the class decorator hook that stores the
facts), so a bug in a rule or a malformed input is reported at the line being checked and the
other rules go on. When the router itself fails for a callee, `failing` hands out a callback
that reports the failure at each of its call sites. The wrapper also records the dmypy
dependency on the ontology when mypy computes fine-grained dependencies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mypy.plugin import ClassDefContext, FunctionSigContext
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


def guarded_class(callback: Callable[[ClassDefContext], bool]) -> Callable[[ClassDefContext], bool]:
    """A class decorator hook that reports its exceptions at the decorator and leaves the class as it is."""

    def run(ctx: ClassDefContext) -> bool:
        try:
            return callback(ctx)
        except Exception as error:
            ctx.api.fail(internal_error(error), ctx.reason, code=codes.INTERNAL)
            return True

    return run


def failing(error: Exception) -> Callable[[Any], Type]:
    """A function callback for a callee the router could not look at: `error` at each call site."""

    def fail(ctx: Any) -> Type:
        raise error

    return guarded(fail)


def failing_sig(error: Exception) -> Callable[[FunctionSigContext], FunctionLike]:
    """A signature callback for a callee the router could not look at: `error` at each call site."""

    def fail(ctx: FunctionSigContext) -> FunctionLike:
        raise error

    return guarded_sig(fail)


def internal_error(error: Exception) -> str:
    """The memdesc-internal message: names the exception, so a report can be acted on."""
    return f"memdesc checker internal error: {type(error).__name__}: {error}"
