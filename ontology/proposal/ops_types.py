"""Type operations: add, split, merge, reparent, rename, remove, update.

Each reads the working `State`, raises `Rejected` for what it cannot do (unknown names with a
close match, a name already taken, a parent relation that would cycle, fields that would not
fit), and otherwise replaces entries. Nothing here names a particular descriptor: which
struct a refinement is made of, what a predicate takes, which C name a prototype uses all
come from the data.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ontology.hierarchy import ancestors, cycle_through
from ontology.proposal.ops_fields import field_of, layout_problems, plain_field
from ontology.proposal.schema import AddType, MergeTypes, Remove, Rename, Reparent, SplitPart, SplitType, UpdateType
from ontology.proposal.state import Rejected, State
from ontology.schema import FieldDef, PredicateDef, TypeDef


def _validated(model: type[Any], data: dict[str, Any]) -> Any:
    """A schema model from `data`, or Rejected with pydantic's first complaint in one line."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise Rejected(("proposal-invalid", f"{where}: {problem['msg']}" if where else problem["msg"])) from None


def check_free(state: State, name: str) -> None:
    """`name` can become a new type: no type, alias or (for structs) C struct holds it."""
    if state.get("type", name) is not None:
        raise Rejected(("proposal-exists", f"type {name!r} already exists"))
    if name in state.aliases:
        raise Rejected(("proposal-exists", f"{name!r} is a deprecated alias of {state.aliases[name]!r}"))


def check_c_struct_free(state: State, typedef: TypeDef, replacing: str | None = None) -> None:
    """Two struct types with one C struct would make prototypes ambiguous (`replacing` is the
    entry `typedef` takes the place of, as in a rename)."""
    if typedef.kind != "struct" or typedef.c_struct is None:
        return
    for other in state.types.values():
        if other.name in (typedef.name, replacing):
            continue
        if other.kind == "struct" and other.c_struct == typedef.c_struct:
            raise Rejected(("proposal-exists", f"struct {typedef.c_struct} is already type {other.name!r}"))


def check_cycle(state: State, name: str) -> None:
    """Refuse a change that makes `name` refine itself, naming the chain from `name` back to it."""
    cycle = cycle_through(state.types, name)
    if cycle is not None:
        chain = [*cycle, name]
        raise Rejected(("proposal-cycle", f"types would refine each other: {' -> '.join(chain)}"))


def attach_predicate(
    state: State, type_name: str, predicate: str, takes: str | None, tests: str, establish: bool
) -> None:
    """Make `predicate` tell `type_name` apart: reuse the ontology's, or define it (form derived)."""
    existing: PredicateDef | None = state.get("predicate", predicate)
    if existing is None:
        kind = state.callable_kind(predicate)
        if kind is not None:
            raise Rejected(("proposal-exists", f"{predicate!r} is a {kind}, not a predicate"))
        if takes is None:
            raise Rejected(("proposal-invalid", f"predicate {predicate!r} is new and nothing says what it tests"))
        state.type(takes)
        data = {"name": predicate, "takes": takes, "tests": tests, "form": "derived", "source": state.source_id}
        if establish:
            data["establishes"] = type_name
        state.put("predicate", _validated(PredicateDef, data))
        return
    if not establish or existing.establishes == type_name:
        return
    if existing.establishes is not None and existing.establishes in state.types:
        raise Rejected(("proposal-invalid", f"predicate {predicate!r} already establishes {existing.establishes!r}"))
    state.put("predicate", existing.model_copy(update={"establishes": type_name}))


def demote_predicates(state: State, type_name: str) -> None:
    """A type that is no longer a refinement is established by no predicate (they become tests)."""
    for predicate in list(state.section("predicate").values()):
        if predicate.establishes == type_name:
            state.put("predicate", predicate.model_copy(update={"establishes": None}))


def _check_fields(owner: str, size: int | None, fields: list[Any]) -> list[FieldDef]:
    problems: list[tuple[str, str]] = []
    for index, new in enumerate(fields):
        problems += layout_problems(owner, size, fields[:index], new, new.overlaps)
        if any(other.name == new.name for other in fields[:index]):
            problems.append(("proposal-exists", f"{owner} declares field {new.name!r} twice"))
    if problems:
        raise Rejected(*problems)
    return [plain_field(new) for new in fields]


def add_type(state: State, op: AddType) -> None:
    check_free(state, op.name)
    for name in (*op.parents, op.overlays, op.realized_by, *op.refers_to):
        if name is not None:
            state.type(name)
    data = op.model_dump(exclude={"op", "reason", "tests", "fields"})
    data["fields"] = _check_fields(op.name, op.size, list(op.fields))
    data["status"] = op.status or ("proposed" if op.kind == "proposed" else "merged")
    data["source"] = op.source or state.source_id
    if op.kind == "refinement" and op.c_struct is None and op.parents:
        struct = state.struct_of(op.parents[0])
        data["c_struct"] = struct.c_struct if struct is not None else None
    typedef: TypeDef = _validated(TypeDef, data)
    check_c_struct_free(state, typedef)
    state.put("type", typedef)
    check_cycle(state, op.name)
    if op.predicate is not None:
        takes = op.parents[0] if op.parents else op.overlays
        establish = op.kind == "refinement"
        attach_predicate(state, op.name, op.predicate, takes, op.tests or op.summary, establish)


