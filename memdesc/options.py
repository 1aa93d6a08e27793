"""What every `memdesc` command module shares: the one-line error exit and common options.

Kept apart from `app` so the modules of other commands (`propose`, `docs`) can use it without
importing the main app, which registers them (no import cycle).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

from memdesc.completion import complete_kernel
from ontology.errors import NotInRelease, as_input_error

P = ParamSpec("P")
R = TypeVar("R")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data", help="Ontology root TOML file (default: the bundled data, Linux 6.1 to 7.3).", show_default=False
    ),
]
KernelOption = Annotated[
    str | None,
    typer.Option(
        "--kernel",
        metavar="X.Y",
        help="Answer for this kernel release (default: the newest the data covers).",
        show_default=False,
        autocompletion=complete_kernel,
    ),
]


def fail(message: str, code: int = 2) -> None:
    sys.stderr.write(f"memdesc: error: {message}\n")
    raise typer.Exit(code)


def _absent_text(command: str, absent: NotInRelease, as_json: bool) -> str:
    from memdesc.display import dumps_answer

    return dumps_answer(command, absent.as_dict()) if as_json else absent.message + "\n"


def handles_input_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn unusable input into one line on stderr and exit 2, never a traceback.

    InputError, and whatever reading or parsing raised before any reader could name it
    (`as_input_error`: OSError, bad UTF-8, bad TOML, nesting too deep); anything else is a bug
    and keeps its traceback.
    """

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except NotInRelease as absent:  # an answer, not an error: say it on stdout, exit 1
            sys.stdout.write(_absent_text(command.__name__.removesuffix("_command"), absent, bool(kwargs.get("json"))))
            raise typer.Exit(1) from None
        except Exception as error:
            unusable = as_input_error(error)
            if unusable is None:
                raise
            fail(str(unusable))
            raise AssertionError("unreachable") from None

    return wrapper
