"""Cached answers of `show` (every type at once), `verify` and `census`, bound to what they depend on.

What an entry depends on is its *inputs*: the command and its options, memdesc's version and a
fingerprint of the engine's code (name, size and mtime of the `ontology` modules), the ontology
data files (names and bytes) and the BTF files' content. Their digest names the entry's file and
is recorded in it, with a digest over the inputs and the payload's exact text; an entry is used
only when the file parses as that envelope, both digests match this run's inputs, and the
payload has the shape its renderer reads. Anything else (a stale entry, a truncated or binary
file, a wrong JSON type, missing keys, an entry written by hand or copied from another key) is a
miss: the answer is computed afresh and the entry rewritten. The cache directory is the user's
own, so this is no defence against someone who can write there on purpose (they could as well
edit memdesc); the goal is that a stale, corrupted or mistakenly edited entry never changes an
answer, and never crashes the command.

Entries hold answers unrendered where they name this run's paths: the BTF paths are filled in
from the arguments of the run that prints them, and verify's data locations are stored as (data
file, line) and rendered relative to the working directory at print time, exactly as a fresh
run would, so a cached answer is byte-identical to a fresh one.

Entries live in the user's cache directory ($XDG_CACHE_HOME/memdesc, else ~/.cache/memdesc;
MEMDESC_CACHE_DIR overrides) and are written atomically. Light imports only: a cache hit must
answer without loading pydantic, networkx or typer; the engine is imported only on a miss.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ontology import BUNDLED_ROOT, __version__
from ontology.btf import DEFAULT_BTF, BtfBlob, read_btf
from ontology.fingerprint import data_files, fingerprint
from ontology.inputs import BTF_CAP, read_input
from ontology.lifetime import outlive

FORMAT = 3
"""The envelope's version; entries of another format are misses."""

Shape = Callable[[Any], bool]


