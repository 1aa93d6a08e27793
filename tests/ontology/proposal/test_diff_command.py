"""`memdesc propose diff`: text and --json, exit 1 on findings and 2 on unusable input, and the same
output every time."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from memdesc.app import app
from ontology.proposal.diff import diff, diff_text
from tests.support.json_answers import payload
from tests.support.proposals import EVERY_OPERATION, apply, line_of, write


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_diff_clean_text_and_json(tmp_path: Path) -> None:
    path = write(tmp_path, '[[operation]]\nop = "rename"\ntype = "mappable"\nto = "user_mappable"\n')
    code, out, err = run("propose", "diff", str(path))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "deprecated  mappable  kept as an alias of user_mappable",
        "renamed     mappable  -> user_mappable",
    ]
    code, out, _ = run("propose", "diff", str(path), "--json")
    assert code == 0 and payload("propose diff", out) == {
        "changes": [
            {"kind": "deprecated", "subject": "mappable", "detail": "kept as an alias of user_mappable"},
            {"kind": "renamed", "subject": "mappable", "detail": "-> user_mappable"},
        ],
        "findings": [],
    }


def test_cli_findings_exit_1_unusable_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, '[[operation]]\nop = "reparent"\ntype = "foilo"\nparents = ["page"]\n')
    code, out, err = run("propose", "diff", str(path))
    assert code == 1 and out == "no changes\n"
    assert f"{path}:{line_of(path, '[[operation]]')}: proposal-unknown-type" in err and "Traceback" not in err
    bad = write(tmp_path, '[[operation]]\nop = "nope"\n', name="bad.toml")
    code, out, err = run("propose", "diff", str(bad))
    assert code == 1 and out == "" and "proposal-schema" in err
    broken = tmp_path / "broken.toml"
    broken.write_text("[proposal\n")
    code, _, err = run("propose", "diff", str(broken))
    assert code == 2 and err.startswith("memdesc: error: ") and len(err.splitlines()) == 1
    code, _, err = run("propose", "diff", str(tmp_path / "missing.toml"))
    assert code == 2 and "no such file" in err


def test_diff_is_deterministic(tmp_path: Path) -> None:
    path = write(tmp_path, EVERY_OPERATION)
    texts = {diff_text(diff(*apply(path)[:2])) for _ in range(3)}
    assert len(texts) == 1
    outputs = {run("propose", "diff", str(path), "--json")[1] for _ in range(2)}
    assert len(outputs) == 1
    changes = payload("propose diff", outputs.pop())["changes"]
    assert changes == sorted(changes, key=lambda c: (c["kind"], c["subject"], c["detail"]))
