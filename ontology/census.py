"""`memdesc census`: how many kernel functions speak each memory descriptor, from BTF.

For each descriptor struct the ontology knows (page, folio, slab, ptdesc, zpdesc, netmem_desc,
net_iov), the number of distinct BTF FUNC names whose return or parameter type is, after
typedefs and qualifiers, a pointer at any depth to that struct; plus the handle typedefs
(netmem_ref), which count when mentioned at all. Comparing two kernels gives the page -> folio
conversion progress mm developers report each cycle.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from itertools import accumulate, chain, compress, count
from pathlib import Path
from typing import Any, NamedTuple

from ontology import BUNDLED_ROOT, cview
from ontology.btf import FUNC, FUNC_PROTO, STRUCT, TYPEDEF, Btf, BtfError
from ontology.facttable import FactTable


class Census(NamedTuple):
    """Which descriptors each BTF function mentions, and the counts derived from that.

    A NamedTuple, like `cview`'s records: a cold census does not import `dataclasses`."""

    btf_path: str
    descriptors: list[str]
    mentions: dict[str, frozenset[str]]
    """Function name -> descriptor names it mentions (only functions mentioning one)."""
    absent: frozenset[str] = frozenset()
    """Descriptors this kernel's BTF has no struct (or typedef) of: absent, not unused."""
    has_function: Callable[[str], bool] | None = None
    """Whether the kernel has a FUNC of a name at all (mentioning a descriptor or not)."""

    def counts(self) -> dict[str, int | None]:
        """Functions per descriptor; None for a descriptor the kernel does not have."""
        counter: Counter[str] = Counter()
        for names in self.mentions.values():
            counter.update(names)
        return {name: None if name in self.absent else counter.get(name, 0) for name in self.descriptors}

    def functions_of(self, descriptor: str) -> list[str]:
        return sorted(name for name, names in self.mentions.items() if descriptor in names)


def census_facts(data: Path, data_hash: str) -> FactTable:
    """The facts a census of `data` (whose files hash to `data_hash`) reads.

    For the bundled data, the generated contract's (`ontology.types.FACTS`) when it was
    generated from exactly these files: they passed lint then, and reading them costs neither
    pydantic nor lint. Any other data, or a contract older than the data, is loaded the strict
    way, so bad data is refused with its one-line error as everywhere else.
    """
    if data.resolve() == BUNDLED_ROOT.resolve():
        from ontology.types import FACTS

        if FACTS.data_hash == data_hash:
            return FACTS
    from ontology.strict import load_ontology
    from ontology.typegen.records import fact_table

    return fact_table(load_ontology(data))


def descriptor_names(facts: FactTable) -> tuple[dict[str, str], dict[str, str]]:
    """(struct C name -> type name, handle typedef -> type name) for every descriptor struct."""
    structs = {t.c_name: t.name for t in facts.types.values() if t.kind == "struct" and t.c_name}
    handles = {t.c_name: t.name for t in facts.types.values() if t.kind == "handle" and t.c_name}
    return structs, handles


def take_census(facts: FactTable, btf: Btf) -> Census:
    """Scan every FUNC in `btf` once.

    Kernel functions share prototypes and prototypes share parameter types, so what a type
    points to is resolved once per type id (and each typedef/qualifier/pointer chain once,
    `cview.shapes`) and what a prototype mentions once per prototype id; a function's name is
    decoded only when its prototype mentions a descriptor.
    """
    structs, handles = descriptor_names(facts)
    keep = frozenset(handles)
    census = Census(btf.path, sorted(structs.values()) + sorted(handles.values()), {})

    def descriptor(shape: cview.TypeShape) -> str:
        """The descriptor a parameter or return type of this shape points to or names (a handle), else ""."""
        if shape.base in handles:
            return handles[shape.base]
        if shape.pointers >= 1 and shape.base.startswith("struct "):
            return structs.get(shape.base.removeprefix("struct "), "")
        return ""

    def signature(proto_id: int) -> tuple[int, ...]:
        if btf.kind(proto_id) == FUNC_PROTO:
            return btf.signature_ids(proto_id)
        record = btf.type(proto_id)  # malformed: read the record as before, whatever it is
        return (record.ref, *(member.type_id for member in record.members))

    functions, proto_ids = btf.refs(FUNC)
    used = set(proto_ids)
    protos, counts, params = btf.all_parameter_type_ids()
    _, returns = btf.refs(FUNC_PROTO)  # in the order of `protos`
    malformed = {proto_id: signature(proto_id) for proto_id in sorted(used.difference(protos))}
    # Every type any prototype mentions, gathered at C speed: the few that only prototypes no
    # function uses mention cost less to resolve than sorting out which prototypes are used.
    type_ids = set(params)
    type_ids.update(returns, *malformed.values())
    try:
        hits = {
            type_id: name for type_id, shape in cview.shapes(btf, type_ids, keep).items() if (name := descriptor(shape))
        }
    except BtfError:  # a chain that does not end: only the used prototypes' types count, and
        hits = {}  # the error is the first a scan of them in signature order meets
        for type_id in chain.from_iterable(map(signature, dict.fromkeys(proto_ids))):
            if name := descriptor(cview.shape(btf, type_id, keep)):
                hits[type_id] = name
    # Few prototypes mention a descriptor: find them from the hits, not by visiting each one.
    found: dict[int, set[str]] = {}
    for proto_id, return_id in compress(zip(protos, returns, strict=True), map(hits.__contains__, returns)):
        if proto_id in used:
            found[proto_id] = {hits[return_id]}
    starts = list(accumulate(counts, initial=0))
    for position in compress(count(), map(hits.__contains__, params)):
        proto_id = protos[bisect_right(starts, position) - 1]
        if proto_id in used:
            found.setdefault(proto_id, set()).add(hits[params[position]])
    for proto_id, ids in malformed.items():
        found[proto_id] = {hits[type_id] for type_id in ids if type_id in hits}
    by_proto = {proto_id: frozenset(names) for proto_id, names in found.items()}
    mentions = census.mentions
    for func_id, proto_id in compress(zip(functions, proto_ids, strict=True), map(by_proto.__contains__, proto_ids)):
        names = by_proto[proto_id]
        if names:
            name = btf.name(func_id)
            mentions[name] = mentions[name] | names if name in mentions else names
    return census


