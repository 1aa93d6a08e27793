"""Fuzzing the ontology data through `memdesc lint` and the type generator.

Each case is seeded: it mutates the mini fixture (names, prose, numbers, value types, entries,
keys, and the TOML text itself), then runs `memdesc lint` in-process and generates the types
module from it. The property: never a traceback, exit 0/1/2 only, each case within a few
seconds, every generated module has the generator's shape and imports without running data,
and no file changes outside the case's temp dir.
"""

from __future__ import annotations

import json
import os
import random
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from ontology.errors import InputError
from ontology.strict import load_ontology
from ontology.typegen import generate
from tests.support.btf_errors import time_limit
from tests.support.generated_shape import check_shape
from tests.support.paths import FIXTURES

CASES = 240
SECONDS = 10.0
"""A hang guard for lint and for loading and generating, each: a case takes well under a second
alone, but CI machines are shared."""
ROOT = Path(__file__).resolve().parents[2]
MINI = tomllib.loads((FIXTURES / "mini.toml").read_text(encoding="utf-8"))
SKIPPED_DIRS = frozenset({".venv", ".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "site"})

ODD_CHARACTERS = ["\n", "\r", "\t", " ", '"', "'", "\\", "$", "{", "}", "#", "\x00", "\x1b", "\x7f", "\x85", "\u2028"]
ODD_CHARACTERS += ["\u202e", "é", "\U0001d518", "*", "(", ")", ";", ":", "-", ".", "/", "A", "_", "0"]
ODD_STRINGS = [
    "",
    "x" * 65,
    "y" * 129,
    "_",
    "0abc",
    "page",
    "folio",
    "Folio",
    "class",
    "None",
    "__class__",
    'zz: int\n    import os; os.system("true")\n    yy',
    "page\n",
    '"""',
    "'''",
    "\\",
    "struct page *",
    "void f(void)",
    "a(a(a(a(a(a(",
    "6.18\n",
    "ünïcødé",
]
ODD_NUMBERS = [-1, 0, 1, 2, 3, 7, 8, 15, 16, 63, 64, 255, 256, 4095, 4096, 65536, 2**31, 2**63 - 1]


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) below `node`, containers included."""
    found: list[tuple[tuple[Any, ...], Any]] = [(path, node)] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _leaves(value, (*path, index))
    return found


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


def _odd_string(rng: random.Random, value: str) -> str:
    choice = rng.randrange(4)
    if choice == 0:
        return rng.choice(ODD_STRINGS)
    if choice == 1 and value:
        at = rng.randrange(len(value) + 1)
        return value[:at] + rng.choice(ODD_CHARACTERS) + value[at:]
    if choice == 2:
        return value + rng.choice(ODD_CHARACTERS)
    return "".join(rng.choice(ODD_CHARACTERS) for _ in range(rng.randrange(1, 8)))


PROSE_KEYS = frozenset({"summary", "notes", "tests", "title", "doc", "note"})
PROSE_PIECES = ['"', '"""', "'''", "\\", "\\n", "\n", "\t", "é", "\U0001d518", "☃", "${x}", "# x", "`", "*", "_"]
PROSE_PIECES += ['__import__("os").system("true")', "\nimport os\n", "); exit(", "{}", " "]


def _prose(rng: random.Random, data: dict[str, Any]) -> str:
    """Rewrite one piece of prose with quotes, backslashes, newlines, code and unicode: data the
    schema accepts, so the generator must write it safely."""
    path, _ = rng.choice([(p, v) for p, v in _leaves(data) if p[-1] in PROSE_KEYS and isinstance(v, str)])
    _parent(data, path)[path[-1]] = "".join(rng.choice(PROSE_PIECES) for _ in range(rng.randrange(1, 12)))
    return f"prose at {path}"


def _mutate(rng: random.Random, data: dict[str, Any]) -> str:
    """Change one thing in `data` in place; say what (for the failure message)."""
    if rng.random() < 0.4:
        return _prose(rng, data)
    path, value = rng.choice(_leaves(data))
    parent, key = _parent(data, path), path[-1]
    kind = rng.randrange(8)
    if kind <= 2 and isinstance(value, str):
        parent[key] = _odd_string(rng, value)
    elif kind <= 2 and isinstance(value, bool):
        parent[key] = not value
    elif kind <= 2 and isinstance(value, int):
        parent[key] = rng.choice(ODD_NUMBERS)
    elif kind == 3:  # another type of value
        parent[key] = rng.choice([0, "x", True, [], {}, ["page"], {"name": "x"}, 1.5])
    elif kind == 4 and isinstance(parent, dict):
        del parent[key]
    elif kind == 4 and isinstance(parent, list):
        parent.pop(key)
    elif kind == 5 and isinstance(parent, list):
        parent.insert(key, json.loads(json.dumps(value)))  # a duplicate entry
    elif kind == 6 and isinstance(parent, dict):
        parent[rng.choice(["unknown", "name", "kind", "source", "include", "fields"])] = rng.choice(ODD_STRINGS)
    else:  # a name another entry already has, or a reference to it
        names = [v for p, v in _leaves(data) if p[-1] == "name" and isinstance(v, str)]
        parent[key] = rng.choice(names)
    return f"{kind} at {path}"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def _toml(data: dict[str, Any]) -> str:
    """`data` as TOML: plain tables as tables, arrays of tables as [[section]], the rest inline."""
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines += [f"[{json.dumps(key)}]", *(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items())]
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            for item in value:
                lines += [f"[[{json.dumps(key)}]]", *(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in item.items())]
        else:
            lines.insert(0, f"{json.dumps(key)} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _mangle_text(rng: random.Random, text: str) -> str:
    """A textual mutation: drop, repeat or cut a line, or insert a character."""
    lines = text.splitlines(keepends=True)
    at = rng.randrange(len(lines))
    choice = rng.randrange(4)
    if choice == 0:
        del lines[at]
    elif choice == 1:
        lines.insert(at, lines[at])
    elif choice == 2:
        lines[at] = lines[at][: rng.randrange(len(lines[at]) + 1)]
    else:
        line = lines[at]
        cut = rng.randrange(len(line) + 1)
        lines[at] = line[:cut] + rng.choice(ODD_CHARACTERS) + line[cut:]
    return "".join(lines)


def case_text(seed: int) -> tuple[str, list[str]]:
    """The TOML text of case `seed` and the mutations that made it."""
    rng = random.Random(seed)
    data = json.loads(json.dumps(MINI))
    done = [_mutate(rng, data) for _ in range(rng.randrange(1, 4))]
    text = _toml(data)
    if rng.random() < 0.2:
        text = _mangle_text(rng, text)
        done.append("text")
    return text, done


def _snapshot() -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file of the checkout but caches and the venv."""
    found: dict[str, tuple[int, int]] = {}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [name for name in dirs if name not in SKIPPED_DIRS]
        for name in files:
            stat = os.stat(os.path.join(folder, name))
            found[os.path.join(folder, name)] = (stat.st_mtime_ns, stat.st_size)
    return found


@pytest.fixture(scope="module")
def checkout() -> dict[str, tuple[int, int]]:
    return _snapshot()


OUTCOMES: dict[str, int] = {}
"""Outcome counts over the run (lint exit code, generated or refused), for the report."""


def _generate(path: Path, tmp_path: Path) -> str:
    """Generate the types module from `path`; check its shape and that importing it runs no data."""
    try:
        with time_limit(SECONDS):
            text = generate(load_ontology(path))
    except InputError as error:
        assert "\n" not in str(error) and str(error).startswith(f"{path}"), str(error)
        return "refused"
    check_shape(text)
    namespace: dict[str, object] = {"__name__": "fuzzed_types"}
    exec(compile(text, str(tmp_path / "types.py"), "exec"), namespace)
    assert "FACTS" in namespace
    return "generated"


def run_case(seed: int, tmp_path: Path) -> str:
    """Lint and generate case `seed` in `tmp_path`, checking the property; its outcome."""
    text, done = case_text(seed)
    path = tmp_path / "ontology.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with time_limit(SECONDS):
        result = CliRunner().invoke(app, ["lint", str(path)])
    assert result.exit_code in (0, 1, 2), (done, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (done, result.exception)
    assert "Traceback" not in result.output, done
    return f"lint exit {result.exit_code}, {_generate(path, tmp_path)}"


@pytest.mark.parametrize("seed", range(CASES))
def test_mutated_data_lints_and_generates_safely(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checkout: dict[str, tuple[int, int]]
) -> None:
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(tmp_path / "cache"))
    outcome = run_case(seed, tmp_path)
    OUTCOMES[outcome] = OUTCOMES.get(outcome, 0) + 1
    assert _snapshot() == checkout, case_text(seed)[1]


def test_the_fuzz_reaches_every_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Most cases are refused, but some mutations must lint clean and generate a module, or the
    fuzz would only be testing the schema. Self-contained: it runs the seeds itself, in order,
    until both outcomes are seen (a few cases), rather than reading what other tests recorded."""
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(tmp_path / "cache"))
    seen: dict[str, int] = {}
    for seed in range(CASES):
        case_dir = tmp_path / str(seed)
        case_dir.mkdir()
        outcome = run_case(seed, case_dir)
        seen[outcome] = seen.get(outcome, 0) + 1
        if "lint exit 0, generated" in seen and any(key.startswith("lint exit 1") for key in seen):
            return
    raise AssertionError(f"the fuzz never reaches both outcomes: {seen}")
