"""The `memdesc` command: the ontology's commands plus `check`, which needs the checker.

Dependencies flow one way (the checker uses the ontology), so the checker assembles the full
command line: it registers `check` on the ontology's typer app and runs it.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer


def check(
    paths: Annotated[
        list[str] | None, typer.Argument(metavar="[PATHS]...", help="Files or packages (default: the bundled model).")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the messages as JSON.")] = False,
) -> None:
    """Type-check models against the ontology: mypy with the memdesc plugin plus a post-pass.

    Example: memdesc check model/
    Output and exit codes follow mypy's: 0 clean, 1 errors, 2 crash or bad usage.
    """
    from checker.run import main

    code = main(list(paths or []), json)
    if code:
        raise typer.Exit(code)


def main() -> None:
    from ontology.cli.fast import fast_path

    code = fast_path(sys.argv[1:])
    if code is not None:
        sys.stdout.flush()
        raise SystemExit(code)
    from ontology.cli.app import app

    app.command("check")(check)
    app()
