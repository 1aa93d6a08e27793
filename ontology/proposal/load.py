"""Read a proposal file: unusable input raises InputError, schema problems become findings.

As for the ontology's own files, the two are kept apart: a missing file or broken TOML is
`InputError` (one line, exit 2); a table that parses but breaks the schema is a finding at
the line of its `[proposal]`, `[[source]]` or `[[operation]]` header, every one of them
reported, so the author fixes them in one go. A proposal with any schema finding is not
returned: later operations often depend on the broken one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from ontology.lint import Finding
from ontology.loader import Location, display_path, read_toml
from ontology.proposal.schema import OPERATION_MODELS, Operation, Proposal, ProposalMeta
from ontology.schema import Source
from ontology.suggest import suggest
from ontology.tomlpos import scan, toml_lines

RULE = "proposal-schema"
SECTIONS = ("proposal", "source", "operation")
_OPERATION: TypeAdapter[Operation] = TypeAdapter(Operation)


def _message(error: ErrorDetails, drop_tag: bool = False) -> str:
    """One pydantic error as `key.path: reason`, in the words lint uses."""
    parts = [str(part) for part in error["loc"]]
    if drop_tag and parts:
        parts = parts[1:]  # the discriminated union puts the op name first
    where = ".".join(parts)
    if error["type"] == "extra_forbidden":
        reason = "unknown key"
    elif error["type"] == "missing":
        reason = "missing required key"
    else:
        reason = str(error["msg"])
    return f"{where}: {reason}" if where else reason


def _header_line(text: str, header: str) -> int | None:
    """The line of a `[header]` table (tomlpos indexes only arrays of tables)."""
    for number, line in enumerate(toml_lines(text), start=1):
        if line.strip().split("#", 1)[0].strip() == f"[{header}]":
            return number
    return None


def _check_operation(raw: object, index: int, location: Location) -> list[Finding]:
    label = f"[[operation]] #{index + 1}"
    if not isinstance(raw, dict):
        return [Finding(location, RULE, f"{label}: must be a table")]
    op = raw.get("op")
    names = sorted(OPERATION_MODELS)
    if op is None:
        return [Finding(location, RULE, f"{label}: missing required key 'op' (one of {', '.join(names)})")]
    if not isinstance(op, str) or op not in OPERATION_MODELS:
        hint = suggest(str(op), names) or f" (expected one of {', '.join(names)})"
        return [Finding(location, RULE, f"{label}: unknown op {op!r}{hint}")]
    try:
        _OPERATION.validate_python(raw)
    except ValidationError as error:
        return [Finding(location, RULE, f"{label} {op}: {_message(e, drop_tag=True)}") for e in error.errors()]
    return []


def load_proposal(path: Path) -> tuple[Proposal | None, list[Finding]]:
    """Parse and validate a proposal file; InputError if it cannot be read at all."""
    data, text = read_toml(path)
    shown = display_path(path)
    positions = scan(text)
    findings: list[Finding] = []
    for key in sorted(set(data) - set(SECTIONS)):
        findings.append(
            Finding(Location(shown, _header_line(text, key)), RULE, f"unknown section {key!r} (expected {SECTIONS})")
        )
    header_line = _header_line(text, "proposal")
    head = data.get("proposal")
    if not isinstance(head, dict):
        findings.append(Finding(Location(shown, header_line or 1), RULE, "missing the [proposal] table"))
        head = {}
    meta = {key: value for key, value in head.items() if key in ProposalMeta.model_fields}
    prose = {key: value for key, value in head.items() if key not in ProposalMeta.model_fields}
    candidate: dict[str, Any] = {"meta": meta, **prose}
    if isinstance(data.get("proposal"), dict):
        try:
            Proposal.model_validate(candidate)
        except ValidationError as error:
            for problem in error.errors():
                if problem["loc"] and problem["loc"][0] == "meta":
                    problem["loc"] = problem["loc"][1:]
                findings.append(Finding(Location(shown, header_line), RULE, f"[proposal] {_message(problem)}"))
    for section in ("source", "operation"):
        if section in data and not isinstance(data[section], list):
            findings.append(Finding(Location(shown), RULE, f"{section!r} must be an array of tables [[{section}]]"))
            data[section] = []
    for index, raw in enumerate(data.get("source", [])):
        location = Location(shown, positions.line_of("source", index))
        try:
            Source.model_validate(raw)
        except ValidationError as error:
            name = raw.get("id") if isinstance(raw, dict) else None
            label = f"[[source]] {name}" if isinstance(name, str) else f"[[source]] #{index + 1}"
            findings.extend(Finding(location, RULE, f"{label}: {_message(e)}") for e in error.errors())
    lines = [positions.line_of("operation", index) for index in range(len(data.get("operation", [])))]
    for index, raw in enumerate(data.get("operation", [])):
        findings.extend(_check_operation(raw, index, Location(shown, lines[index])))
    if findings:
        return None, sorted(findings, key=lambda f: (f.location.line or 0, f.message))
    candidate["sources"] = data.get("source", [])
    candidate["operations"] = data.get("operation", [])
    proposal = Proposal.model_validate(candidate)
    proposal._line = header_line
    proposal._keys = positions.keys.get(("proposal", 0), {})
    for index, (operation, line) in enumerate(zip(proposal.operations, lines, strict=True)):
        operation._line = line
        operation._keys = positions.keys.get(("operation", index), {})
    for index, source in enumerate(proposal.sources):
        source._line = positions.line_of("source", index)
    return proposal, []
