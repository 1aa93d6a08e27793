"""Read an input file safely: a regular file only, never blocking, never more than a cap.

Every file memdesc reads as input (ontology data and its includes, proposals, saved impact
files, BTF blobs) goes through `read_input`. Data files are sent around for review, so they are
untrusted: a FIFO must not block (`O_NONBLOCK`), a device (`/dev/zero`, `/dev/urandom`) or
directory is refused after `fstat`, a symlink loop is named as such, and no read grows without
limit (each kind has a documented cap). Any OS error becomes one `InputError` line.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ontology.errors import InputError

TOML_CAP = 16 * 1024 * 1024
"""Ontology files, proposals and saved impact JSON are text of a few hundred KiB at most."""

BTF_CAP = 64 * 1024 * 1024
"""A vmlinux BTF blob is about 6 MiB; ten times that leaves room for any real kernel."""

_KINDS = (
    (stat.S_ISDIR, "is a directory"),
    (stat.S_ISFIFO, "is a FIFO"),
    (stat.S_ISCHR, "is a character device"),
    (stat.S_ISBLK, "is a block device"),
    (stat.S_ISSOCK, "is a socket"),
)


def _message(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symlink loop"
    if error.errno == errno.ENOENT:
        return "no such file"
    if error.errno == errno.EISDIR:
        return "is a directory"
    return f"cannot read: {error.strerror or error}"


def open_input(path: Path | str, expected: str, shown: str | None = None) -> int:
    """A descriptor of the regular file `path`, opened without blocking, or InputError naming
    `shown` (default: `path`) in one line; the caller closes it. For readers that take only
    parts of a large file (the `.BTF` section of a vmlinux) instead of all of it."""
    name = str(path) if shown is None else shown
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(path, flags)
    except OSError as error:
        raise InputError(_message(error), name) from None
    try:
        status = os.fstat(handle)
        for test, kind in _KINDS:
            if test(status.st_mode):
                raise InputError(f"{kind}, expected {expected}", name)
        if not stat.S_ISREG(status.st_mode):
            raise InputError(f"not a regular file, expected {expected}", name)
    except OSError as error:
        os.close(handle)
        raise InputError(_message(error), name) from None
    except InputError:
        os.close(handle)
        raise
    return handle


def read_open(handle: int, cap: int, expected: str, name: str) -> bytes:
    """The rest of the open file `handle`, at most `cap` bytes, or InputError naming `name`."""
    try:
        return _read_capped(handle, os.fstat(handle).st_size, cap, expected, name)
    except OSError as error:
        raise InputError(_message(error), name) from None


def read_input(path: Path | str, cap: int, expected: str, shown: str | None = None) -> bytes:
    """The bytes of the regular file `path`, at most `cap` of them, or InputError naming
    `shown` (default: `path`) in one line. `expected` says what the file should be, for the
    message about a directory or device ("an ontology TOML file", "a BTF file")."""
    name = str(path) if shown is None else shown
    handle = open_input(path, expected, name)
    try:
        return read_open(handle, cap, expected, name)
    finally:
        os.close(handle)


def _read_capped(handle: int, expected_size: int, cap: int, expected: str, name: str) -> bytes:
    """Up to `cap` bytes of an open regular file, read into one buffer sized by `fstat` (and
    grown if the file is longer than it said). sysfs hands `/sys/kernel/btf/vmlinux` out a
    page per read: reading into place costs a system call per page, where `os.read` of a
    large chunk allocated (and shrank) a fresh megabyte buffer for each of its 1,300 pages."""
    limit = cap + 1  # one byte past the cap is enough to know the file is too large
    # A regular file hands out all it has in one read: taken as is, no buffer to fill and copy
    # (a 5 MB BTF: 5.8 -> ~2.5 ms). A short read (sysfs: a page) goes on into the buffer.
    # Asked for one byte more than fstat promised, getting exactly what it promised means the end.
    first = os.read(handle, min(expected_size + 1, limit))
    if first and len(first) == expected_size <= cap:
        return first
    buffer = bytearray(max(min(expected_size + 1, limit), len(first)))
    buffer[: len(first)] = first
    size = len(first)
    while size < limit:
        if size == len(buffer):
            buffer.extend(bytes(min(1 << 20, limit - size)))
        with memoryview(buffer) as view:
            got = os.readv(handle, [view[size:]])
        if not got:
            break
        size += got
    if size > cap:
        raise InputError(f"larger than {cap} bytes, too large for {expected}", name)
    del buffer[size:]
    return bytes(buffer)
