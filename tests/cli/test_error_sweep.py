"""Every command, every kind of bad input: one line `memdesc: error: ...`, exit 2, no traceback (issue 12).

The commands are listed from the typer app itself, so a new command is swept automatically: one
that reads an ontology takes `--data` (or names its file as an argument, as `lint` does) and
gets every bad data file below; a command that reads no data file must be named in
NO_DATA_INPUT, with the reason, or the sweep fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from memdesc.app import app
from tests.support.btf_sample import SAMPLE_LE
from tests.support.paths import MINI, ROOT

NO_DATA_INPUT = {
    "generate": "regenerates the bundled types and verify plans only",
    "check": "type-checks model files (mypy's exit codes, tested in tests/checker)",
    "docs": "builds the site from the checkout (tested in tests/docs)",
    "btf extract": "reads a kernel image, no ontology (bad images are swept in tests/cli/test_btf_extract.py)",
}
"""Commands with no ontology data file to give them, and why."""

PROPOSAL = ROOT / "docs" / "proposals" / "gup-returns-folios.toml"

BAD_FILES = {
    "missing": None,
    "binary": b"\xff\xfe\x00\x01 not text \x80\x81",
    "malformed-toml": b'[[type]\nname = "page\n',
    "directory": "dir",
}


def _commands() -> dict[str, Any]:
    """Every leaf command by its full name (`list`, `propose diff`...)."""
    found: dict[str, Any] = {}

    def walk(command: Any, prefix: str) -> None:
        if hasattr(command, "commands"):  # a group (typer vendors its own click: no isinstance)
            for name, sub in command.commands.items():
                walk(sub, f"{prefix} {name}".strip())
        else:
            found[prefix] = command

    walk(typer.main.get_command(app), "")
    return found


COMMANDS = _commands()


def _is_argument(param: Any) -> bool:
    return bool(param.param_type_name == "argument")


def _file_argument(command: Any) -> str | None:
    """The metavar of the argument naming the command's input file (lint's FILE, a PROPOSAL), if any."""
    for param in command.params:
        if _is_argument(param) and param.metavar in ("FILE", "PROPOSAL"):
            return param.metavar
    return None


def _takes_data(command: Any) -> bool:
    return any("--data" in param.opts for param in command.params)


def _args(name: str, command: Any, data: Path, proposal: Path, btf: Path, type_name: str | None = None) -> list[str]:
    """A plain invocation of `name` with `data` as its ontology and `proposal` as its proposal;
    with `type_name`, every type argument (optional ones too) names that type."""
    args = name.split()
    values = {
        "TYPE": "folio",
        "FROM": "page",
        "TO": "folio",
        "FILE": str(data),
        "PROPOSAL": str(proposal),
        "OLD": "6.18",
        "NEW": "6.18",
        "NAME": "folio",
    }
    if type_name is not None:
        values |= {"TYPE": type_name, "FROM": type_name, "TO": type_name}
    for param in command.params:
        if _is_argument(param) and (param.required or (type_name and param.metavar == "TYPE")):
            args.append(values[str(param.metavar)])
    if _file_argument(command) == "FILE" and str(data) not in args:
        args.append(str(data))  # lint's FILE is optional (default: the bundled data)
    if _takes_data(command):
        args += ["--data", str(data)]
    if any("--btf" in param.opts for param in command.params):
        args += ["--btf", str(btf)]
    return args


def _bad_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"bad-{kind}.toml"
    content = BAD_FILES[kind]
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "dir":
        path.mkdir()
    return path


@pytest.fixture
def btf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "sample.btf"
    path.write_bytes(SAMPLE_LE)
    return path


def _assert_one_line_error(code: int, out: str, err: str) -> None:
    assert "Traceback" not in out + err, err
    assert code == 2, (code, out, err)
    assert out == "", out
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("memdesc: error: "), err


def test_every_command_is_classified() -> None:
    """A command reads ontology data (swept below) or is named in NO_DATA_INPUT."""
    for name, command in COMMANDS.items():
        reads_data = _takes_data(command) or _file_argument(command) is not None
        assert reads_data != (name in NO_DATA_INPUT), name


DATA_COMMANDS = sorted(name for name, command in COMMANDS.items() if name not in NO_DATA_INPUT)


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
@pytest.mark.parametrize("name", DATA_COMMANDS)
def test_bad_data_file(name: str, kind: str, tmp_path: Path, btf: Path) -> None:
    """The ontology given to a command is missing, binary, not TOML or a directory."""
    bad = _bad_file(tmp_path, kind)
    result = CliRunner().invoke(app, _args(name, COMMANDS[name], bad, PROPOSAL, btf))
    _assert_one_line_error(result.exit_code, result.stdout, result.stderr)
    assert bad.name in result.stderr


PROPOSAL_COMMANDS = sorted(name for name, command in COMMANDS.items() if _file_argument(command) == "PROPOSAL")


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
@pytest.mark.parametrize("name", PROPOSAL_COMMANDS)
def test_bad_proposal_file(name: str, kind: str, tmp_path: Path, btf: Path) -> None:
    bad = _bad_file(tmp_path, kind)
    result = CliRunner().invoke(app, _args(name, COMMANDS[name], MINI, bad, btf))
    _assert_one_line_error(result.exit_code, result.stdout, result.stderr)
    assert bad.name in result.stderr


TYPE_COMMANDS = sorted(
    name
    for name, command in COMMANDS.items()
    if any(_is_argument(p) and p.metavar in ("TYPE", "FROM", "TO") for p in command.params)
)


@pytest.mark.parametrize("name", TYPE_COMMANDS)
def test_unknown_type_name(name: str, btf: Path) -> None:
    args = _args(name, COMMANDS[name], MINI, PROPOSAL, btf, type_name="no_such_type")
    result = CliRunner().invoke(app, args)
    _assert_one_line_error(result.exit_code, result.stdout, result.stderr)


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
@pytest.mark.parametrize("name", ["verify", "census", "show", "lint"])
def test_console_entry_and_fast_path(name: str, kind: str, tmp_path: Path, btf: Path) -> None:
    """The same through the installed entry point, whose fast path answers verify/census itself."""
    bad = _bad_file(tmp_path, kind)
    args = _args(name, COMMANDS[name], bad, PROPOSAL, btf)
    env = {**os.environ, "MEMDESC_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", "from memdesc.entry import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    _assert_one_line_error(done.returncode, done.stdout, done.stderr)


@pytest.mark.parametrize(
    "raised",
    [
        PermissionError(13, "Permission denied", "x.toml"),
        IsADirectoryError(21, "Is a directory", "x.toml"),
        OSError(40, "Too many levels of symbolic links", "x.toml"),
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"),
        RecursionError("maximum recursion depth exceeded"),
    ],
)
def test_reader_errors_reach_the_one_exit(raised: Exception, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever reading raised before a reader named it still leaves as one line, exit 2."""

    def fail(_path: object = None, _kernel: object = None) -> object:
        raise raised

    monkeypatch.setattr("ontology.strict.load_ontology", fail)
    result = CliRunner().invoke(app, ["list", "--data", str(MINI)])
    _assert_one_line_error(result.exit_code, result.stdout, result.stderr)
    if isinstance(raised, OSError):
        assert result.stderr.startswith("memdesc: error: x.toml: cannot read: ")


def test_a_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only unusable input is turned into a line: a bug still fails loudly."""

    def fail(_path: object = None, _kernel: object = None) -> object:
        raise KeyError("bug")

    monkeypatch.setattr("ontology.strict.load_ontology", fail)
    result = CliRunner().invoke(app, ["list", "--data", str(MINI)])
    assert isinstance(result.exception, KeyError)
