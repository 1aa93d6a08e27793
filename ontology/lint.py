"""Lint: the ontology's consistency rules, each a small function yielding findings.

Rules take their names from the data (which struct page word is the tail marker, which struct
a type overlays), never from a hard-coded list of descriptors, so they keep working when a
proposal renames or splits a type. `RULES` is the registry; `memdesc lint` runs them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from ontology.cdecl import PrototypeError, parse_prototype, parse_type
from ontology.hierarchy import deepest_refinements, refinement_cycles
from ontology.indexed import Ontology, Param
from ontology.loader import LoadResult, Location, display_path
from ontology.schema import MAX_REFINEMENT_DEPTH, ConversionDef, FieldDef, FunctionDef, TypeDef
from ontology.stateref import split_state
from ontology.suggest import suggest

POINTER_LIKE = ("struct list_head", "struct llist_node", "struct callback_head", "struct rcu_head")
"""Embedded structs that start with a pointer, so bit 0 of their first word is always clear."""


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: where, which rule, what is wrong (and how to fix it, when we know)."""

    location: Location
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.rule}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"path": self.location.path, "line": self.location.line, "rule": self.rule, "message": self.message}


Rule = Callable[[Ontology], Iterable[Finding]]
CALLABLE_SECTIONS = ("function", "conversion", "predicate")


def _dangling(location: Location, what: str, name: str, candidates: Iterable[str], context: str = "") -> Finding:
    where = f" ({context})" if context else ""
    return Finding(location, "dangling-ref", f"{what} {name!r}{where} is not defined{suggest(name, candidates)}")


def _callable_names(onto: Ontology) -> set[str]:
    return set(onto.functions) | set(onto.conversions) | set(onto.predicates)


def check_duplicates(onto: Ontology) -> Iterator[Finding]:
    """Two entries with one name: the second is ignored by every query, so it is an error."""
    for first, second in onto.duplicates:
        name = second.item.id if second.section == "source" else second.item.name
        yield Finding(
            second.location, "duplicate-name", f"{second.section} {name!r} is already defined at {first.location}"
        )
    seen: dict[str, tuple[str, Location]] = {}
    for section in ("function", "conversion", "predicate"):
        for (entry_section, name), entry in sorted(onto.entries.items()):
            if entry_section != section:
                continue
            if name in seen and seen[name][0] != section:
                yield Finding(
                    entry.location,
                    "duplicate-name",
                    f"{name!r} is both a {seen[name][0]} ({seen[name][1]}) and a {section}",
                )
            else:
                seen.setdefault(name, (section, entry.location))
    for typedef in onto.types.values():
        names: dict[str, FieldDef] = {}
        for fielddef in typedef.fields:
            if fielddef.name in names:
                yield Finding(
                    onto.field_location(typedef.name, fielddef.name),
                    "duplicate-name",
                    f"type {typedef.name!r} has two fields named {fielddef.name!r}",
                )
            names[fielddef.name] = fielddef


