"""Judge a verify plan against BTF: the half of `memdesc verify` that reads the kernel.

A plan (`ontology.verifyplan`) is what the ontology claims at one release, as plain data; the
judge asks the BTF about each claim and records a `Fact` (agreement or mismatch) or an
undecidable item, exactly as the rules in `ontology.verify` describe. The plan is either built
from the loaded data or read from the compiled table (`ontology.verifytable`); one judge for
both keeps their answers identical. Pydantic-free, so the compiled path never imports it.

Release-dependent wording ("not in 6.7: since 6.8") is made here, from the release judged: one
plan serves every release whose snapshot is the same (`ontology.releasechoice.snapshot_release`).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ontology import cview
from ontology.btf import ENUM, ENUM64, FUNC, STRUCT, TYPEDEF, Btf, Member
from ontology.releasechoice import UnknownRelease, pick_release, release_key, snapshot_release

Plan = dict[str, Any]
"""What the ontology claims at one release (`ontology.verifyplan.build_plan` documents its keys)."""
Place = Callable[[str], str]
"""How a plan's data location is printed (compiled plans name files relative to the data)."""

UNNAMED = re.compile(r"arg[0-9]+")
"""How `ontology.cdecl` names a parameter the prototype leaves unnamed: such are matched by place."""


class Fact(NamedTuple):
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "aspect": self.aspect,
            "item": self.item,
            "claim": self.claim,
            "btf": self.btf,
            "location": self.location,
            "note": self.note,
        }


class Verification:
    """The outcome: agreements, mismatches, and facts BTF cannot decide (with the reason).
    `kernel` is the release verified; `release_from` says how it was chosen."""

    def __init__(self, btf_path: str, kernel: str, release_from: str = "") -> None:
        self.btf_path = btf_path
        self.kernel = kernel
        self.release_from = release_from
        self.agreements: list[Fact] = []
        self.mismatches: list[Fact] = []
        self.undecidable: list[dict[str, str]] = []

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
            "agreements": [fact.as_dict() for fact in self.agreements],
            "mismatches": [fact.as_dict() for fact in self.mismatches],
            "undecidable": self.undecidable,
        }


def release_of(version: str) -> str | None:
    """`6.18.44-vendor` -> `6.18`: the X.Y release a kernel version belongs to (None if none)."""
    found = re.match(r"([1-9][0-9]?)\.([0-9]{1,2})(?![0-9])", version)
    return f"{found.group(1)}.{found.group(2)}" if found else None


def btf_symbol(btf: Btf, name: str, impl: str | None, form: str = "function") -> str | None:
    """The BTF FUNC implementing a public name: `impl`, the name itself, or `<name>_noprof`.

    The `_noprof` guess applies to functions only: a macro of the same public name may pass
    extra arguments (alloc_pages_bulk adds a node and a nodemask), so it needs an explicit impl.
    """
    return next((guess for guess in symbol_guesses(name, impl, form) if btf.find(FUNC, guess) is not None), None)


def symbol_guesses(name: str, impl: str | None, form: str = "function") -> tuple[str, ...]:
    """The FUNC names `btf_symbol` tries for a public name, in order."""
    return tuple(guess for guess in (impl, name, f"{name}_noprof" if form == "function" else None) if guess)


def descriptor_of(
    typedefs: dict[str, tuple[str | None, int]], c_names: dict[str, tuple[str, bool]], base: str, pointers: int
) -> tuple[str | None, int]:
    """The descriptor type and pointer depth a C base type and depth stand for, through the
    data's typedefs: `Ontology.descriptor_of` over a plan's `descriptor_typedefs` (a base of
    None: the typedef does not parse) and `descriptor_c_names`."""
    if base in typedefs:
        meant, depth = typedefs[base]
        if meant is None:
            return None, 0
        base, pointers = meant, depth + pointers
    named = c_names.get(base)
    if named is None:
        return None, 0
    name, handle = named
    return (name, pointers + 1) if handle else (name, pointers)


def _dating(dated: dict[str, Any], release: str) -> str:
    """Why a fact is not in `release`: `since 6.6` (not yet), `gone in 6.12`."""
    if dated["since"] is not None and release_key(release) < release_key(dated["since"]):
        return f"since {dated['since']}"
    return f"gone in {dated['until']}"