def _split_refinement(state: State, original: TypeDef, part: SplitPart, source: str) -> None:
    if part.fields is not None or part.add_fields or part.size is not None:
        raise Rejected(
            ("proposal-invalid", f'{part.name!r}: a refinement owns its struct\'s fields; use style = "struct"')
        )
    check_free(state, part.name)
    struct = state.struct_of(original.name)
    summary = part.summary or f"The {original.name} instances {part.predicate}() picks out."
    data = {
        "name": part.name,
        "kind": "refinement",
        "summary": summary,
        "c_struct": struct.c_struct if struct is not None else None,
        "parents": [original.name],
        "predicate": part.predicate,
        "source": source,
    }
    state.put("type", _validated(TypeDef, data))
    attach_predicate(state, part.name, part.predicate, part.takes or original.name, part.tests or summary, True)


def _split_struct(state: State, original: TypeDef, part: SplitPart, keep: bool, source: str) -> None:
    existing = state.get("type", part.name)
    if existing is not None and not (
        existing.kind == "refinement" and original.name in ancestors(state.types, part.name)
    ):
        raise Rejected(("proposal-exists", f"type {part.name!r} already exists and does not refine {original.name!r}"))
    if existing is None:
        check_free(state, part.name)
    carried = original.fields if part.fields is None else [field_of(original, name) for name in part.fields]
    size = part.size or original.size
    others: list[FieldDef] = list(carried)
    problems: list[tuple[str, str]] = []
    for new in part.add_fields:
        problems += layout_problems(part.name, size, others, new, new.overlaps)
        others.append(plain_field(new))
    problems += [p for f in carried for p in layout_problems(part.name, size, [], f) if p[0] == "proposal-past-size"]
    if problems:
        raise Rejected(*problems)
    summary = part.summary or (
        existing.summary if existing else f"The {original.name} split off by {part.predicate}()."
    )
    data = {
        **(existing.model_dump() if existing else {}),
        "name": part.name,
        "kind": "struct",
        "summary": summary,
        "c_struct": part.c_struct or part.name,
        "size": size,
        "overlays": original.overlays,
        "overlay_pages": original.overlay_pages,
        "parents": [],
        "predicate": part.predicate,
        "status": "merged",
        "source": source,
        "fields": [f.model_dump() for f in others],
    }
    typedef: TypeDef = _validated(TypeDef, data)
    check_c_struct_free(state, typedef)
    state.put("type", typedef)
    demote_predicates(state, part.name)
    takes = part.takes or (original.name if keep else original.overlays)
    attach_predicate(state, part.name, part.predicate, takes, part.tests or summary, False)


def split_type(state: State, op: SplitType) -> None:
    original = state.type(op.type)
    keep = op.keep if op.keep is not None else op.style == "refinement"
    if op.style == "refinement" and not keep:
        raise Rejected(("proposal-invalid", "a split into refinements keeps the split type (keep = false)"))
    names = [part.name for part in op.into]
    if len(set(names)) != len(names) or op.type in names:
        raise Rejected(("proposal-invalid", f"split of {op.type!r} names a type twice: {', '.join(names)}"))
    source = op.source or state.source_id
    for part in op.into:
        if op.style == "refinement":
            _split_refinement(state, original, part, source)
        else:
            _split_struct(state, original, part, keep, source)
    if not keep:
        state.removed[original.name] = (state.location, state.c_name(original.name))
        state.delete("type", original.name)


def merge_types(state: State, op: MergeTypes) -> None:
    merged = [state.type(name) for name in op.types]
    if len(set(op.types)) != len(op.types):
        raise Rejected(("proposal-invalid", f"merge names a type twice: {', '.join(op.types)}"))
    target: TypeDef | None = state.get("type", op.into)
    if target is None:
        check_free(state, op.into)
        if op.summary is None:
            raise Rejected(("proposal-invalid", f"merging into the new type {op.into!r} needs a `summary`"))
        base = merged[0].model_dump()
        base.update(name=op.into, summary=op.summary, fields=[], source=op.source or state.source_id, notes=op.notes)
        target = _validated(TypeDef, base)
    assert target is not None
    gone = {name for name in op.types if name != op.into}
    fields, origin = list(target.fields), dict.fromkeys((f.name for f in target.fields), target.name)
    problems: list[tuple[str, str]] = []
    for other in merged:
        if other.name == op.into:
            continue
        for new in other.fields:
            same = next((f for f in fields if f.name == new.name), None)
            if same is not None and (same.offset, same.size, same.bit_offset) != (new.offset, new.size, new.bit_offset):
                problems.append(
                    (
                        "proposal-overlap",
                        f"field {new.name!r} is at byte {same.offset} in "
                        f"{origin[new.name]!r} but at byte {new.offset} in {other.name!r}",
                    )
                )
            elif same is None:
                foreign = [f for f in fields if origin[f.name] != other.name]
                problems += layout_problems(op.into, target.size, foreign, new)
                fields.append(new)
                origin[new.name] = other.name
    if target.kind == "refinement" and len(fields) > len(target.fields):
        problems.append(("proposal-invalid", f"{op.into!r} is a refinement and cannot take the merged types' fields"))
    if problems:
        raise Rejected(*problems)
    parents = [p for t in merged for p in t.parents] + list(target.parents)
    kept_parents = sorted({p for p in parents if p not in gone and p != op.into})
    state.put("type", target.model_copy(update={"fields": fields, "parents": kept_parents}))
    for name in sorted(gone):
        state.rewrite(name, op.into, state.c_name(name), state.c_name(op.into))
        old_c = state.c_name(name)
        if old_c is not None and state.c_name(op.into) is None:
            state.removed[name] = (state.location, old_c)
        state.delete("type", name)
        state.aliases[name] = op.into
    check_c_struct_free(state, state.type(op.into))
    if state.type(op.into).kind != "refinement":
        demote_predicates(state, op.into)
    check_cycle(state, op.into)