def check_references(onto: Ontology) -> Iterator[Finding]:
    """Every name a fact mentions resolves: types, predicates, functions, sources, fields."""
    rejected = onto.load_result.rejected if onto.load_result else {}
    types = set(onto.types) | rejected.get("type", set())
    callables = _callable_names(onto) | set().union(*(rejected.get(s, set()) for s in CALLABLE_SECTIONS))
    sources = set(onto.sources) | rejected.get("source", set())
    predicates = set(onto.predicates) | rejected.get("predicate", set())

    def source_refs(location: Location, *names: str | None) -> Iterator[Finding]:
        for name in names:
            if name is not None and name not in sources:
                yield _dangling(location, "source", name, sources)

    for typedef in onto.types.values():
        where = onto.location("type", typedef.name)
        yield from source_refs(where, typedef.source, typedef.layout_source)
        for parent in typedef.parents:
            if parent not in types:
                yield _dangling(where, "type", parent, types, f"parent of {typedef.name!r}")
        for name in (typedef.overlays, typedef.realized_by, *typedef.refers_to):
            if name is not None and name not in types:
                yield _dangling(where, "type", name, types, f"named by {typedef.name!r}")
        if typedef.predicate is not None and typedef.predicate not in predicates:
            yield _dangling(where, "predicate", typedef.predicate, predicates, f"of {typedef.name!r}")
        overlaid = onto.types.get(typedef.overlays) if typedef.overlays else None
        partner_names = {f.name for f in overlaid.fields} if overlaid else set()
        for fielddef in typedef.fields:
            field_where = onto.field_location(typedef.name, fielddef.name)
            yield from source_refs(field_where, fielddef.source)
            if fielddef.matches is None:
                continue
            if overlaid is None and typedef.overlays is None:
                yield Finding(
                    field_where,
                    "dangling-ref",
                    f"field {typedef.name}.{fielddef.name} matches {fielddef.matches!r} "
                    f"but {typedef.name!r} overlays no struct",
                )
            elif overlaid is not None and fielddef.matches not in partner_names:
                yield _dangling(
                    field_where,
                    "field",
                    fielddef.matches,
                    partner_names,
                    f"{overlaid.name} field matched by {typedef.name}.{fielddef.name}",
                )
    for page_type in onto.page_types.values():
        where = onto.location("page_type", page_type.name)
        yield from source_refs(where, page_type.source)
        if page_type.marks is not None and page_type.marks not in types:
            yield _dangling(where, "type", page_type.marks, types)
        if page_type.predicate is not None and page_type.predicate not in predicates:
            yield _dangling(where, "predicate", page_type.predicate, predicates)
    for predicate in onto.predicates.values():
        where = onto.location("predicate", predicate.name)
        yield from source_refs(where, predicate.source)
        for name in (predicate.takes, predicate.establishes):
            if name is not None and name not in types:
                yield _dangling(where, "type", name, types)
    for conversion in onto.conversions.values():
        where = onto.location("conversion", conversion.name)
        yield from source_refs(where, conversion.source, conversion.local_source)
        for name in (conversion.source_type, conversion.target_type):
            if name not in types:
                yield _dangling(where, "type", name, types)
    for function in onto.functions.values():
        where = onto.location("function", function.name)
        yield from source_refs(where, function.source, function.err_ptr_source)
        for name in (function.returns, *(param.type for param in function.params)):
            if name is not None and name not in types:
                yield _dangling(where, "type", name, types)
        for name in (function.frees_with, function.replacement):
            if name is not None and name not in callables:
                yield _dangling(where, "function", name, callables)
    for typedef_entry in onto.typedefs.values():
        yield from source_refs(onto.location("typedef", typedef_entry.name), typedef_entry.source)
    tag_entries = onto.load_result.of("memdesc_tag") if onto.load_result else []
    for entry in tag_entries:
        yield from source_refs(entry.location, entry.item.source)
        if entry.item.type is not None and entry.item.type not in types:
            yield _dangling(entry.location, "type", entry.item.type, types)


def check_type_shapes(onto: Ontology) -> Iterator[Finding]:
    """Each kind has its required facts: structs a C name and size, refinements one parent."""
    for typedef in onto.types.values():
        where = onto.location("type", typedef.name)
        if typedef.kind == "struct" and (typedef.c_struct is None or typedef.size is None):
            yield Finding(where, "type-shape", f"struct type {typedef.name!r} needs c_struct and size")
        if typedef.kind == "refinement":
            if len(typedef.parents) != 1 or typedef.predicate is None:
                yield Finding(
                    where, "type-shape", f"refinement {typedef.name!r} needs exactly one parent and a predicate"
                )
            if typedef.fields:
                yield Finding(
                    where, "type-shape", f"refinement {typedef.name!r} declares fields; it owns its struct's fields"
                )
        if typedef.kind == "proposed" and typedef.status not in ("proposed", "rejected"):
            yield Finding(where, "type-shape", f"proposed type {typedef.name!r} has status {typedef.status!r}")
        if typedef.kind == "handle" and typedef.c_type is None:
            yield Finding(where, "type-shape", f"handle type {typedef.name!r} needs c_type")
        if typedef.kind != "proposed" and typedef.status == "proposed":
            yield Finding(where, "type-shape", f"{typedef.kind} type {typedef.name!r} is marked proposed")


