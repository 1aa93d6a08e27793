"""Runtime support for the generated `ontology.types` module.

The generated module declares the kernel's descriptor types, predicates, conversions and API
functions with the ontology's types. The ontology's facts travel once, as the literal arguments
of `ontology_facts` on one class, so a mypy plugin can read them from mypy's own view of the
module; at run time `facts_of` reads them into a `FactTable` (the module's `FACTS`).

The generated functions have no behaviour of their own: a model registers the implementation
with `implement("page_folio")`, and every call checks that the result has the declared runtime
class, so a model whose types lie fails at the call, not later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

from ontology.facttable import FactTable, read_facts

T = TypeVar("T")
C = TypeVar("C", bound=type)
F = TypeVar("F", bound=Callable[..., Any])

_IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {}
_FACTS_ATTRIBUTE = "__memdesc_facts__"


class UnboundKernelFunction(LookupError):
    """A declared kernel function was called before any model implemented it."""


class RuntimeTypeError(TypeError):
    """An implementation returned an object whose class is not the declared descriptor type."""


class KernelObject:
    """Base of the non-descriptor kernel structs that descriptors point at (address_space...).

    The ontology does not describe them; a model may subclass them to give them state.
    """


class Descriptor:
    """Base of every generated descriptor class; instances hold their fields as attributes.

    The constructor accepts (and ignores) positional arguments so that `Folio(page)` type-checks
    as a call the checker can see and reject with the right conversion (memdesc-convert)
    instead of mypy's generic "too many arguments".
    """

    def __init__(self, *source: object) -> None:
        if source:
            raise TypeError(f"{type(self).__name__}(...) is not a conversion; use the registered conversion")


class Handle(Descriptor):
    """Base of tagged references (netmem_ref) that name one of several descriptors."""


def ontology_facts(**literals: Any) -> Callable[[C], C]:
    """Class decorator carrying the ontology's fact table as literals (`ontology.facttable`'s format)."""

    def mark(cls: C) -> C:
        setattr(cls, _FACTS_ATTRIBUTE, read_facts(literals))
        return cls

    return mark


def facts_of(cls: type) -> FactTable:
    """The fact table `ontology_facts` recorded on `cls`."""
    table = getattr(cls, _FACTS_ATTRIBUTE, None)
    if not isinstance(table, FactTable):
        raise TypeError(f"{cls.__name__} carries no ontology facts")
    return table


@overload
def implement(target: F) -> F: ...
@overload
def implement(target: str) -> Callable[[F], F]: ...
def implement(target: F | str) -> F | Callable[[F], F]:
    """Register a model's implementation of a declared kernel function.

    As a bare decorator, `@implement` registers a function under its own name, the form the
    checker verifies against the ontology's declaration (memdesc-return). `implement("name")`
    registers under another name (a predicate built by a factory, say).
    """
    if isinstance(target, str):
        name = target

        def register(function: F) -> F:
            _IMPLEMENTATIONS[name] = function
            return function

        return register
    _IMPLEMENTATIONS[target.__name__] = target
    return target


def implementation(name: str) -> Callable[..., Any] | None:
    return _IMPLEMENTATIONS.get(name)


def _lookup(name: str) -> Callable[..., Any]:
    function = _IMPLEMENTATIONS.get(name)
    if function is None:
        raise UnboundKernelFunction(f"{name}() has no implementation; a model registers one with implement({name!r})")
    return function


def call(name: str, returns: type[T], *args: Any) -> T:
    """Call the implementation of `name` and check its result is a `returns`."""
    result = _lookup(name)(*args)
    if not isinstance(result, returns):
        raise RuntimeTypeError(f"{name}() returned {type(result).__name__}, declared {returns.__name__}")
    return result


def call_nullable(name: str, returns: type[T], *args: Any) -> T | None:
    """As `call`, for functions that may return NULL (allocators, lookups, checked conversions)."""
    result = _lookup(name)(*args)
    if result is not None and not isinstance(result, returns):
        raise RuntimeTypeError(f"{name}() returned {type(result).__name__}, declared {returns.__name__} or None")
    return result


def call_any(name: str, *args: Any) -> Any:
    """Call the implementation of `name` whose return is not a descriptor (void, int, arrays)."""
    return _lookup(name)(*args)


def test(name: str, refinement: type[Descriptor] | None, subject: object) -> bool:
    """Evaluate predicate `name`; one that establishes a refinement must agree with the class.

    Without a registered implementation, a narrowing predicate is the class test itself: the
    refinement holds exactly when the object is an instance of it.
    """
    function = _IMPLEMENTATIONS.get(name)
    if function is None:
        if refinement is None:
            _lookup(name)
        return isinstance(subject, refinement)  # type: ignore[arg-type]
    answer = bool(function(subject))
    if refinement is not None and answer != isinstance(subject, refinement):
        raise RuntimeTypeError(
            f"{name}() says {answer} but the object is {'not ' if answer else ''}a {refinement.__name__}"
        )
    return answer