class _Run:
    """One judgement: the plan, the BTF, the release and the outcome being collected."""

    def __init__(self, plan: Plan, btf: Btf, release: str, result: Verification, place: Place) -> None:
        self.plan, self.btf, self.release, self.result, self.place = plan, btf, release, result, place
        self.keep = frozenset(plan["keep"])
        self.typedefs = {name: (base, pointers or 0) for name, base, pointers in plan["descriptor_typedefs"]}
        self.c_names = {c_name: (name, handle) for c_name, name, handle in plan["descriptor_c_names"]}

    def elsewhere(
        self, dated: dict[str, Any], present: bool, subject: str, item: str | None, kind: str, at: str
    ) -> None:
        """A fact that does not hold in this release's mainline snapshot, against the BTF."""
        where = self.place(at)
        what = f"{subject}.{item}" if item else subject
        aspect = "field exists" if item else "exists"
        version = dated["build"]
        if version is not None:
            if present and release_of(version) != self.release:
                self.result.undecided(
                    what, kind, "vendor", f"seen in vendor build {version} only, yet in this {self.release} BTF", where
                )
            else:
                note = f"vendor build {version}" + ("" if present else " only")
                self.result.record(Fact(subject, aspect, item, present, present, where, note))
            return
        when = _dating(dated, self.release)
        if present:
            reason = f"dated {when}, yet in this {self.release} BTF (a stable backport or a vendor patch?)"
            self.result.undecided(what, kind, "dated", reason, where)
        else:
            self.result.record(Fact(subject, aspect, item, False, False, where, f"not in {self.release}: {when}"))

    def descriptor(self, type_id: int) -> tuple[str | None, int]:
        shape = cview.shape(self.btf, type_id, self.keep)
        return descriptor_of(self.typedefs, self.c_names, shape.base, shape.pointers)


def _check_structs(run: _Run) -> None:
    btf, result, place = run.btf, run.result, run.place
    for struct in run.plan["structs"]:
        name = struct["name"]
        where = place(struct["where"])
        struct_id = btf.find(STRUCT, struct["c_struct"])
        if struct_id is None:
            if struct["needs"]:
                result.undecided(name, "type", "struct", struct["needs"], where)
            else:
                result.record(Fact(name, "exists", None, True, False, where))
            continue
        result.record(Fact(name, "size", None, struct["size"], btf.type(struct_id).size, where))
        members = {f.name: f for f in cview.struct_fields(btf, struct["c_struct"])}
        _check_fields(run, struct, members)
        _check_arms(run, struct, members)
        _check_fields_elsewhere(run, struct, members)
        _check_matches(run, struct, members)
    for other in run.plan["types_elsewhere"]:
        kind = STRUCT if other["kind"] == "struct" else TYPEDEF
        present = btf.find(kind, other["c_name"]) is not None
        run.elsewhere(other["dated"], present, other["name"], None, "type", other["where"])


def _check_fields(run: _Run, struct: dict[str, Any], members: dict[str, cview.Field]) -> None:
    result, name = run.result, struct["name"]
    for field in struct["fields"]:
        where = run.place(field["where"])
        member = members.get(field["name"])
        if member is None:
            if field["needs"]:
                result.undecided(f"{name}.{field['name']}", "field", "member", field["needs"], where)
            else:
                result.record(Fact(name, "field exists", field["name"], True, False, where))
            continue
        result.record(Fact(name, "offset", field["name"], field["offset"], member.offset, where))
        result.record(Fact(name, "size", field["name"], field["size"], member.size, where))
        result.record(Fact(name, "c_type", field["name"], field["c_type"], member.c_type, where))
        if field["bit_size"] is not None or member.bit_size is not None:
            claim = [field["bit_offset"], field["bit_size"]]
            result.record(Fact(name, "bits", field["name"], claim, [member.bit_offset, member.bit_size], where))


def _check_arms(run: _Run, struct: dict[str, Any], members: dict[str, cview.Field]) -> None:
    """Each field's union arm: fields the data puts in one arm sit in one member of the struct's
    outermost anonymous union, fields of different arms in different members. BTF's members are
    named after the arm of the first field (in offset order) found in them, so a field in
    another arm's member, an arm split over two members, or a field outside any union reads
    as a mismatch on that field."""
    names: dict[tuple[int, int], str] = {}
    for field in struct["fields"]:
        member = members.get(field["name"])
        if field["arm"] is None or member is None:
            continue
        if member.arm is None:
            actual = "outside any union"
        elif member.arm in names:
            actual = names[member.arm]
        else:
            taken = field["arm"] in names.values()
            actual = names[member.arm] = f"{field['arm']} (another union member)" if taken else field["arm"]
        where = run.place(field["where"])
        run.result.record(Fact(struct["name"], "union arm", field["name"], field["arm"], actual, where))


