"""The one exception for unusable input: it names the file and place, and the CLI prints it."""

from __future__ import annotations

import tomllib
from pathlib import Path


class InputError(Exception):
    """Input memdesc cannot use at all (missing file, invalid TOML, unknown type name...).

    The CLI prints `str(error)` as one line on stderr and exits 2; no traceback.
    """

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        super().__init__(self.location_prefix() + message)

    def location_prefix(self) -> str:
        if self.path is None:
            return ""
        if self.line is None:
            return f"{self.path}: "
        return f"{self.path}:{self.line}: "


def as_input_error(error: Exception) -> InputError | None:
    """`error` as unusable input when reading or parsing raised it, else None (a bug: re-raise).

    The safety net of the CLI's one error exit: a file that vanished, a directory or device
    where a file was expected, bytes that are not UTF-8 or not TOML, input nested too deep for
    the parser all become one line naming the file, whichever reader met them first.
    """
    if isinstance(error, InputError):
        return error
    if isinstance(error, OSError):
        reason = (error.strerror or type(error).__name__).lower()
        return InputError(f"cannot read: {reason}", error.filename)
    if isinstance(error, UnicodeDecodeError):
        return InputError(f"not UTF-8 text (byte {error.start})")
    if isinstance(error, tomllib.TOMLDecodeError):
        return InputError(f"invalid TOML: {error}")
    if isinstance(error, RecursionError):
        return InputError("input nested too deeply to process")
    return None
