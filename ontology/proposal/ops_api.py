"""API operations: retype a function's parameter or return, add/remove functions and conversions.

The descriptor types of a function come from its C prototype (ontology.indexed), so retyping
rewrites the prototype's struct at the same pointer depth, and narrows with the function's
`returns`/`params` overrides when the new type is a refinement. A conversion's ends are
checked against its prototype here, so one whose ends disagree is rejected at its line.
"""

from __future__ import annotations

from pydantic import ValidationError

from ontology.cdecl import PrototypeError, parse_prototype
from ontology.indexed import Signature
from ontology.proposal.cproto import retype
from ontology.proposal.schema import AddConversion, AddFunction, RemoveConversion, RemoveFunction, RetypeFunction
from ontology.proposal.state import Rejected, State
from ontology.schema import ConversionDef, FunctionDef, ParamOverride
from ontology.suggest import suggest


def _unknown_function(state: State, name: str) -> tuple[str, str]:
    kind = state.callable_kind(name)
    hint = f"; it is a {kind}" if kind else suggest(name, state.section("function"))
    return "proposal-unknown-function", f"function {name!r} is not defined{hint}"


def _check_name_free(state: State, name: str) -> None:
    kind = state.callable_kind(name)
    if kind is not None:
        raise Rejected(("proposal-exists", f"{name!r} is already a {kind}"))


def _slots(signature: Signature, op: RetypeFunction) -> tuple[list[str], list[tuple[str, str]]]:
    """The parameter names (or "return") `op` retypes in one function, and problems finding them."""
    name = signature.name
    params = {param.name: param for param in signature.params}
    if op.param == "return":
        return ["return"], []
    if op.param is not None:
        if op.param not in params:
            hint = suggest(op.param, params)
            return [], [("proposal-unknown-function", f"function {name!r} has no parameter {op.param!r}{hint}")]
        return [op.param], []
    if op.from_type is None:
        return [], [("proposal-invalid", "retype_function needs `param` or `from`")]
    slots = [p.name for p in signature.params if p.type == op.from_type]
    slots += ["return"] if signature.returns == op.from_type else []
    if not slots:
        return [], [("proposal-invalid", f"function {name!r} neither takes nor returns {op.from_type!r}")]
    return slots, []


def retype_function(state: State, op: RetypeFunction) -> None:
    target = state.type(op.to)
    if op.from_type is not None:
        state.type(op.from_type)
    struct = state.struct_of(op.to)
    base = state.c_name(struct.name) if struct is not None else None
    if struct is None or base is None:
        raise Rejected(
            (
                "proposal-invalid",
                f"{op.to!r} ({target.kind}) has no C type a prototype can name; "
                "make it a struct first (update_type) or retype to its struct",
            )
        )
    if op.frees_with is not None and state.callable_kind(op.frees_with) is None:
        raise Rejected(_unknown_function(state, op.frees_with))
    onto = state.ontology()
    problems: list[tuple[str, str]] = []
    for name in [op.function] if isinstance(op.function, str) else op.function:
        function: FunctionDef | None = state.get("function", name)
        if function is None:
            problems.append(_unknown_function(state, name))
            continue
        try:
            signature = onto.function_signature(function)
        except PrototypeError as error:
            problems.append(("proposal-invalid", f"function {name!r}: {error}"))
            continue
        slots, found = _slots(signature, op)
        problems += found
        prototype, returns = function.prototype, function.returns
        overrides = {p.name: p.type for p in function.params if p.type}
        for slot in slots:
            param = next((p for p in signature.params if p.name == slot), None)
            current = signature.returns if param is None else param.type
            depth = signature.returns_depth if param is None else param.depth
            c_type = signature.returns_c_type if param is None else param.c_type
            if current is None:
                problems.append(("proposal-invalid", f"{name}(): {slot} ({c_type}) is not a descriptor"))
                continue
            if op.from_type is not None and current != op.from_type:
                problems.append(("proposal-invalid", f"{name}(): {slot} is {current!r}, not {op.from_type!r}"))
                continue
            pointers = depth - 1 if struct.kind == "handle" else depth
            prototype = retype(prototype, slot, base, pointers)
            narrowed = op.to if target.kind == "refinement" else None
            if param is None:
                returns = narrowed
            elif narrowed is None:
                overrides.pop(slot, None)
            else:
                overrides[slot] = narrowed
        update: dict[str, object] = {
            "prototype": prototype,
            "returns": returns,
            "params": _with_types(function.params, overrides),
        }
        if op.nullable is not None:
            update["nullable"] = op.nullable
        if op.frees_with is not None:
            update["frees_with"] = op.frees_with
        state.put("function", function.model_copy(update=update))
    if problems:
        raise Rejected(*problems)


def _with_types(params: list[ParamOverride], types: dict[str, str]) -> list[ParamOverride]:
    """`params` with each parameter's narrowed type as in `types` (name -> refinement; absent:
    not narrowed), keeping what else each says (requires, releases) and dropping empty ones."""
    kept = {param.name: param for param in params}
    for name in types:
        kept.setdefault(name, ParamOverride(name=name))
    result = []
    for name, param in kept.items():
        updated = param.model_copy(update={"type": types.get(name)})
        if updated.type is not None or updated.requires or updated.releases:
            result.append(updated)
    return result


