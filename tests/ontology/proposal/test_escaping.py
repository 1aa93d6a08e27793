"""Proposal text is untrusted: whatever a proposal holds shows literally in its document (issue 12,
item 2). Each document is rendered to HTML as the docs site renders it, and must hold no element or
attribute that came from the data, with the data's text visible as written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from ontology.docsite import markdown as md
from tests.support.html_check import to_html, unsafe_markup
from tests.support.proposals import HEADER, write

runner = CliRunner()
SCRIPT = "</code>```\n<script>alert(1)</script>\n```"
IMG = "<img src=x onerror=alert(1)>"
REMOVE = '[[operation]]\nop = "remove"\ntype = "dmapool"\n'


def _document(path: Path) -> str:
    result = runner.invoke(app, ["propose", "doc", "--no-check", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.output


def _header(**prose: str) -> str:
    lines = HEADER.splitlines()
    for key, value in prose.items():
        lines = [line for line in lines if not line.startswith(f"{key} =")]
        lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def test_a_field_name_holding_a_fence_and_a_script_stays_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
        [[operation]]
        op = "add_type"
        name = "evil_desc"
        kind = "struct"
        c_struct = "evil_desc"
        size = 8
        summary = {_toml(IMG)}
        reason = {_toml("because " + SCRIPT)}
        [[operation.fields]]
        name = {_toml("x" + SCRIPT)}
        offset = 0
        size = 8
        c_type = {_toml("struct page *" + IMG)}
        """,
    )
    document = _document(path)
    if not document.startswith("<!--"):  # a name the loader refuses never reaches a document
        assert "finding" in document, document
        return
    bad, shown = unsafe_markup(document)
    assert bad == []
    assert "<script>alert(1)</script>" in shown


def test_prose_is_shown_literally(tmp_path: Path) -> None:
    summary = f"get_user_pages*() and pin_user_pages*() return pages {IMG} [a](javascript:alert(1)) {{: onclick=x}}"
    header = _header(
        title=f"# Title {IMG}",
        summary=summary,
        motivation="Keep `size_t *offsets` as code.\n# not a heading\n- not a list\n<script>x</script>",
        drawbacks="__not bold__ and *not em*",
    )
    path = write(tmp_path, REMOVE, header=header)
    document = _document(path)
    assert document.startswith("<!--"), document
    bad, shown = unsafe_markup(document)
    assert bad == []
    for literal in (summary, "# not a heading", "- not a list", "<script>x</script>", "__not bold__ and *not em*"):
        assert literal in shown
    assert "<code>size_t *offsets</code>" in to_html(document)


def test_a_file_named_with_a_comment_end_keeps_the_marker_one_comment(tmp_path: Path) -> None:
    path = write(tmp_path, REMOVE, name="x-->y.toml")
    first = _document(path).split("\n", 1)[0]
    assert first.startswith("<!-- ") and first.endswith(" -->")
    assert "--" not in first[len("<!--") : -len("-->")]
    out = tmp_path / "x-->y.md"
    for _ in range(2):  # the second run recognises the file as its own
        result = runner.invoke(app, ["propose", "doc", "--no-check", str(path), "-o", str(out)])
        assert result.exit_code == 0, result.output
    assert "x-->y.toml" not in to_html(out.read_text()).split("-->", 1)[1]


@pytest.mark.parametrize(
    "value",
    ["a`b", "``", "`", "a```b", "x|y", "<b>", "`x`", "a\nb"],
)
def test_a_code_span_cannot_be_broken_out_of(value: str) -> None:
    html = to_html(md.code(value))
    assert html.count("<code>") == 1 and "<b>" not in html


def test_a_fence_is_longer_than_any_backtick_run_inside() -> None:
    lines = ["````", "```", "<script>x</script>"]
    bad, shown = unsafe_markup("\n".join(md.fence(lines, "text")))
    assert bad == [] and "<script>x</script>" in shown


@pytest.mark.parametrize("name", ["-leading.toml", "+.toml", "é<b>.toml", "a b.toml"])
def test_any_file_name_is_citable(tmp_path: Path, name: str) -> None:
    """The proposal's own source cites its file; a name the source schema would refuse is made
    citable (not a pydantic traceback)."""
    path = tmp_path / name
    path.write_text(HEADER + REMOVE, encoding="utf-8")
    result = runner.invoke(app, ["propose", "diff", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1), result.output
