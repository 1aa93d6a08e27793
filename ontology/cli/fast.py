"""Answers that skip typer, pydantic and networkx: the CLI's fast path.

Repeated queries are the common case (an editor integration asking `memdesc show folio --json`,
a pre-commit hook running verify), so the entry point first tries to answer from caches keyed
by the content of what the answer depends on: the ontology data files (and BTF files for
verify/census). Anything unusual (another option, an unknown name, a cache miss for show)
returns None and the full typer CLI takes over.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from ontology.answercache import answer_key, load_answer, store_answer
from ontology.cli.btfcmds import BUNDLED_ROOT, fast_btf
from ontology.cli.render import dumps, emit, show_text

COMPLETE_VAR = "_MEMDESC_COMPLETE"
"""Set by the completion scripts typer installs (`_{PROG}_COMPLETE=complete_bash memdesc`)."""


def show_answers(data: Path) -> dict[str, Any]:
    """`show` for every type, from the cache or computed once (and cached) on a miss."""
    key = answer_key("show", data, [], {})
    answers = load_answer(key)
    if answers is None:
        from ontology.core import load_ontology
        from ontology.queries import show_type

        onto = load_ontology(data)
        answers = {name: show_type(onto, name) for name in sorted(onto.types)}
        store_answer(key, answers)
    return answers


def fast_show(argv: list[str]) -> int | None:
    names = [arg for arg in argv if not arg.startswith("-")]
    flags = [arg for arg in argv if arg.startswith("-")]
    if len(names) != 1 or any(flag != "--json" for flag in flags):
        return None
    answers = show_answers(BUNDLED_ROOT)
    info = answers.get(names[0])
    if info is None:
        return None  # typer reports the unknown name with a close match
    emit(dumps(info) if "--json" in flags else show_text(info))
    return 0


def fast_path(argv: list[str]) -> int | None:
    """Exit code when answered here; None to hand over to the typer CLI."""
    if not argv or COMPLETE_VAR in os.environ:
        return None  # a shell asking for completions: typer answers (it reads COMP_WORDS, not argv)
    if argv[0] in ("verify", "census"):
        return fast_btf(argv)
    if argv[0] == "show":
        return fast_show(argv[1:])
    return None


def main() -> None:
    code = fast_path(sys.argv[1:])
    if code is not None:
        sys.stdout.flush()
        raise SystemExit(code)