def check_cycles(onto: Ontology) -> Iterator[Finding]:
    """The parent relation is acyclic; a cycle is reported once, naming every member."""
    for cycle in refinement_cycles(onto.types):
        members = " -> ".join([*cycle, cycle[0]])
        yield Finding(onto.location("type", cycle[0]), "refinement-cycle", f"types refine each other: {members}")


def check_depth(onto: Ontology) -> Iterator[Finding]:
    """No refinement chain is deeper than MAX_REFINEMENT_DEPTH: nested output stays readable."""
    for name in deepest_refinements(onto.types, MAX_REFINEMENT_DEPTH):
        yield Finding(
            onto.location("type", name),
            "refinement-depth",
            f"type {name!r} is more than {MAX_REFINEMENT_DEPTH} refinements below a struct (MAX_REFINEMENT_DEPTH)",
        )


def check_refinement_predicates(onto: Ontology) -> Iterator[Finding]:
    """A refinement's predicate establishes it and takes its parent (or an ancestor)."""
    for typedef in onto.types.values():
        if typedef.kind != "refinement" or typedef.predicate not in onto.predicates:
            continue
        predicate = onto.predicates[typedef.predicate]
        where = onto.location("type", typedef.name)
        if predicate.establishes != typedef.name:
            yield Finding(
                where,
                "refinement-predicate",
                f"predicate {predicate.name!r} of {typedef.name!r} establishes "
                f"{predicate.establishes!r}, not {typedef.name!r}",
            )
        if (
            predicate.takes in onto.types
            and typedef.parents
            and typedef.parents[0] in onto.types
            and not onto.is_a(typedef.parents[0], predicate.takes)
        ):
            yield Finding(
                where,
                "refinement-predicate",
                f"predicate {predicate.name!r} takes {predicate.takes!r}, "
                f"which {typedef.name!r}'s parent {typedef.parents[0]!r} is not",
            )
    for predicate in onto.predicates.values():
        target = onto.types.get(predicate.establishes or "")
        if target is not None and target.kind != "refinement":
            yield Finding(
                onto.location("predicate", predicate.name),
                "refinement-predicate",
                f"predicate {predicate.name!r} establishes {target.name!r}, a {target.kind} type; "
                "only refinements are established by predicates",
            )


def check_layouts(onto: Ontology) -> Iterator[Finding]:
    """Fields stay inside their descriptor and line up with the struct they overlay."""
    for typedef in onto.types.values():
        overlaid = onto.types.get(typedef.overlays) if typedef.overlays else None
        partners = {f.name: f for f in overlaid.fields} if overlaid else {}
        for fielddef in typedef.fields:
            where = onto.field_location(typedef.name, fielddef.name)
            if typedef.size is not None and fielddef.offset + fielddef.size > typedef.size:
                yield Finding(
                    where,
                    "field-past-size",
                    f"{typedef.name}.{fielddef.name} ends at byte {fielddef.offset + fielddef.size}, "
                    f"past sizeof(struct {typedef.c_struct or typedef.name}) = {typedef.size}",
                )
            if fielddef.bit_offset is not None and fielddef.bit_size is not None:
                end = fielddef.offset * 8 + fielddef.size * 8
                if not fielddef.offset * 8 <= fielddef.bit_offset < fielddef.bit_offset + fielddef.bit_size <= end:
                    yield Finding(
                        where,
                        "field-past-size",
                        f"bitfield {typedef.name}.{fielddef.name} bits {fielddef.bit_offset}+"
                        f"{fielddef.bit_size} fall outside its storage unit at byte {fielddef.offset}",
                    )
            partner = partners.get(fielddef.matches or "")
            if partner is None or overlaid is None or overlaid.size is None:
                continue
            expected = partner.offset + fielddef.match_index * overlaid.size
            if fielddef.offset != expected:
                copy = f"{overlaid.name}[{fielddef.match_index}]" if fielddef.match_index else overlaid.name
                yield Finding(
                    where,
                    "overlay-mismatch",
                    f"{typedef.name}.{fielddef.name} is at byte {fielddef.offset} but its match "
                    f"{copy}.{partner.name} is at byte {expected}",
                )


