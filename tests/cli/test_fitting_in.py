"""The CLI fits in: help that starts with an example, NO_COLOR, shell completion, a pre-commit
hook and a generated CLI reference."""

from __future__ import annotations

import os
import pty
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from typer._click import Command, Context
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.testing import CliRunner

from memdesc import display
from memdesc.app import app
from tests.support.paths import MINI, ROOT

MEMDESC = Path(sys.executable).parent / "memdesc"
runner = CliRunner()


def tree() -> Iterator[tuple[list[str], Command]]:
    """(path after `memdesc`, command) for the root and every command and group below it."""

    def walk(path: list[str], command: Command, context: Context) -> Iterator[tuple[list[str], Command]]:
        yield path, command
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                yield from walk([*path, name], sub, Context(sub, info_name=name, parent=context))

    root = typer.main.get_command(app)
    yield from walk([], root, Context(root, info_name="memdesc"))


COMMANDS = list(tree())
IDS = [" ".join(["memdesc", *path]) for path, _ in COMMANDS]


def example_of(command: Command) -> str:
    first = (command.help or "").strip().split("\n\n")[0]
    assert first.startswith("Example: memdesc") and "\n" not in first, first
    return first.removeprefix("Example: ")


def resolve(example: str) -> tuple[list[str], Command, Context, list[str]]:
    """The command an example invokes (its path, the command, a context) and its remaining words."""
    words = shlex.split(example)
    assert words[0] == "memdesc"
    command = typer.main.get_command(app)
    context = Context(command, info_name="memdesc")
    path: list[str] = []
    rest = words[1:]
    while isinstance(command, TyperGroup) and rest and rest[0] in command.commands:
        path.append(rest.pop(0))
        command = command.commands[path[-1]]
        context = Context(command, info_name=path[-1], parent=context)
    return path, command, context, rest


def test_the_tree_has_every_command() -> None:
    assert {"memdesc show", "memdesc check", "memdesc docs", "memdesc propose", "memdesc propose doc"} <= set(IDS)
    assert {"memdesc propose check", "memdesc propose diff"} <= set(IDS)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_help_starts_with_its_own_example(path: list[str], command: Command) -> None:
    result = runner.invoke(app, [*path, "--help"])  # CliRunner formats at 80 columns
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Usage: " + " ".join(["memdesc", *path]))
    assert lines[1] == ""
    assert lines[2].strip().startswith("Example: " + " ".join(["memdesc", *path]) + " ")
    assert lines[2].strip() == "Example: " + example_of(command), "the example wraps at 80 columns"
    assert lines[3] == "" and lines[4].strip(), "a blank line, then the description"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_example_invokes_an_existing_command_and_parses(path: list[str], command: Command) -> None:
    example_path, target, context, rest = resolve(example_of(command))
    assert example_path[: len(path)] == path, "the example is of this command (or one below this group)"
    assert not isinstance(target, TyperGroup), "the example runs a command, not a group"
    # Parses and converts every word (an unknown option or a missing argument raises); runs nothing.
    parsed = target.make_context(context.info_name, rest, parent=context.parent)
    assert not parsed.args, "no word left over"


CHEAP = {"", "list", "show", "tree", "path", "layout", "functions", "lint", "propose diff"}


@pytest.mark.parametrize(
    ("path", "command"),
    [(p, c) for p, c in COMMANDS if " ".join(p) in CHEAP],
    ids=[i for (p, _), i in zip(COMMANDS, IDS, strict=True) if " ".join(p) in CHEAP],
)
def test_cheap_examples_run(path: list[str], command: Command, monkeypatch: pytest.MonkeyPatch) -> None:
    """Examples that read only the checkout run clean from its root (the others need mypy, BTF or write files)."""
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, shlex.split(example_of(command))[1:])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() or path == ["lint"], "lint prints nothing when clean"


def test_command_lists_show_the_description_not_the_example() -> None:
    for path, command in COMMANDS:
        if not isinstance(command, TyperGroup):
            continue
        output = runner.invoke(app, [*path, "--help"]).output
        listing = output.split("\nCommands:\n")[1].splitlines()
        assert len(listing) == len(command.commands), f"one line per command in {path}: {listing}"
        for line, (name, sub) in zip(listing, command.commands.items(), strict=True):
            assert line.split() == [name, *sub.get_short_help_str().split()]
            assert "Example" not in line


# NO_COLOR: no escape codes, even on a terminal; colour on a terminal otherwise.


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setattr(display, "is_terminal", lambda: True)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLORTERM"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_tables_colour_on_a_terminal_unless_no_color(terminal: pytest.MonkeyPatch) -> None:
    fancy = display.table(["a", "b"], [["1", "[bold]2[/]"]])
    assert "\x1b[" in fancy and "│" in fancy
    terminal.setenv("NO_COLOR", "1")
    plain = display.table(["a", "b"], [["1", "[bold]2[/]"]])
    assert "\x1b[" not in plain and "│" in plain
    assert "[bold]2[/]" in plain, "cells are text, not rich markup"


def test_show_on_a_terminal_honours_no_color(terminal: pytest.MonkeyPatch) -> None:
    coloured = runner.invoke(app, ["show", "folio", "--data", str(MINI)])
    assert coloured.exit_code == 0 and "\x1b[" in coloured.stdout
    plain = runner.invoke(app, ["show", "folio", "--data", str(MINI)], env={"NO_COLOR": "1"})
    assert plain.exit_code == 0 and "\x1b[" not in plain.stdout and "│" in plain.stdout


