"""The `change_function` operation: add, remove and retype parameters, change the return.

`retype_function` changes which descriptor a function takes or returns; this operation
changes the rest of its prototype (gup's new `size_t *offsets`), and what its return value
means (`return_value`, `nullable`, `err_ptr`), so the typed diff and the document can say what
the proposal's prose says. The prototype is rewritten by parameter name; narrowing overrides
of removed or retyped parameters are dropped (a new C type is a new contract). A parameter
name the function lacks is a problem reported at the line of the key that names it.
"""

from __future__ import annotations

from ontology.cdecl import PrototypeError, parse_prototype
from ontology.proposal.cproto import assemble, declare, named_params
from ontology.proposal.schema import ChangeFunction
from ontology.proposal.state import Problem, Rejected, State
from ontology.schema import FunctionDef
from ontology.suggest import suggest


def _edit(function: FunctionDef, op: ChangeFunction) -> tuple[str, list[Problem]]:
    """The function's new prototype, and the parameter names `op` gets wrong (with their key)."""
    ret, name, params = named_params(function.prototype)
    problems: list[Problem] = []

    def index_of(param: str, key: str) -> int | None:
        names = [n for n, _ in params]
        if param in names:
            return names.index(param)
        hint = suggest(param, names)
        problems.append(("proposal-unknown-param", f"{key}: {name}() has no parameter {param!r}{hint}", key))
        return None

    for retyped in op.retype_params:
        index = index_of(retyped.name, "retype_params")
        if index is None:
            continue
        renamed = retyped.new_name or retyped.name
        if retyped.c_type is None and retyped.new_name is None:
            problem = f"retype_params: {retyped.name}: give c_type or new_name"
            problems.append(("proposal-invalid", problem, "retype_params"))
            continue
        if renamed != retyped.name and renamed in (n for n, _ in params):
            problems.append(
                ("proposal-exists", f"retype_params: {name}() already has a parameter {renamed!r}", "retype_params")
            )
            continue
        if retyped.c_type is not None:
            params[index] = (renamed, declare(retyped.c_type, renamed))
        else:
            text = params[index][1]
            at = text.rfind(retyped.name)
            if at < 0:  # an unnamed parameter (arg0) gets its name after its type
                params[index] = (renamed, f"{text} {renamed}")
            else:
                params[index] = (renamed, text[:at] + renamed + text[at + len(retyped.name) :])
    for removed in op.remove_params:
        index = index_of(removed, "remove_params")
        if index is not None:
            del params[index]
    for added in op.add_params:
        if added.name in (n for n, _ in params):
            problems.append(
                ("proposal-exists", f"add_params: {name}() already has a parameter {added.name!r}", "add_params")
            )
            continue
        after = None if added.after is None else index_of(added.after, "add_params")
        if added.after is None or after is not None:
            at = len(params) if after is None else after + 1
            params.insert(at, (added.name, declare(added.c_type, added.name)))
    if op.return_type is not None:
        ret = op.return_type + ("" if op.return_type.endswith("*") else " ")
    return assemble(ret, name, params), problems


def change_function(state: State, op: ChangeFunction) -> None:
    problems: list[Problem] = []
    for name in [op.function] if isinstance(op.function, str) else op.function:
        function: FunctionDef | None = state.get("function", name)
        if function is None:
            kind = state.callable_kind(name)
            hint = f"; it is a {kind}" if kind else suggest(name, state.section("function"))
            problems.append(("proposal-unknown-function", f"function {name!r} is not defined{hint}", "function"))
            continue
        try:
            prototype, found = _edit(function, op)
            kept = {param.name for param in parse_prototype(prototype).params}
        except PrototypeError as error:
            problems.append(("proposal-invalid", f"function {name!r}: {error}"))
            continue
        problems += found
        dropped = {p.name for p in op.retype_params if p.c_type is not None} | set(op.remove_params)
        names = {p.name: p.new_name for p in op.retype_params if p.new_name is not None}
        overrides = [
            p.model_copy(update={"name": names.get(p.name, p.name)}) for p in function.params if p.name not in dropped
        ]
        update: dict[str, object] = {
            "prototype": prototype,
            "params": [p for p in overrides if p.name in kept],
        }
        if op.return_type is not None:
            update["returns"] = None
        if op.return_value is not None:
            update["return_value"] = op.return_value
        if op.nullable is not None:
            update["nullable"] = op.nullable
        if op.err_ptr is not None:
            update["err_ptr"] = op.err_ptr
            update["err_ptr_source"] = state.source_id if op.err_ptr else None
        state.put("function", function.model_copy(update=update))
    if problems:
        raise Rejected(*problems)