def _keeps_bit0_clear(fielddef: FieldDef, base: TypeDef) -> bool:
    c_type = " ".join(fielddef.c_type.split())
    return (
        fielddef.keeps_bit0_clear
        or c_type == f"struct {base.c_struct}"  # folio embeds struct page itself
        or c_type.endswith("*")
        or c_type in POINTER_LIKE
        or fielddef.tail_marker
    )


def check_tail_marker_bit(onto: Ontology) -> Iterator[Finding]:
    """No overlay may set bit 0 of the compound_head word: the kernel would read a tail page.

    The word is found from the data (the overlaid struct's field with `tail_marker`). A field
    covering that bit is fine when it is a pointer or list head, is itself matched to the
    marker (folio's _head_1, slab's slab_cache), or its owner guarantees bit 0 stays clear.
    """
    for typedef in onto.types.values():
        base = onto.types.get(typedef.overlays) if typedef.overlays else typedef
        if base is None or base.size is None:
            continue
        markers = [f for f in base.fields if f.tail_marker]
        for marker in markers:
            for fielddef in typedef.fields:
                if fielddef.matches == marker.name or fielddef is marker:
                    continue
                for index in range(typedef.overlay_pages):
                    word = marker.offset + index * base.size
                    start = fielddef.bit_offset if fielddef.bit_offset is not None else fielddef.offset * 8
                    width = fielddef.bit_size if fielddef.bit_size is not None else fielddef.size * 8
                    if start <= word * 8 < start + width and not _keeps_bit0_clear(fielddef, base):
                        yield Finding(
                            onto.field_location(typedef.name, fielddef.name),
                            "tail-marker-bit",
                            f"{typedef.name}.{fielddef.name} ({fielddef.c_type}) covers bit 0 of "
                            f"{base.name}.{marker.name} at byte {word}, which marks a tail page; "
                            "use a pointer-aligned member or declare keeps_bit0_clear with a source",
                        )


def _struct_name(onto: Ontology, name: str) -> str | None:
    struct = onto.struct_of(name)
    return struct.name if struct is not None else None


def _unless_zero_findings(
    where: Location, name: str, entry: ConversionDef | FunctionDef, params: Sequence[Param]
) -> Iterator[Finding]:
    """`may_be_unless_zero` names a parameter of the prototype, and voids a `may_be` there is."""
    parameter = entry.may_be_unless_zero
    if parameter is None:
        return
    names = [param.name for param in params]
    if parameter not in names:
        message = f"{name!r}: may_be_unless_zero names {parameter!r}, which its prototype does not have"
        yield Finding(where, "conversion-signature", message + suggest(parameter, names))
    elif not entry.may_be:
        yield Finding(where, "state", f"{name!r}: may_be_unless_zero voids a may_be it does not have")


