"""Atomic writes (temporary file + rename), and the two writers built on them that replace a
file only when it is memdesc's own (`ontology.ownership` decides that)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ontology.ownership import refuse_unless_generated, refuse_unless_output


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename: readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_generated(path: Path, text: str, marker: str) -> bool:
    """Write a generated file whose first line starts with `marker`; return True if it changed.

    An existing file whose first line lacks the marker was written by someone else: refuse
    with InputError instead of destroying it.
    """
    refuse_unless_generated(path, marker)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    write_atomic(path, text)
    return True


def write_output(path: Path, text: str) -> None:
    """Write a user-requested output file (an export, a document) atomically.

    An existing file is replaced only if memdesc wrote it; anything else is refused with
    InputError, untouched.
    """
    refuse_unless_output(path)
    write_atomic(path, text)
