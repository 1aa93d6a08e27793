"""`memdesc check` over the corpus (tests/checker/corpus), message by message, and the bundled model
clean both under `memdesc check` and under plain mypy with the project's configuration.

The corpus is checked once, with the project's mypy configuration (strict, the plugin), and every
message (file, line, severity, code, text) must match a `# E: [code] text` / `# N: text` comment
on its line, and every comment a message: see tests/checker/corpus/README.md.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from mypy import api

from checker.run import Message, check, package_dir
from tests.support.paths import ROOT

CORPUS = Path(__file__).resolve().parent / "corpus"
CONFIG = ["--config-file", str(ROOT / "pyproject.toml")]

Entry = tuple[str, int, str, str | None, str]
"""(file name, line, severity, code, message)"""

_COMMENT = re.compile(r"# (?P<kind>[EN]): (?P<text>.*?)(?=\s*# [EN]: |$)")
_ERROR = re.compile(r"\[(?P<code>[a-z0-9-]+)\] (?P<message>.+)")


def expected_messages() -> Counter[Entry]:
    found: Counter[Entry] = Counter()
    for path in sorted(CORPUS.glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for match in _COMMENT.finditer(line):
                if match["kind"] == "N":
                    found[(path.name, number, "note", None, match["text"])] += 1
                    continue
                error = _ERROR.fullmatch(match["text"])
                assert error is not None, f"{path.name}:{number}: write errors as `# E: [code] message`"
                found[(path.name, number, "error", error["code"], error["message"])] += 1
    return found


def entry(message: Message) -> Entry:
    path = Path(message.path).resolve()
    assert path.parent == CORPUS, f"a message outside the corpus: {message}"
    return (path.name, message.line, message.severity, message.code, message.message)


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Message], int, int]:
    return check([str(CORPUS)], CONFIG)


def test_corpus_messages_match_the_comments(corpus: tuple[list[Message], int, int]) -> None:
    messages, _, _ = corpus
    actual = Counter(entry(message) for message in messages)
    expected = expected_messages()
    missing = sorted((expected - actual).elements())
    unexpected = sorted((actual - expected).elements())
    assert not missing and not unexpected, "\n".join(
        [f"missing:    {m}" for m in missing] + [f"unexpected: {u}" for u in unexpected]
    )


def test_corpus_run_checks_every_file_and_fails(corpus: tuple[list[Message], int, int]) -> None:
    _, checked, status = corpus
    assert checked == len(list(CORPUS.glob("*.py")))
    assert status == 1


def test_corpus_covers_every_rule_and_the_post_pass() -> None:
    expected = expected_messages()
    codes = {code for (_, _, _, code, _) in expected}
    assert {"memdesc-convert", "memdesc-field", "memdesc-narrow", "memdesc-return"} <= codes
    texts = [message for (_, _, _, _, message) in expected]
    assert any("is page-based" in text for text in texts)  # memdesc-deprecated, a note
    # What only the post-pass sees: casts, unregistered conversions, API names without @implement.
    assert any(text.startswith("cast from") and "bypasses" in text for text in texts)
    assert any(text.startswith("cast from") and "skips the predicate" in text for text in texts)
    assert any("is not a registered conversion" in text for text in texts)
    assert any(name == "return_bad.py" and code == "memdesc-return" for (name, _, _, code, _) in expected)
    assert not [e for e in expected if e[0].endswith("_good.py")]


def test_bundled_model_is_clean_under_memdesc_check() -> None:
    messages, checked, status = check([str(package_dir("model"))], CONFIG)
    assert [str(m) for m in messages] == []
    assert status == 0
    assert checked > 10


def test_bundled_model_is_clean_under_plain_mypy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The project's configuration runs the plugin (plugins = ["checker.plugin"]); from the
    # repository root mypy finds `ontology` and `model` as source packages.
    monkeypatch.chdir(ROOT)
    stdout, stderr, status = api.run([*CONFIG, "--cache-dir", str(tmp_path / "cache"), "model"])
    assert (status, stderr) == (0, ""), stdout
    assert stdout.startswith("Success: no issues found")