def check_signatures(onto: Ontology) -> Iterator[Finding]:
    """Prototypes parse and name their function; conversions' ends agree with their prototypes."""
    for kind, name, prototype in onto.all_callables():
        section = kind
        where = onto.location(section, name)
        try:
            parsed = parse_prototype(prototype)
        except PrototypeError as error:
            yield Finding(where, "prototype", f"{kind} {name!r}: {error}")
            continue
        if parsed.name != name:
            yield Finding(where, "prototype", f"{kind} {name!r} has the prototype of {parsed.name!r}")
    for typedef_entry in onto.typedefs.values():
        try:
            parse_type(typedef_entry.means)
        except PrototypeError as error:
            yield Finding(onto.location("typedef", typedef_entry.name), "prototype", str(error))
    for conversion in onto.conversions.values():
        where = onto.location("conversion", conversion.name)
        try:
            signature = onto.signature_of(conversion.prototype, conversion.name)
        except PrototypeError:
            continue
        yield from _unless_zero_findings(where, conversion.name, conversion, signature.params)
        want_to = _struct_name(onto, conversion.target_type)
        want_from = _struct_name(onto, conversion.source_type)
        if want_to is not None and signature.returns != want_to:
            yield Finding(
                where,
                "conversion-signature",
                f"conversion {conversion.name!r} claims to return {conversion.target_type!r} but its "
                f"prototype returns {signature.returns_c_type!r}",
            )
        taken = next((param.type for param in signature.params if param.type is not None), None)
        if want_from is not None and taken != want_from:
            yield Finding(
                where,
                "conversion-signature",
                f"conversion {conversion.name!r} claims to take {conversion.source_type!r} but its "
                f"prototype takes {taken or 'no descriptor'}",
            )
    for function in onto.functions.values():
        where = onto.location("function", function.name)
        try:
            signature = onto.signature_of(function.prototype, function.name)
        except PrototypeError:
            continue
        declared = {param.name: param for param in signature.params}
        yield from _unless_zero_findings(where, function.name, function, signature.params)
        for override in function.params:
            if override.type is None:
                if override.name not in declared:
                    yield Finding(
                        where,
                        "conversion-signature",
                        f"function {function.name!r} states a contract for parameter {override.name!r}, "
                        f"which its prototype does not have{suggest(override.name, declared)}",
                    )
                continue
            if override.type not in onto.types:
                continue  # dangling-ref reports it
            param = declared.get(override.name)
            if param is None:
                yield Finding(
                    where,
                    "conversion-signature",
                    f"function {function.name!r} narrows parameter {override.name!r}, "
                    f"which its prototype does not have{suggest(override.name, declared)}",
                )
            elif param.type is None or not onto.is_a(override.type, param.type):
                yield Finding(
                    where,
                    "conversion-signature",
                    f"function {function.name!r} narrows {override.name!r} ({param.c_type}) to "
                    f"{override.type!r}, which does not refine {param.type or 'a descriptor'}",
                )
        if function.returns in onto.types and not (
            signature.returns and onto.is_a(function.returns, signature.returns)
        ):
            yield Finding(
                where,
                "conversion-signature",
                f"function {function.name!r} returns {signature.returns_c_type!r}, which "
                f"{function.returns!r} does not refine",
            )


def _state_finding(onto: Ontology, where: Location, state: str, what: str) -> Finding | None:
    """A state reference that names no refinement. A state of another descriptor than the
    parameter's is not refused: a proposal that retypes a function (alloc_pages returning
    folios) leaves its page states without effect, and the checker applies a state only to
    values of its struct."""
    _negated, name = split_state(state)
    typedef = onto.types.get(name)
    if typedef is None or typedef.kind != "refinement":
        refinements = [t.name for t in onto.types.values() if t.kind == "refinement"]
        return Finding(
            where, "state", f"{what} names state {state!r}, which is no refinement{suggest(name, refinements)}"
        )
    return None


