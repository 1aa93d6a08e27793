"""Every `--json` answer carries the schema version and validates against its published model.

Each command runs on the bundled data (verify and census also need the running kernel's BTF)
and its output is checked by `ontology.answermodels` (models that forbid unknown keys, so an
answer that drifts from docs/reference/json.md fails here), through the typer CLI and through
the fast path the `memdesc` entry point takes for `show`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from memdesc.app import app
from ontology.answerformat import LIST_KEYS, SCHEMA_VERSION, envelope
from ontology.answermodels import ANSWERS, validate
from ontology.btf import DEFAULT_BTF
from tests.support.json_answers import payload

runner = CliRunner()
NEEDS_BTF = pytest.mark.skipif(not DEFAULT_BTF.exists(), reason="needs the running kernel's BTF")
PROPOSAL = Path(__file__).resolve().parents[2] / "docs" / "proposals" / "gup-returns-folios.toml"

QUERIES = [
    ("list", ["list"]),
    ("list", ["list", "--kind", "refinement"]),
    ("tree", ["tree"]),
    ("tree", ["tree", "slab", "--merged"]),
    ("functions", ["functions", "--returns", "folio"]),
    ("functions", ["functions"]),
    ("lint", ["lint"]),
    ("path", ["path", "page", "anon_folio"]),
    ("path", ["path", "slab_page", "slab", "--kernel", "6.18"]),
    ("path", ["path", "folio", "folio"]),
    ("layout", ["layout", "slab", "ptdesc", "zpdesc", "page"]),
    ("show", ["show", "folio"]),
    ("show", ["show", "slab.slab_cache"]),
    ("show", ["show", "filemap_lock_folio"]),
    ("show", ["show", "page_folio"]),
    ("show", ["show", "folio_test_anon"]),
    ("show", ["show", "PGTY_slab"]),
    ("show", ["show", "pgtable_t"]),
    ("show", ["show", "zpdesc", "--kernel", "6.1"]),
    ("show", ["show", "page.compound_info", "--kernel", "6.1"]),
    ("history", ["history", "page.compound_info"]),
    ("diff", ["diff", "6.18", "7.3"]),
    ("census --trend", ["census", "--trend", "--no-cache"]),
    ("propose diff", ["propose", "diff", str(PROPOSAL)]),
]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(cache))
    return cache


def answered(command: str, args: list[str]) -> str:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code in (0, 1), result.stderr
    assert json.loads(result.stdout)["schema_version"] == SCHEMA_VERSION
    validate(command, result.stdout)
    return result.stdout


@pytest.mark.parametrize(("command", "args"), QUERIES, ids=[" ".join(args) for _, args in QUERIES])
def test_each_query_validates(command: str, args: list[str]) -> None:
    assert json.loads(answered(command, args))["command"] == command


def test_every_kind_of_show_record_validates() -> None:
    """One record of each kind `show` describes (what), straight from the data: none is left out."""
    from ontology.describe import describe_all
    from ontology.strict import load_ontology

    types, others, _ = describe_all(load_ontology())
    records = {record["what"]: record for record in [*types.values(), *others.values()]}
    assert set(records) == {"type", "field", "function", "conversion", "predicate", "page_type", "typedef"}
    for record in [*types.values(), *others.values()]:
        validate("show", json.dumps(envelope("show", record)))


@NEEDS_BTF
@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("verify", ["verify"]),
        ("verify", ["verify", "--kernel", "6.18"]),
        ("census", ["census"]),
        ("census", ["census", "--against", str(DEFAULT_BTF)]),
    ],
)
def test_btf_answers_validate(command: str, args: list[str]) -> None:
    answered(command, args)


def test_check_validates(tmp_path: Path) -> None:
    model = tmp_path / "wrong.py"
    model.write_text("x: int = 'not an int'\n")
    result = runner.invoke(app, ["check", str(model), "--json"])
    assert result.exit_code == 1, result.output
    (message,) = payload("check", result.stdout)
    assert (message["line"], message["code"]) == (1, "assignment")


def test_the_fast_path_prints_the_same_envelope(private_cache: Path) -> None:
    """`memdesc show folio --json` through the fast path (a miss, then a cache hit) is the typer
    command's answer, byte for byte; a hit loads no pydantic (validation is for the tests only)."""
    typer_answer = runner.invoke(app, ["show", "folio", "--json"]).stdout
    probe = "import sys\nfrom memdesc.fastpath import fast_path\nassert fast_path(['show', 'folio', '--json']) == 0\n"
    hit = "assert 'pydantic' not in sys.modules, 'pydantic loaded'"
    for code in (probe, probe + hit):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout == typer_answer
    validate("show", typer_answer)


def test_a_drifted_answer_fails_validation() -> None:
    """The models catch drift: an unknown key, a missing key, a wrong type, another version."""
    good = json.loads(answered("history", ["history", "page.compound_info"]))
    for bad in (
        {**good, "surprise": 1},
        {key: value for key, value in good.items() if key != "events"},
        {**good, "releases": "6.1"},
        {**good, "schema_version": SCHEMA_VERSION + 1},
    ):
        with pytest.raises(ValidationError):
            validate("history", json.dumps(bad))


def test_list_answers_are_wrapped_and_every_command_has_a_model() -> None:
    assert envelope("lint", []) == {"schema_version": SCHEMA_VERSION, "command": "lint", "findings": []}
    assert set(LIST_KEYS) <= set(ANSWERS)
    with pytest.raises(ValueError, match="already has 'command'"):
        envelope("show", {"command": "x"})
