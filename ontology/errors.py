"""The one exception for unusable input: it names the file and place, and the CLI prints it."""

from __future__ import annotations

import sys
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


class NotInRelease(InputError):
    """A name the data knows, but not at the release asked about. That is an answer ("not
    there"; exit 1, and `"exists": false` in JSON), not bad input. `spans` says when it holds."""

    def __init__(self, what: str, name: str, kernel: str, spans: list[tuple[str | None, str | None]]):
        self.name, self.kernel, self.spans = name, kernel, spans
        super().__init__(f"{what} {name!r} is not in Linux {kernel}: {describe_spans(spans)}")

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kernel": self.kernel,
            "exists": False,
            "holds": [{"since": since, "until": until} for since, until in self.spans],
        }


def describe_spans(spans: list[tuple[str | None, str | None]]) -> str:
    """`since 6.6`, `until 7.2`, `from 6.6 until 7.1`: when a fact holds, as one phrase."""
    phrases = []
    for since, until in spans:
        if since and until:
            phrases.append(f"from {since} until {until}")
        elif since:
            phrases.append(f"since {since}")
        elif until:
            phrases.append(f"until {until}")
    return "; ".join(phrases) or "at no covered release"


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
    toml = sys.modules.get("tomllib")  # not imported: no TOMLDecodeError can exist (importing costs ~7 ms)
    if toml is not None and isinstance(error, toml.TOMLDecodeError):
        return InputError(f"invalid TOML: {error}")
    if isinstance(error, RecursionError):
        return InputError("input nested too deeply to process")
    return None