PLUMBING = ("__traceiter_", "__bpf_trace_", "__probestub_", "perf_trace_", "trace_event_raw_event_")
"""Name prefixes of the functions the tracepoint macros generate for every event: one set per
tracepoint, not API anyone calls, so the census leaves them out unless asked for `--all`."""


def is_plumbing(function: str) -> bool:
    return function.startswith(PLUMBING)


def kernel_census(facts: FactTable, btf: Btf, everything: bool = False) -> Census:
    """The census of one kernel as `memdesc census` reports it: tracepoint plumbing left out
    (unless `everything`), descriptors the kernel lacks marked absent, and a way to ask whether
    a function exists at all (for telling a rename from a function that was already there)."""
    census = take_census(facts, btf)
    structs, handles = descriptor_names(facts)
    absent = {name for c_name, name in structs.items() if btf.find(STRUCT, c_name) is None}
    absent |= {name for c_name, name in handles.items() if btf.find(TYPEDEF, c_name) is None}
    mentions = census.mentions if everything else {f: n for f, n in census.mentions.items() if not is_plumbing(f)}
    return census._replace(
        mentions=mentions, absent=frozenset(absent), has_function=lambda name: btf.find(FUNC, name) is not None
    )


_PREFIX = re.compile(r"^_*([A-Za-z0-9]+)")


def name_prefix(function: str) -> str:
    """`folio_add_lru` -> folio, `__filemap_get_folio` -> filemap."""
    match = _PREFIX.match(function)
    return match.group(1) if match else function


def _category_index(facts: FactTable) -> dict[str, str]:
    """BTF symbol -> ontology category, for the functions the ontology files under a category."""
    index: dict[str, str] = {}
    for function in facts.functions.values():
        for symbol in (function.impl, function.name, f"{function.name}_noprof"):
            if symbol:
                index.setdefault(symbol, function.category)
    return index


def report(facts: FactTable, census: Census) -> dict[str, Any]:
    """The JSON shape: counts, per-category and per-prefix breakdowns."""
    categories = _category_index(facts)
    by_category: dict[str, Counter[str]] = {}
    by_prefix: dict[str, Counter[str]] = {}
    for function, names in census.mentions.items():
        by_category.setdefault(categories.get(function, "uncategorised"), Counter()).update(names)
        by_prefix.setdefault(name_prefix(function), Counter()).update(names)
    return {
        "btf": census.btf_path,
        "functions": len(census.mentions),
        "counts": census.counts(),
        "by_category": {key: dict(sorted(value.items())) for key, value in sorted(by_category.items())},
        "by_prefix": {key: dict(sorted(value.items())) for key, value in sorted(by_prefix.items())},
    }


def _folio_name(function: str, source: str, target: str) -> str:
    return function.replace(source, target)


def compare(old: Census, new: Census, source: str = "page", target: str = "folio") -> dict[str, Any]:
    """What changed between two kernels: count deltas, and functions that moved page -> folio.

    A function moved when, under the same name, it mentioned `source` but not `target` in the
    old kernel and `target` but not `source` in the new one; or when an old `..page..` function
    that mentioned `source` is gone and a function named with `target` in its place, new in the
    later kernel, mentions `target` (a `..folio..` function that already existed is not a
    rename; set_page_dirty -> folio_mark_dirty is not caught by the name rule).
    """
    old_counts, new_counts = old.counts(), new.counts()
    changes = {
        name: {
            "old": old_counts.get(name),
            "new": new_counts.get(name),
            "delta": (new_counts.get(name) or 0) - (old_counts.get(name) or 0),
        }
        for name in sorted(set(old_counts) | set(new_counts))
    }
    moved_in_place: list[str] = []
    renamed: list[dict[str, str]] = []
    for function, names in sorted(old.mentions.items()):
        now = new.mentions.get(function)
        if now is not None:
            if source in names and target not in names and target in now and source not in now:
                moved_in_place.append(function)
            continue
        if source in names:
            candidate = _folio_name(function, source, target)
            already_there = candidate in old.mentions or (old.has_function is not None and old.has_function(candidate))
            if candidate != function and not already_there and target in new.mentions.get(candidate, frozenset()):
                renamed.append({"old": function, "new": candidate})
    added = sorted(set(new.mentions) - set(old.mentions))
    removed = sorted(set(old.mentions) - set(new.mentions))
    return {
        "old": old.btf_path,
        "new": new.btf_path,
        "counts": changes,
        "moved": {"in_place": moved_in_place, "renamed": renamed, "from": source, "to": target},
        "added": added,
        "removed": removed,
    }
