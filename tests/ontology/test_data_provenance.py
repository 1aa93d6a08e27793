"""Notes in the bundled data say what a fact means, never how it was gathered (issue 13, item 1).

Where a fact comes from is its `source` (and `since_source`, `until_source`, a change's
`source`): a kernel file at a release, a commit, a BTF or a URL. A note that says which copy
was read, or that a prototype came from BTF, or which releases were not looked at, is
provenance in the wrong place: it reaches users in `memdesc show` and the generated
docstrings, and it goes stale when the fact is re-read. The phrases below are the ones such
notes used; this test keeps them from coming back.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ontology import BUNDLED_ROOT

DATA = BUNDLED_ROOT.parent
PROSE_KEYS = frozenset({"notes", "note", "doc", "summary", "title"})
# Lower case; matched against the lower-cased text. "pinned" alone is a real word of the
# domain (FOLL_PIN, mlock), so only the gathering uses of it are listed.
GATHERING = (
    "search index",
    "pinned 6.18",
    "pinned copy",
    "not pinned",
    "prototype from btf",
    "prototype read in",
    "read in debian's sources",
    "expansion read in",
    "checked against",
    "patch context",
    "not the exact 6.18 file",
    "were not read",
    "was not read",
    "mm.h read at",
    "was read at",
)


def _prose(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every (place, text) of a prose key in a parsed TOML value, recursively."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in PROSE_KEYS and isinstance(item, str):
                yield f"{where}.{key}", item
            else:
                yield from _prose(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            name = item.get("name") or item.get("id") if isinstance(item, dict) else None
            yield from _prose(item, f"{where}[{name or index}]")


def _files() -> list[Path]:
    return sorted(DATA.glob("*.toml"))


def test_data_files_found() -> None:
    assert len(_files()) >= 10, DATA


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_no_gathering_wording(path: Path) -> None:
    found = [
        f"{place}: {phrase!r}"
        for place, text in _prose(tomllib.loads(path.read_text()), path.name)
        for phrase in GATHERING
        if phrase in text.lower()
    ]
    assert not found, "\n".join(found)


def test_detector_finds_gathering_wording() -> None:
    """The walk reaches nested prose (a change's note, a field's doc), so the test can fail."""
    data = {
        "function": [
            {"name": "f", "notes": "Prototype from BTF.", "changes": [{"note": "checked against a copy"}]},
        ],
        "type": [{"name": "t", "fields": [{"name": "x", "doc": "Read in the search index."}]}],
    }
    hits = [(place, phrase) for place, text in _prose(data, "x") for phrase in GATHERING if phrase in text.lower()]
    assert hits == [
        ("x.function[f].notes", "prototype from btf"),
        ("x.function[f].changes[0].note", "checked against"),
        ("x.type[t].fields[x].doc", "search index"),
    ]
