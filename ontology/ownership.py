"""Is this file ours? memdesc replaces a file only when it is a regular file whose FIRST LINE is
exactly one of the lines memdesc writes there, and never anything else.

Every file memdesc writes starts with a marker line: generated files (the types module, the docs
pages, the benchmarks page) a fixed header, proposal documents a header naming their source
proposal, exports a format's comment line (JSON starts with a `"generator"` member). A marker
somewhere else in a file proves nothing (a source file may mention one), so only the first line,
read up to `MAX_FIRST_LINE` bytes, counts. A symbolic link, device, FIFO, socket or directory
is never replaced, whatever it points to: `-o /dev/stdout` must not replace /dev/stdout.
`ontology.atomic` asks here before it writes.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from ontology.errors import InputError

MAX_FIRST_LINE = 4096
"""Bytes read to decide ownership: a marker line is far shorter, and a file is never read whole."""

Marker = str | re.Pattern[str]
"""An exact first line (without its newline), or a pattern the whole first line must match
(a header that records a digest of its source, such as a rendered SVG's)."""

_KINDS = (
    (stat.S_ISLNK, "is a symbolic link"),
    (stat.S_ISDIR, "is a directory"),
    (stat.S_ISFIFO, "is a FIFO"),
    (stat.S_ISCHR, "is a character device"),
    (stat.S_ISBLK, "is a block device"),
    (stat.S_ISSOCK, "is a socket"),
)


def first_line(path: Path) -> str:
    """The first line of a regular file without its newline, at most MAX_FIRST_LINE bytes, read
    leniently (a binary file must not crash the check) and without following a symlink or
    blocking on a FIFO."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    handle = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return ""
        head = os.read(handle, MAX_FIRST_LINE)
    finally:
        os.close(handle)
    return head.split(b"\n", 1)[0].decode("utf-8", errors="replace")


def _matches(line: str, marker: Marker) -> bool:
    return line == marker if isinstance(marker, str) else marker.fullmatch(line) is not None


def is_ours(path: Path, markers: Iterable[Marker]) -> bool:
    """Whether `path` is a regular file (not a symlink) whose first line is one of `markers`."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return False
        line = first_line(path)
    except OSError:
        return False
    return any(_matches(line, marker) for marker in markers)


def _replaceable(path: Path, parents: bool) -> os.stat_result | None:
    """The status of `path` if it is a regular file, None if it is absent and may be created;
    InputError for a symlink, directory, device, FIFO or socket, or a missing parent directory
    (unless `parents`)."""
    try:
        status = path.lstat()
    except FileNotFoundError:
        if not parents and not path.parent.is_dir():
            missing = path.parent
            while not missing.parent.is_dir() and missing.parent != missing:
                missing = missing.parent
            raise InputError("no such directory (memdesc creates no directories for its output)", missing) from None
        return None
    except OSError as error:
        raise InputError(error.strerror or "cannot be read", path) from None
    for test, kind in _KINDS:
        if test(status.st_mode):
            raise InputError(f"{kind}; refusing to replace it", path)
    return status


def existing_target(path: Path, markers: Iterable[Marker], parents: bool = False) -> os.stat_result | None:
    """The status of `path` if memdesc may replace it, None if it is absent and may be created.

    Raise InputError (nothing written) for anything else: a symlink, directory, device, FIFO or
    socket; a regular file whose first line is none of `markers`; a missing parent directory
    (unless `parents`: the caller was asked to create it).
    """
    status = _replaceable(path, parents)
    if status is None:
        return None
    markers = list(markers)
    try:
        line = first_line(path)
    except OSError as error:
        raise InputError(error.strerror or "cannot be read", path) from None
    if not any(_matches(line, marker) for marker in markers):
        expected = next((m for m in markers if isinstance(m, str)), None)
        hint = f" (its first line is not {expected!r})" if expected is not None else ""
        raise InputError(f"refusing to overwrite a file memdesc did not generate{hint}", path)
    return status


def existing_binary_target(path: Path, magics: Iterable[bytes], what: str) -> os.stat_result | None:
    """`existing_target` for a binary output (extracted BTF), which has no marker line: an
    existing regular file is replaced only if it starts with one of `magics` (it is `what`)."""
    status = _replaceable(path, parents=False)
    if status is None:
        return None
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(path, flags)
        try:
            head = os.read(handle, 16)
        finally:
            os.close(handle)
    except OSError as error:
        raise InputError(error.strerror or "cannot be read", path) from None
    if not any(head.startswith(magic) for magic in magics):
        raise InputError(f"refusing to overwrite a file that is not {what}", path)
    return status