def _check_fields_elsewhere(run: _Run, struct: dict[str, Any], members: dict[str, cview.Field]) -> None:
    """Fields of the type dated to other releases or one vendor build, and BTF members the
    release's data does not declare: explained by another state of a field, or a mismatch."""
    name = struct["name"]
    for other in struct["elsewhere"]:
        run.elsewhere(other["dated"], other["name"] in members, name, other["name"], "field", other["where"])
    where = run.place(struct["where"])
    declared = {field["name"] for field in struct["fields"]}
    states = struct["states"]
    for member in sorted(set(members) - declared):
        explained = states.get(member)
        if explained is None:
            run.result.record(Fact(name, "field exists", member, False, True, where))
        elif explained[0] != member and explained[1]:
            run.result.undecided(
                f"{name}.{member}",
                "field",
                "renamed",
                f"{explained[0]} is named {member} at another release, yet {member} is in this {run.release} BTF",
                where,
            )


def _check_matches(run: _Run, struct: dict[str, Any], members: dict[str, cview.Field]) -> None:
    """Each *_MATCH pair: the field sits at its partner's offset in the given overlaid copy; a
    partner missing from BTF is a mismatch, or undecidable when the data makes it optional."""
    matches, btf = struct["matches"], run.btf
    if matches is None or btf.find(STRUCT, matches["c_struct"]) is None:
        return
    overlaid = matches["overlaid"]
    partners = {f.name: f for f in cview.struct_fields(btf, matches["c_struct"])}
    overlaid_size = cview.size_of(btf, btf.find(STRUCT, matches["c_struct"]) or 0)
    for pair in matches["pairs"]:
        field = pair["field"]
        if field not in members:
            continue
        where = run.place(pair["where"])
        claim = f"{overlaid}[{pair['index']}].{pair['partner']}"
        partner = partners.get(pair["partner"])
        if partner is None:
            if pair["elsewhere"]:
                reason = f"partner {overlaid}.{pair['partner']} is dated to other releases than {run.release}"
                run.result.undecided(f"{struct['name']}.{field}", "match", "partner", reason, where)
            elif pair["needs"]:
                reason = f"partner {overlaid}.{pair['partner']} {pair['needs']}"
                run.result.undecided(f"{struct['name']}.{field}", "match", "partner", reason, where)
            else:
                missing = f"no {overlaid}.{pair['partner']}"
                run.result.record(Fact(struct["name"], "matches", field, claim, missing, where))
            continue
        expected = partner.offset + pair["index"] * overlaid_size
        actual = claim if members[field].offset == expected else f"offset {members[field].offset}"
        run.result.record(Fact(struct["name"], "matches", field, claim, actual, where))


def _page_type_enum(btf: Btf, names: set[str]) -> dict[str, int]:
    """The values of the BTF enum holding any of the page-type names the data knows."""
    for kind in (ENUM, ENUM64):
        found = btf.find_enum_with(kind, names)
        if found is not None:
            return dict(btf.type(found).values)
    return {}


def _check_page_types(run: _Run) -> None:
    result = run.result
    known = set(run.plan["page_type_names"])
    values = _page_type_enum(run.btf, known)
    for page_type in run.plan["page_types"]:
        where = run.place(page_type["where"])
        value = values.get(page_type["name"])
        if value is None and page_type["needs"]:
            result.undecided(page_type["name"], "page_type", "value", page_type["needs"], where)
            continue
        result.record(Fact(page_type["name"], "value", None, page_type["value"], value, where))
    for other in run.plan["page_types_elsewhere"]:
        run.elsewhere(other["dated"], other["name"] in values, other["name"], None, "page_type", other["where"])
    for name in sorted(set(values) - known):
        result.record(Fact(name, "value", None, None, values[name], "enum pagetype"))


