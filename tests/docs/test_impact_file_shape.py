"""`propose doc --impact FILE` with a file of the wrong shape: one line naming it, exit 2 (issue 12).

Each shape once gave an AssertionError, KeyError or TypeError from the renderer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from tests.support.paths import ROOT

GUP = ROOT / "docs" / "proposals" / "gup-returns-folios.toml"
GOOD: dict[str, object] = {
    "breaks": [{"path": "model/gup.py", "line": 3, "code": "arg-type", "message": "m"}],
    "counts": {"model.gup": 1},
    "baseline": 0,
    "files": 2,
}

SHAPES: dict[str, object] = {
    "a list": [],
    "a string": "breaks",
    "no baseline": {k: v for k, v in GOOD.items() if k != "baseline"},
    "no files": {k: v for k, v in GOOD.items() if k != "files"},
    "breaks not a list": {**GOOD, "breaks": {"a": 1}},
    "counts not a dict": {**GOOD, "counts": [1]},
    "a break not a table": {**GOOD, "breaks": [3]},
    "a break without path": {**GOOD, "breaks": [{"line": 1, "message": "m"}]},
    "a break without message": {**GOOD, "breaks": [{"path": "p", "line": 1}]},
    "a count not a number": {**GOOD, "counts": {"model.gup": "many"}},
    "baseline a string": {**GOOD, "baseline": "0"},
    "an unknown key": {**GOOD, "extra": 1},
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_malformed_impact_is_one_line(shape: str, tmp_path: Path) -> None:
    saved = tmp_path / "impact.json"
    saved.write_text(json.dumps(SHAPES[shape]))
    result = CliRunner().invoke(app, ["propose", "doc", str(GUP), "--impact", str(saved)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("memdesc: error: ") and "impact.json" in lines[0]


@pytest.mark.parametrize("content", [b"\xff\xfe", b"[" * 100_000, b"{}"])
def test_unreadable_impact_is_one_line(content: bytes, tmp_path: Path) -> None:
    saved = tmp_path / "impact.json"
    saved.write_bytes(content)
    result = CliRunner().invoke(app, ["propose", "doc", str(GUP), "--impact", str(saved)])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1, result.stderr


def test_well_formed_impact_is_rendered(tmp_path: Path) -> None:
    saved = tmp_path / "impact.json"
    saved.write_text(json.dumps(GOOD))
    result = CliRunner().invoke(app, ["propose", "doc", str(GUP), "--impact", str(saved)])
    assert result.exit_code == 0, result.stderr
    assert "model/gup.py:3: m  [arg-type]" in result.stdout
