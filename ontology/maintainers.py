"""The kernel's MAINTAINERS file: its sections, and which of them cover a file.

A section is a title line followed by `X:<tab>value` entries, up to a blank line. memdesc reads
`M:` (maintainers), `R:` (reviewers), `L:` (lists), `F:` (file patterns), `X:` (excluded
patterns) and `N:` (regexes over the path); the other letters are skipped. Patterns follow
scripts/get_maintainer.pl and Documentation/process/maintainers.rst: `*` and `?` are globs,
`[ch]` a class; a trailing `/` (or a pattern naming a directory of the tree) covers everything
below it; otherwise the pattern covers files at exactly its depth (`drivers/net/*` covers the
files in drivers/net, not below). A file a section's `X:` covers is never the section's.

The file is data from a kernel tree: an `N:` regex that does not compile, or an entry before
any title, is an InputError naming MAINTAINERS and the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ontology.errors import InputError

_ENTRY = re.compile(r"([A-Z]):\s*(.*)")
_GLOB = re.compile(r"\*|\?|\[[^]/]*\]|[^*?\[]+|\[")
_PROBES = ("\0", "\0/\0/\0")
"""Paths no real pattern names: a section covering both covers every file (THE REST)."""


@dataclass(frozen=True)
class Pattern:
    """One `F:`/`X:` pattern, compiled; `depth` ranks matches as get_maintainer.pl does (more
    slashes is more precise; a pattern starting with `*` ranks lowest, -1)."""

    text: str
    regex: re.Pattern[str]
    depth: int


@dataclass
class Section:
    """One MAINTAINERS section, with the line of its title."""

    title: str
    line: int
    maintainers: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)
    files: list[Pattern] = field(default_factory=list)
    excludes: list[Pattern] = field(default_factory=list)
    names: list[re.Pattern[str]] = field(default_factory=list)

    def depth(self, path: str) -> int | None:
        """How precisely the section covers `path` (its best pattern's depth; 0 for an `N:`
        match), or None when it does not (no pattern matches, or an `X:` does)."""
        if any(p.regex.match(path) for p in self.excludes):
            return None
        depths = [p.depth for p in self.files if p.regex.match(path)]
        depths += [0 for n in self.names if n.search(path)]
        return max(depths) if depths else None

    @property
    def covers_everything(self) -> bool:
        """A catch-all section (THE REST: `F: *` and `F: */`)."""
        return all(self.depth(probe) is not None for probe in _PROBES)


class Index:
    """The sections, indexed for asking which cover a path: each `F:` pattern is filed under the
    directory its literal prefix ends in (`drivers/net/*` under `drivers/net/`, `*/net/*` and
    every `N:` under the root), so a path is tried only against the sections filed under one of
    its ancestor directories, not all three thousand."""

    def __init__(self, sections: Sequence[Section]):
        self.sections = list(sections)
        self._by_directory: dict[str, set[int]] = {}
        for index, section in enumerate(self.sections):
            keys = {_literal_directory(p.text) for p in section.files}
            keys |= {""} if section.names else set()
            for key in keys:
                self._by_directory.setdefault(key, set()).add(index)

    def covering(self, path: str) -> list[tuple[int, Section]]:
        """(depth, section) of every section covering `path`, in file order."""
        parts = path.split("/")
        ancestors = ["", *("/".join(parts[:n]) + "/" for n in range(1, len(parts)))]
        candidates = sorted(set().union(*(self._by_directory.get(a, set()) for a in ancestors)))
        found = []
        for index in candidates:
            depth = self.sections[index].depth(path)
            if depth is not None:
                found.append((depth, self.sections[index]))
        return found


def _literal_directory(pattern: str) -> str:
    """`drivers/net/` for `drivers/net/*` or `drivers/net/x.c`; `` for `*/net/*`."""
    literal = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    return literal[: literal.rfind("/") + 1]


def compile_pattern(text: str, is_dir: Callable[[str], bool] = lambda _: False) -> Pattern:
    """An `F:`/`X:` pattern as an anchored regex; `is_dir(text)` says whether the tree has a
    directory of that name (then the pattern covers it, as `text/` would)."""
    directory = text.endswith("/") or (not any(c in text for c in "*?[") and is_dir(text))
    body = text.rstrip("/") + "/" if directory else text
    parts = []
    for token in _GLOB.findall(body):
        if token == "*":
            parts.append(".*" if directory else "[^/]*")
        elif token == "?":
            parts.append("." if directory else "[^/]")
        elif token.startswith("[") and token.endswith("]") and len(token) > 2:
            parts.append("[" + re.escape(token[1:-1]).replace(r"\-", "-") + "]")
        else:
            parts.append(re.escape(token))
    regex = re.compile("".join(parts) + ("" if directory else r"\Z"))
    depth = -1 if body.startswith("*") else body.count("/") + (0 if directory else 1)
    return Pattern(text, regex, depth)


def parse_maintainers(text: str, shown: str, is_dir: Callable[[str], bool] = lambda _: False) -> list[Section]:
    """Every section of a MAINTAINERS text, in file order; `shown` names the file in errors."""
    sections: list[Section] = []
    current: Section | None = None
    previous: tuple[int, str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        entry = _ENTRY.fullmatch(line)
        if not line:
            current, previous = None, None
            continue
        if entry is None:
            current, previous = None, (number, line.strip())
            continue
        if current is None:
            if previous is None:
                raise InputError(f"{entry.group(1)}: entry outside a section (no title line above it)", shown, number)
            current = Section(previous[1], previous[0])
            sections.append(current)
        _add(current, entry.group(1), entry.group(2).strip(), is_dir, shown, number)
    return sections


def _add(section: Section, kind: str, value: str, is_dir: Callable[[str], bool], shown: str, number: int) -> None:
    if not value:
        return
    if kind == "M":
        section.maintainers.append(value)
    elif kind == "R":
        section.reviewers.append(value)
    elif kind == "L":
        section.lists.append(value.split()[0])
    elif kind in ("F", "X"):
        (section.files if kind == "F" else section.excludes).append(compile_pattern(value, is_dir))
    elif kind == "N":
        try:
            section.names.append(re.compile(value))
        except re.error as error:
            raise InputError(f"N: pattern {value!r} does not compile: {error}", shown, number) from None


def read_maintainers(root: Path) -> list[Section]:
    """The sections of `root`/MAINTAINERS; a pattern naming a directory of the tree covers it."""
    path = root / "MAINTAINERS"
    if not path.is_file():
        raise InputError("no MAINTAINERS file: is this the root of a kernel source tree?", path)
    text = path.read_text(encoding="utf-8", errors="replace")
    return parse_maintainers(text, str(path), lambda name: (root / name).is_dir())
