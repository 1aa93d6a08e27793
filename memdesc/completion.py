"""Shell completion (`memdesc show fol<TAB>`, `show slab.<TAB>`, `--category <TAB>`), read from the TOML.

Loading the ontology validates every entry with pydantic, a few hundred milliseconds a TAB;
completion needs only names (type names and summaries, the functions' categories, the kinds,
the releases the data covers), which tomllib reads in a few. Each completer reads --data when
it was given before the TAB, else the bundled data; an unreadable file completes to nothing
(the command itself then reports it).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import typer

from ontology import BUNDLED_ROOT
from ontology.errors import InputError
from ontology.fingerprint import data_files
from ontology.inputs import TOML_CAP, read_input


def _read(path: Path) -> dict[str, Any]:
    return tomllib.loads(read_input(path, TOML_CAP, "an ontology TOML file").decode())


def entries(root: Path, table: str) -> list[dict[str, Any]]:
    """Every `[[table]]` entry of the root file and its includes; [] if any file is unreadable."""
    found: list[dict[str, Any]] = []
    try:
        for path in data_files(root):
            items = _read(path).get(table, [])
            found.extend(item for item in (items if isinstance(items, list) else []) if isinstance(item, dict))
    except (InputError, ValueError, RecursionError):
        return []
    return found


def type_names(root: Path) -> dict[str, str]:
    """Every type's name and summary in the root file and its includes; {} if any is unreadable."""
    return {
        entry["name"]: " ".join(str(entry.get("summary", "")).split()).split(". ")[0]
        for entry in entries(root, "type")
        if isinstance(entry.get("name"), str)
    }


def values(root: Path, table: str, key: str) -> list[str]:
    """The distinct string values of `key` among the `[[table]]` entries, sorted."""
    return sorted({entry[key] for entry in entries(root, table) if isinstance(entry.get(key), str)})


def releases(root: Path) -> list[str]:
    """The releases the data covers (`[ontology] releases`, oldest first); [] if unreadable."""
    try:
        meta = _read(root).get("ontology", {})
    except (InputError, ValueError, RecursionError):
        return []
    listed = meta.get("releases", []) if isinstance(meta, dict) else []
    return [release for release in listed if isinstance(release, str)] if isinstance(listed, list) else []


def _root(ctx: typer.Context) -> Path:
    data = ctx.params.get("data")
    return data if isinstance(data, Path) else BUNDLED_ROOT


def _starting(candidates: list[str], incomplete: str) -> list[str]:
    return [candidate for candidate in candidates if candidate.startswith(incomplete)]


def complete_type(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Type names starting with `incomplete`, with their summaries."""
    names = type_names(_root(ctx))
    return sorted((name, summary) for name, summary in names.items() if name.startswith(incomplete))


NAMED_TABLES = {"function": "function", "conversion": "conversion", "predicate": "predicate", "page_type": "page type"}
"""The `[[table]]`s whose entries `show` answers by name, with the word that describes each."""


def complete_name(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """`show NAME`: anything it answers for. Types (with their summaries), functions,
    conversions, predicates and page types by name; after `TYPE.`, that type's fields."""
    root = _root(ctx)
    if "." in incomplete:
        owner, _, start = incomplete.partition(".")
        found = [
            (f"{owner}.{field['name']}", str(field.get("c_type", "field")))
            for entry in entries(root, "type")
            if entry.get("name") == owner
            for field in entry.get("fields", [])
            if isinstance(field, dict) and isinstance(field.get("name"), str) and field["name"].startswith(start)
        ]
        return sorted(set(found))
    names = dict(complete_type(ctx, incomplete))
    for table, word in NAMED_TABLES.items():
        for value in values(root, table, "name"):
            if value.startswith(incomplete):
                names.setdefault(value, word)
    return sorted(names.items())


def complete_kernel(ctx: typer.Context, incomplete: str) -> list[str]:
    """`--kernel X.Y`: the releases the data covers, newest first."""
    return _starting(list(reversed(releases(_root(ctx)))), incomplete)


def complete_category(ctx: typer.Context, incomplete: str) -> list[str]:
    """`--category`: the categories the data's functions are filed under."""
    return _starting(values(_root(ctx), "function", "category"), incomplete)


def complete_kind(ctx: typer.Context, incomplete: str) -> list[str]:
    """`--kind`: the kinds of the data's types."""
    return _starting(values(_root(ctx), "type", "kind"), incomplete)


def complete_format(ctx: typer.Context, incomplete: str) -> list[str]:
    """`export --format`: the export formats."""
    from ontology.exports import EXPORTERS

    return _starting(sorted(EXPORTERS), incomplete)
