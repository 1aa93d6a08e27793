"""Answers that skip typer, pydantic and networkx: the CLI's fast path.

Repeated queries are the common case (an editor integration asking `memdesc show folio --json`,
a pre-commit hook running verify), so the entry point first tries to answer from caches keyed
by the content of what the answer depends on: the ontology data files (and BTF files for
verify/census). Anything unusual (another option, an unknown name) returns None and the full
typer CLI takes over. A cache miss is computed here, once, and cached.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from memdesc.btf_display import run_census, run_trend, run_verify
from memdesc.display import dumps_answer, emit
from memdesc.show_display import thing_text
from ontology.answercache import show_answer
from ontology.errors import as_input_error

COMPLETE_VAR = "_MEMDESC_COMPLETE"
"""Set by the completion scripts typer installs (`_{PROG}_COMPLETE=complete_bash memdesc`)."""


def fast_show(argv: list[str]) -> int | None:
    """`show NAME [--json] [--kernel X.Y]` from the cache; None for anything else, an unknown
    name or a release the data does not hold it at (typer says which, and when it holds)."""
    rest, kernel = list(argv), None
    if "--kernel" in rest:
        at = rest.index("--kernel")
        if at + 1 >= len(rest):
            return None
        kernel = rest[at + 1]
        del rest[at : at + 2]
    names = [arg for arg in rest if not arg.startswith("-")]
    flags = [arg for arg in rest if arg.startswith("-")]
    if len(names) != 1 or any(flag != "--json" for flag in flags):
        return None
    try:
        info = show_answer(names[0], kernel=kernel)
    except Exception as error:  # an unknown release: typer reports it
        if as_input_error(error) is None:
            raise
        return None
    if info is None:
        return None  # typer reports the unknown name with a close match
    emit(dumps_answer("show", info) if "--json" in flags else thing_text(info))
    return 0


def fast_btf(argv: list[str]) -> int | None:
    """Answer `verify`/`census` without typer when the arguments are plain; None to fall back.

    Only the simple forms are handled here (the options of the two commands, no --help, no
    --draft); anything else goes through typer, which also reports usage errors.
    """
    options: dict[str, Any] = {
        "btf": None,
        "against": None,
        "data": None,
        "json": False,
        "cache": True,
        "all": False,
        "trend": False,
        "base": None,
        "kernel": None,
    }
    rest = argv[1:]
    while rest:
        arg = rest.pop(0)
        if arg == "--json":
            options["json"] = True
        elif arg == "--no-cache":
            options["cache"] = False
        elif arg in ("--all", "--trend") and argv[0] == "census":
            options[arg[2:]] = True
        elif arg in ("--btf", "--data", "--base-btf") or (arg == "--against" and argv[0] == "census"):
            if not rest:
                return None
            options[arg[2:].removesuffix("-btf") if arg == "--base-btf" else arg[2:]] = Path(rest.pop(0))
        elif arg == "--kernel" and argv[0] == "verify":
            if not rest:
                return None
            options["kernel"] = rest.pop(0)
        else:
            return None
    try:
        if argv[0] == "verify":
            return run_verify(
                options["btf"], options["data"], options["json"], options["cache"], options["base"], options["kernel"]
            )
        if options["trend"]:
            if options["btf"] or options["against"]:
                return None  # typer says why that is not allowed
            return run_trend(options["data"], options["json"], options["cache"], options["all"])
        return run_census(
            options["btf"],
            options["against"],
            options["data"],
            options["json"],
            options["cache"],
            options["all"],
            options["base"],
        )
    except Exception as error:  # the fast path's share of the one error exit (memdesc.options)
        unusable = as_input_error(error)  # BtfError included
        if unusable is None:
            raise
        sys.stderr.write(f"memdesc: error: {unusable}\n")
        return 2


def fast_path(argv: list[str]) -> int | None:
    """Exit code when answered here; None to hand over to the typer CLI."""
    if not argv or COMPLETE_VAR in os.environ:
        return None  # a shell asking for completions: typer answers (it reads COMP_WORDS, not argv)
    if argv[0] in ("verify", "census"):
        return fast_btf(argv)
    if argv[0] == "show":
        return fast_show(argv[1:])
    return None
