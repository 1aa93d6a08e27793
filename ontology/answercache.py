"""Cached answers of BTF commands (verify, census), keyed by what the answer depends on.

The key hashes the BTF file's content, the ontology data files, memdesc's version and the
command's options, so an edited ontology or another kernel never gets a stale answer. Entries
live in the user's cache directory ($XDG_CACHE_HOME/memdesc, else ~/.cache/memdesc;
MEMDESC_CACHE_DIR overrides) and are written atomically. Light imports only: a cache hit must
answer without loading pydantic, networkx or typer.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ontology import __version__
from ontology.fingerprint import data_files, file_hash, fingerprint


def cache_dir() -> Path:
    explicit = os.environ.get("MEMDESC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "memdesc"


def answer_key(command: str, data_root: Path, btf_files: list[Path], options: dict[str, Any]) -> str:
    """The cache key of one invocation: command, options, data and BTF contents, version."""
    parts = {
        "command": command,
        "version": __version__,
        "data": fingerprint(data_files(data_root)),
        "btf": [file_hash(path) for path in btf_files],
        "options": options,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def load_answer(key: str) -> dict[str, Any] | None:
    path = cache_dir() / f"{key}.json"
    try:
        with path.open(encoding="utf-8") as stream:
            answer = json.load(stream)
    except (OSError, ValueError):
        return None
    return answer if isinstance(answer, dict) else None


def store_answer(key: str, answer: dict[str, Any]) -> None:
    """Best effort: a cache that cannot be written only costs time next run."""
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temporary = directory / f".{key}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(answer, sort_keys=True), encoding="utf-8")
        os.replace(temporary, directory / f"{key}.json")
    except OSError:
        return
