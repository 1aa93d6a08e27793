"""Content hashes of the ontology data, for generated headers and caches.

Kept free of heavy imports: the CLI's cached answers compute these before loading anything else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from ontology.errors import InputError
from ontology.inputs import TOML_CAP, read_input
from ontology.roottable import plain_root_table


def fingerprint(paths: Iterable[Path]) -> str:
    """A short hash of the named files' names and bytes, independent of their order."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode())
        try:
            digest.update(read_input(path, TOML_CAP, "an ontology TOML file"))
        except InputError:  # missing, unreadable or not a file: hashed as such; the loader reports it
            digest.update(b"\0unreadable")
    return digest.hexdigest()[:16]


def data_files(root: Path) -> list[Path]:
    """The root ontology file and the files its `[ontology] include` lists (only the root when
    it cannot be read or parsed: the loader then reports what is wrong, as one line). A root
    of the plain form is read without importing tomllib (`ontology.roottable`)."""
    try:
        raw = read_input(root, TOML_CAP, "an ontology TOML file")
    except InputError:
        return [root]
    meta: object = plain_root_table(raw)
    if meta is None:
        import tomllib

        try:
            meta = tomllib.loads(raw.decode()).get("ontology", {})
        except (ValueError, RecursionError):  # ValueError: not UTF-8 or not TOML
            return [root]
    includes = meta.get("include", []) if isinstance(meta, dict) else []
    return [root, *(root.parent / name for name in includes if isinstance(name, str))]
