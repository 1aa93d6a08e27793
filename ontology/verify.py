"""`memdesc verify`: check every ontology fact that the kernel's BTF can decide.

Decided: struct sizes, each field's offset, size and bitfield position, that no member is
missing on either side, each overlay match pair (the kernel's *_MATCH asserts), page-type
values, typedefs, and the descriptor types of each function's return and parameters (public
names mapped to their `_noprof` implementations). Undecidable: whatever BTF does not hold —
macros and inline functions without an out-of-line copy, refinements, proposals.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ontology import cview
from ontology.btf import ENUM, ENUM64, FUNC, STRUCT, TYPEDEF, Btf, BtfError
from ontology.cdecl import CType, PrototypeError, parse_prototype, parse_type
from ontology.indexed import Ontology
from ontology.schema import ConversionDef, FunctionDef, PredicateDef


@dataclass(frozen=True)
class Fact:
    """One decided fact: what it is about, the ontology's claim and BTF's answer."""

    subject: str
    aspect: str
    item: str | None
    claim: Any
    btf: Any
    location: str

    def __str__(self) -> str:
        what = f"{self.subject}.{self.item}" if self.item else self.subject
        return f"{self.location}: {what} {self.aspect}: ontology {self.claim!r}, BTF {self.btf!r}"


@dataclass
class Verification:
    """The outcome: agreements, mismatches, and facts BTF cannot decide (with the reason)."""

    btf_path: str
    kernel: str
    agreements: list[Fact] = field(default_factory=list)
    mismatches: list[Fact] = field(default_factory=list)
    undecidable: list[dict[str, str]] = field(default_factory=list)

    def record(self, fact: Fact) -> None:
        (self.agreements if fact.claim == fact.btf else self.mismatches).append(fact)

    def as_dict(self) -> dict[str, Any]:
        return {
            "btf": self.btf_path,
            "kernel": self.kernel,
            "decided": len(self.agreements) + len(self.mismatches),
            "agreements": [asdict(f) for f in self.agreements],
            "mismatches": [asdict(f) for f in self.mismatches],
            "undecidable": self.undecidable,
        }


def _descriptor_of_shape(onto: Ontology, base: str, pointers: int) -> tuple[str | None, int]:
    return onto.descriptor_of(CType(base=base, pointers=pointers))


def _kept_typedefs(onto: Ontology) -> frozenset[str]:
    """Typedefs the ontology treats as descriptor names of their own (netmem_ref, pgtable_t)."""
    handles = {t.c_type for t in onto.types.values() if t.kind == "handle" and t.c_type}
    return frozenset(handles | set(onto.typedefs))


def btf_symbol(btf: Btf, name: str, impl: str | None, form: str = "function") -> str | None:
    """The BTF FUNC implementing a public name: `impl`, the name itself, or `<name>_noprof`.

    The `_noprof` guess applies to functions only: a macro of the same public name may pass
    extra arguments (alloc_pages_bulk adds a node and a nodemask), so it needs an explicit impl.
    """
    guesses = (impl, name, f"{name}_noprof") if form == "function" else (impl, name)
    for candidate in guesses:
        if candidate and btf.find(FUNC, candidate) is not None:
            return candidate
    return None


def _check_structs(onto: Ontology, btf: Btf, result: Verification) -> None:
    for typedef in sorted(onto.types.values(), key=lambda t: t.name):
        if typedef.kind != "struct" or not typedef.c_struct:
            continue
        where = str(onto.location("type", typedef.name))
        struct_id = btf.find(STRUCT, typedef.c_struct)
        if struct_id is None:
            result.record(Fact(typedef.name, "exists", None, True, False, where))
            continue
        result.record(Fact(typedef.name, "size", None, typedef.size, btf.type(struct_id).size, where))
        members = {f.name: f for f in cview.struct_fields(btf, typedef.c_struct)}
        for fielddef in sorted(typedef.fields, key=lambda f: (f.offset, f.name)):
            field_where = str(onto.field_location(typedef.name, fielddef.name))
            member = members.get(fielddef.name)
            if member is None:
                result.record(Fact(typedef.name, "field exists", fielddef.name, True, False, field_where))
                continue
            result.record(Fact(typedef.name, "offset", fielddef.name, fielddef.offset, member.offset, field_where))
            result.record(Fact(typedef.name, "size", fielddef.name, fielddef.size, member.size, field_where))
            c_type = " ".join(fielddef.c_type.split())
            result.record(Fact(typedef.name, "c_type", fielddef.name, c_type, member.c_type, field_where))
            if fielddef.bit_size is not None or member.bit_size is not None:
                result.record(
                    Fact(
                        typedef.name,
                        "bits",
                        fielddef.name,
                        [fielddef.bit_offset, fielddef.bit_size],
                        [member.bit_offset, member.bit_size],
                        field_where,
                    )
                )
        declared = {f.name for f in typedef.fields}
        for name in sorted(set(members) - declared):
            result.record(Fact(typedef.name, "field exists", name, False, True, where))
        _check_matches(onto, btf, typedef.name, members, result)


def _check_matches(onto: Ontology, btf: Btf, name: str, members: dict[str, Any], result: Verification) -> None:
    """Each *_MATCH pair: the field sits at its partner's offset in the given overlaid copy."""
    typedef = onto.types[name]
    overlaid = onto.types.get(typedef.overlays or "")
    if overlaid is None or not overlaid.c_struct or btf.find(STRUCT, overlaid.c_struct) is None:
        return
    partners = {f.name: f for f in cview.struct_fields(btf, overlaid.c_struct)}
    overlaid_size = cview.size_of(btf, btf.find(STRUCT, overlaid.c_struct) or 0)
    for fielddef in typedef.fields:
        if fielddef.matches is None or fielddef.name not in members or fielddef.matches not in partners:
            continue
        expected = partners[fielddef.matches].offset + fielddef.match_index * overlaid_size
        claim = f"{overlaid.name}[{fielddef.match_index}].{fielddef.matches}"
        actual = claim if members[fielddef.name].offset == expected else f"offset {members[fielddef.name].offset}"
        where = str(onto.field_location(name, fielddef.name))
        result.record(Fact(name, "matches", fielddef.name, claim, actual, where))


