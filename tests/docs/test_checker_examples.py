"""The checker rules page shows what the checker prints: its examples are checked here.

docs/checker/examples/*.py are checked in one `memdesc check` run with the project's mypy
configuration (strict, the plugin), as tests/checker/test_corpus.py checks the corpus. Every
message (file, line, severity, code, text) must match a `# E: [code] message` / `# N: message`
comment on its line, and every comment a message. The page (checker.site.rules_page) renders
the messages from those same comments with the same parser, so it cannot show anything else.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from checker import errorcodes
from checker.run import Message, check
from checker.site.rules_page import EXAMPLES_DIR, Example, Expected, read_examples, rules_page
from ontology.errors import InputError
from tests.support.paths import ROOT

EXAMPLES = ROOT / EXAMPLES_DIR
CONFIG = ["--config-file", str(ROOT / "pyproject.toml")]

Entry = tuple[str, Expected]
"""(file name, the message as an expectation)"""


@pytest.fixture(scope="module")
def checked() -> tuple[list[Message], int, int]:
    """One run over the whole directory: mypy's start-up and ontology.types dominate the cost."""
    return check([str(EXAMPLES)], CONFIG)


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return read_examples(EXAMPLES)


def entry(message: Message) -> Entry:
    path = Path(message.path).resolve()
    assert path.parent == EXAMPLES, f"a message outside the examples: {message}"
    return (path.name, Expected(message.line, message.severity, message.code, message.message))


def test_messages_match_the_comments(checked: tuple[list[Message], int, int], examples: list[Example]) -> None:
    messages, _, _ = checked
    actual = Counter(entry(message) for message in messages)
    expected = Counter((example.name, item) for example in examples for item in example.expected)
    missing = sorted((expected - actual).elements(), key=repr)
    unexpected = sorted((actual - expected).elements(), key=repr)
    assert not missing and not unexpected, "\n".join(
        [f"missing:    {m}" for m in missing] + [f"unexpected: {u}" for u in unexpected]
    )


def test_the_directory_is_checked_as_a_unit(checked: tuple[list[Message], int, int]) -> None:
    _, files, status = checked
    assert files == len(list(EXAMPLES.glob("*.py")))
    assert status == 1


def test_every_rule_has_examples_that_flag_only_it(examples: list[Example]) -> None:
    codes = {code.code for code in errorcodes.ALL}
    for example in examples:
        assert example.rule in codes, example.name
        if example.name.endswith("_fixed.py"):
            assert example.expected == (), f"{example.name} is a fixed version: it should expect nothing"
        else:
            # Notes carry no code; only the deprecated rule prints them.
            assert {item.code or errorcodes.DEPRECATED.code for item in example.expected} <= {example.rule}
    flagging = {example.rule for example in examples if example.expected}
    # memdesc-internal cannot be triggered honestly (the page says so).
    assert flagging == codes - {errorcodes.INTERNAL.code}


def test_page_shows_every_rule_example_and_message(examples: list[Example]) -> None:
    page = rules_page(ROOT)
    assert page.startswith("# Checker rules and error codes\n")
    for code in errorcodes.ALL:
        assert f"\n## {code.code}\n" in page
        assert code.description in page
    for example in examples:
        assert f"```python\n{example.shown_source()}```" in page
        for message in example.messages():
            assert f"\n{message}\n" in page
    assert rules_page(ROOT) == page


def test_shown_source_keeps_line_numbers() -> None:
    text = (
        "def f(slab: Slab) -> None:\n"
        "    print(slab.mapping)  # E: [memdesc-field] one # N: two\n"
        "    lock_page(page)  # type: ignore[misc]  # N: three\n"
        "\n"
        "# ruff: noqa: E501\n"
    )
    example = Example(
        "field_x.py",
        text,
        (
            Expected(2, "error", "memdesc-field", "one"),
            Expected(2, "note", None, "two"),
            Expected(3, "note", None, "three"),
        ),
    )
    assert example.shown_source() == (
        "def f(slab: Slab) -> None:\n"
        "    print(slab.mapping)  # error [memdesc-field], note\n"
        "    lock_page(page)  # type: ignore[misc]  # note\n"
    )
    assert [str(m) for m in example.messages()] == [
        "docs/checker/examples/field_x.py:2: error: one  [memdesc-field]",
        "docs/checker/examples/field_x.py:2: note: two",
        "docs/checker/examples/field_x.py:3: note: three",
    ]


def test_expectations_are_parsed_as_the_corpus_writes_them(tmp_path: Path) -> None:
    (tmp_path / EXAMPLES_DIR).mkdir(parents=True)
    path = tmp_path / EXAMPLES_DIR / "field_x.py"
    path.write_text("x = 1  # E: [memdesc-field] a b # E: [unused-ignore] c # N: d\n")
    [example] = read_examples(tmp_path / EXAMPLES_DIR)
    assert example.expected == (
        Expected(1, "error", "memdesc-field", "a b"),
        Expected(1, "error", "unused-ignore", "c"),
        Expected(1, "note", None, "d"),
    )


def test_malformed_expectation_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / EXAMPLES_DIR).mkdir(parents=True)
    (tmp_path / EXAMPLES_DIR / "field_x.py").write_text("\nx = 1  # E: no code here\n")
    with pytest.raises(InputError, match=r"field_x.py:2: write an expected error as"):
        rules_page(tmp_path)


def test_example_named_for_no_rule_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / EXAMPLES_DIR).mkdir(parents=True)
    (tmp_path / EXAMPLES_DIR / "misc_thing.py").write_text("x = 1\n")
    with pytest.raises(InputError, match=r"misc_thing.py: the name should start with a rule"):
        rules_page(tmp_path)
