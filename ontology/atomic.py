"""Atomic writes of generated files, refusing to overwrite a file memdesc did not generate."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ontology.errors import InputError


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
    if path.is_dir():
        raise InputError("is a directory", path)
    if path.exists():
        with path.open(encoding="utf-8", errors="replace") as stream:
            first = stream.readline()
        if not first.startswith(marker):
            raise InputError(
                f"refusing to overwrite a file memdesc did not generate (first line is not {marker!r})", path
            )
        if path.read_text(encoding="utf-8") == text:
            return False
    write_atomic(path, text)
    return True