def add_function(state: State, op: AddFunction) -> None:
    _check_name_free(state, op.name)
    for type_name in (op.returns, *(param.type for param in op.params)):
        if type_name is not None:
            state.type(type_name)
    for name in (op.frees_with, op.replacement):
        if name is not None and state.callable_kind(name) is None:
            raise Rejected(_unknown_function(state, name))
    data = op.model_dump(exclude={"op", "reason"})
    data["source"] = op.source or state.source_id
    data["params"] = [param.model_dump() for param in op.params]
    try:
        function = FunctionDef.model_validate(data)
        parsed = parse_prototype(function.prototype)
    except (ValidationError, PrototypeError) as error:
        message = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
        raise Rejected(("proposal-invalid", f"function {op.name!r}: {message}")) from None
    if parsed.name != op.name:
        raise Rejected(("proposal-invalid", f"function {op.name!r} has the prototype of {parsed.name!r}"))
    state.put("function", function)


def _callers_of(state: State, name: str) -> list[str]:
    """Functions naming `name` as what frees their result or as their replacement."""
    return sorted(f.name for f in state.section("function").values() if name in (f.frees_with, f.replacement))


def remove_function(state: State, op: RemoveFunction) -> None:
    if state.get("function", op.name) is None:
        raise Rejected(_unknown_function(state, op.name))
    users = _callers_of(state, op.name)
    if users and op.replaced_by is None:
        raise Rejected(("proposal-dangling", f"{op.name}() is named by {', '.join(users)}; give `replaced_by`"))
    if op.replaced_by is not None and state.callable_kind(op.replaced_by) is None:
        raise Rejected(_unknown_function(state, op.replaced_by))
    state.delete("function", op.name)
    for user in users:
        function = state.get("function", user)
        update = {k: op.replaced_by for k in ("frees_with", "replacement") if getattr(function, k) == op.name}
        state.put("function", function.model_copy(update=update))


def _conversion_prototype(state: State, op: AddConversion) -> str:
    """`struct folio *page_folio(const struct page *page)`, written from the ends' C types."""
    source, target = state.struct_of(op.source_type), state.struct_of(op.target_type)
    from_c = state.c_name(source.name) if source is not None else None
    to_c = state.c_name(target.name) if target is not None else None
    if source is None or target is None or from_c is None or to_c is None:
        missing = op.source_type if from_c is None else op.target_type
        raise Rejected(
            ("proposal-conversion", f"{missing!r} has no C type to write a prototype with; give `prototype`")
        )
    arg = f"const {from_c} *{source.name}" if source.kind == "struct" else f"{from_c} {source.name}"
    result = f"{to_c} *" if target.kind == "struct" else f"{to_c} "
    return f"{result}{op.name}({arg})"


def add_conversion(state: State, op: AddConversion) -> None:
    _check_name_free(state, op.name)
    state.type(op.source_type)
    state.type(op.target_type)
    prototype = op.prototype or _conversion_prototype(state, op)
    try:
        signature = state.ontology().signature_of(prototype, op.name)
        named = parse_prototype(prototype).name
    except PrototypeError as error:
        raise Rejected(("proposal-conversion", f"conversion {op.name!r}: {error}")) from None
    if named != op.name:
        raise Rejected(("proposal-conversion", f"conversion {op.name!r} has the prototype of {named!r}"))
    problems: list[tuple[str, str]] = []
    want_to, want_from = state.struct_of(op.target_type), state.struct_of(op.source_type)
    if want_to is not None and signature.returns != want_to.name:
        problems.append(
            (
                "proposal-conversion",
                f"conversion {op.name!r} claims to return {op.target_type!r} "
                f"but its prototype returns {signature.returns_c_type!r}",
            )
        )
    taken = next((param.type for param in signature.params if param.type is not None), None)
    if want_from is not None and taken != want_from.name:
        problems.append(
            (
                "proposal-conversion",
                f"conversion {op.name!r} claims to take {op.source_type!r} "
                f"but its prototype takes {taken or 'no descriptor'}",
            )
        )
    if problems:
        raise Rejected(*problems)
    data = {
        "name": op.name,
        "from": op.source_type,
        "to": op.target_type,
        "checked": op.checked,
        "form": op.form,
        "prototype": prototype,
        "source": op.source or state.source_id,
        "notes": op.notes,
    }
    try:
        state.put("conversion", ConversionDef.model_validate(data))
    except ValidationError as error:
        raise Rejected(("proposal-invalid", f"conversion {op.name!r}: {error.errors()[0]['msg']}")) from None


def remove_conversion(state: State, op: RemoveConversion) -> None:
    if state.get("conversion", op.name) is None:
        kind = state.callable_kind(op.name)
        hint = f"; it is a {kind}" if kind else suggest(op.name, state.section("conversion"))
        raise Rejected(("proposal-unknown-conversion", f"conversion {op.name!r} is not defined{hint}"))
    users = _callers_of(state, op.name)
    if users:
        raise Rejected(("proposal-dangling", f"{op.name}() is named by {', '.join(users)}"))
    state.delete("conversion", op.name)
