"""The `memdesc` console entry point, kept light: cached BTF answers never import typer."""

from __future__ import annotations

import sys


def main() -> None:
    from ontology.cli.fast import fast_path

    code = fast_path(sys.argv[1:])
    if code is not None:
        sys.stdout.flush()
        raise SystemExit(code)
    from ontology.cli.app import app

    app()