def reparent(state: State, op: Reparent) -> None:
    typedef = state.type(op.type)
    for parent in op.parents:
        state.type(parent)
    if typedef.kind == "refinement" and len(op.parents) != 1:
        raise Rejected(("proposal-invalid", f"refinement {op.type!r} needs exactly one parent, got {len(op.parents)}"))
    state.put("type", typedef.model_copy(update={"parents": list(op.parents)}))
    check_cycle(state, op.type)


def rename(state: State, op: Rename) -> None:
    typedef = state.type(op.type)
    check_free(state, op.to)
    old_c = state.c_name(op.type)
    renamed: TypeDef = _validated(
        TypeDef, {**typedef.model_dump(), "name": op.to, "c_struct": op.c_struct or typedef.c_struct}
    )
    check_c_struct_free(state, renamed, replacing=op.type)
    state.put("type", renamed, replacing=op.type)
    if op.c_struct is not None and typedef.c_struct is not None:
        for other in list(state.types.values()):
            if other.kind == "refinement" and other.c_struct == typedef.c_struct:
                state.put("type", other.model_copy(update={"c_struct": op.c_struct}))
    state.rewrite(op.type, op.to, old_c, state.c_name(op.to))
    state.aliases[op.type] = op.to


def remove(state: State, op: Remove) -> None:
    typedef = state.type(op.type)
    old_c = state.c_name(op.type)
    if op.replaced_by is None:
        state.removed[op.type] = (state.location, old_c)
        state.aliases = {alias: target for alias, target in state.aliases.items() if target != op.type}
        state.delete("type", op.type)
        return
    if op.replaced_by == op.type:
        raise Rejected(("proposal-invalid", f"{op.type!r} cannot replace itself"))
    state.type(op.replaced_by)
    state.delete("type", typedef.name)
    state.rewrite(op.type, op.replaced_by, old_c, state.c_name(op.replaced_by))
    replacement = state.type(op.replaced_by)
    if op.replaced_by in replacement.parents:
        parents = [p for p in replacement.parents if p != op.replaced_by]
        state.put("type", replacement.model_copy(update={"parents": parents}))
    if replacement.kind != "refinement":
        demote_predicates(state, op.replaced_by)
    if old_c is not None and state.c_name(op.replaced_by) is None:
        state.removed[op.type] = (state.location, old_c)


def update_type(state: State, op: UpdateType) -> None:
    typedef = state.type(op.type)
    update = op.model_dump(exclude={"op", "reason", "type"}, exclude_none=True)
    for key in ("overlays", "realized_by"):
        if update.get(key):
            state.type(update[key])
    if op.predicate is not None:
        state.require("predicate", op.predicate, "proposal-unknown-predicate")
    if op.overlays == "":
        update["overlays"] = None
        update["fields"] = [f.model_copy(update={"matches": None, "match_index": 0}) for f in typedef.fields]
    if not update:
        raise Rejected(("proposal-invalid", f"update of {op.type!r} changes nothing"))
    size = update.get("size", typedef.size)
    past = [f.name for f in typedef.fields if size is not None and f.offset + f.size > size]
    if past:
        raise Rejected(
            (
                "proposal-past-size",
                f"{op.type} at {size} bytes would leave fields past its end: {', '.join(past)}; "
                "remove or move them first",
            )
        )
    old_c = state.c_name(op.type)
    changed: TypeDef = _validated(TypeDef, {**typedef.model_dump(), **update})
    check_c_struct_free(state, changed)
    state.put("type", changed)
    new_c = state.c_name(op.type)
    if old_c and new_c and old_c != new_c:
        state.rewrite(op.type, op.type, old_c, new_c)
    if changed.kind != "refinement":
        demote_predicates(state, op.type)
    elif changed.predicate is not None and typedef.kind != "refinement":
        attach_predicate(state, op.type, changed.predicate, None, changed.summary, True)