def on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """What the installed `memdesc` writes to a pseudo-terminal (stdout and stderr)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([str(MEMDESC), *args], stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=60) == 0, b"".join(chunks)
    return b"".join(chunks).decode()


def test_no_color_on_a_real_terminal(tmp_path: Path) -> None:
    """The installed entry point on a pty: rich tables (fast path), click's own styling, plain help."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE")}
    env |= {"TERM": "xterm-256color", "HOME": str(tmp_path), "MEMDESC_CACHE_DIR": str(tmp_path / "cache")}
    # The shell is named (bash) rather than detected from the process tree, which has no shell
    # when the suite runs detached (typer's switch for tests: --install-completion then takes it).
    env["_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"] = "1"
    assert "\x1b[" in on_a_terminal(["show", "slab"], env)
    assert "\x1b[32m" in on_a_terminal(["--install-completion", "bash"], env), "typer's green confirmation"
    assert "\x1b[" not in on_a_terminal(["--help"], env), "plain click help: rich_markup_mode=None"
    env["NO_COLOR"] = "1"
    shown = on_a_terminal(["show", "slab"], env)
    assert "\x1b[" not in shown and "│" in shown
    installed = on_a_terminal(["--install-completion", "bash"], env)
    assert "\x1b[" not in installed and "completion installed" in installed
    assert (tmp_path / ".bash_completions" / "memdesc.sh").exists()


def test_no_rich_help_anywhere() -> None:
    from memdesc.propose_commands import propose_app

    assert app.rich_markup_mode is None and propose_app.rich_markup_mode is None


# Shell completion, through the console entry point (memdesc.entry:main, fast path first).


def complete(words: str, shell: str = "bash") -> list[str]:
    env = {**os.environ, "_MEMDESC_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        cword = len(words.split()) - (0 if words.endswith(" ") else 1)
        env |= {"COMP_WORDS": words, "COMP_CWORD": str(cword)}
    else:
        env["_TYPER_COMPLETE_ARGS"] = words
    done = subprocess.run([str(MEMDESC)], env=env, capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.splitlines()


def test_commands_complete_through_the_console_entry() -> None:
    assert "show" in complete("memdesc sh")
    assert {"check", "propose"} <= set(complete("memdesc "))
    assert complete("memdesc propose d") == ["diff", "doc"]


def test_type_names_complete() -> None:
    assert "folio" in complete("memdesc show fol")
    assert "slab" not in complete("memdesc show fol")
    assert "ptdesc" in complete("memdesc layout slab pt")
    assert {"slab", "page"} <= set(complete("memdesc path page "))
    assert "anon_folio" in complete("memdesc tree ano")
    assert "folio" in complete("memdesc functions --returns fo")
    zsh = "\n".join(complete("memdesc show fol", shell="zsh"))
    assert '"folio":' in zsh, "zsh gets the name with its summary"


def test_type_completion_reads_data_and_survives_bad_data(tmp_path: Path) -> None:
    from memdesc.completion import complete_type, type_names

    assert set(type_names(MINI)) == {"anon_folio", "folio", "page"}
    assert type_names(tmp_path / "missing.toml") == {}
    (tmp_path / "bad.toml").write_text("[[type]\n")
    assert type_names(tmp_path / "bad.toml") == {}
    context = Context(typer.main.get_command(app), info_name="memdesc")
    context.params["data"] = MINI
    assert [name for name, _ in complete_type(context, "")] == ["anon_folio", "folio", "page"]


def test_fast_path_leaves_completion_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    from memdesc.fastpath import fast_path

    monkeypatch.setenv("_MEMDESC_COMPLETE", "complete_bash")
    assert fast_path(["show", "folio"]) is None


# The pre-commit hook.


def test_pre_commit_hook_manifest() -> None:
    from importlib.metadata import entry_points

    from pre_commit.clientlib import load_manifest

    hooks = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    (hook,) = hooks
    assert hook["id"] == "memdesc-check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False and hook["types"] == ["python"]
    program, *arguments = shlex.split(hook["entry"])
    (script,) = entry_points(group="console_scripts", name=program)
    assert script.value == "memdesc.entry:main"
    assert (Path(sys.executable).parent / program).exists(), "pip installs the console script pre-commit runs"
    path, command, context, rest = resolve(" ".join([program, *arguments, "model"]))
    assert path == ["check"] and rest == ["model"]
    command.make_context(context.info_name, rest, parent=context.parent)


# The CLI reference page.


def test_cli_reference_covers_every_command_and_option(monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.site.cli_reference import cli_reference_page

    page = cli_reference_page(typer.main.get_command(app))
    assert page.startswith("# CLI reference\n")
    monkeypatch.setenv("COLUMNS", "40")
    assert cli_reference_page(typer.main.get_command(app)) == page, "deterministic, whatever the terminal"
    sections = {section.split("\n", 1)[0]: section for section in page.split("\n## ")[1:]}
    headings = list(sections)
    assert headings == [f"{name} {{#{name.replace(' ', '-')}}}" for name in IDS], "root first, registration order"
    for (_, command), name in zip(COMMANDS, IDS, strict=True):
        section = sections[f"{name} {{#{name.replace(' ', '-')}}}"]
        assert f"$ {example_of(command)}\n" in section
        for param in command.params:
            assert isinstance(param, TyperArgument | TyperOption)
            for word in param.opts if isinstance(param, TyperOption) else [param.display_name_raw]:
                assert f"`{word}" in section, (name, word)
    anchors = set(re.findall(r"\{#([\w-]+)\}", page))
    assert set(re.findall(r"\]\(#([\w-]+)\)", page)) <= anchors


def test_cli_reference_tables_are_well_formed() -> None:
    from checker.site.cli_reference import cli_reference_page

    for block in cli_reference_page(typer.main.get_command(app)).split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if rows:
            widths = {len(re.split(r"(?<!\\)\|", row)) for row in rows}
            assert len(widths) == 1, block