def _check_typedefs(run: _Run) -> None:
    btf, result = run.btf, run.result
    for typedef in run.plan["typedefs"]:
        name, where = typedef["name"], run.place(typedef["where"])
        type_id = btf.find(TYPEDEF, name)
        if type_id is None:
            if typedef["needs"]:
                result.undecided(name, "typedef", "typedef", typedef["needs"], where)
            else:
                result.record(Fact(name, "means", None, typedef["claim"], None, where))
            continue
        shape = cview.shape(btf, btf.ref(type_id), run.keep - {name})
        result.record(
            Fact(name, "means", None, typedef["claim"], f"{shape.base} {'*' * shape.pointers}".strip(), where)
        )
    for other in run.plan["typedefs_elsewhere"]:
        present = btf.find(TYPEDEF, other["name"]) is not None
        run.elsewhere(other["dated"], present, other["name"], None, "typedef", other["where"])
    for handle in run.plan["handles"]:
        where = run.place(handle["where"])
        exists = btf.find(TYPEDEF, handle["c_type"]) is not None
        if not exists and handle["needs"]:
            result.undecided(handle["name"], "type", "handle", handle["needs"], where)
            continue
        result.record(Fact(handle["name"], "typedef exists", handle["c_type"], True, exists, where))


def _pairs(params: list[dict[str, Any]], members: tuple[Member, ...]) -> Iterator[tuple[dict[str, Any], Member | None]]:
    """Each ontology parameter with the BTF parameter of the same name (by place when either
    side leaves it unnamed); None when BTF has no parameter of that name."""
    by_name = {member.name: member for member in members if member.name}
    for index, param in enumerate(params):
        if param["name"] in by_name:
            yield param, by_name[param["name"]]
        elif UNNAMED.fullmatch(param["name"]) or not by_name:
            yield param, members[index] if index < len(members) else None
        else:
            yield param, None


def _symbol_guesses(plan: Plan) -> Iterator[str]:
    """Every FUNC name `_check_callables` may look up for `plan` (what `btf_symbol` tries)."""
    for item in (*plan["callables"], *plan["callables_elsewhere"]):
        yield from symbol_guesses(item["name"], item["impl"], item["form"])
        for other in item.get("others", ()):  # `_present_under_another_name`
            yield from symbol_guesses(other, None)


def _expect_lookups(btf: Btf, plan: Plan) -> None:
    """Tell `btf` every name the checks below look up (`Btf.expect`), so it reads only the
    records that may bear them instead of indexing every FUNC, STRUCT and TYPEDEF name."""
    btf.expect(FUNC, _symbol_guesses(plan))
    structs = [struct["c_struct"] for struct in plan["structs"]]
    structs += [struct["matches"]["c_struct"] for struct in plan["structs"] if struct["matches"]]
    elsewhere = plan["types_elsewhere"]
    btf.expect(STRUCT, structs + [other["c_name"] for other in elsewhere if other["kind"] == "struct"])
    typedefs = [typedef["name"] for typedef in (*plan["typedefs"], *plan["typedefs_elsewhere"])]
    typedefs += [handle["c_type"] for handle in plan["handles"]]
    btf.expect(TYPEDEF, typedefs + [other["c_name"] for other in elsewhere if other["kind"] != "struct"])


def _check_callables(run: _Run) -> None:
    btf, result = run.btf, run.result
    for item in run.plan["callables"]:
        name, kind, form = item["name"], item["kind"], item["form"]
        where = run.place(item["where"])
        symbol = btf_symbol(btf, name, item["impl"], form)
        if symbol is None:
            if form == "function" and item["needs"]:
                result.undecided(name, kind, form, item["needs"], where)
            elif form == "function" and (other := _present_under_another_name(btf, item["others"])):
                reason = f"absent as {name}, present as {other}, its name at another release (a stable backport?)"
                result.undecided(name, kind, "renamed", reason, where)
            elif form == "function":
                result.record(Fact(name, "in BTF", None, True, False, where))
            else:
                result.undecided(name, kind, form, f"{form}, no symbol in BTF", where)
            continue
        proto = cview.prototype(btf, symbol)
        parsed = item["parsed"]
        if proto is None or parsed is None:  # parsed: None when the prototype does not parse
            continue
        label = name if symbol == name else f"{name} ({symbol})"
        returns = run.descriptor(proto.ref)
        result.record(Fact(label, "returns", None, tuple(parsed["returns"]), returns, where))
        result.record(Fact(label, "parameters", None, len(parsed["params"]), len(proto.members), where))
        btf_names = ", ".join(member.name or "?" for member in proto.members)
        for param, member in _pairs(parsed["params"], proto.members):
            claim = tuple(param["claim"])
            if member is None:
                no_such = f"no parameter {param['name']} ({btf_names})"
                result.record(Fact(label, "parameter", param["name"], claim, no_such, where))
                continue
            result.record(Fact(label, "parameter", param["name"], claim, run.descriptor(member.type_id), where))
            place = proto.members.index(member)
            if place != param["position"]:
                result.record(Fact(label, "parameter position", param["name"], param["position"], place, where))
    for other in run.plan["callables_elsewhere"]:
        present = btf_symbol(btf, other["name"], other["impl"], other["form"]) is not None
        run.elsewhere(other["dated"], present, other["name"], None, other["section"], other["where"])


