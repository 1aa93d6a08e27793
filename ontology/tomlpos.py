"""Line numbers for TOML entries, which tomllib does not keep.

The ontology's files are arrays of tables (`[[type]]`, `[[type.fields]]`) and inline tables in
arrays (`fields = [{ name = "lru", ... }]`). This scanner records the line of each
array-of-tables header, counted per path, so a finding can say `structs.toml:120` instead of
"somewhere in structs.toml".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.\-\s\"]+?)\s*\]\]\s*(#.*)?$")
_TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-\s\"]+?)\s*\]\s*(#.*)?$")
_NAME = re.compile(r"""(?:^|[\s{,])name\s*=\s*["']([^"']*)["']""")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


@dataclass
class EntryPositions:
    """Where each entry starts: `entries[("type", 3)]` is the line of the fourth `[[type]]`."""

    entries: dict[tuple[str, int], int] = field(default_factory=dict)
    names: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)
    keys: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)

    def line_of(self, section: str, index: int) -> int | None:
        return self.entries.get((section, index))

    def line_of_name(self, section: str, index: int, name: str) -> int | None:
        """The line of a member's `name = "<name>"` inside entry `index` (a type's field)."""
        return self.names.get((section, index), {}).get(name)

    def line_of_key(self, section: str, index: int, key: str) -> int | None:
        """The line of a bare `key = ...` of entry `index` (`remove_params = [...]`); `[table]`
        headers count as entry 0 of their section (`line_of_key("proposal", 0, "summary")`)."""
        return self.keys.get((section, index), {}).get(key)


def toml_lines(text: str) -> list[str]:
    """The lines of a TOML document as TOML counts them: ended by LF (or CRLF) only.

    `str.splitlines` also splits on U+2028, U+2029, U+0085, form feed..., which TOML allows in
    comments and strings; counting those would shift every line number reported after them.
    """
    return [line.removesuffix("\r") for line in text.split("\n")]


def scan(text: str) -> EntryPositions:
    """Index the top-level `[[section]]` headers of `text` and the `name = ...` lines below them."""
    positions = EntryPositions()
    counters: dict[str, int] = {}
    current: tuple[str, int] | None = None
    in_multiline: str | None = None
    seen_own_name: set[tuple[str, int]] = set()
    for number, line in enumerate(toml_lines(text), start=1):
        if in_multiline is not None:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        for quote in ('"""', "'''"):
            if line.count(quote) % 2 == 1:
                in_multiline = quote
        header = _HEADER.match(line)
        if header:
            path = header.group(1).replace(" ", "")
            if "." not in path:
                index = counters.get(path, 0)
                counters[path] = index + 1
                current = (path, index)
                positions.entries[current] = number
            continue
        table = _TABLE.match(line)
        if table:
            path = table.group(1).replace(" ", "")
            if "." not in path:
                current = (path, 0)
                seen_own_name.add(current)
            continue
        if current is not None:
            key = _KEY.match(line)
            if key:
                positions.keys.setdefault(current, {}).setdefault(key.group(1), number)
            for match in _NAME.finditer(line):
                if current not in seen_own_name:
                    seen_own_name.add(current)  # the entry's own name, not a member's
                    continue
                names = positions.names.setdefault(current, {})
                names.setdefault(match.group(1), number)
    return positions
