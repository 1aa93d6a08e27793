"""A proposal's impact on the model as text: the terminal's report and the document's Impact section.

The impact is the JSON-able result of `memdesc propose check` ({"breaks", "counts", "baseline",
"files"}); both readings of it live here so that a break and a count are worded in one place.
"""

from __future__ import annotations

from ontology.docsite.markdown import cell, code, fence

FIRST_BREAKS = 10
"""Call sites the document's Impact section lists; the counts cover all of them."""


def _count(number: int, noun: str) -> str:
    """`1 new error`, `2 new errors`."""
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _break_line(entry: dict[str, object], severity: str = "") -> str:
    """`model/gup.py:12: [error: ]message  [code]`: one break as mypy prints a message."""
    code = f"  [{entry['code']}]" if entry.get("code") else ""
    return f"{entry['path']}:{entry['line']}: {severity}{entry['message']}{code}"


def _parts(impact: dict[str, object]) -> tuple[list[dict[str, object]], dict[str, int]]:
    breaks, counts = impact["breaks"], impact["counts"]
    assert isinstance(breaks, list) and isinstance(counts, dict)
    return breaks, counts


def impact_text(impact: dict[str, object]) -> str:
    """The check result as a terminal reads it: each break, counts per module, a summary."""
    breaks, counts = _parts(impact)
    lines = [_break_line(b, "error: ") for b in breaks]
    if breaks:
        lines.append("")
        width = max(len(str(module)) for module in counts)
        lines.extend(f"{str(module).ljust(width)}  {n}" for module, n in counts.items())
        lines.append("")
    baseline, files = impact["baseline"], impact["files"]
    assert isinstance(baseline, int) and isinstance(files, int)
    lines.append(
        f"{_count(len(breaks), 'new error')} in {_count(len(counts), 'module')} under the proposed ontology "
        f"(baseline: {_count(baseline, 'error')}, {_count(files, 'file')} checked)"
        if breaks
        else f"nothing breaks under the proposed ontology (baseline: {baseline} errors, {files} files checked)"
    )
    return "\n".join(lines) + "\n"


def impact_section(impact: dict[str, object] | None, name: str) -> list[str]:
    """The document's Impact section (its lines, after the heading); `name` is the proposal file as shown."""
    if impact is None:
        command = code(f"memdesc propose check {name}")
        return ["", f"Not checked. Run {command} to type-check the model under this proposal."]
    breaks, counts = _parts(impact)
    files, baseline = cell(impact.get("files")), cell(impact.get("baseline"))
    checked = f"{files} model files checked; errors before the proposal: {baseline}"
    if not breaks:
        return ["", f"Nothing in the model breaks under the proposed ontology ({checked})."]
    lines = [
        "",
        f"{_count(len(breaks), 'new error')} in {_count(len(counts), 'module')} of the unchanged model ({checked}):",
        "",
        "| module | errors |",
        "|---|---:|",
    ]
    lines += [f"| {cell(module)} | {cell(n)} |" for module, n in counts.items()]
    shown = breaks[:FIRST_BREAKS]
    lines += ["", f"The first {len(shown)}:" if len(breaks) > len(shown) else "All of them:", ""]
    return lines + fence([_break_line(entry) for entry in shown])
