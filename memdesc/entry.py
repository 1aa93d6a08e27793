"""The `memdesc` console entry point, kept light: cached answers never import typer or mypy.

The fast path runs once; when it does not answer, the typer app does (a cache miss is computed
and cached by the fast path itself, so it never costs a second computation).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Answer from the fast path, or else run the typer app. A fast-path answer ends the process
    with `os._exit` once its output is flushed, leaving the parsed BTF to the exit rather than
    freeing it table by table (`ontology.lifetime`): this is the console script, not a library
    call (library callers use `memdesc.fastpath.fast_path` or the typer app)."""
    from memdesc.fastpath import fast_path
    from ontology.lifetime import hold_until_exit, let_go

    hold_until_exit()
    code = fast_path(sys.argv[1:])
    if code is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    let_go()  # the typer app's objects live and die as usual
    from memdesc.app import app

    app()
