"""Line numbers count TOML lines (ended by LF only), whatever a comment or string holds (issue 12).

`str.splitlines` also breaks at U+2028, U+2029, U+0085, form feed, vertical tab...; TOML allows
the non-ASCII ones in comments, and each used to shift every line reported after it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ontology.proposal.load import load_proposal
from ontology.strict import lint_path
from ontology.tomlpos import scan, toml_lines

SEPARATORS = ["\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1c", "\r"]


@pytest.mark.parametrize("separator", SEPARATORS)
def test_toml_lines_split_on_newline_only(separator: str) -> None:
    text = f"a = 1 # x{separator}y\r\nb = 2\n"
    assert toml_lines(text) == [f"a = 1 # x{separator}y", "b = 2", ""]
    assert scan(f"# {separator}{separator}\n[[type]]\n").line_of("type", 0) == 2


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_lint_error_after_such_a_comment_is_at_its_line(separator: str, mutate: Callable[..., Path]) -> None:
    """A schema error below a comment holding the separator is reported at its own line."""
    path = mutate(('[[type]]\nname = "folio"', f'# a {separator} b {separator} c\n[[type]]\nname = "folio"\nbogus = 1'))
    lines = path.read_text(encoding="utf-8").split("\n")
    expected = lines.index('name = "folio"')  # the [[type]] header just above it, 1-based
    findings = [f for f in lint_path(path) if "unknown key" in f.message]
    assert [f.location.line for f in findings] == [expected]


def test_proposal_header_line_after_such_a_comment(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("# \u2028\u2029\n[proposal]\ntitle = 3\n", encoding="utf-8")
    _, findings = load_proposal(path)
    assert findings and all(f.location.line == 2 for f in findings), [str(f) for f in findings]
