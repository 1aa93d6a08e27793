"""Verify's plans compiled: what `memdesc verify` checks at each release of the bundled data.

A plan (`ontology.verifyplan`) depends on the data only, so `memdesc generate` writes the plan of
every distinct release of the bundled data to `ontology/verify_plans.json`, with the data's
fingerprint (`ontology.fingerprint`), like `ontology/types.py` carries the checker's facts.
`memdesc verify` of the bundled data then judges the BTF against them (`compiled_plans`) and
loads neither pydantic nor the TOML files nor lint; any other data, or a file older than the
data, is loaded the strict way (`compiled_plans` returns None).

The file is JSON read with `json.loads`, never executed; written deterministically, one
short value a line, so a change to the data reads as a diff. Data locations are written
relative to the data's directory (`structs.toml:123`) and printed as messages print them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontology import BUNDLED_ROOT
from ontology.verifyjudge import Plan, Plans

if TYPE_CHECKING:
    from ontology.loader import Location

PLANS_PATH = Path(__file__).parent / "verify_plans.json"
FIRST_LINE = '{"generator": "memdesc generate: verify\'s plans at each release of ontology/data; do not edit",'
"""The file's first line, which marks it as memdesc's own (`ontology.ownership`)."""
FORMAT = 2
"""The layout's version (`ontology.verifyplan`'s keys); a file of another format is not used."""
WIDTH = 200
"""Rows shorter than this are written on one line."""


class _Compiled(Plans):
    """The plans of the compiled file, for data at `root` (the bundled data, perhaps as given)."""

    def __init__(self, table: dict[str, Any], root: Path, shown: Callable[[Path], str]) -> None:
        files = {name: shown(root.parent / name) for name in table["files"]}

        def place(where: str) -> str:
            name, colon, line = where.rpartition(":")
            if colon and name in files and line.isdigit():
                return f"{files[name]}:{line}"
            return files.get(where, where)

        super().__init__(table["covered"], table["distinct"], shown(root), place)
        self.sections: dict[str, list[list[Any]]] = table["plans"]

    def plan(self, release: str) -> Plan:
        """The rows of each section that hold at distinct `release`, in order."""
        at = self.distinct.index(release)
        spans: dict[str, bool] = {}

        def holds(text: str) -> bool:
            found = spans.get(text)
            if found is None:
                found = spans[text] = any(self._within(span, at) for span in text.split())
            return found

        return {key: [row for text, row in rows if holds(text)] for key, rows in self.sections.items()}

    def _within(self, span: str, at: int) -> bool:
        first, _, last = span.partition("-")
        return self.distinct.index(first) <= at <= self.distinct.index(last or first)


def compiled_plans(data: Path, data_hash: str, shown: Callable[[Path], str], path: Path = PLANS_PATH) -> Plans | None:
    """The compiled plans when `data` is the bundled data and the file at `path` was compiled
    from exactly these files (`data_hash`); None otherwise (then verify loads the data).
    `shown` prints a data file's path as messages do (`ontology.loader.display_path`)."""
    try:
        if data.resolve() != BUNDLED_ROOT.resolve():
            return None
        table = json.loads(path.read_bytes())
    except (OSError, ValueError, RuntimeError):
        return None
    if not isinstance(table, dict) or table.get("format") != FORMAT or table.get("data_hash") != data_hash:
        return None
    return _Compiled(table, data, shown)


# -- writing (by `memdesc generate`) ------------------------------------------------------


def _value(value: Any, indent: int) -> str:
    """`value` as JSON: on one line when it fits, else one member or item a line."""
    flat = json.dumps(value, separators=(", ", ": "))
    if len(flat) + indent <= WIDTH or not isinstance(value, (dict, list)) or not value:
        return flat
    inner = " " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(key)}: {_value(item, indent + 1)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    return "[\n" + ",\n".join(f"{inner}{_value(item, indent + 1)}" for item in value) + "\n" + " " * indent + "]"


def _merge(merged: list[tuple[set[str], Any]], rows: list[Any], release: str) -> list[tuple[set[str], Any]]:
    """`merged` (rows, each with the releases it holds at) with `release`'s `rows` added: a row
    equal to one already there (matched in order, as a diff matches lines) gains the release,
    the others are inserted where they stand, so every release's rows keep their order."""
    from difflib import SequenceMatcher

    old = [json.dumps(row) for _, row in merged]
    new = [json.dumps(row) for row in rows]
    out: list[tuple[set[str], Any]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [(merged[i][0] | {release}, merged[i][1]) for i in range(i1, i2)]
            continue
        out += merged[i1:i2]
        out += [({release}, row) for row in rows[j1:j2]]
    return out


def _spans(releases: set[str], distinct: list[str]) -> str:
    """The releases a row holds at, as spans of consecutive distinct releases: `6.1-6.9 7.2`."""
    spans: list[list[str]] = []
    previous = False
    for release in distinct:
        if release in releases:
            if previous:
                spans[-1][1] = release
            else:
                spans.append([release, release])
        previous = release in releases
    return " ".join(first if first == last else f"{first}-{last}" for first, last in spans)


def plan_place(root: Path) -> Callable[[Location], str]:
    """How the compiled file writes a data location: its file relative to the data's
    directory (`structs.toml:408`), so the file reads the same wherever it was generated."""
    from ontology.fingerprint import data_files
    from ontology.loader import display_path

    names = {display_path(path): path.relative_to(root.parent).as_posix() for path in data_files(root)}

    def place(location: Location) -> str:
        name = names.get(location.path, location.path)
        return name if location.line is None else f"{name}:{location.line}"

    return place


def compile_plans(root: Path = BUNDLED_ROOT) -> str:
    """The text of the compiled file for the data at `root`: the plan at each distinct release."""
    from ontology.fingerprint import data_files, fingerprint
    from ontology.releases import distinct_releases, releases_of
    from ontology.strict import load_ontology, snapshot_ontology
    from ontology.verifyplan import build_plan

    history = load_ontology(root).history
    assert history is not None  # load_ontology always keeps the versioned data
    paths = data_files(root)
    place = plan_place(root)
    distinct = distinct_releases(history)
    merged: dict[str, list[tuple[set[str], Any]]] = {}
    for release in distinct:
        for key, rows in build_plan(snapshot_ontology(history, release), place).items():
            merged[key] = _merge(merged.get(key, []), rows, release)
    plans = {key: [[_spans(releases, distinct), row] for releases, row in rows] for key, rows in merged.items()}
    head = {
        "format": FORMAT,
        "data_hash": fingerprint(paths),
        "covered": releases_of(history.meta),
        "distinct": distinct,
        "files": sorted(path.relative_to(root.parent).as_posix() for path in paths),
    }
    lines = [FIRST_LINE, *(f" {json.dumps(key)}: {_value(value, 1)}," for key, value in head.items())]
    return "\n".join([*lines, f' "plans": {_value(plans, 1)}', "}", ""])


def write_plans(root: Path = BUNDLED_ROOT, path: Path = PLANS_PATH) -> bool:
    """Regenerate the compiled file atomically, only over a file memdesc wrote; True if it changed."""
    from ontology.atomic import write_generated

    return write_generated(path, compile_plans(root), FIRST_LINE)