def _present_under_another_name(btf: Btf, others: list[str]) -> str | None:
    """The name a callable has at another release, when the BTF has a FUNC of that name: a
    stable kernel that took a later rename (Debian's 6.1.192 has folio_isolate_hugetlb)."""
    return next((other for other in others if btf_symbol(btf, other, None, "function") is not None), None)


def judge(plan: Plan, btf: Btf, release: str, release_from: str = "", place: Place = str) -> Verification:
    """Check `plan`, the ontology's claims at `release`, against `btf`; never raises for a
    mismatch, only for unreadable BTF (`BtfError`). `place` prints the plan's locations."""
    result = Verification(btf.path, release, release_from)
    run = _Run(plan, btf, release, result, place)
    _expect_lookups(btf, plan)
    _check_structs(run)
    _check_page_types(run)
    _check_typedefs(run)
    _check_callables(run)
    for subject, kind, form, reason, where in plan["undecidable"]:
        result.undecided(subject, kind, form, reason, place(where))
    for facts in (result.agreements, result.mismatches):
        facts.sort(key=lambda f: (f.subject, f.aspect, f.item or "", f.note))
    result.undecidable.sort(key=lambda u: (u["kind"], u["subject"], u["reason"]))
    return result


class Plans(ABC):
    """Where verify finds the plan of each release: `covered` releases (oldest first), the
    `distinct` ones among them (`ontology.releases.distinct_releases`) and `plan(release)` for
    a distinct release; `root` names the data in an error, `place` prints its locations."""

    def __init__(self, covered: list[str], distinct: list[str], root: str, place: Place = str) -> None:
        self.covered, self.distinct, self.root, self.place = covered, distinct, root, place

    @abstractmethod
    def plan(self, release: str) -> Plan:
        """The plan of distinct `release`: made from the data (`ontology.verify`) or read from
        the compiled table (`ontology.verifytable`)."""

    def judge(self, btf: Btf, release: str, release_from: str = "") -> Verification:
        """`btf` judged at covered `release`, by the plan of the distinct release it equals."""
        return judge(self.plan(snapshot_release(self.distinct, release)), btf, release, release_from, self.place)


def judge_release(plans: Plans, btf: Btf, kernel: str | None, running: str | None = None) -> Verification:
    """Verify `btf` at release `kernel` if given, else at the running kernel's release
    (`running`, a uname release, for the running kernel's BTF) when the data covers it, else
    at the release inferred from the BTF: the distinct state of the data with the fewest
    mismatches (a tie goes to the newest). UnknownRelease for a `kernel` the data does not cover."""
    if kernel is not None and plans.covered:
        release = pick_release(plans.covered, kernel, plans.root)
        return plans.judge(btf, release, f"release {release}: given by --kernel")
    if running is not None and plans.covered:
        current = release_of(running)
        try:
            chosen_release = pick_release(plans.covered, current, plans.root) if current else None
        except UnknownRelease:  # not covered: inferred instead, and said below
            chosen_release = None
        if chosen_release is not None:
            return plans.judge(btf, chosen_release, f"release {chosen_release}: the running kernel ({running})")
    best: tuple[int, tuple[int, int]] | None = None
    chosen: Verification | None = None
    for release in plans.distinct:
        attempt = plans.judge(btf, release)
        score = (-len(attempt.mismatches), release_key(release))
        if best is None or score >= best:
            best, chosen = score, attempt
    if chosen is None:
        raise ValueError("data without releases has no plans")
    not_running = f" (the running kernel {running} is not covered)" if running else ""
    chosen.release_from = (
        f"release {chosen.kernel} inferred from the BTF: best match, {len(chosen.mismatches)} mismatches; "
        f"pass --kernel to choose{not_running}"
    )
    return chosen