def _check_page_types(onto: Ontology, btf: Btf, result: Verification) -> None:
    enum_id = None
    values: dict[str, int] = {}
    for page_type in onto.page_types.values():
        if enum_id is None:
            for candidate in btf.ids(ENUM):
                found = dict(btf.type(candidate).values)
                if page_type.name in found:
                    enum_id, values = candidate, found
                    break
        where = str(onto.location("page_type", page_type.name))
        result.record(Fact(page_type.name, "value", None, page_type.value, values.get(page_type.name), where))
    if enum_id is not None:
        declared = set(onto.page_types)
        for name in sorted(set(values) - declared):
            result.record(Fact(name, "value", None, None, values[name], f"enum {btf.name(enum_id)}"))


def _check_typedefs(onto: Ontology, btf: Btf, result: Verification) -> None:
    keep = _kept_typedefs(onto)
    for typedef_entry in sorted(onto.typedefs.values(), key=lambda t: t.name):
        where = str(onto.location("typedef", typedef_entry.name))
        type_id = btf.find(TYPEDEF, typedef_entry.name)
        meant = parse_type(typedef_entry.means)
        claim = f"{meant.base} {'*' * meant.pointers}".strip()
        if type_id is None:
            result.record(Fact(typedef_entry.name, "means", None, claim, None, where))
            continue
        shape = cview.shape(btf, btf.ref(type_id), keep - {typedef_entry.name})
        result.record(
            Fact(typedef_entry.name, "means", None, claim, f"{shape.base} {'*' * shape.pointers}".strip(), where)
        )
    for typedef in sorted(onto.types.values(), key=lambda t: t.name):
        if typedef.kind == "handle" and typedef.c_type:
            where = str(onto.location("type", typedef.name))
            exists = btf.find(TYPEDEF, typedef.c_type) is not None
            result.record(Fact(typedef.name, "typedef exists", typedef.c_type, True, exists, where))


