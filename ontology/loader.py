"""Read ontology TOML files: parse, follow includes, validate each entry, keep its file:line.

Two kinds of trouble are kept apart. Input that cannot be read at all (a missing file, a
directory, bytes that are not UTF-8 TOML, absurd nesting) raises `InputError`. An entry that
parses but breaks the schema becomes a `SchemaIssue`, so lint can report every one of them.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ontology.errors import InputError
from ontology.inputs import TOML_CAP, read_input
from ontology.schema import SECTIONS, Meta, OntologyFile
from ontology.tomlpos import EntryPositions, scan

_SECTION_MODELS: dict[str, type[BaseModel]] = {
    name: OntologyFile.model_fields[name].annotation.__args__[0]  # type: ignore[union-attr]
    for name in SECTIONS
}
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class Location:
    """A place in the data: a file and, where known, a 1-based line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True)
class SchemaIssue:
    """An entry the schema rejects, with where it is and pydantic's reason in one line."""

    location: Location
    message: str


@dataclass(frozen=True)
class Entry:
    """One validated `[[section]]` entry and where it came from."""

    section: str
    item: Any
    location: Location
    positions: EntryPositions
    index: int

    def member_location(self, name: str) -> Location:
        """Where a member (a field of a type) is written, falling back to the entry itself."""
        line = self.positions.line_of_name(self.section, self.index, name)
        return Location(self.location.path, line if line is not None else self.location.line)


@dataclass
class LoadResult:
    """Everything read from a root file and its includes."""

    root: Path
    meta: Meta | None = None
    entries: list[Entry] = field(default_factory=list)
    issues: list[SchemaIssue] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    rejected: dict[str, set[str]] = field(default_factory=dict)
    """Names of entries the schema rejected, so references to them are not reported twice."""

    def of(self, section: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.section == section]


OWN_TREE = Path(__file__).resolve().parents[1]
"""Where memdesc's own files are (the checkout, or the installed packages)."""


def display_path(path: Path) -> str:
    """Paths in messages: as the user gave them; memdesc's own files (its bundled data and
    proposals, which nobody typed) relative to the working directory when below it.
    `ontology.answercache.shown_path` renders the same way without importing this module."""
    try:
        resolved = path.resolve()
        if resolved.is_relative_to(OWN_TREE):
            return str(resolved.relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # not below the cwd; a symlink loop
        pass
    return str(path)


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse one TOML file or raise InputError naming it (and the line, for syntax errors)."""
    shown = display_path(path)
    raw = read_input(path, TOML_CAP, "an ontology TOML file", shown)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text (byte {error.start})", shown) from None
    if "\x00" in text:
        raise InputError("binary data (NUL byte), not TOML", shown)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_LINE.search(str(error))
        message = _TOML_LINE.sub("", str(error)).strip()
        raise InputError(f"invalid TOML: {message}", shown, int(found.group(1)) if found else None) from None
    except RecursionError:
        raise InputError("invalid TOML: nesting too deep", shown) from None
    return data, text


def _first_error(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    message = str(problem["msg"])
    if problem["type"] == "extra_forbidden":
        message = "unknown key"
    elif problem["type"] == "missing":
        message = "missing required key"
    return f"{where}: {message}" if where else message


def _load_file(path: Path, result: LoadResult) -> list[str]:
    data, text = read_toml(path)
    shown = display_path(path)
    positions = scan(text)
    result.files.append(path)
    includes: list[str] = []
    for key in sorted(data):
        if key == "ontology":
            try:
                meta = Meta.model_validate(data[key])
            except ValidationError as error:
                result.issues.append(SchemaIssue(Location(shown, 1), f"[ontology] {_first_error(error)}"))
                continue
            if result.meta is None:
                result.meta = meta
            includes = list(meta.include)
        elif key not in _SECTION_MODELS:
            result.issues.append(
                SchemaIssue(Location(shown, None), f"unknown section {key!r} (expected one of {', '.join(SECTIONS)})")
            )
    for section, model in _SECTION_MODELS.items():
        raw_entries = data.get(section, [])
        if not isinstance(raw_entries, list):
            result.issues.append(SchemaIssue(Location(shown), f"{section!r} must be an array of tables [[{section}]]"))
            continue
        for index, raw in enumerate(raw_entries):
            location = Location(shown, positions.line_of(section, index))
            try:
                item = model.model_validate(raw)
            except ValidationError as error:
                name = raw.get("name", raw.get("id")) if isinstance(raw, dict) else None
                if isinstance(name, str):
                    result.rejected.setdefault(section, set()).add(name)
                label = f"[[{section}]] #{index + 1}"
                if isinstance(name, str):
                    label = f"[[{section}]] {name if name.isprintable() else repr(name)}"
                result.issues.append(SchemaIssue(location, f"{label}: {_first_error(error)}"))
                continue
            result.entries.append(Entry(section, item, location, positions, index))
    return includes


def load(root: Path) -> LoadResult:
    """Read `root` and, if it is a root file, every file its `[ontology] include` lists."""
    result = LoadResult(root=root)
    includes = _load_file(root, result)
    # os.path.realpath, not Path.resolve: a symlink loop must reach the reader ("symlink loop").
    seen = {os.path.realpath(root)}
    for name in includes:
        path = root.parent / name
        if os.path.realpath(path) in seen:
            raise InputError(f"file {name!r} is included twice", display_path(root))
        seen.add(os.path.realpath(path))
        nested = _load_file(path, result)
        if nested:
            raise InputError("only the root file may include other files", display_path(path))
    return result
