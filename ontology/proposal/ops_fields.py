"""Field operations (add, move, remove) and the layout checks they share.

A field occupies a bit range of its descriptor: [offset*8, (offset+size)*8), or its bitfield
bits. A new or moved field must end within the descriptor's size and may share bytes only
with the fields it lists in `overlaps` (the union arms it joins); anything else is a finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ontology.proposal.schema import AddField, MoveField, NewField, RemoveField
from ontology.proposal.state import Rejected, State
from ontology.schema import FieldDef, TypeDef
from ontology.suggest import suggest


def bits(fielddef: FieldDef) -> tuple[int, int]:
    """The half-open bit range a field occupies from the start of its descriptor."""
    start = fielddef.bit_offset if fielddef.bit_offset is not None else fielddef.offset * 8
    width = fielddef.bit_size if fielddef.bit_size is not None else fielddef.size * 8
    return start, start + width


def _span(fielddef: FieldDef) -> str:
    start, end = bits(fielddef)
    if start % 8 == 0 and end % 8 == 0:
        return f"bytes {start // 8}-{end // 8}"
    return f"bits {start}-{end}"


def layout_problems(
    owner: str, size: int | None, others: Sequence[FieldDef], candidate: FieldDef, allowed: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Findings for placing `candidate` in `owner` beside `others`: past the size, or overlapping."""
    problems: list[tuple[str, str]] = []
    start, end = bits(candidate)
    if size is not None and end > size * 8:
        problems.append(
            (
                "proposal-past-size",
                f"{owner}.{candidate.name} ({_span(candidate)}) ends past the descriptor's size of {size} bytes",
            )
        )
    allowed = set(allowed)
    names = {other.name for other in others}
    for name in sorted(allowed - names):
        problems.append(("proposal-unknown-field", f"{owner} has no field {name!r} to overlap{suggest(name, names)}"))
    for other in others:
        if other.name == candidate.name or other.name in allowed:
            continue
        if candidate.name in (getattr(other, "overlaps", None) or ()):
            continue
        other_start, other_end = bits(other)
        if start < other_end and other_start < end and start < end and other_start < other_end:
            problems.append(
                (
                    "proposal-overlap",
                    f"{owner}.{candidate.name} ({_span(candidate)}) overlaps {owner}.{other.name} ({_span(other)}); "
                    "list the union arms it shares bytes with in `overlaps`",
                )
            )
    return problems


def field_of(typedef: TypeDef, name: str) -> FieldDef:
    """A type's own field by name, or Rejected with a close match."""
    for fielddef in typedef.fields:
        if fielddef.name == name:
            return fielddef
    names = [f.name for f in typedef.fields]
    raise Rejected(("proposal-unknown-field", f"type {typedef.name!r} has no field {name!r}{suggest(name, names)}"))


def field_holder(state: State, name: str) -> TypeDef:
    """The type a field operation changes: not a refinement (it owns its struct's fields)."""
    typedef = state.type(name)
    if typedef.kind == "refinement":
        struct = state.struct_of(name)
        where = f"; change {struct.name!r} instead" if struct is not None else ""
        raise Rejected(("proposal-invalid", f"{name!r} is a refinement: it owns its struct's fields{where}"))
    return typedef


def plain_field(new: NewField) -> FieldDef:
    """The FieldDef stored in the ontology (without the proposal-only `overlaps`)."""
    return FieldDef.model_validate(new.model_dump(include=set(FieldDef.model_fields)))


def add_field(state: State, op: AddField) -> None:
    typedef = field_holder(state, op.type)
    if any(f.name == op.name for f in typedef.fields):
        raise Rejected(("proposal-exists", f"{op.type}.{op.name} already exists; use move_field to change it"))
    new = plain_field(op)
    problems = layout_problems(typedef.name, typedef.size, typedef.fields, new, op.overlaps)
    if problems:
        raise Rejected(*problems)
    state.put("type", typedef.model_copy(update={"fields": [*typedef.fields, new]}))


def move_field(state: State, op: MoveField) -> None:
    typedef = field_holder(state, op.type)
    old = field_of(typedef, op.field)
    target = field_holder(state, op.to_type) if op.to_type else typedef
    if op.to_type is None and op.offset is None and op.size is None and op.bit_offset is None:
        raise Rejected(("proposal-invalid", f"moving {op.type}.{op.field} needs `offset`, `size` or `to_type`"))
    if target.name != typedef.name and any(f.name == old.name for f in target.fields):
        raise Rejected(("proposal-exists", f"{target.name}.{old.name} already exists"))
    update: dict[str, object] = {}
    if op.offset is not None:
        update["offset"] = op.offset
        if old.bit_offset is not None and op.bit_offset is None:
            update["bit_offset"] = old.bit_offset + (op.offset - old.offset) * 8
    if op.size is not None:
        update["size"] = op.size
    if op.bit_offset is not None:
        update["bit_offset"] = op.bit_offset
    if target.name != typedef.name and target.overlays != typedef.overlays:
        update["matches"] = None  # no longer lines up with the same overlaid struct
    moved = old.model_copy(update=update)
    others = [f for f in target.fields if f.name != old.name]
    problems = layout_problems(target.name, target.size, others, moved, op.overlaps)
    if problems:
        raise Rejected(*problems)
    if target.name == typedef.name:
        fields = [moved if f.name == old.name else f for f in typedef.fields]
        state.put("type", typedef.model_copy(update={"fields": fields}))
        return
    state.put("type", typedef.model_copy(update={"fields": [f for f in typedef.fields if f.name != old.name]}))
    state.put("type", target.model_copy(update={"fields": [*target.fields, moved]}))


def matchers(state: State, typedef: TypeDef, field_name: str) -> list[str]:
    """`folio.lru` for each field of an overlay of `typedef` that lines up with `field_name`."""
    return sorted(
        f"{other.name}.{f.name}"
        for other in state.types.values()
        if other.overlays == typedef.name
        for f in other.fields
        if f.matches == field_name
    )


def remove_field(state: State, op: RemoveField) -> None:
    typedef = field_holder(state, op.type)
    field_of(typedef, op.field)
    matched = matchers(state, typedef, op.field)
    if matched:
        raise Rejected(
            (
                "proposal-dangling",
                f"{op.type}.{op.field} is matched by {', '.join(matched)}; remove them or stop the overlay first "
                '(update_type with overlays = "")',
            )
        )
    state.put("type", typedef.model_copy(update={"fields": [f for f in typedef.fields if f.name != op.field]}))
