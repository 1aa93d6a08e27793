"""`memdesc verify`: check every ontology fact that the kernel's BTF can decide, at one release.

Decided: struct sizes, each field's offset, size and bitfield position, that no member is
missing on either side, each overlay match pair (the kernel's *_MATCH asserts, a missing partner
included), page-type values, typedefs, and the descriptor types of each function's return and
parameters (matched by name; public names mapped to their `_noprof` implementations).
Undecidable: whatever BTF does not hold — macros and inline functions without an out-of-line
copy, refinements, proposals — and what this build may simply not have configured in.

The data is versioned (`ontology.releases`): the facts judged are the snapshot at the release
verified, and the rest of the history explains what the snapshot cannot. A fact dated outside
that release is never a mismatch: absent from the BTF it agrees ("not in 6.1: since 6.6"),
present it is undecidable (a stable backport, a vendor patch). A fact that needs a Kconfig
option (or is built as a module) and is absent is undecidable: this BTF may be built without it.
A fact seen in one vendor build only (`build`) agrees when present in a kernel of that build's
release and when absent anywhere; a BTF member only such a fact declares is never unexplained.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from ontology import cview
from ontology.btf import ENUM, ENUM64, FUNC, STRUCT, TYPEDEF, Btf, BtfError, Member
from ontology.cdecl import CParam, CType, PrototypeError, parse_prototype, parse_type
from ontology.indexed import Ontology
from ontology.loader import Entry, LoadResult
from ontology.releases import distinct_releases, holds, release_key
from ontology.schema import ConversionDef, Dated, FieldDef, FunctionDef, PredicateDef, Source, TypeDef

UNNAMED = re.compile(r"arg[0-9]+")
"""How `ontology.cdecl` names a parameter the prototype leaves unnamed: such are matched by place."""


@dataclass(frozen=True)
class Fact:
    """One decided fact: what it is about, the ontology's claim and BTF's answer, and for a
    fact dated elsewhere why its absence agrees (`note`: "not in 6.1: since 6.6")."""

    subject: str
    aspect: str
    item: str | None
    claim: Any
    btf: Any
    location: str
    note: str = ""

    def __str__(self) -> str:
        what = f"{self.subject}.{self.item}" if self.item else self.subject
        note = f" ({self.note})" if self.note else ""
        return f"{self.location}: {what} {self.aspect}: ontology {self.claim!r}, BTF {self.btf!r}{note}"


@dataclass
class Verification:
    """The outcome: agreements, mismatches, and facts BTF cannot decide (with the reason).
    `kernel` is the release verified; `release_from` says how it was chosen."""

    btf_path: str
    kernel: str
    release_from: str = ""
    agreements: list[Fact] = field(default_factory=list)
    mismatches: list[Fact] = field(default_factory=list)
    undecidable: list[dict[str, str]] = field(default_factory=list)

    def record(self, fact: Fact) -> None:
        (self.agreements if fact.claim == fact.btf else self.mismatches).append(fact)

    def undecided(self, subject: str, kind: str, form: str, reason: str, location: str) -> None:
        self.undecidable.append(
            {"subject": subject, "kind": kind, "form": form, "reason": reason, "location": location}
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "btf": self.btf_path,
            "kernel": self.kernel,
            "release": self.kernel,
            "release_from": self.release_from,
            "decided": len(self.agreements) + len(self.mismatches),
            "agreements": [asdict(f) for f in self.agreements],
            "mismatches": [asdict(f) for f in self.mismatches],
            "undecidable": self.undecidable,
        }


@dataclass
class _Run:
    """One verification: the snapshot, the BTF, the versioned entries behind the snapshot."""

    onto: Ontology
    btf: Btf
    result: Verification
    history: LoadResult | None

    @property
    def release(self) -> str:
        return self.onto.kernel

    def versioned(self, section: str) -> list[Entry]:
        """Every entry of `section` in the versioned data (the snapshot's own without history)."""
        loaded = self.history or self.onto.load_result
        return loaded.of(section) if loaded else []

    def held(self, fact: Dated) -> bool:
        return fact.build is None and holds(fact, self.release)

    def build_version(self, build: str) -> str:
        source = next((e.item for e in self.versioned("source") if e.item.id == build), None)
        return (source.version or build) if isinstance(source, Source) else build

    def elsewhere(self, fact: Dated, present: bool, subject: str, item: str | None, kind: str, where: str) -> None:
        """A fact that does not hold in this release's mainline snapshot, against the BTF."""
        what = f"{subject}.{item}" if item else subject
        aspect = "field exists" if item else "exists"
        if fact.build is not None:
            version = self.build_version(fact.build)
            if present and release_of(version) != self.release:
                self.result.undecided(
                    what, kind, "vendor", f"seen in vendor build {version} only, yet in this {self.release} BTF", where
                )
            else:
                note = f"vendor build {version}" + ("" if present else " only")
                self.result.record(Fact(subject, aspect, item, present, present, where, note))
            return
        dated = _dating(fact, self.release)
        if present:
            reason = f"dated {dated}, yet in this {self.release} BTF (a stable backport or a vendor patch?)"
            self.result.undecided(what, kind, "dated", reason, where)
        else:
            self.result.record(Fact(subject, aspect, item, False, False, where, f"not in {self.release}: {dated}"))


def release_of(version: str) -> str | None:
    """`6.18.44-vendor` -> `6.18`: the X.Y release a kernel version belongs to (None if none)."""
    found = re.match(r"([1-9][0-9]?)\.([0-9]{1,2})(?![0-9])", version)
    return f"{found.group(1)}.{found.group(2)}" if found else None


def _dating(fact: Dated, release: str) -> str:
    """Why `fact` is not in `release`: `since 6.6` (not yet), `gone in 6.12`."""
    if fact.since is not None and release_key(release) < release_key(fact.since):
        return f"since {fact.since}"
    return f"gone in {fact.until}"


def _needs(fact: Dated) -> str:
    """The build condition a config-dependent fact needs, for an undecidable reason."""
    module = f", a module ({fact.module}.ko) in some builds" if fact.module else ""
    return f"needs {fact.config}{module}: this build may not have it built in"


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


def _versioned_type(run: _Run, name: str) -> tuple[TypeDef | None, Entry | None]:
    """The versioned entry of type `name` that holds at this release (its fields unfiltered)."""
    for entry in run.versioned("type"):
        if entry.item.name == name and run.held(entry.item):
            return entry.item, entry
    return None, None


def _state_names(fact: FieldDef) -> set[str]:
    """Every name a field fact has at some release: its own and its changes'."""
    return {fact.name} | {change.name for change in fact.changes if change.name}


def _check_structs(run: _Run) -> None:
    onto, btf, result = run.onto, run.btf, run.result
    for typedef in sorted(onto.types.values(), key=lambda t: t.name):
        if typedef.kind != "struct" or not typedef.c_struct:
            continue
        where = str(onto.location("type", typedef.name))
        struct_id = btf.find(STRUCT, typedef.c_struct)
        if struct_id is None:
            if typedef.config:
                result.undecided(typedef.name, "type", "struct", _needs(typedef), where)
            else:
                result.record(Fact(typedef.name, "exists", None, True, False, where))
            continue
        result.record(Fact(typedef.name, "size", None, typedef.size, btf.type(struct_id).size, where))
        members = {f.name: f for f in cview.struct_fields(btf, typedef.c_struct)}
        _check_fields(run, typedef, members)
        _check_fields_elsewhere(run, typedef, members)
        _check_matches(run, typedef, members)
    _check_types_elsewhere(run)


def _check_fields(run: _Run, typedef: TypeDef, members: dict[str, cview.Field]) -> None:
    onto, result = run.onto, run.result
    for fielddef in sorted(typedef.fields, key=lambda f: (f.offset, f.name)):
        where = str(onto.field_location(typedef.name, fielddef.name))
        member = members.get(fielddef.name)
        if member is None:
            if fielddef.config:
                result.undecided(f"{typedef.name}.{fielddef.name}", "field", "member", _needs(fielddef), where)
            else:
                result.record(Fact(typedef.name, "field exists", fielddef.name, True, False, where))
            continue
        result.record(Fact(typedef.name, "offset", fielddef.name, fielddef.offset, member.offset, where))
        result.record(Fact(typedef.name, "size", fielddef.name, fielddef.size, member.size, where))
        c_type = " ".join(fielddef.c_type.split())
        result.record(Fact(typedef.name, "c_type", fielddef.name, c_type, member.c_type, where))
        if fielddef.bit_size is not None or member.bit_size is not None:
            claim = [fielddef.bit_offset, fielddef.bit_size]
            result.record(Fact(typedef.name, "bits", fielddef.name, claim, [member.bit_offset, member.bit_size], where))


def _check_fields_elsewhere(run: _Run, typedef: TypeDef, members: dict[str, cview.Field]) -> None:
    """Fields of the type dated to other releases or one vendor build, and BTF members the
    release's data does not declare: explained by another state of a field, or a mismatch."""
    declared = {f.name for f in typedef.fields}
    versioned, entry = _versioned_type(run, typedef.name)
    other_states: dict[str, FieldDef] = {}
    if versioned is not None and entry is not None:
        for fielddef in versioned.fields:
            if fielddef.name in declared or run.held(fielddef):
                for name in _state_names(fielddef) - declared:
                    other_states.setdefault(name, fielddef)
                continue
            where = str(entry.member_location(fielddef.name))
            if fielddef.name not in other_states:
                run.elsewhere(fielddef, fielddef.name in members, typedef.name, fielddef.name, "field", where)
            for name in _state_names(fielddef):
                other_states.setdefault(name, fielddef)
    where = str(run.onto.location("type", typedef.name))
    for name in sorted(set(members) - declared):
        explained = other_states.get(name)
        if explained is None:
            run.result.record(Fact(typedef.name, "field exists", name, False, True, where))
        elif explained.name != name and run.held(explained):
            run.result.undecided(
                f"{typedef.name}.{name}",
                "field",
                "renamed",
                f"{explained.name} is named {name} at another release, yet {name} is in this {run.release} BTF",
                where,
            )


def _check_types_elsewhere(run: _Run) -> None:
    """Struct and handle types dated to other releases: absent agrees, present is undecidable."""
    seen: set[str] = set()
    for entry in run.versioned("type"):
        typedef = entry.item
        if typedef.name in run.onto.types or typedef.name in seen or run.held(typedef):
            continue
        if typedef.kind == "struct" and typedef.c_struct:
            present = run.btf.find(STRUCT, typedef.c_struct) is not None
        elif typedef.kind == "handle" and typedef.c_type:
            present = run.btf.find(TYPEDEF, typedef.c_type) is not None
        else:
            continue
        seen.add(typedef.name)
        run.elsewhere(typedef, present, typedef.name, None, "type", str(entry.location))


def _check_matches(run: _Run, typedef: TypeDef, members: dict[str, cview.Field]) -> None:
    """Each *_MATCH pair: the field sits at its partner's offset in the given overlaid copy; a
    partner missing from BTF is a mismatch, or undecidable when the data makes it optional."""
    onto, btf = run.onto, run.btf
    overlaid = onto.types.get(typedef.overlays or "")
    if overlaid is None or not overlaid.c_struct or btf.find(STRUCT, overlaid.c_struct) is None:
        return
    partners = {f.name: f for f in cview.struct_fields(btf, overlaid.c_struct)}
    declared = {f.name: f for f in overlaid.fields}
    overlaid_size = cview.size_of(btf, btf.find(STRUCT, overlaid.c_struct) or 0)
    for fielddef in typedef.fields:
        if fielddef.matches is None or fielddef.name not in members:
            continue
        where = str(onto.field_location(typedef.name, fielddef.name))
        claim = f"{overlaid.name}[{fielddef.match_index}].{fielddef.matches}"
        partner = partners.get(fielddef.matches)
        if partner is None:
            wanted = declared.get(fielddef.matches)
            if wanted is None and _declared_elsewhere(run, overlaid.name, fielddef.matches):
                reason = f"partner {overlaid.name}.{fielddef.matches} is dated to other releases than {run.release}"
                run.result.undecided(f"{typedef.name}.{fielddef.name}", "match", "partner", reason, where)
            elif wanted is not None and wanted.config:
                reason = f"partner {overlaid.name}.{fielddef.matches} {_needs(wanted)}"
                run.result.undecided(f"{typedef.name}.{fielddef.name}", "match", "partner", reason, where)
            else:
                missing = f"no {overlaid.name}.{fielddef.matches}"
                run.result.record(Fact(typedef.name, "matches", fielddef.name, claim, missing, where))
            continue
        expected = partner.offset + fielddef.match_index * overlaid_size
        actual = claim if members[fielddef.name].offset == expected else f"offset {members[fielddef.name].offset}"
        run.result.record(Fact(typedef.name, "matches", fielddef.name, claim, actual, where))


def _declared_elsewhere(run: _Run, type_name: str, field_name: str) -> bool:
    return any(
        field_name in _state_names(fielddef)
        for entry in run.versioned("type")
        if entry.item.name == type_name
        for fielddef in entry.item.fields
    )


def _page_type_enum(run: _Run, names: set[str]) -> dict[str, int]:
    """The values of the BTF enum holding any of the page-type names the data knows."""
    for kind in (ENUM, ENUM64):
        for candidate in run.btf.ids(kind):
            found = dict(run.btf.type(candidate).values)
            if names & set(found):
                return found
    return {}


def _check_page_types(run: _Run) -> None:
    onto, result = run.onto, run.result
    versioned = run.versioned("page_type")
    other_names = {
        name for entry in versioned for name in {entry.item.name} | {c.name for c in entry.item.changes if c.name}
    }
    values = _page_type_enum(run, other_names | set(onto.page_types))
    for page_type in onto.page_types.values():
        where = str(onto.location("page_type", page_type.name))
        value = values.get(page_type.name)
        if value is None and page_type.config:
            result.undecided(page_type.name, "page_type", "value", _needs(page_type), where)
            continue
        result.record(Fact(page_type.name, "value", None, page_type.value, value, where))
    for entry in versioned:
        name = entry.item.name
        if name not in onto.page_types and not run.held(entry.item):
            run.elsewhere(entry.item, name in values, name, None, "page_type", str(entry.location))
    for name in sorted(set(values) - set(onto.page_types) - other_names):
        result.record(Fact(name, "value", None, None, values[name], "enum pagetype"))


def _check_typedefs(run: _Run) -> None:
    onto, btf, result = run.onto, run.btf, run.result
    keep = _kept_typedefs(onto)
    for typedef_entry in sorted(onto.typedefs.values(), key=lambda t: t.name):
        where = str(onto.location("typedef", typedef_entry.name))
        type_id = btf.find(TYPEDEF, typedef_entry.name)
        meant = parse_type(typedef_entry.means)
        claim = f"{meant.base} {'*' * meant.pointers}".strip()
        if type_id is None:
            if typedef_entry.config:
                result.undecided(typedef_entry.name, "typedef", "typedef", _needs(typedef_entry), where)
            else:
                result.record(Fact(typedef_entry.name, "means", None, claim, None, where))
            continue
        shape = cview.shape(btf, btf.ref(type_id), keep - {typedef_entry.name})
        result.record(
            Fact(typedef_entry.name, "means", None, claim, f"{shape.base} {'*' * shape.pointers}".strip(), where)
        )
    for entry in run.versioned("typedef"):
        if entry.item.name not in onto.typedefs and not run.held(entry.item):
            present = btf.find(TYPEDEF, entry.item.name) is not None
            run.elsewhere(entry.item, present, entry.item.name, None, "typedef", str(entry.location))
    for typedef in sorted(onto.types.values(), key=lambda t: t.name):
        if typedef.kind == "handle" and typedef.c_type:
            where = str(onto.location("type", typedef.name))
            exists = btf.find(TYPEDEF, typedef.c_type) is not None
            if not exists and typedef.config:
                result.undecided(typedef.name, "type", "handle", _needs(typedef), where)
                continue
            result.record(Fact(typedef.name, "typedef exists", typedef.c_type, True, exists, where))


def _pairs(params: tuple[CParam, ...], members: tuple[Member, ...]) -> Iterator[tuple[CParam, Member | None]]:
    """Each ontology parameter with the BTF parameter of the same name (by place when either
    side leaves it unnamed); None when BTF has no parameter of that name."""
    by_name = {member.name: member for member in members if member.name}
    for index, param in enumerate(params):
        if param.name in by_name:
            yield param, by_name[param.name]
        elif UNNAMED.fullmatch(param.name) or not by_name:
            yield param, members[index] if index < len(members) else None
        else:
            yield param, None


def _check_callables(run: _Run) -> None:
    onto, btf, result = run.onto, run.btf, run.result
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
            if item.form == "function" and item.config:
                result.undecided(name, kind, item.form, _needs(item), where)
            elif item.form == "function" and (other := _present_under_another_name(run, kind, where, name)):
                reason = f"absent as {name}, present as {other}, its name at another release (a stable backport?)"
                result.undecided(name, kind, "renamed", reason, where)
            elif item.form == "function":
                result.record(Fact(name, "in BTF", None, True, False, where))
            else:
                result.undecided(name, kind, item.form, f"{item.form}, no symbol in BTF", where)
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
        returns = _descriptor_of_shape(onto, shape.base, shape.pointers)
        result.record(Fact(label, "returns", None, onto.descriptor_of(parsed.returns), returns, where))
        result.record(Fact(label, "parameters", None, len(parsed.params), len(proto.members), where))
        btf_names = ", ".join(member.name or "?" for member in proto.members)
        for param, member in _pairs(parsed.params, proto.members):
            claim = onto.descriptor_of(param.ctype)
            if member is None:
                result.record(
                    Fact(label, "parameter", param.name, claim, f"no parameter {param.name} ({btf_names})", where)
                )
                continue
            shape = cview.shape(btf, member.type_id, keep)
            result.record(
                Fact(
                    label, "parameter", param.name, claim, _descriptor_of_shape(onto, shape.base, shape.pointers), where
                )
            )
            place = proto.members.index(member)
            if place != parsed.params.index(param):
                result.record(Fact(label, "parameter position", param.name, parsed.params.index(param), place, where))
    _check_callables_elsewhere(run, tables)


def _present_under_another_name(run: _Run, section: str, where: str, name: str) -> str | None:
    """The name a callable has at another release, when the BTF has a FUNC of that name: a
    stable kernel that took a later rename (Debian's 6.1.192 has folio_isolate_hugetlb)."""
    for entry in run.versioned(section):
        if str(entry.location) != where:
            continue
        names: set[str] = {
            entry.item.name,
            *(c.name for c in getattr(entry.item, "changes", []) if getattr(c, "name", None)),
        }
        for other in sorted(names - {name}):
            if btf_symbol(run.btf, other, None, "function") is not None:
                return other
    return None


def _check_callables_elsewhere(run: _Run, tables: dict[str, dict[str, Any]]) -> None:
    """Out-of-line functions dated to other releases (or one vendor build) against the BTF."""
    seen: set[tuple[str, str]] = set()
    for section in ("function", "conversion", "predicate"):
        for entry in run.versioned(section):
            item = entry.item
            key = (section, item.name)
            if item.name in tables[section] or key in seen or run.held(item) or item.form != "function":
                continue
            seen.add(key)
            present = btf_symbol(run.btf, item.name, getattr(item, "impl", None), item.form) is not None
            run.elsewhere(item, present, item.name, None, section, str(entry.location))


def _note_undecidable_types(run: _Run) -> None:
    for typedef in sorted(run.onto.types.values(), key=lambda t: t.name):
        if typedef.kind in ("refinement", "proposed"):
            reason = (
                f"refinement: holds when {typedef.predicate}() does"
                if typedef.kind == "refinement"
                else "proposed type, not in any kernel"
            )
            run.result.undecided(
                typedef.name, "type", typedef.kind, reason, str(run.onto.location("type", typedef.name))
            )


def verify(onto: Ontology, btf: Btf, release_from: str = "") -> Verification:
    """Check the snapshot `onto` (its release: `onto.kernel`; its versioned data: `onto.history`)
    against `btf`; never raises for a mismatch, only for unreadable BTF."""
    result = Verification(btf_path=btf.path, kernel=onto.kernel, release_from=release_from)
    run = _Run(onto, btf, result, onto.history)
    try:
        _check_structs(run)
        _check_page_types(run)
        _check_typedefs(run)
        _check_callables(run)
    except BtfError:
        raise
    _note_undecidable_types(run)
    for facts in (result.agreements, result.mismatches):
        facts.sort(key=lambda f: (f.subject, f.aspect, f.item or "", f.note))
    result.undecidable.sort(key=lambda u: (u["kind"], u["subject"], u["reason"]))
    return result


def verify_release(history: LoadResult, btf: Btf, kernel: str | None, running: str | None = None) -> Verification:
    """Verify `btf` at release `kernel` if given, else at the running kernel's release
    (`running`, a uname release, for the running kernel's BTF) when the data covers it, else
    at the release inferred from the BTF: the distinct state of the data with the fewest
    mismatches (a tie goes to the newest). UnknownRelease for a `kernel` the data does not cover."""
    from ontology.strict import UnknownRelease, choose_release, snapshot_ontology

    if kernel is not None:
        release = choose_release(history, kernel)
        return verify(snapshot_ontology(history, release), btf, f"release {release}: given by --kernel")
    covered = distinct_releases(history)
    if running is not None:
        current = release_of(running)
        try:
            release = choose_release(history, current) if current else None
        except UnknownRelease:  # not covered: inferred instead, and said below
            release = None
        if release is not None:
            return verify(
                snapshot_ontology(history, release), btf, f"release {release}: the running kernel ({running})"
            )
    best: tuple[int, tuple[int, int]] | None = None
    chosen: Verification | None = None
    for release in covered:
        attempt = verify(snapshot_ontology(history, release), btf)
        score = (-len(attempt.mismatches), release_key(release))
        if best is None or score >= best:
            best, chosen = score, attempt
    if chosen is None:  # data without releases: verify it as it is
        return verify(snapshot_ontology(history, None), btf, "the data names no releases")
    not_running = f" (the running kernel {running} is not covered)" if running else ""
    chosen.release_from = (
        f"release {chosen.kernel} inferred from the BTF: best match, {len(chosen.mismatches)} mismatches; "
        f"pass --kernel to choose{not_running}"
    )
    return chosen


def enum_values(btf: Btf, name: str) -> dict[str, int]:
    """Values of enum `name` (ENUM or ENUM64)."""
    for kind in (ENUM, ENUM64):
        type_id = btf.find(kind, name)
        if type_id is not None:
            return dict(btf.type(type_id).values)
    return {}