def _check_callables(onto: Ontology, btf: Btf, result: Verification) -> None:
    keep = _kept_typedefs(onto)
    tables: dict[str, dict[str, FunctionDef | ConversionDef | PredicateDef]] = {
        "function": dict(onto.functions),
        "conversion": dict(onto.conversions),
        "predicate": dict(onto.predicates),
    }
    for kind, name, prototype in sorted(onto.all_callables(), key=lambda c: (c[1], c[0])):
        item = tables[kind][name]
        where = str(onto.location(kind, name))
        symbol = btf_symbol(btf, name, getattr(item, "impl", None), item.form)
        if symbol is None:
            if item.form == "function":
                result.record(Fact(name, "in BTF", None, True, False, where))
            else:
                result.undecidable.append(
                    {
                        "subject": name,
                        "kind": kind,
                        "form": item.form,
                        "reason": f"{item.form}, no symbol in BTF",
                        "location": where,
                    }
                )
            continue
        proto = cview.prototype(btf, symbol)
        if proto is None:
            continue
        try:
            parsed = parse_prototype(prototype)
        except PrototypeError:
            continue
        label = name if symbol == name else f"{name} ({symbol})"
        shape = cview.shape(btf, proto.ref, keep)
        result.record(
            Fact(
                label,
                "returns",
                None,
                onto.descriptor_of(parsed.returns),
                _descriptor_of_shape(onto, shape.base, shape.pointers),
                where,
            )
        )
        result.record(Fact(label, "parameters", None, len(parsed.params), len(proto.members), where))
        for param, member in zip(parsed.params, proto.members, strict=False):
            shape = cview.shape(btf, member.type_id, keep)
            result.record(
                Fact(
                    label,
                    "parameter",
                    param.name,
                    onto.descriptor_of(param.ctype),
                    _descriptor_of_shape(onto, shape.base, shape.pointers),
                    where,
                )
            )


def _note_undecidable_types(onto: Ontology, result: Verification) -> None:
    for typedef in sorted(onto.types.values(), key=lambda t: t.name):
        if typedef.kind in ("refinement", "proposed"):
            reason = (
                f"refinement: holds when {typedef.predicate}() does"
                if typedef.kind == "refinement"
                else "proposed type, not in any kernel"
            )
            result.undecidable.append(
                {
                    "subject": typedef.name,
                    "kind": "type",
                    "form": typedef.kind,
                    "reason": reason,
                    "location": str(onto.location("type", typedef.name)),
                }
            )


def verify(onto: Ontology, btf: Btf) -> Verification:
    """Check `onto` against `btf`; never raises for a mismatch, only for unreadable BTF."""
    result = Verification(btf_path=btf.path, kernel=onto.kernel)
    try:
        _check_structs(onto, btf, result)
        _check_page_types(onto, btf, result)
        _check_typedefs(onto, btf, result)
        _check_callables(onto, btf, result)
    except BtfError:
        raise
    _note_undecidable_types(onto, result)
    for facts in (result.agreements, result.mismatches):
        facts.sort(key=lambda f: (f.subject, f.aspect, f.item or ""))
    result.undecidable.sort(key=lambda u: (u["kind"], u["subject"]))
    return result


def enum_values(btf: Btf, name: str) -> dict[str, int]:
    """Values of enum `name` (ENUM or ENUM64)."""
    for kind in (ENUM, ENUM64):
        type_id = btf.find(kind, name)
        if type_id is not None:
            return dict(btf.type(type_id).values)
    return {}
