"""The `memdesc` console entry point, kept light: cached answers never import typer or mypy.

The fast path runs once; when it does not answer, the typer app does (a cache miss is computed
and cached by the fast path itself, so it never costs a second computation).
"""

from __future__ import annotations

import sys


def main() -> None:
    from memdesc.fastpath import fast_path

    code = fast_path(sys.argv[1:])
    if code is not None:
        sys.stdout.flush()
        raise SystemExit(code)
    from memdesc.app import app

    app()
