"""Writing and applying test proposals: a valid [proposal] table, every operation at once, and the
line of an operation in the file written (findings point at it)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ontology.indexed import Ontology
from ontology.lint import Finding
from ontology.proposal.apply import apply_file
from tests.support.paths import FIXTURES

HEADER = """\
[proposal]
title = "A test proposal"
authors = ["Test Author"]
status = "draft"
base_kernel = "7.3"
links = ["https://example.org/thread"]
summary = "What it changes."
motivation = "Why."
open_questions = ["Is it worth it?"]
migration = ["Step one."]
"""

EVERY_OPERATION = (FIXTURES / "every_operation.toml").read_text(encoding="utf-8")
"""One of each operation, which together apply cleanly to the bundled ontology."""


def write(tmp_path: Path, operations: str, header: str = HEADER, name: str = "proposal.toml") -> Path:
    path = tmp_path / name
    path.write_text(header + textwrap.dedent(operations), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(needle)


def apply(path: Path) -> tuple[Ontology, Ontology, list[Finding]]:
    """The proposal applied as `memdesc propose` applies it: to the data at its base kernel."""
    proposal, old, new, findings = apply_file(path)
    assert proposal is not None, findings
    return old, new, findings


def only(findings: list[Finding], rule: str) -> Finding:
    assert [f.rule for f in findings] == [rule], [str(f) for f in findings]
    return findings[0]
