"""Content hashes of the ontology data and of BTF files, for generated headers and caches.

Kept free of heavy imports: the CLI's cached answers compute these before loading anything else.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from pathlib import Path


def fingerprint(paths: Iterable[Path]) -> str:
    """A short hash of the named files' names and bytes, independent of their order."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode())
        try:
            digest.update(path.read_bytes())
        except OSError:  # missing or unreadable: hashed as such; the loader reports it
            digest.update(b"\0unreadable")
    return digest.hexdigest()[:16]


def data_files(root: Path) -> list[Path]:
    """The root ontology file and the files its `[ontology] include` lists (only the root when
    it cannot be read or parsed: the loader then reports what is wrong, as one line)."""
    try:
        with root.open("rb") as stream:
            meta = tomllib.load(stream).get("ontology", {})
    except (OSError, ValueError):  # ValueError: not UTF-8 (UnicodeDecodeError) or not TOML
        return [root]
    includes = meta.get("include", []) if isinstance(meta, dict) else []
    return [root, *(root.parent / name for name in includes if isinstance(name, str))]


def file_hash(path: Path) -> str:
    """sha256 of a file's content (BTF blobs are a few MiB: one read)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
