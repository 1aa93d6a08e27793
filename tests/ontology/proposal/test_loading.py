"""Loading a proposal file: schema problems are findings with their lines, unusable input is one
InputError."""

from __future__ import annotations

from pathlib import Path

import pytest

from ontology.errors import InputError
from ontology.proposal.load import load_proposal
from tests.support.proposals import HEADER, line_of, write


def test_schema_problems_are_findings_with_lines(tmp_path: Path) -> None:
    ops = """
    [[operation]]
    op = "add_feild"
    type = "page"

    [[operation]]
    op = "rename"
    type = "page"
    to = "frame"
    colour = "blue"

    [[operation]]
    type = "page"
    """
    path = write(tmp_path, ops, header=HEADER.replace('status = "draft"', 'status = "drafty"'))
    proposal, findings = load_proposal(path)
    assert proposal is None
    assert {f.rule for f in findings} == {"proposal-schema"}
    lines = [f.location.line for f in findings]
    assert lines == [
        1,
        line_of(path, "[[operation]]", 1),
        line_of(path, "[[operation]]", 2),
        line_of(path, "[[operation]]", 3),
    ]
    assert "did you mean 'add_field'?" in findings[1].message
    assert "colour: unknown key" in findings[2].message
    assert "missing required key 'op'" in findings[3].message


def test_missing_proposal_table(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[[operation]]\nop = "remove"\ntype = "buddy"\n')
    proposal, findings = load_proposal(path)
    assert proposal is None and "missing the [proposal] table" in findings[0].message


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "no such file"), ("[proposal\n", "invalid TOML"), (b"\xff\xfe", "not UTF-8")],
)
def test_unusable_input_raises_input_error(tmp_path: Path, content: str | bytes | None, expected: str) -> None:
    path = tmp_path / "p.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=expected):
        load_proposal(path)
