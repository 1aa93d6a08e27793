"""The guides' examples are real: the worked example in writing-a-model.md, draft and fix,
prints exactly the `memdesc check` output the page shows, and its interactive session runs."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from checker.run import check, summary
from tests.support.paths import ROOT

GUIDE = (ROOT / "docs" / "guide" / "writing-a-model.md").read_text(encoding="utf-8")
WORKED = GUIDE[GUIDE.index("## A worked example") :]


def _pairs() -> list[tuple[str, list[str]]]:
    """(python source, expected output lines) for each draft of the worked example."""
    sources = re.findall(r"```python\n(.*?)```", WORKED, flags=re.DOTALL)
    outputs = re.findall(r"```text\n\$ memdesc check mymodel/\n(.*?)```", WORKED, flags=re.DOTALL)
    assert len(sources) >= 2 and len(sources) == len(outputs)
    return [(source, output.splitlines()) for source, output in zip(sources, outputs, strict=True)]


@pytest.mark.parametrize("index", [0, 1], ids=["draft", "fixed"])
def test_worked_example_output_is_what_the_page_shows(
    index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, expected = _pairs()[index]
    package = tmp_path / "mymodel"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "anon_map.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    messages, checked, _ = check(["mymodel/"])
    assert [*(str(m) for m in messages), summary(messages, checked)] == expected


def test_interactive_session_runs() -> None:
    session = re.search(r"```pycon\n(.*?)```", GUIDE, flags=re.DOTALL)
    assert session is not None
    test = doctest.DocTestParser().get_doctest(session.group(1), {}, "writing-a-model", None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries > 3