def check_states(onto: Ontology) -> Iterator[Finding]:
    """State facts name refinements, and overlaying descriptors that have a layout
    (`ontology.states`); that the fields and descriptors they name exist at some release is
    `ontology.releaselint`'s to check (a field renamed in 6.16 is absent before)."""
    for typedef in onto.types.values():
        where = onto.location("type", typedef.name)
        struct = onto.struct_of(typedef.name)
        states = typedef.overlaid_by or typedef.meaningless or typedef.excludes or typedef.same_memory_as
        if states and typedef.kind != "refinement":
            yield Finding(where, "state", f"{typedef.name!r} is a {typedef.kind}: only a refinement has states")
            continue
        if struct is None:
            continue
        for over in typedef.overlaid_by:
            descriptor = onto.types.get(over.descriptor)
            if descriptor is None:
                continue  # not in this release (ptdesc before 6.6); `ontology.releaselint` checks the name
            if descriptor.kind != "struct":
                yield Finding(
                    where,
                    "state",
                    f"{typedef.name!r} is overlaid by {over.descriptor!r}, a {descriptor.kind}: "
                    "only a struct has a layout",
                )
                continue
            if max(over.pages) >= descriptor.overlay_pages:
                yield Finding(
                    where,
                    "state",
                    f"{typedef.name!r}: {over.descriptor} overlays {descriptor.overlay_pages} page(s), "
                    f"not page {max(over.pages)}",
                )
        for other in typedef.excludes:
            finding = _state_finding(onto, where, other, f"{typedef.name!r} excludes")
            if finding is not None:
                yield finding
        for other in typedef.same_memory_as:
            counterpart = onto.types.get(other)
            if counterpart is not None and (counterpart.kind != "refinement" or counterpart.name == typedef.name):
                message = f"{typedef.name!r} is the same memory as {other!r}: not another refinement"
                yield Finding(where, "state", message)
            elif counterpart is not None and typedef.name not in counterpart.same_memory_as:
                yield Finding(where, "state", f"{typedef.name!r} is the same memory as {other!r}, but not the reverse")
    named: list[tuple[Location, str, str]] = []  # (where, what names it, state)
    for function in onto.functions.values():
        where = onto.location("function", function.name)
        named += [(where, f"{function.name}({p.name})", state) for p in function.params for state in p.requires]
        named += [(where, f"{function.name}({p.name})", state) for p in function.params for state in p.may_be]
        named += [(where, f"{function.name}()'s result", state) for state in (*function.ensures, *function.may_be)]
    for conversion in onto.conversions.values():
        where = onto.location("conversion", conversion.name)
        named += [(where, f"{conversion.name}()'s result", s) for s in (*conversion.ensures, *conversion.may_be)]
        named += [(where, f"{conversion.name}()'s argument", s) for s in conversion.requires]
    for where, what, state in named:
        finding = _state_finding(onto, where, state, what)
        if finding is not None:
            yield finding


RULES: dict[str, Rule] = {
    "duplicate-name": check_duplicates,
    "dangling-ref": check_references,
    "type-shape": check_type_shapes,
    "refinement-cycle": check_cycles,
    "refinement-depth": check_depth,
    "refinement-predicate": check_refinement_predicates,
    "layout": check_layouts,
    "tail-marker-bit": check_tail_marker_bit,
    "signature": check_signatures,
    "state": check_states,
}
"""Every rule by its family name. Rule ids in findings: schema, duplicate-name, dangling-ref,
type-shape, refinement-cycle, refinement-depth, refinement-predicate, field-past-size, overlay-mismatch,
tail-marker-bit, prototype, conversion-signature, state."""


def lint_loaded(result: LoadResult, onto: Ontology) -> list[Finding]:
    """All findings for loaded data, sorted by place then rule."""
    findings = [Finding(issue.location, "schema", issue.message) for issue in result.issues]
    if not onto.types:
        # Nothing to check is not "clean": an empty or mistyped root file would pass silently.
        findings.append(
            Finding(Location(display_path(result.root)), "schema", "no [[type]] entries: the ontology is empty")
        )
    for rule in RULES.values():
        findings.extend(rule(onto))
    return sort_findings(findings)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings once each, by place then rule: the order every report prints them in."""
    return sorted(set(findings), key=lambda f: (f.location.path, f.location.line or 0, f.rule, f.message))
