"""Atomic writes (temporary file + rename), and the two writers built on them that replace a
file only when it is memdesc's own (`ontology.ownership` decides that).

A new file gets the mode the umask gives (0666 & ~umask), a replaced file keeps its mode; no
directory is created unless the caller says `parents=True`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from ontology.ownership import Marker, existing_binary_target, existing_target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _create_temporary(directory: Path, prefix: str) -> tuple[int, Path]:
    """A new, empty file in `directory`, opened for writing: what `tempfile.mkstemp` does
    (O_EXCL, so never an existing file or link; mode 0600 until chmod), without importing
    `tempfile`, whose imports (shutil, random, bz2, lzma) cost a cold census some 12 ms."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _ in range(100):
        candidate = directory / f"{prefix}{os.urandom(6).hex()}"
        try:
            return os.open(candidate, flags, 0o600), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"no unused temporary name in {directory}")


def write_atomic(path: Path, text: str | bytes, mode: int | None = None, parents: bool = False) -> None:
    """Write `text` (or bytes) to `path` through a temporary file and a rename: readers never see half.

    The file gets `mode` (default: 0666 less the umask); the temporary file is removed if
    anything fails. Missing parent directories are created only with `parents`.
    """
    if parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = _create_temporary(path.parent, f".{path.name}.")
    try:
        os.fchmod(handle, (0o666 & ~_umask()) if mode is None else mode)
        if isinstance(text, bytes):
            with os.fdopen(handle, "wb") as binary:
                binary.write(text)
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write_ours(path: Path, text: str, markers: Iterable[Marker], parents: bool, skip_unchanged: bool) -> bool:
    status = existing_target(path, markers, parents)
    unchanged = skip_unchanged and status is not None and status.st_size == len(text.encode("utf-8"))
    if unchanged and path.read_text(encoding="utf-8", errors="replace") == text:
        return False
    write_atomic(path, text, None if status is None else stat.S_IMODE(status.st_mode), parents)
    return True


def write_generated(path: Path, text: str, marker: Marker, parents: bool = False) -> bool:
    """Write a generated file whose first line is `marker`; return True if it changed.

    An existing file whose first line is not exactly `marker` was written by someone else (or is
    not a regular file): refuse with InputError instead of destroying it.
    """
    return _write_ours(path, text, [marker], parents, skip_unchanged=True)


def write_output(path: Path, text: str, also_ours: Iterable[Marker] = ()) -> None:
    """Write a user-requested output file (an export, a document) atomically.

    An existing file is replaced only if its first line is the first line of `text` (the same
    kind of output, from the same source) or one of `also_ours`; anything else is refused with
    InputError, untouched.
    """
    _write_ours(path, text, [text.split("\n", 1)[0], *also_ours], parents=False, skip_unchanged=False)


def write_binary_output(path: Path, data: bytes, magics: tuple[bytes, ...], what: str) -> None:
    """Write a user-requested binary output (extracted BTF) atomically. An existing file is
    replaced only if it starts with one of `magics` (it is `what`, as memdesc writes); anything
    else is refused with InputError, untouched. A replaced file keeps its mode."""
    status = existing_binary_target(path, magics, what)
    write_atomic(path, data, None if status is None else stat.S_IMODE(status.st_mode))