def cache_dir() -> Path:
    explicit = os.environ.get("MEMDESC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "memdesc"


def code_fingerprint() -> str:
    """Name, size and mtime of the engine's modules: an edited checkout never reuses old answers."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for entry in sorted(os.scandir(package), key=lambda e: e.name):
        if entry.name.endswith(".py") and entry.is_file():
            stat = entry.stat()
            digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def answer_inputs(command: str, data_root: Path, btf_blobs: Sequence[BtfBlob], options: dict[str, Any]) -> str:
    """The digest of everything one invocation's answer depends on (not of how its paths are spelled)."""
    parts = {
        "command": command,
        "version": __version__,
        "code": code_fingerprint(),
        "data": fingerprint(data_files(data_root)),
        "btf": [hashlib.sha256(blob).hexdigest() for blob in btf_blobs],
        "options": options,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _seal(inputs: str, payload: str) -> str:
    return hashlib.sha256(f"memdesc answer {FORMAT}\0{inputs}\0{payload}".encode()).hexdigest()


def _entry_path(inputs: str) -> Path:
    return cache_dir() / f"{inputs[:32]}.json"


def load_answer(inputs: str, shape: Shape) -> dict[str, Any] | None:
    """The cached payload for `inputs`, or None when there is none or it is not to be trusted."""
    try:
        with _entry_path(inputs).open(encoding="utf-8") as stream:
            entry = json.load(stream)
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("inputs") != inputs:
        return None
    payload = entry.get("payload")
    if not isinstance(payload, str) or entry.get("seal") != _seal(inputs, payload):
        return None
    try:
        answer = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    return answer if isinstance(answer, dict) and shape(answer) else None


def store_answer(inputs: str, answer: dict[str, Any]) -> None:
    """Best effort: a cache that cannot be written only costs time next run. The cache directory
    is the cache's own (created if missing); a failed write leaves no temporary file behind.
    The payload keeps the answer's key order (renderers print rows in that order)."""
    from ontology.atomic import write_atomic

    payload = json.dumps(answer)
    entry = {"format": FORMAT, "inputs": inputs, "seal": _seal(inputs, payload), "payload": payload}
    try:
        write_atomic(_entry_path(inputs), json.dumps(entry), parents=True)
    except OSError:
        return


# -- shapes: what each renderer reads, checked before a cached payload is used


def _str(value: Any) -> bool:
    return isinstance(value, str)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _record(value: Any, fields: dict[str, Shape]) -> bool:
    return isinstance(value, dict) and all(key in value and check(value[key]) for key, check in fields.items())


def _list_of(value: Any, check: Shape) -> bool:
    return isinstance(value, list) and all(check(item) for item in value)


def _counts(value: Any) -> bool:
    return isinstance(value, dict) and all(_str(key) and _int(count) for key, count in value.items())


def _optional_int(value: Any) -> bool:
    return value is None or _int(value)


def _descriptor_counts(value: Any) -> bool:
    """Functions per descriptor; null for a descriptor the kernel does not have."""
    return isinstance(value, dict) and all(_str(key) and _optional_int(count) for key, count in value.items())


def _table(value: Any) -> bool:
    return isinstance(value, dict) and all(_counts(row) for row in value.values())


def _location(value: Any) -> bool:
    return _str(value) or (
        isinstance(value, list)
        and len(value) == 2
        and _int(value[0])
        and value[0] >= 0
        and (value[1] is None or _int(value[1]))
    )


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _claim(value: Any) -> bool:
    """A fact's claim or BTF answer: a scalar, a list of scalars, or a tuple stored as {"tuple": [...]}."""
    if isinstance(value, dict):
        return list(value) == ["tuple"] and _list_of(value["tuple"], _scalar)
    return _scalar(value) or _list_of(value, _scalar)


def _fact(value: Any) -> bool:
    return _record(
        value,
        {"subject": _str, "item": _scalar, "aspect": _str, "claim": _claim, "btf": _claim, "location": _location},
    )


def _undecidable(value: Any) -> bool:
    return _record(value, {"kind": _str, "form": _str, "subject": _str}) and _location(value.get("location", ""))


def verify_shape(answer: Any) -> bool:
    return _record(
        answer,
        {
            "kernel": _str,
            "release": _str,
            "release_from": _str,
            "decided": _int,
            "agreements": lambda v: _list_of(v, _fact),
            "mismatches": lambda v: _list_of(v, _fact),
            "undecidable": lambda v: _list_of(v, _undecidable),
        },
    )


def _comparison(value: Any) -> bool:
    change: Shape = lambda c: _record(c, {"old": _optional_int, "new": _optional_int, "delta": _int})  # noqa: E731
    moved: Shape = lambda m: _record(  # noqa: E731
        m,
        {
            "from": _str,
            "to": _str,
            "in_place": lambda v: _list_of(v, _str),
            "renamed": lambda v: _list_of(v, lambda p: _record(p, {"old": _str, "new": _str})),
        },
    )
    return _record(
        value,
        {
            "counts": lambda v: isinstance(v, dict) and all(change(c) for c in v.values()),
            "moved": moved,
            "added": lambda v: _list_of(v, _str),
            "removed": lambda v: _list_of(v, _str),
        },
    )


def _trend_row(value: Any) -> bool:
    return _record(value, {"release": _str, "version": _str, "functions": _int, "counts": _descriptor_counts})


def trend_shape(answer: Any) -> bool:
    row: Shape = _trend_row
    step: Shape = lambda s: _record(s, {"old": _str, "new": _str, "page_to_folio": _int})  # noqa: E731
    return _record(
        answer,
        {
            "descriptors": lambda d: _list_of(d, _str),
            "kernels": lambda k: _list_of(k, row),
            "conversions": lambda c: _list_of(c, step),
        },
    )


def census_shape(answer: Any) -> bool:
    fields: dict[str, Shape] = {
        "functions": _int,
        "counts": _descriptor_counts,
        "by_category": _table,
        "by_prefix": _table,
    }
    return _record(answer, fields) and ("against" not in answer or _comparison(answer["against"]))


def show_shape(answer: Any) -> bool:
    return isinstance(answer, dict) and all(isinstance(info, dict) for info in answer.values())


# -- paths: stored unrendered, rendered for this run


OWN_TREE = Path(__file__).resolve().parents[1]


def shown_path(path: Path) -> str:
    """A data file as messages name it: as given, memdesc's own files relative to the working
    directory when below it (the rendering of `ontology.loader.display_path`, which cannot be
    imported here: it loads pydantic)."""
    try:
        resolved = path.resolve()
        if resolved.is_relative_to(OWN_TREE):
            return str(resolved.relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        pass
    return str(path)


def _unrender_location(location: str, files: dict[str, int]) -> str | list[Any]:
    """`file[:line]` of a data file as [its index among the data files, line]; other places
    (`enum pagetype`) as they are."""
    if location in files:
        return [files[location], None]
    head, _, line = location.rpartition(":")
    if head in files and line.isdigit():
        return [files[head], int(line)]
    return location


def _unrender_fact(item: dict[str, Any], files: dict[str, int]) -> dict[str, Any]:
    """A verify item as stored: location unrendered, tuples kept apart from lists (text shows their repr)."""
    stored = dict(item)
    if isinstance(item.get("location"), str):
        stored["location"] = _unrender_location(item["location"], files)
    for key in ("claim", "btf"):
        if isinstance(item.get(key), tuple):
            stored[key] = {"tuple": list(item[key])}
    return stored


def _store_verify(answer: dict[str, Any], data: Path) -> dict[str, Any]:
    """`answer` with its data locations as (file, line) and no BTF path."""
    files = {shown_path(path): index for index, path in enumerate(data_files(data))}
    stored = {key: value for key, value in answer.items() if key != "btf"}
    for section in ("agreements", "mismatches", "undecidable"):
        stored[section] = [_unrender_fact(item, files) for item in answer[section]]
    return stored


def _render_verify(stored: dict[str, Any], btf: Path, data: Path) -> dict[str, Any] | None:
    """The stored answer as this run prints it; None if a location names no data file."""
    files = [shown_path(path) for path in data_files(data)]
    answer: dict[str, Any] = {"btf": str(btf)}
    for key, value in stored.items():
        if key not in ("agreements", "mismatches", "undecidable"):
            answer[key] = value
            continue
        items = []
        for item in value:
            item = dict(item)
            if isinstance(item.get("location"), list):
                index, line = item["location"]
                if index >= len(files):
                    return None
                item["location"] = files[index] if line is None else f"{files[index]}:{line}"
            for field in ("claim", "btf"):
                if isinstance(item.get(field), dict):
                    item[field] = tuple(item[field]["tuple"])
            items.append(item)
        answer[key] = items
    return answer


# -- the answers


SHOW_BUCKETS = 16
"""The answers of `show` for names other than types are split into this many entries (by a
checksum of the thing's id), so `show filemap_lock_folio` reads some 50 KB, as `show folio`
reads the types' entry, rather than every function's, field's and predicate's answer."""


def _show_inputs(data: Path, kernel: str | None, part: str) -> str:
    """The key of one `show` entry: `types`, `index` (lookup key -> ids) or `bucket-N`."""
    return answer_inputs("show", data, [], {**({"kernel": kernel} if kernel else {}), "part": part})


def _bucket(thing_id: str) -> str:
    return f"bucket-{zlib.crc32(thing_id.encode()) % SHOW_BUCKETS}"


def index_shape(answer: Any) -> bool:
    return _record(
        answer, {"keys": lambda keys: isinstance(keys, dict) and all(_list_of(ids, _str) for ids in keys.values())}
    )


def _compute_show(data: Path, kernel: str | None) -> tuple[dict[str, Any], dict[str, Any], dict[str, dict[str, Any]]]:
    """Every `show` answer at one release, computed and stored: (types' answers, index, the
    other answers by bucket). Returned, not read back: a cache that cannot be written must
    not cost a second computation."""
    from ontology.describe import describe_all
    from ontology.strict import load_ontology

    types, others, keys = describe_all(load_ontology(data, kernel))
    buckets: dict[str, dict[str, Any]] = {f"bucket-{number}": {} for number in range(SHOW_BUCKETS)}
    for thing_id, record in others.items():
        buckets[_bucket(thing_id)][thing_id] = record
    index = {"keys": keys}
    store_answer(_show_inputs(data, kernel, "types"), types)
    store_answer(_show_inputs(data, kernel, "index"), index)
    for part, answers in buckets.items():
        store_answer(_show_inputs(data, kernel, part), answers)
    return types, index, buckets


def show_answer(name: str, data: Path | None = None, kernel: str | None = None) -> dict[str, Any] | None:
    """`show NAME` at one release (default: of the bundled data, at its newest release), from
    the cache or computed once, for every name, on a miss; None when NAME names nothing there
    (the full command says why, and when it does)."""
    from ontology.spelling import lookup_key

    data = data or BUNDLED_ROOT
    types = load_answer(_show_inputs(data, kernel, "types"), show_shape)
    if types is not None and name in types:
        return dict(types[name])
    index = load_answer(_show_inputs(data, kernel, "index"), index_shape)
    buckets: dict[str, dict[str, Any]] | None = None
    if types is None or index is None:
        types, index, buckets = _compute_show(data, kernel)
        if name in types:
            return dict(types[name])
    ids = index["keys"].get(lookup_key(name))
    if not ids:
        return None
    kind, _, thing = ids[0].partition(":")
    if kind == "type":
        return dict(types[thing]) if thing in types else None
    part = _bucket(ids[0])
    answers = buckets[part] if buckets is not None else load_answer(_show_inputs(data, kernel, part), show_shape)
    if answers is None:
        answers = _compute_show(data, kernel)[2][part]
    found = answers.get(ids[0])
    return dict(found) if isinstance(found, dict) else None


def _based(options: dict[str, Any], base: Path | None) -> dict[str, Any]:
    """The options of an answer whose BTF is split against `base` (a module's), if it is."""
    return options if base is None else {**options, "base": True}


def _btf(blob: BtfBlob, path: Path, base: BtfBlob | None, base_path: Path | None) -> Any:
    """Parse `blob`, split against `base` when there is one (a module's BTF)."""
    from ontology.btf import Btf

    return Btf(blob, str(path), None if base is None else Btf(base, str(base_path)))


def running_release(btf: Path) -> str | None:
    """The running kernel's release (`os.uname().release`) when `btf` is its BTF, else None."""
    try:
        running = btf.resolve() == DEFAULT_BTF.resolve()
    except (OSError, RuntimeError):
        running = False
    return os.uname().release if running else None


def verify_answer(
    btf: Path | None = None,
    data: Path | None = None,
    use_cache: bool = True,
    base: Path | None = None,
    kernel: str | None = None,
) -> dict[str, Any]:
    """`verify` as JSON-able data: the ontology (default: bundled) against BTF (default: the
    running kernel's; a module's split BTF against its `base` when given) at release `kernel`
    (default: the running kernel's for its own BTF, else inferred from the BTF;
    `ontology.verify.verify_release`). The release is part of the key."""
    btf, data = btf or DEFAULT_BTF, data or BUNDLED_ROOT
    blob = read_btf(btf)  # read once: the answer is computed from the bytes its key hashes
    base_blob = None if base is None else read_btf(base)
    running = None if kernel is not None else running_release(btf)
    blobs = [blob] + ([] if base_blob is None else [base_blob])
    inputs = answer_inputs("verify", data, blobs, _based({"kernel": kernel, "running": running}, base))
    stored = load_answer(inputs, verify_shape) if use_cache else None
    answer = None if stored is None else _render_verify(stored, btf, data)
    if answer is None:
        from ontology.verifytable import compiled_plans

        plans = compiled_plans(data, fingerprint(data_files(data)), shown_path)
        if plans is not None:  # the bundled data, compiled: no TOML, pydantic or lint to load
            from ontology.verifyjudge import judge_release

            collecting = gc.isenabled()
            gc.disable()  # as for census: the parsed BTF's tables hold no cycles to collect
            try:
                parsed = _btf(blob, btf, base_blob, base)
                outlive(parsed)
                answer = judge_release(plans, parsed, kernel, running).as_dict()
            finally:
                if collecting:
                    gc.enable()
        else:
            from ontology.strict import load_ontology
            from ontology.verify import verify_release

            history = load_ontology(data).history
            assert history is not None  # load_ontology always keeps the versioned data
            answer = verify_release(history, _btf(blob, btf, base_blob, base), kernel, running).as_dict()
        store_answer(inputs, _store_verify(answer, data))
    return answer


def census_answer(
    btf: Path | None = None,
    against: Path | None = None,
    data: Path | None = None,
    use_cache: bool = True,
    everything: bool = False,
    base: Path | None = None,
) -> dict[str, Any]:
    """`census` as JSON-able data: descriptor users in `btf` (split against `base` when given),
    compared with `against` when given; tracepoint plumbing left out unless `everything`."""
    btf, data = btf or DEFAULT_BTF, data or BUNDLED_ROOT
    blobs = [read_btf(path) for path in [btf] + ([against] if against else []) + ([base] if base else [])]
    options = {"against": bool(against), **({"all": True} if everything else {})}
    inputs = answer_inputs("census", data, blobs, _based(options, base))
    answer = load_answer(inputs, census_shape) if use_cache else None
    if answer is None:
        from ontology.btf import Btf
        from ontology.census import census_facts, compare, kernel_census, report

        facts = census_facts(data, fingerprint(data_files(data)))
        # The collector is paused: a parsed BTF is tables of 126,000 ints and the scan makes
        # thousands of small tuples, none in a reference cycle, and each burst of allocations set
        # off collections that walked those tables again for nothing (callgrind, cold census:
        # 1,367M -> 1,329M instructions). Any cycle made meanwhile is collected once it resumes.
        collecting = gc.isenabled()
        gc.disable()
        try:
            parsed = _btf(blobs[0], btf, blobs[-1] if base else None, base)
            outlive(parsed)
            new = kernel_census(facts, parsed, everything)
            answer = report(facts, new)
            if against is not None:
                answer["against"] = compare(kernel_census(facts, Btf(blobs[1], str(against)), everything), new)
        finally:
            if collecting:
                gc.enable()
        store_answer(inputs, _without_paths(answer))
    return _with_paths(answer, btf, against)


def trend_answer(data: Path | None = None, use_cache: bool = True, everything: bool = False) -> dict[str, Any]:
    """`census --trend` as JSON-able data: every reference kernel's census, release by release.
    The cache key hashes the compressed reference files (the trend never reads another BTF)."""
    from ontology.census_trend import trend_kernels

    data = data or BUNDLED_ROOT
    kernels = trend_kernels()
    packed = [read_input(kernel.path, BTF_CAP, "an xz-compressed BTF file") for kernel in kernels]
    inputs = answer_inputs("census-trend", data, packed, {"all": everything})
    answer = load_answer(inputs, trend_shape) if use_cache else None
    if answer is None:
        from ontology.census import census_facts
        from ontology.census_trend import trend

        answer = trend(census_facts(data, fingerprint(data_files(data))), kernels, everything)
        store_answer(inputs, answer)
    return answer


def _without_paths(answer: dict[str, Any]) -> dict[str, Any]:
    """A census answer with the BTF paths left out: the run that prints it fills in its own."""
    stored = {key: value for key, value in answer.items() if key != "btf"}
    if "against" in answer:
        stored["against"] = {key: value for key, value in answer["against"].items() if key not in ("old", "new")}
    return stored


def _with_paths(answer: dict[str, Any], btf: Path, against: Path | None) -> dict[str, Any]:
    """A census answer naming the BTF files as this run was given them, keys in the fresh order."""
    shown = {"btf": str(btf), **{key: value for key, value in answer.items() if key != "btf"}}
    if against is not None and "against" in answer:
        shown["against"] = {**{"old": str(against), "new": str(btf)}, **answer["against"]}
        shown["against"].update(old=str(against), new=str(btf))
    return shown
