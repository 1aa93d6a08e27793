"""The conventions every `memdesc` command follows, in one place rather than in each command.

- `-h` as well as `--help` on every command (`HELP_OPTIONS`), `--version` on `memdesc` itself;
- every error is one line, `memdesc: error: ...`, exit 2: click's usage errors (a missing
  argument, an unknown option or command) as well as memdesc's own (`memdesc.options.fail`),
  instead of click's three-to-four-line usage block;
- help in words: every option that takes a value shows a metavar (FILE, TYPE, X.Y...) and no
  argument shows a Python type (`TYPE <list[str]>`). The metavars are set once over the whole
  click tree (`settle`), from the option's name (`METAVARS`) or its kind (a path is a FILE), so a
  new option gets one without its command saying so.

Exit codes (docs/reference/cli.md says the same): 0 ok, 1 the answer is "no" (findings, a
mismatch, no path), 2 usage or unusable input.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer._click import Command, Context
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.exceptions import Abort

HELP_OPTIONS = ["-h", "--help"]
USAGE_EXIT = 2

METAVARS = {
    "returns": "TYPE",
    "takes": "TYPE",
    "kernel": "X.Y",
    "root": "DIR",
}
"""An option's metavar by its parameter name, where the name alone does not say it; otherwise a
path option shows FILE and any other its name in capitals (`--kind KIND`, `--format FORMAT`)."""


def error_line(message: str, hint: str = "") -> str:
    """The one line every error is: `memdesc: error: ...`, click's wording made memdesc's
    (lower-case start, no final full stop, its "Did you mean" as memdesc's own suggestions read)."""
    text = " ".join(message.split())
    text = re.sub(r"\.? ?Did you mean (.*?)\??$", r" (did you mean \1?)", text)
    text = re.sub(r"\(Possible options: (.*?)\)$", r"(did you mean \1?)", text)
    text = text.removesuffix(".")
    return f"memdesc: error: {text[:1].lower()}{text[1:]}{hint}\n"


class WordArgument(TyperArgument):
    """A positional argument whose help shows its metavar only (`TYPE`), not typer's `TYPE <str>`."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return None


def settle(command: Command) -> None:
    """Give every value-taking option of `command` and its subcommands a metavar in words, and
    drop the Python type typer shows beside an argument."""
    for param in command.params:
        if isinstance(param, TyperOption) and not (param.is_flag or param.count) and param.metavar is None:
            name = param.name or ""
            param.metavar = METAVARS.get(name) or ("FILE" if param.type_descriptor.is_path else name.upper())
        elif type(param) is TyperArgument:
            param.__class__ = WordArgument
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            settle(sub)


class MemdescGroup(TyperGroup):
    """The root `memdesc` group: its help words are settled, and its errors are one line, exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settle(self)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            name = prog_name or "memdesc"  # `python -m memdesc` too: the errors name memdesc
            result = super().main(args, name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as usage:  # bare `memdesc` or `memdesc propose`: the help, as click does
            if not standalone_mode:
                raise
            usage.show()
            sys.exit(USAGE_EXIT)
        except ClickException as error:
            if not standalone_mode:
                raise
            ctx = getattr(error, "ctx", None)  # a UsageError's command, when click knows it
            hint = f" (see '{ctx.command_path} -h')" if isinstance(ctx, Context) else ""
            sys.stderr.write(error_line(error.format_message(), hint))
            sys.exit(USAGE_EXIT)
        except Abort:
            if not standalone_mode:
                raise
            sys.stderr.write(error_line("aborted"))
            sys.exit(1)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


def print_version(value: bool) -> None:
    """`memdesc --version`: the package's version and the kernel releases its bundled data covers."""
    if not value:
        return
    from importlib.metadata import version

    from memdesc.completion import releases
    from ontology import BUNDLED_ROOT

    covered = releases(BUNDLED_ROOT)
    span = f" (data: Linux {covered[0]} to {covered[-1]})" if covered else ""
    sys.stdout.write(f"memdesc {version('memdesc')}{span}\n")
    raise typer.Exit(0)
