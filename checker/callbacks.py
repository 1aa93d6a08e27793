"""The plugin's callbacks, and which of them a callee needs.

Each callback gathers plain data from mypy's context and asks a rule in `checker.rules` for the
message; `function_callback` and `signature_callback` decide, once per callee, what runs at its
call sites (the router memoizes their answers and wraps them in `checker.guard`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from mypy.nodes import NameExpr
from mypy.plugin import AttributeContext, FunctionContext, FunctionSigContext
from mypy.subtypes import is_subtype
from mypy.types import AnyType, CallableType, FunctionLike, Instance, Type, TypeOfAny, UnionType, get_proper_type

from checker import errorcodes as codes
from checker.declarations import Lookup, refined_params, signature_of, types_instance, widened_params
from checker.facts import Facts
from checker.fullnames import IMPLEMENT, TYPES_MODULE
from checker.rules import convert, deprecated, field, narrow, returns, state
from checker.shapes import class_accepts, descriptor_of, parameter_names, shape_of
from ontology.facttable import TypeFact

# -- which callbacks a callee needs ------------------------------------------------------------


def signature_callback(
    lookup: Lookup, facts: Facts, fullname: str
) -> Callable[[FunctionSigContext], FunctionLike] | None:
    """For a callee with refinement parameters: accept their structs (`widen_refinements`)."""
    callee = signature_of(lookup(fullname))
    widened = widened_params(lookup, callee, facts) if callee is not None else {}
    return partial(widen_refinements, widened, last=[]) if widened else None


def function_callback(
    lookup: Lookup, facts: Facts, fullname: str, fine_grained: bool
) -> Callable[[FunctionContext], Type] | None:
    """`@implement`, a descriptor constructor, or the checks a callee's declaration asks for.

    With `fine_grained` (dmypy), a call into ontology.types gets a callback even with no rule to
    run: the router's guard records its dependency on the ontology."""
    if fullname == IMPLEMENT:
        return partial(check_implementation, lookup, facts)
    module, _, name = fullname.rpartition(".")
    if module == TYPES_MODULE and name in facts.by_class:
        return partial(check_constructor, facts, facts.by_class[name].name)
    callbacks: list[Callable[[FunctionContext], Type]] = []
    callee = signature_of(lookup(fullname))
    if callee is not None:
        required = {
            index: (refinement, instance)
            for index, refinement in refined_params(callee, facts).items()
            if (instance := types_instance(lookup, facts.types[refinement].class_name)) is not None
        }
        if required:
            names = parameter_names(callee, facts)
            callbacks.append(partial(check_refined_args, facts, name, required, names))
    # Only the ontology's own declarations: a model's or a library's `put_page` is not the kernel's,
    # and whether facts are loaded when such a module is checked depends on the build order.
    if module == TYPES_MODULE and deprecated.deprecated_message(facts, name) is not None:
        callbacks.append(partial(note_deprecated, facts, name))
    if not callbacks and not (fine_grained and module == TYPES_MODULE):
        return None
    if len(callbacks) == 1:
        return callbacks[0]
    return partial(run_all, callbacks)


def run_all(callbacks: list[Callable[[FunctionContext], Type]], ctx: FunctionContext) -> Type:
    """Several checks at one call site (none: only the dmypy dependency)."""
    for callback in callbacks:
        callback(ctx)
    return ctx.default_return_type


# -- the callbacks ---------------------------------------------------------------------------


def field_access(facts: Callable[[], Facts | None], name: str, ctx: AttributeContext) -> Type:
    """memdesc-field: `slab.mapping`, read or written, on a descriptor whose struct lacks it.
    `facts` is called here, not when the hook is made: attribute hooks are kept by name alone."""
    if isinstance(ctx.context, NameExpr):
        return ctx.default_attr_type  # a field declared in a class body: mypy's override check, which reports nothing
    known = facts()
    receiver = descriptor_of(ctx.type, known) if known else None
    if known is not None and receiver is not None:
        ctx.api.fail(field.field_message(known, name, receiver.name), ctx.context, code=codes.FIELD)
        return AnyType(TypeOfAny.from_error)
    return ctx.default_attr_type


