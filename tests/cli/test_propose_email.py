"""`memdesc propose doc --format email` on the command line: -o writes a letter and replaces only
a letter memdesc generated from the same proposal; bad input is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from memdesc.app import app
from tests.support.paths import ROOT

runner = CliRunner()
GUP = ROOT / "docs" / "proposals" / "gup-returns-folios.toml"
LRU = ROOT / "docs" / "proposals" / "lru-mem-2021.toml"


def _doc(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["propose", "doc", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_writes_and_replaces_only_its_own_letter(tmp_path: Path) -> None:
    out = tmp_path / "gup.txt"
    code, _, err = _doc(str(GUP), "--format", "email", "-o", str(out))
    assert code == 0, err
    written = out.read_text(encoding="utf-8")
    assert written == (ROOT / "docs" / "proposals" / "gup-returns-folios.txt").read_text(encoding="utf-8")
    assert _doc(str(GUP), "-f", "email", "-o", str(out))[0] == 0  # its own letter: replaced
    code, _, err = _doc(str(LRU), "-f", "email", "-o", str(out))  # another proposal's letter: not
    assert code == 2 and "refusing to overwrite" in err and err.count("\n") == 1
    mine = tmp_path / "notes.txt"
    mine.write_text("my notes\n", encoding="utf-8")
    code, _, err = _doc(str(GUP), "-f", "email", "-o", str(mine))
    assert code == 2 and "refusing to overwrite" in err
    assert mine.read_text(encoding="utf-8") == "my notes\n"
    document = tmp_path / "gup.md"
    assert _doc(str(GUP), "--no-check", "-o", str(document))[0] == 0
    assert _doc(str(GUP), "-f", "email", "-o", str(document))[0] == 2  # a Markdown document is not a letter


def test_stdout_by_default() -> None:
    code, out, _ = _doc(str(GUP), "--format", "email")
    assert code == 0 and out.startswith("X-Memdesc-Source: ") and "\nSubject: [RFC] mm: gup() returns folios\n" in out


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    cases = [
        (["-f", "mail"], "unknown format 'mail'"),
        (["-f", "email", "--kernel-src", str(tmp_path / "none")], "not a directory"),
        (["-f", "email", "--kernel-src", str(tmp_path)], "no MAINTAINERS file"),
        (["-f", "email", "--no-check"], "--format markdown"),
        (["-f", "email", "--impact", str(GUP)], "--format markdown"),
        (["--kernel-src", str(tmp_path)], "--kernel-src is for --format email"),
    ]
    for args, message in cases:
        code, out, err = _doc(str(GUP), *args)
        assert code == 2 and out == "", args
        assert err.startswith("memdesc: error: ") and message in err and err.count("\n") == 1, (args, err)
    (tmp_path / "MAINTAINERS").write_text("F:\tmm/\n", encoding="utf-8")
    code, _, err = _doc(str(GUP), "-f", "email", "--kernel-src", str(tmp_path))
    assert code == 2 and "MAINTAINERS:1: F: entry outside a section" in err and err.count("\n") == 1


def test_a_document_on_stdout_says_its_diagrams_need_o() -> None:
    """On stdout the Markdown document still links its SVGs beside itself: stderr says they are
    only written with -o (the letter has no diagrams, so nothing is said for it)."""
    code, out, err = _doc(str(LRU), "--no-check")
    assert code == 0 and "](lru-mem-2021-before.svg)" in out
    assert err == (
        "memdesc: note: the diagrams lru-mem-2021-after.svg and lru-mem-2021-before.svg "
        "are written only with -o FILE (beside FILE)\n"
    )
    code, _, err = _doc(str(LRU), "-f", "email")
    assert code == 0 and err == ""
