"""Where a kernel source tree defines functions and structs: the files a cover letter's
maintainers come from.

A function's definition is its name at the start of a line (after its return type, if on the
same line), followed by its parameter list and then `{` (a function body) rather than `;` (a
prototype); `#define name(` counts too, since the changed API may be a macro. A name written
`struct page` asks for the struct's definition, `struct page {` at the start of a line. mm/ and include/ are read
first (the memory-management API lives there); the rest of the tree is read only for names
still not found. Only `.c` and `.h` files are read; symlinks are not followed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

FIRST = ("mm", "include")
"""Top-level directories read before the rest of the tree."""

_SKIP_AFTER_PARAMS = re.compile(rb"(?:\s+|/\*.*?\*/|//[^\n]*|\b__[a-z_]+\b(?:\((?:[^()]|\([^()]*\))*\))?)*", re.S)
"""What may sit between a definition's parameter list and its body: blanks, comments, and
attributes such as `__releases(lock)` or `__attribute__((cold))`."""


def _alternatives(names: Iterable[str]) -> bytes:
    return b"|".join(re.escape(name.encode()) for name in sorted(names, key=lambda n: (-len(n), n)))


def _pattern(names: Iterable[str]) -> re.Pattern[bytes]:
    head = rb"(?:#\s*define\s+|[A-Za-z_][^;{}()=#\n]*?[\s*])?"
    return re.compile(rb"^" + head + rb"(" + _alternatives(names) + rb")\s*\(", re.M)


def _structs_in(data: bytes, names: set[str]) -> set[str]:
    """The `struct NAME` of `names` whose body `data` opens."""
    tags = {name.removeprefix("struct ") for name in names}
    pattern = re.compile(rb"^struct\s+(" + _alternatives(tags) + rb")\s*\{", re.M)
    return {f"struct {match.group(1).decode()}" for match in pattern.finditer(data)}


def _closing(data: bytes, start: int) -> int | None:
    """The index after the `)` that closes the `(` before `start`, or None."""
    depth = 1
    for index in range(start, min(len(data), start + 4096)):
        byte = data[index]
        if byte == 0x28:
            depth += 1
        elif byte == 0x29:
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def definitions_in(data: bytes, names: Iterable[str]) -> set[str]:
    """The `names` (functions, and `struct NAME`s) that `data` (one C file) defines."""
    wanted = set(names)
    structs = {name for name in wanted if name.startswith("struct ")}
    found: set[str] = _structs_in(data, structs) if structs else set()
    if not wanted - structs:
        return found
    for match in _pattern(wanted - structs).finditer(data):
        name = match.group(1).decode()
        if name in found:
            continue
        if match.group(0).lstrip().startswith(b"#"):
            found.add(name)
            continue
        end = _closing(data, match.end())
        if end is None:
            continue
        rest = _SKIP_AFTER_PARAMS.match(data, end)
        position = rest.end() if rest else end
        if data[position : position + 1] == b"{":
            found.add(name)
    return found


def _sources(root: Path, top: Iterable[str]) -> Iterator[Path]:
    """`.c`/`.h` files under the top-level directories `top` of `root`, sorted; no symlinks."""
    for name in top:
        base = root / name
        if not base.is_dir() or base.is_symlink():
            continue
        for directory, subdirs, files in os.walk(base):
            subdirs.sort()
            for file in sorted(files):
                if file.endswith((".c", ".h")):
                    path = Path(directory, file)
                    if not path.is_symlink():
                        yield path


def find_definitions(root: Path, names: Iterable[str]) -> dict[str, list[str]]:
    """name -> the files (relative to `root`, sorted) that define it; a name defined nowhere is
    absent. A header's `static inline` definition counts like a `.c` file's."""
    wanted = set(names)
    found: dict[str, set[str]] = {}
    rest = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name not in FIRST) if root.is_dir() else []
    for group in (FIRST, rest):
        missing = wanted - set(found)
        if not missing:
            break
        for path in _sources(root, group):
            data = path.read_bytes()
            if not any(name.removeprefix("struct ").encode() in data for name in missing):
                continue
            for name in definitions_in(data, missing):
                found.setdefault(name, set()).add(path.relative_to(root).as_posix())
    return {name: sorted(files) for name, files in sorted(found.items())}
