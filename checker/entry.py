"""The `memdesc` console entry point, kept light: cached answers never import typer or mypy."""

from __future__ import annotations

import sys


def main() -> None:
    from ontology.cli.fast import fast_path

    code = fast_path(sys.argv[1:])
    if code is not None:
        sys.stdout.flush()
        raise SystemExit(code)
    from checker.cli import main as full_cli

    full_cli()