def state_field_access(facts: Callable[[], Facts | None], name: str, ctx: AttributeContext) -> Type:
    """memdesc-field: a field of a descriptor whose type is a refinement where the field means
    nothing (`if PageTail(page): page.mapping`). Values that only may be in such a state are
    `checker.flow`'s (memdesc check)."""
    if isinstance(ctx.context, NameExpr):
        return ctx.default_attr_type  # a field declared in a class body (see field_access)
    known = facts()
    proper = get_proper_type(ctx.type)
    if known is None or not isinstance(proper, Instance):
        return ctx.default_attr_type
    for base in proper.type.mro:
        fact = known.by_class.get(base.name) if base.module_name == TYPES_MODULE else None
        reason = known.meaningless.get(fact.name, {}).get(name) if fact is not None else None
        if fact is not None and reason is not None:
            ctx.api.fail(state.meaningless_message(name, fact.name, reason), ctx.context, code=codes.FIELD)
            break
    return ctx.default_attr_type


def widen_refinements(
    widened: dict[int, Instance], ctx: FunctionSigContext, last: list[FunctionLike] | None = None
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
    facts: Facts,
    callee: str,
    refined: dict[int, tuple[str, Instance]],
    names: list[str],
    ctx: FunctionContext,
) -> Type:
    """memdesc-narrow (or memdesc-convert for a conversion): an argument that is the refinement's
    struct, not the refinement the parameter declares."""
    for index, (refinement, required) in refined.items():
        if index >= len(ctx.arg_types):
            continue
        for position, actual in enumerate(ctx.arg_types[index]):
            given = _unrefined(actual, required, facts)
            if given is None:
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


def _unrefined(actual: Type, required: Instance, facts: Facts) -> TypeFact | None:
    """The descriptor an argument (or, for a union, its first member) is when it is not the
    required refinement: `HugetlbFolio | LargeFolio` after `if folio_test_hugetlb(f) or
    folio_test_large(f):` is a large_folio in one of its cases. None when every case is it."""
    proper = get_proper_type(actual)
    for item in proper.relevant_items() if isinstance(proper, UnionType) else [actual]:
        member = get_proper_type(item)
        if isinstance(member, Instance) and required.type in member.type.mro:
            continue  # the refinement itself or a subclass: the common case, without is_subtype
        given = descriptor_of(item, facts)
        if given is not None and not is_subtype(item, required):
            return given
    return None


def check_constructor(facts: Facts, target: str, ctx: FunctionContext) -> Type:
    """memdesc-convert: `Folio(page)` constructs one descriptor from another."""
    for group in ctx.arg_types:
        for actual in group:
            source = descriptor_of(actual, facts)
            if source is not None:
                message = convert.constructor_message(facts, target, source.name)
                ctx.api.fail(message, ctx.context, code=codes.CONVERT)
    return ctx.default_return_type


def check_implementation(lookup: Lookup, facts: Facts, ctx: FunctionContext) -> Type:
    """memdesc-return: `@implement def alloc_pages(...)`: the definition must match the declaration."""
    if not ctx.arg_types or not ctx.arg_types[0]:
        return ctx.default_return_type
    implemented = get_proper_type(ctx.arg_types[0][0])
    if not isinstance(implemented, CallableType) or not implemented.name:
        return ctx.default_return_type
    name = implemented.name.split(" of ")[0]
    declared = signature_of(lookup(f"{TYPES_MODULE}.{name}"))
    if declared is None:
        return ctx.default_return_type
    accepts = class_accepts(lookup)
    for problem in returns.signature_problems(name, shape_of(declared, facts), shape_of(implemented, facts), accepts):
        ctx.api.fail(problem, ctx.context, code=codes.RETURN)
    return ctx.default_return_type


def note_deprecated(facts: Facts, name: str, ctx: FunctionContext) -> Type:
    """memdesc-deprecated: a note naming the folio replacement of a page-based function."""
    message = deprecated.deprecated_message(facts, name)
    if message is not None:
        ctx.api.msg.note(message, ctx.context, code=codes.DEPRECATED)
    return ctx.default_return_type
