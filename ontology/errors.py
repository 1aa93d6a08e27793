"""The one exception for unusable input: it names the file and place, and the CLI prints it."""

from __future__ import annotations

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
