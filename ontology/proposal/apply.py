"""Apply a proposal to an ontology: a new `Ontology` and the findings, never a mutated original.

Operations run in order on a working copy (`State`). An operation that cannot be applied is
rolled back and reported at its `[[operation]]` line; the rest still run, so one pass shows
every problem. Afterwards: types removed without a replacement that something still names
are reported at the operation that removed them, and the new ontology is linted with the
ontology's own rules, reporting only what the proposal introduced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ontology.indexed import Ontology
from ontology.lint import RULES, Finding
from ontology.loader import Location, display_path
from ontology.proposal import ops_api, ops_fields, ops_params, ops_types
from ontology.proposal.schema import Proposal
from ontology.proposal.state import Rejected, State
from ontology.schema import Source

Handler = Callable[[State, Any], None]
HANDLERS: dict[str, Handler] = {
    "add_type": ops_types.add_type,
    "split_type": ops_types.split_type,
    "merge_types": ops_types.merge_types,
    "reparent": ops_types.reparent,
    "rename": ops_types.rename,
    "remove": ops_types.remove,
    "update_type": ops_types.update_type,
    "add_field": ops_fields.add_field,
    "move_field": ops_fields.move_field,
    "remove_field": ops_fields.remove_field,
    "retype_function": ops_api.retype_function,
    "change_function": ops_params.change_function,
    "add_function": ops_api.add_function,
    "remove_function": ops_api.remove_function,
    "add_conversion": ops_api.add_conversion,
    "remove_conversion": ops_api.remove_conversion,
}
"""Every operation by its `op` name."""

MAX_LISTED = 8
"""How many referrers a dangling-reference finding names before saying how many more."""


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings by file, line, rule and message (lines may be unknown)."""
    return sorted(set(findings), key=lambda f: (f.location.path, f.location.line or 0, f.rule, f.message))


def _add_sources(state: State, proposal: Proposal, path: Path) -> list[Finding]:
    """The proposal's own source (what operations cite by default) and its [[source]] tables."""
    findings: list[Finding] = []
    title = f"Proposal: {proposal.meta.title}"
    own = Source(id=state.source_id, kind="ontology", title=title, path=_citable(path.name))
    for source, line in [(own, proposal.line), *((s, s.line) for s in proposal.sources)]:
        state.location = Location(state.shown_path, line)
        plain = Source.model_validate(source.model_dump(by_alias=True))
        existing = state.get("source", source.id)
        if existing is not None and existing != plain:
            findings.append(
                Finding(state.location, "proposal-exists", f"source {source.id!r} is already defined differently")
            )
        elif existing is None:
            state.put("source", plain)
    return findings


def _dangling(state: State) -> dict[str, Finding]:
    """Removed types that entries still name (by name, or by C name in prototypes).

    One finding per removed type (by its name), at the operation that removed it; lint's own
    dangling-ref findings for the same name (one per referring entry) are then left out."""
    findings: dict[str, Finding] = {}
    for name, (location, c_name) in sorted(state.removed.items()):
        if state.get("type", name) is not None:
            continue
        still_typed = c_name is not None and any(state.c_name(t) == c_name for t in state.types)
        users = state.references(name, None if still_typed else c_name)
        if not users:
            continue
        listed = ", ".join(users[:MAX_LISTED]) + (
            f" and {len(users) - MAX_LISTED} more" if len(users) > MAX_LISTED else ""
        )
        findings[name] = Finding(
            location,
            "proposal-dangling",
            f"type {name!r} is removed but still named by {listed}; retype them, or remove with replaced_by",
        )
    return findings


def _lint(onto: Ontology) -> list[Finding]:
    return [finding for rule in RULES.values() for finding in rule(onto)]


def lint_delta(old: Ontology, new: Ontology) -> list[Finding]:
    """Lint findings of `new` that `old` did not have (compared by rule and message)."""
    before = {(finding.rule, finding.message) for finding in _lint(old)}
    return [finding for finding in _lint(new) if (finding.rule, finding.message) not in before]


def _citable(name: str) -> str:
    """`name` with every character a source id or path may not hold replaced by `_` (a proposal
    file may be named `x-->y.toml`; its facts still cite it)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.+-]", "_", name)[:100]
    return cleaned if cleaned[:1] not in ("", "+", "-") else "_" + cleaned


def proposal_source_id(path: Path) -> str:
    """The source id a proposal's facts cite: `proposal:` and the file's (citable) stem."""
    return f"proposal:{_citable(path.stem)}"


def apply_proposal(onto: Ontology, proposal: Proposal, path: Path) -> tuple[Ontology, list[Finding]]:
    """The ontology with the proposal's operations applied, and every finding about them."""
    shown = display_path(path)
    state = State.of(onto, shown)
    state.source_id = proposal_source_id(path)
    findings = _add_sources(state, proposal, path)
    if proposal.meta.base_kernel != onto.kernel:
        findings.append(
            Finding(
                Location(shown, proposal.line),
                "proposal-base-kernel",
                f"written against Linux {proposal.meta.base_kernel} but the ontology describes Linux {onto.kernel}",
            )
        )
    for operation in proposal.operations:
        state.location = Location(shown, operation.line)
        saved = state.snapshot()
        try:
            HANDLERS[operation.op](state, operation)
        except Rejected as rejected:
            state.restore(saved)
            for rule, text, *key in rejected.problems:
                where = Location(shown, operation.key_line(key[0] if key else None))
                findings.append(Finding(where, rule, f"{operation.op}: {text}"))
    dangling = _dangling(state)
    findings.extend(dangling.values())
    new = state.ontology([path] if path.is_file() else [])
    reported = tuple(f"type {name!r} " for name in dangling)
    findings.extend(
        f
        for f in lint_delta(onto, new)
        if not (f.rule == "dangling-ref" and reported and f.message.startswith(reported))
    )
    return new, sort_findings(findings)


def apply_file(path: Path, data: Path | None = None) -> tuple[Proposal | None, Ontology, Ontology, list[Finding]]:
    """Load a proposal file and apply it to the ontology at `data` (default: bundled), as the
    data was at the proposal's base kernel when the data covers that release (else the newest,
    and the proposal-base-kernel finding says so).

    Returns (proposal, old, new, findings); with schema findings the proposal is None and
    `new` is `old`. InputError when the proposal or the ontology cannot be read at all.
    """
    from ontology.proposal.load import load_proposal
    from ontology.strict import UnknownRelease, load_ontology

    proposal, findings = load_proposal(path)
    try:
        old = load_ontology(data, kernel=proposal.meta.base_kernel if proposal else None)
    except UnknownRelease:
        old = load_ontology(data)
    if proposal is None:
        return None, old, old, findings
    new, findings = apply_proposal(old, proposal, path)
    return proposal, old, new, findings
