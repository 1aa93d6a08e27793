"""Proposal fuzzing (issue 12): seeded mutations of one proposal, each rendered in-process with
`memdesc propose doc --no-check`. Property: never a traceback, and the document rendered to HTML
holds no element or attribute that came from the data (`tests.support.html_check`); a quarter of
them also as a cover letter (`--format email`), which must be mail-ready (`tests.support.mail`)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from ontology.indexed import Ontology
from ontology.lint import Finding
from ontology.proposal import apply
from ontology.strict import load_ontology
from tests.support.html_check import unsafe_markup
from tests.support.mail import assert_mail_ready

CASES = 100
SEED = 12
PIECES = [
    "`", "``", "```", "````\n", "~~~", "<", ">", "&", "&amp;", "*", "**", "_", "__", "[", "]", "(", ")",
    "{", "}", "{: onclick=x}", "-->", "<!--", "|", "\\", "#", "- ", "1. ", "\n", "\n\n", "    ", "===",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "<https://a.example/>", "get_user_pages*()", "é", "\u2028", "folio", "struct page *",
]  # fmt: skip
VALID_SHARE = 0.85
"""How often a name, C type or link keeps its valid form: the schema refuses names with markup
(and every string with U+2028), so mostly-valid mutants are what reach the renderer."""
PROSE_PIECES = [piece for piece in PIECES if piece != "\u2028"]
PROSE_KEYS = ["title", "summary", "motivation", "drawbacks", "alternatives"]
LIST_KEYS = ["authors", "links", "open_questions", "migration"]


def _toml(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c >= " " or c == "\t" else f"\\u{ord(c):04x}" for c in escaped) + '"'


def _mutant(rng: random.Random) -> str:
    def noise(plain: str = "", pieces: list[str] = PIECES) -> str:
        return plain + "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))

    def prose(plain: str = "") -> str:
        return noise(plain, PROSE_PIECES)

    def maybe(valid: str, plain: str) -> str:
        return valid if rng.random() < VALID_SHARE else noise(plain)

    meta = {key: prose("text ") for key in PROSE_KEYS}
    lists = {key: [prose() for _ in range(rng.randint(0, 2))] for key in LIST_KEYS}
    lists["links"] = [maybe("https://lore.kernel.org/linux-mm/", "https://") for _ in range(rng.randint(0, 2))]
    lines = ["[proposal]", 'status = "draft"', 'base_kernel = "7.3"']
    lines += [f"{key} = {_toml(value)}" for key, value in meta.items()]
    lines += [f"{key} = [{', '.join(_toml(v) for v in values)}]" for key, values in lists.items()]
    type_name = maybe("evil_desc", "evil")
    field_name = maybe("flags", "f")
    lines += [
        "[[operation]]", 'op = "add_type"', f"name = {_toml(type_name)}", 'kind = "struct"',
        f"c_struct = {_toml(maybe('evil_desc', 's'))}", "size = 8",
        f"summary = {_toml(prose())}", f"reason = {_toml(prose())}",
        "[[operation.fields]]", f"name = {_toml(field_name)}", "offset = 0", "size = 8",
        f"c_type = {_toml(maybe('unsigned long', 'struct page *'))}", f"doc = {_toml(prose())}",
        "[[operation]]", 'op = "remove"', 'type = "dmapool"', f"reason = {_toml(prose())}",
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def _key(onto: Ontology) -> tuple[object, ...]:
    return tuple(sorted(onto.types)), tuple(sorted(onto.functions)), tuple(sorted(onto.conversions))


def _lint_bundled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case lints the same bundled ontology before the proposal: do that once. The lint of
    the proposed ontology (every mutant adds a type and removes one, so its key differs) still
    runs each time. Keeps 100 cases near a minute."""
    lint, bundled = apply._lint, load_ontology()
    findings = lint(bundled)

    def cached(onto: Ontology) -> list[Finding]:
        return findings if _key(onto) == _key(bundled) else lint(onto)

    monkeypatch.setattr(apply, "_lint", cached)


def test_mutated_proposals_render_without_tracebacks_or_markup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _lint_bundled_once(monkeypatch)
    rng = random.Random(SEED)
    runner = CliRunner()
    outcomes: dict[str, int] = {}
    for case in range(CASES):
        path = tmp_path / f"case{case}.toml"
        path.write_text(_mutant(rng), encoding="utf-8")
        result = runner.invoke(app, ["propose", "doc", "--no-check", str(path)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (path.read_text(), result.output)
        assert result.exit_code in (0, 1, 2), result.output
        outcome = "document" if result.exit_code == 0 else f"refused (exit {result.exit_code})"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if result.exit_code == 0:
            bad, _ = unsafe_markup(result.output)
            assert bad == [], (path.read_text(), bad)
        if result.exit_code == 0 and case % 4 == 0:  # a quarter: the cover letter, mail-ready
            letter = runner.invoke(app, ["propose", "doc", "--format", "email", str(path)])
            assert letter.exit_code == 0, (path.read_text(), letter.output)
            assert_mail_ready(letter.stdout)
    print(outcomes)
    assert outcomes.get("document", 0) >= CASES // 4, outcomes  # a good share reaches the renderer
