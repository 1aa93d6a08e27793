"""The root data file's `[ontology]` table, read without tomllib when it has the plain form.

Every cached answer, and every verify or census, first lists the data files (the root and the
files its `include` names) to fingerprint them. Importing tomllib for that costs more than the
rest of a cached answer (~7 ms of CPU: it compiles its regular expressions and loads datetime),
so a root file of the plain form memdesc's own root has is read here: comment and blank lines,
one `[ontology]` header, then `key = value` lines whose values are strings without escapes or
arrays of them (across lines, with comments and a trailing comma). That form is a subset of TOML
and means the same here; anything else (another table, a number, an escape, a duplicate key,
CRLF, non-ASCII text...) returns None and the caller parses the file with tomllib, so the
answer never depends on which reader ran.
"""

from __future__ import annotations

import re

_TEXT = re.compile(rb"[\t\n\x20-\x7e]*")
"""Printable ASCII, tabs and LF only: no control character, no CR, no byte TOML would refuse."""
_STRING = r'"[^"\\\n]*"'
_SPACE = r"(?:[ \t\n]|#[^\n]*\n)*"
"""What may stand between an array's items: blanks, newlines and whole comments."""
_VALUE = rf"{_STRING}|\[{_SPACE}(?:{_STRING}{_SPACE},{_SPACE})*(?:{_STRING}{_SPACE})?\]"
_END = r"[ \t]*(?:#[^\n]*)?\n"
_BLANK = re.compile(_END)
_HEADER = re.compile(rf"[ \t]*\[ontology\]{_END}")
_ENTRY = re.compile(rf"[ \t]*([A-Za-z0-9_-]+)[ \t]*=[ \t]*({_VALUE}){_END}")
_ITEM = re.compile(rf"({_STRING})|#[^\n]*")


def plain_root_table(data: bytes) -> dict[str, str | list[str]] | None:
    """The `[ontology]` table of a root file of the plain form, or None when it is not of it."""
    if not data.endswith(b"\n") or not _TEXT.fullmatch(data):
        return None
    text = data.decode("ascii")
    at, end = 0, len(text)
    while (blank := _BLANK.match(text, at)) and at < end:
        at = blank.end()
    header = _HEADER.match(text, at)
    if header is None:
        return None
    at = header.end()
    table: dict[str, str | list[str]] = {}
    while at < end:
        if entry := _ENTRY.match(text, at):
            key, value = entry.group(1), entry.group(2)
            if key in table:
                return None  # a duplicate key is an error in TOML: tomllib reports it
            items = [found[1:-1] for found in (item.group(1) for item in _ITEM.finditer(value)) if found]
            table[key] = value[1:-1] if value.startswith('"') else items
            at = entry.end()
        elif blank := _BLANK.match(text, at):
            at = blank.end()
        else:
            return None
    return table
