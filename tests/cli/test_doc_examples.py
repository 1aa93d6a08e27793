"""Every `$ memdesc ...` transcript in README.md and docs/ prints what the page shows (issue 15 item 7).

The transcripts are read from the documents themselves (tests/support/doc_examples.py says how
they are written), so a changed output fails here until its example is updated, and a new
example is tested without being named.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from tests.support.doc_examples import Transcript, documents, matches, transcripts
from tests.support.paths import ROOT

ALL = [transcript for document in documents() for transcript in transcripts(document)]
RUN = [transcript for transcript in ALL if transcript.skip is None]


def test_the_documents_hold_transcripts() -> None:
    """The parser finds the tour: a broken parser must not pass by finding nothing."""
    shown = {(t.document, t.args[:1]) for t in RUN}
    assert {("README.md", ("path",)), ("README.md", ("functions",)), ("docs/getting-started.md", ("list",))} <= shown
    assert len(RUN) >= 15 and len(ALL) - len(RUN) <= 4, [t.id for t in ALL if t.skip]


@pytest.mark.parametrize("transcript", RUN, ids=[t.id for t in RUN])
def test_transcript_prints_what_the_page_shows(
    transcript: Transcript, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = [name for name in transcript.files if name in transcript.args]
    if named:  # the command reads a file the page shows: run it where that file is
        for name in named:
            (tmp_path / name).write_text(transcript.files[name], encoding="utf-8")
        monkeypatch.chdir(tmp_path)
    else:
        monkeypatch.chdir(ROOT)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = CliRunner().invoke(app, list(transcript.args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    printed = result.output.splitlines()
    diff = "\n".join(difflib.unified_diff(list(transcript.output), printed, "page", "printed", lineterm=""))
    assert matches(transcript.output, printed), f"{transcript.id}: $ memdesc {' '.join(transcript.args)}\n{diff}"
    if transcript.exit_code is not None:
        assert result.exit_code == transcript.exit_code


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        (("a", "b"), ["a", "b"], True),
        (("a", "b"), ["a", "b", "c"], False),
        (("a", "..."), ["a", "b", "c"], True),
        (("...", "c"), ["a", "b", "c"], True),
        (("a", "...", "c"), ["a", "c"], True),
        (("a", "...", "d"), ["a", "b", "c"], False),
        (("ab ...",), ["abcdef"], True),
        (("ab ...",), ["xabcdef"], False),
        (("a",), ["b"], False),
    ],
)
def test_the_matcher(expected: tuple[str, ...], actual: list[str], ok: bool) -> None:
    assert matches(expected, actual) is ok
