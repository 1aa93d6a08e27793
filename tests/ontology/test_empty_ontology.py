"""An ontology with no types is a finding naming its file, never a silently clean lint (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from ontology.strict import lint_path

EMPTY = {
    "empty file": "",
    "only comments": "# nothing here\n",
    "only the header": '[ontology]\nkernel = "6.18"\ntitle = "t"\n',
    "a misspelt section": '[ontology]\nkernel = "6.18"\ntitle = "t"\n\n[[types]]\nname = "page"\n',
}


@pytest.mark.parametrize("case", sorted(EMPTY))
def test_empty_ontology_is_a_finding(case: str, tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text(EMPTY[case])
    findings = lint_path(path)
    assert any("ontology is empty" in f.message and f.location.path.endswith("empty.toml") for f in findings)


def test_lint_command_exits_1_on_an_empty_ontology(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("empty.toml").write_text("")
    result = CliRunner().invoke(app, ["lint", "empty.toml"])
    assert result.exit_code == 1
    assert result.stdout.startswith("empty.toml: ") and "ontology is empty" in result.stdout
