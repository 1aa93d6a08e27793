"""Shell completion of type names (`memdesc show fol<TAB>`), read straight from the data's TOML.

Loading the ontology validates every entry with pydantic, a few hundred milliseconds a TAB;
completion needs only the `[[type]]` names and summaries, which tomllib reads in a few.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import typer

from ontology import BUNDLED_ROOT
from ontology.errors import InputError
from ontology.fingerprint import data_files
from ontology.inputs import TOML_CAP, read_input


def type_names(root: Path) -> dict[str, str]:
    """Every type's name and summary in the root file and its includes; {} if any is unreadable."""
    names: dict[str, str] = {}
    try:
        for path in data_files(root):
            entries = tomllib.loads(read_input(path, TOML_CAP, "an ontology TOML file").decode()).get("type", [])
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    names[entry["name"]] = " ".join(str(entry.get("summary", "")).split()).split(". ")[0]
    except (InputError, ValueError, RecursionError):
        return {}  # completion offers nothing; the command itself reports the bad file
    return names


def complete_type(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Type names starting with `incomplete`, from --data when given before the TAB, else the bundled data."""
    data = ctx.params.get("data")
    names = type_names(data if isinstance(data, Path) else BUNDLED_ROOT)
    return sorted((name, summary) for name, summary in names.items() if name.startswith(incomplete))
