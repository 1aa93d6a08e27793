"""The typed difference between two ontologies: what a proposal creates, removes, renames, moves.

Old names are read through the new ontology's deprecated aliases, so a rename is one change
(plus its deprecated alias), not a removal, a creation and every reference moving. The list is
sorted and its text has fixed columns, so it is the same on every run and pastes into a mail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from ontology.indexed import Ontology, Signature
from ontology.schema import FieldDef, TypeDef

KINDS = (
    "created",
    "removed",
    "renamed",
    "deprecated",
    "moved",
    "reparented",
    "retyped",
    "field-added",
    "field-removed",
    "field-moved",
    "conversion-added",
    "conversion-removed",
    "kind-changed",
)
"""Every kind of change, as `Change.kind` spells it."""


@dataclass(frozen=True, order=True)
class Change:
    """One change: its kind, what it is about (`folio`, `folio.lru`, `get_user_pages()`), details."""

    kind: str
    subject: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "subject": self.subject, "detail": self.detail}


def _span(fielddef: FieldDef) -> str:
    if fielddef.bit_offset is not None and fielddef.bit_size is not None:
        return f"bits {fielddef.bit_offset}-{fielddef.bit_offset + fielddef.bit_size}"
    return f"bytes {fielddef.offset}-{fielddef.offset + fielddef.size}"


def _describe(typedef: TypeDef) -> str:
    parts: list[str] = [typedef.kind]
    if typedef.parents:
        parts.append(f"under {', '.join(sorted(typedef.parents))}")
    if typedef.c_struct and typedef.kind == "struct":
        parts.append(f"struct {typedef.c_struct}" + (f", {typedef.size} bytes" if typedef.size else ""))
    if typedef.overlays:
        parts.append(f"overlays {typedef.overlays}")
    if typedef.predicate:
        parts.append(f"predicate {typedef.predicate}()")
    if typedef.fields:
        parts.append(f"{len(typedef.fields)} field{'s' if len(typedef.fields) != 1 else ''}")
    return "; ".join(parts)


class _Names:
    """Old type names as the new ontology calls them (a removed type keeps its old name)."""

    def __init__(self, old: Ontology, new: Ontology):
        self.new = new
        self.targets = {name: self.target(name) for name in old.types}

    def target(self, name: str) -> str | None:
        """What an old type is now: itself, the type it was renamed or merged into, or None."""
        return name if name in self.new.types else self.new.aliases.get(name)

    def now(self, name: str | None) -> str | None:
        return None if name is None else self.new.aliases.get(name, name) if name not in self.new.types else name


def _type_changes(old: Ontology, new: Ontology, names: _Names) -> Iterator[Change]:
    merged = Counter(target for target in names.targets.values() if target is not None)
    for name, typedef in old.types.items():
        target = names.targets[name]
        if target is None:
            yield Change("removed", name, typedef.kind)
            continue
        if target != name and (target in old.types or merged[target] > 1):
            yield Change("deprecated", name, f"merged into {target}; kept as a deprecated alias")
            continue
        if target != name:
            yield Change("renamed", name, f"-> {target}")
            yield Change("deprecated", name, f"kept as an alias of {target}")
        yield from _compare_type(typedef, new.types[target], names)
    renamed = {target for name, target in names.targets.items() if target != name and merged[target or ""] == 1}
    for name, typedef in new.types.items():
        if name not in old.types and name not in renamed:
            yield Change("created", name, _describe(typedef))


def _compare_type(before: TypeDef, after: TypeDef, names: _Names) -> Iterator[Change]:
    subject = after.name
    if before.kind != after.kind:
        yield Change("kind-changed", subject, f"{before.kind} -> {after.kind}")
    parents = sorted(names.now(p) or p for p in before.parents)
    if parents != sorted(after.parents):
        yield Change("reparented", subject, f"{', '.join(parents) or '-'} -> {', '.join(sorted(after.parents)) or '-'}")
    facts = []
    for key in ("c_struct", "size", "overlays", "predicate"):
        was, now = getattr(before, key), getattr(after, key)
        if key == "overlays":
            was = names.now(was) or was
        if was != now:
            facts.append(f"{key} {was if was is not None else '-'} -> {now if now is not None else '-'}")
    if facts:
        yield Change("retyped", subject, "; ".join(facts))
    old_fields = {f.name: f for f in before.fields}
    new_fields = {f.name: f for f in after.fields}
    for name in sorted(old_fields.keys() - new_fields.keys()):
        yield Change("field-removed", f"{subject}.{name}", f"{_span(old_fields[name])}, {old_fields[name].c_type}")
    for name in sorted(new_fields.keys() - old_fields.keys()):
        yield Change("field-added", f"{subject}.{name}", f"{_span(new_fields[name])}, {new_fields[name].c_type}")
    for name in sorted(old_fields.keys() & new_fields.keys()):
        was, now = old_fields[name], new_fields[name]
        if _span(was) != _span(now):
            yield Change("field-moved", f"{subject}.{name}", f"{_span(was)} -> {_span(now)}")
        if was.c_type != now.c_type:
            yield Change("retyped", f"{subject}.{name}", f"{was.c_type} -> {now.c_type}")


def _moves(changes: list[Change]) -> list[Change]:
    """A field removed from one type and added to another under its name is one move."""
    removed = {c.subject.split(".", 1)[1]: c for c in changes if c.kind == "field-removed"}
    added = {c.subject.split(".", 1)[1]: c for c in changes if c.kind == "field-added"}
    result = [c for c in changes if c.kind not in ("field-removed", "field-added")]
    for name in sorted(removed.keys() | added.keys()):
        gone, came = removed.get(name), added.get(name)
        if gone is not None and came is not None:
            result.append(Change("moved", gone.subject, f"-> {came.subject} ({came.detail})"))
        else:
            result.extend(c for c in (gone, came) if c is not None)
    return result


def _retyped(what: str, before: tuple[str, str | None], after: tuple[str, str | None]) -> str:
    """`pages: struct page ** -> struct folio **`; the descriptor names where the C type stays
    (`returns struct folio *: folio -> large_folio`); `(no descriptor)` where it stops naming one."""
    (was_c, was), (now_c, now) = before, after
    if was_c == now_c:
        return f"{what} {was_c}: {was or 'no descriptor'} -> {now or 'no descriptor'}"
    return f"{what} {was_c} -> {now_c}" + ("" if now is not None else " (no descriptor)")


def _renamed(was: Signature, now: Signature) -> dict[str, str]:
    """Parameters renamed in place: one left and one came at the same position, and they are
    alike (the same C type, or descriptors at the same pointer depth: `struct page **pages` ->
    `struct folio **folios`); old -> new name. Unlike ones are a removal and an addition."""
    old_names = {p.name for p in was.params}
    new_names = {p.name for p in now.params}
    return {
        before.name: after.name
        for before, after in zip(was.params, now.params, strict=False)
        if before.name not in new_names
        and after.name not in old_names
        and (before.c_type == after.c_type or (None not in (before.type, after.type) and before.depth == after.depth))
    }


def _function_changes(old: Ontology, new: Ontology, names: _Names) -> Iterator[Change]:
    for name in sorted(old.functions.keys() - new.functions.keys()):
        yield Change("removed", f"{name}()", "function")
    for name in sorted(new.functions.keys() - old.functions.keys()):
        yield Change("created", f"{name}()", f"function: {new.functions[name].prototype}")
    for name in sorted(old.functions.keys() & new.functions.keys()):
        before, after = old.functions[name], new.functions[name]
        was, now = old.readable_signature(name), new.readable_signature(name)
        details: list[str] = []
        if was is not None and now is not None:
            if (names.now(was.returns), was.returns_depth) != (now.returns, now.returns_depth):
                details.append(
                    _retyped("returns", (was.returns_c_type, was.returns), (now.returns_c_type, now.returns))
                )
            elif was.returns_c_type != now.returns_c_type:
                details.append(f"returns {was.returns_c_type} -> {now.returns_c_type}")
            old_params = {p.name: p for p in was.params}
            new_names = {p.name for p in now.params}
            renamed = _renamed(was, now)
            details.extend(
                f"{p.name}: parameter removed" for p in was.params if p.name not in new_names and p.name not in renamed
            )
            for param in now.params:
                prior = old_params.get(param.name)
                if prior is None and param.name in renamed.values():
                    prior = old_params[next(old for old, new in renamed.items() if new == param.name)]
                    details.append(f"{prior.name} -> {param.name}: {prior.c_type} -> {param.c_type}")
                elif prior is None:
                    details.append(f"{param.name}: new parameter {param.c_type}")
                elif (names.now(prior.type), prior.depth) != (param.type, param.depth):
                    details.append(_retyped(f"{param.name}:", (prior.c_type, prior.type), (param.c_type, param.type)))
                elif prior.c_type != param.c_type:
                    details.append(f"{param.name}: {prior.c_type} -> {param.c_type}")
        for key in ("nullable", "err_ptr", "frees_with", "replacement"):
            if getattr(before, key) != getattr(after, key):
                details.append(f"{key} {getattr(before, key)} -> {getattr(after, key)}")
        if before.return_value != after.return_value:
            details.append(f"return value: {before.return_value or '-'} -> {after.return_value or '-'}")
        if details:
            yield Change("retyped", f"{name}()", "; ".join(details))


def _conversion_changes(old: Ontology, new: Ontology, names: _Names) -> Iterator[Change]:
    def ends(onto: Ontology, name: str) -> str:
        conversion = onto.conversions[name]
        checked = " (checked)" if conversion.checked else ""
        return f"{conversion.source_type} -> {conversion.target_type}{checked}"

    for name in sorted(old.conversions.keys() - new.conversions.keys()):
        yield Change("conversion-removed", f"{name}()", ends(old, name))
    for name in sorted(new.conversions.keys() - old.conversions.keys()):
        yield Change("conversion-added", f"{name}()", ends(new, name))
    for name in sorted(old.conversions.keys() & new.conversions.keys()):
        before, after = old.conversions[name], new.conversions[name]
        was = (names.now(before.source_type), names.now(before.target_type), before.checked)
        if was != (after.source_type, after.target_type, after.checked):
            yield Change("retyped", f"{name}()", f"{ends(old, name)} -> {ends(new, name)}")


def _predicate_changes(old: Ontology, new: Ontology, names: _Names) -> Iterator[Change]:
    for name in sorted(old.predicates.keys() - new.predicates.keys()):
        yield Change("removed", f"{name}()", "predicate")
    for name in sorted(new.predicates.keys() - old.predicates.keys()):
        predicate = new.predicates[name]
        establishes = f", establishes {predicate.establishes}" if predicate.establishes else ""
        yield Change("created", f"{name}()", f"predicate on {predicate.takes}{establishes}")
    for name in sorted(old.predicates.keys() & new.predicates.keys()):
        before, after = old.predicates[name], new.predicates[name]
        details = []
        if names.now(before.takes) != after.takes:
            details.append(f"takes {before.takes} -> {after.takes}")
        if names.now(before.establishes) != after.establishes:
            details.append(f"establishes {before.establishes or '-'} -> {after.establishes or '-'}")
        if details:
            yield Change("retyped", f"{name}()", "; ".join(details))


def _other_changes(old: Ontology, new: Ontology, names: _Names) -> Iterator[Change]:
    for name in sorted(old.page_types.keys() & new.page_types.keys()):
        was, now = old.page_types[name].marks, new.page_types[name].marks
        if names.now(was) != now:
            yield Change("retyped", name, f"marks {was or '-'} -> {now or '-'}")
    old_tags = {tag.value: tag.type for tag in old.memdesc_tags}
    for tag in new.memdesc_tags:
        if tag.value in old_tags and names.now(old_tags[tag.value]) != tag.type:
            yield Change("retyped", f"memdesc tag {tag.value}", f"type {old_tags[tag.value]} -> {tag.type}")


def diff(old: Ontology, new: Ontology) -> list[Change]:
    """Every change from `old` to `new`, sorted by kind, subject and detail."""
    names = _Names(old, new)
    changes = _moves(list(_type_changes(old, new, names)))
    for part in (_function_changes, _conversion_changes, _predicate_changes, _other_changes):
        changes.extend(part(old, new, names))
    return sorted(set(changes))


def diff_text(changes: list[Change]) -> str:
    """The changes as aligned plain-text lines (`kind  subject  detail`), or `no changes`."""
    if not changes:
        return "no changes\n"
    kind_width = max(len(change.kind) for change in changes)
    subject_width = min(max(len(change.subject) for change in changes), 40)
    lines = [f"{c.kind:<{kind_width}}  {c.subject:<{subject_width}}  {c.detail}".rstrip() for c in changes]
    return "\n".join(lines) + "\n"
