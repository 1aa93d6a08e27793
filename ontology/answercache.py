"""Cached answers of `show` (every type at once), `verify` and `census`, keyed by what they depend on.

The key hashes the ontology data files, the BTF files' content, memdesc's version and the
command's options, so an edited ontology or another kernel never gets a stale answer. Entries
live in the user's cache directory ($XDG_CACHE_HOME/memdesc, else ~/.cache/memdesc;
MEMDESC_CACHE_DIR overrides) and are written atomically. Light imports only: a cache hit must
answer without loading pydantic, networkx or typer; the engine is imported only on a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ontology import BUNDLED_ROOT, __version__
from ontology.btf import DEFAULT_BTF
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
    """Best effort: a cache that cannot be written only costs time next run. The cache directory
    is the cache's own (created if missing); a failed write leaves no temporary file behind."""
    from ontology.atomic import write_atomic

    try:
        write_atomic(cache_dir() / f"{key}.json", json.dumps(answer, sort_keys=True), parents=True)
    except OSError:
        return


def _btf_key(command: str, data: Path, btf_files: list[Path], options: dict[str, Any]) -> str:
    """The key of a BTF command; BtfError (from hashing) if a BTF file is not a readable regular file."""
    return answer_key(command, data, btf_files, options)


def show_answers(data: Path | None = None) -> dict[str, Any]:
    """`show` for every type (default: of the bundled data), from the cache or computed once on a miss."""
    data = data or BUNDLED_ROOT
    key = answer_key("show", data, [], {})
    answers = load_answer(key)
    if answers is None:
        from ontology.queries import show_type
        from ontology.strict import load_ontology

        onto = load_ontology(data)
        answers = {name: show_type(onto, name) for name in sorted(onto.types)}
        store_answer(key, answers)
    return answers


def verify_answer(btf: Path | None = None, data: Path | None = None, use_cache: bool = True) -> dict[str, Any]:
    """`verify` as JSON-able data: the ontology (default: bundled) against BTF (default: the running kernel's)."""
    btf, data = btf or DEFAULT_BTF, data or BUNDLED_ROOT
    key = _btf_key("verify", data, [btf], {})
    answer = load_answer(key) if use_cache else None
    if answer is None:
        from ontology.btf import Btf
        from ontology.strict import load_ontology
        from ontology.verify import verify

        answer = verify(load_ontology(data), Btf.from_file(btf)).as_dict()
        store_answer(key, answer)
    return answer


def census_answer(
    btf: Path | None = None, against: Path | None = None, data: Path | None = None, use_cache: bool = True
) -> dict[str, Any]:
    """`census` as JSON-able data: descriptor users in `btf`, compared with `against` when given."""
    btf, data = btf or DEFAULT_BTF, data or BUNDLED_ROOT
    files = [btf] + ([against] if against else [])
    key = _btf_key("census", data, files, {"against": bool(against)})
    answer = load_answer(key) if use_cache else None
    if answer is None:
        from ontology.btf import Btf
        from ontology.census import census_facts, compare, report, take_census

        facts = census_facts(data, fingerprint(data_files(data)))
        new = take_census(facts, Btf.from_file(btf))
        answer = report(facts, new)
        if against is not None:
            answer["against"] = compare(take_census(facts, Btf.from_file(against)), new)
        store_answer(key, answer)
    return answer
