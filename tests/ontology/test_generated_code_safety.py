"""No data string reaches code position in the generated module.

The generator writes data into `ontology/types.py` only as validated identifiers and escaped
string constants. These tests generate the module from the bundled data and from hostile but
valid data (names at their length limits; prose with quotes, backslashes, triple quotes,
newlines, code and unicode), check its syntax tree has the generator's fixed shape
(`tests.support.generated_shape`), find every hostile string intact inside a string constant,
and run the module to show that importing it runs none of the data.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from ontology.strict import load_ontology
from ontology.typegen import TYPES_PATH, generate
from tests.support.generated_shape import check_shape, string_constants
from tests.support.paths import FIXTURES

MINI = (FIXTURES / "mini.toml").read_text(encoding="utf-8")

LONG_TYPE = "t" * 64
LONG_FIELD = "f" * 128
LONG_PREDICATE = "P" + "p" * 127


def _hostile_strings(sentinel: Path) -> list[str]:
    code = f'__import__("pathlib").Path({str(sentinel)!r}).touch()'
    return [
        'ends with a quote"',
        "ends with a backslash \\",
        "triple \"\"\" double and ''' single quotes",
        'back\\slash \\n \\\\ and \\" escaped',
        "unicode ünïcødé \U0001d518 ☃ \u00a0 and \u200b",
        f'"""; {code}; """',
        f"'''; {code}; '''",
        f'"; {code}; "',
        f"multi\nline\n    {code}\n\tindented",
        f"\\\n{code}",
    ]


def _toml(text: str) -> str:
    """A TOML basic string holding `text` (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _hostile_data(tmp_path: Path, strings: list[str]) -> Path:
    text = MINI
    edits = [
        ('summary = "A page frame."', f"summary = {_toml(strings[0])}"),
        ('summary = "A contiguous power-of-two set of pages."', f"summary = {_toml(strings[1])}"),
        ('summary = "A folio of anonymous memory."', f"summary = {_toml(strings[2])}"),
        ('kernel = "6.18"', 'kernel = "99.99"'),  # a release is validated (RELEASE_RE): the most it can be
        ('name = "_refcount"', f'name = "{LONG_FIELD}"'),
        ('title = "struct page and struct folio"', f"title = {_toml(strings[3])}"),
    ]
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    text = text.replace("folio_test_anon", LONG_PREDICATE).replace("anon_folio", LONG_TYPE)
    conversions = text.split("[[conversion]]")
    for index, string in enumerate(strings[4:6], start=1):
        conversions[index] = conversions[index].replace("source =", f"notes = {_toml(string)}\nsource =", 1)
    text = "[[conversion]]".join(conversions)
    predicate_start = text.index("[[predicate]]")
    tests_line = text.index("tests = ", predicate_start)
    tests_end = text.index("\n", tests_line)
    text = text[:tests_line] + f"tests = {_toml(' '.join([strings[3], *strings[6:]]))}" + text[tests_end:]
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_module_has_the_generator_shape() -> None:
    text = TYPES_PATH.read_text(encoding="utf-8")
    check_shape(text)
    assert generate(load_ontology()) == text


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[str, list[str], Path]:
    sentinel = tmp_path / "ran"
    strings = _hostile_strings(sentinel)
    return generate(load_ontology(_hostile_data(tmp_path, strings))), strings, sentinel


def test_hostile_module_has_the_generator_shape(hostile: tuple[str, list[str], Path]) -> None:
    text, _, _ = hostile
    tree = check_shape(text)
    names = {node.name for node in tree.body if hasattr(node, "name")}
    assert {"T" * 1 + "t" * 63, "P" + "p" * 127}.issubset(names)
    assert f"    {LONG_FIELD}: Any" in text.splitlines()


def test_every_hostile_string_is_one_string_constant(hostile: tuple[str, list[str], Path]) -> None:
    text, strings, _ = hostile
    constants = string_constants(check_shape(text))
    for string in strings:
        collapsed = " ".join(string.split())
        assert any(collapsed in constant for constant in constants), string


def test_importing_the_hostile_module_runs_no_data(hostile: tuple[str, list[str], Path]) -> None:
    text, _, sentinel = hostile
    namespace: dict[str, object] = {"__name__": "hostile_types"}
    exec(compile(text, "hostile_types.py", "exec"), namespace)
    assert not sentinel.exists()
    assert "FACTS" in namespace


@pytest.mark.parametrize(
    "text", ["", '"', "\\", '"""', "a\nb\x00\x7f\x85", "\u2028\u202e", "\U0001d518 ☃ ü", "\ud800", "\\u0041"]
)
def test_string_literal_reads_back_exactly_in_ascii(text: str) -> None:
    from ontology.facttable import string_literal

    written = string_literal(text)
    assert written.isascii() and written.isprintable() and written.startswith('"')
    assert ast.literal_eval(written) == text
