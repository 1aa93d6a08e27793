"""`memdesc show` and `memdesc functions` as text: one renderer per kind of thing.

A type is drawn by `memdesc.display.show_text`; a field, function, conversion, predicate, page
type or typedef here: a header line saying what it is and at which release, its facts one per
line, then its notes, sources and history. Light imports only: the fast path renders cached
answers with it (`memdesc.fastpath`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from memdesc.display import show_text, table

Facts = list[tuple[str, object]]


def returns_text(record: dict[str, Any]) -> str:
    """A function's return as the table shows it: `folio`, `page[]` (an array), `-` (no
    descriptor), with how it fails: `folio or NULL`, `file_folio or ERR_PTR()`, `folio, NULL
    or ERR_PTR()`."""
    if not record["returns"]:
        return "-"
    shown = record["returns"] + ("[]" if record.get("returns_array") else "")
    failures = [name for name, key in (("NULL", "nullable"), ("ERR_PTR()", "err_ptr")) if record.get(key)]
    if len(failures) == 2:
        return f"{shown}, {failures[0]} or {failures[1]}"
    return f"{shown} or {failures[0]}" if failures else shown


def functions_table(records: list[dict[str, Any]]) -> str:
    """`memdesc functions` as a table: name, category, what it returns, its descriptor
    parameters (`[]` for an array of them) and what frees its result."""
    rows = []
    for record in records:
        params = ", ".join(
            f"{p['name']}: {p['type']}{'[]' if p['depth'] > 1 else ''}" for p in record["params"] if p["type"]
        )
        rows.append([record["name"], record["category"], returns_text(record), params, record["frees_with"] or ""])
    return table(["function", "category", "returns", "descriptor params", "freed by"], rows)


def _when(info: dict[str, Any]) -> str:
    since = f"since {info['since']}; " if info.get("since") else ""
    until = f"until {info['until']}; " if info.get("until") else ""
    return f"[{since}{until}Linux {info['kernel']}]"


def _field(info: dict[str, Any]) -> tuple[str, Facts]:
    c_struct = f"struct {info['c_struct']}" if info["c_struct"] else "no C struct"
    bits = f", bits {info['bit_offset']}+{info['bit_size']}" if info["bit_size"] else ""
    matches = None
    if info["matches"]:
        page = f" (page {info['match_index']})" if info["match_index"] else ""
        matches = f"{info['overlays'] or 'the overlaid struct'}.{info['matches']}{page}"
    meaningless = [f"{m['state']}: {m['reason']}" for m in info["meaningless_in"]]
    facts: Facts = [
        ("meaning", info["meaning"]),
        ("place", f"word {info['word']}, offset {info['offset']}, {info['size']} bytes{bits}"),
        ("c type", info["c_type"]),
        ("matches", matches),
        ("config", info["config"]),
        ("means nothing in", "\n".join(meaningless)),
    ]
    return f"{info['name']}: field of {info['type']} ({c_struct})", facts


def _contract(info: dict[str, Any]) -> Facts:
    """A function's state contract, one line per kind: what `memdesc check` holds its calls to."""
    contract = info["contract"]
    requires = [f"{c['param']}: {', '.join(c['requires'])}" for c in contract if c["requires"]]
    accepts = [f"{c['param']}: {', '.join(c['accepts'])}" for c in contract if c["accepts"]]
    return [
        ("requires", "; ".join(requires)),
        ("releases", ", ".join(c["param"] for c in contract if c["releases"])),
        ("callers may pass", "; ".join(accepts)),
        ("ensures", ", ".join(info["ensures"])),
        ("may be", ", ".join(info["may_be"]) + _unless_zero(info["may_be_unless_zero"]) if info["may_be"] else ""),
    ]


def _function(info: dict[str, Any]) -> tuple[str, Facts]:
    params = [f"{p['name']}: {p['type']}{'[]' if p['depth'] > 1 else ''}" for p in info["params"] if p["type"]]
    failures = []
    if info["nullable"]:
        failures.append("NULL")
    if info["err_ptr"]:
        failures.append(f"ERR_PTR() (per {info['err_ptr_source']})")
    facts: Facts = [
        ("prototype", info["prototype"]),
        ("returns", (info["returns"] or "-") + ("[]" if info["returns_array"] else "")),
        ("return value", info["return_value"]),
        ("fails with", " or ".join(failures)),
        ("descriptor params", ", ".join(params)),
        *_contract(info),
        ("freed by", info["frees_with"]),
        ("replaced by", info["replacement"]),
        ("form", info["form"] + (f" (BTF symbol {info['impl']})" if info["impl"] else "")),
    ]
    return f"{info['name']}(): {info['category']} function", facts


def _unless_zero(parameter: str | None) -> str:
    """What a conversion's may_be leaves out: folio_page(folio, 0) is the folio's first page."""
    return f" (not when {parameter} is 0)" if parameter else ""


def _conversion(info: dict[str, Any]) -> tuple[str, Facts]:
    facts: Facts = [
        ("prototype", info["prototype"]),
        ("kind", "checked (may return NULL)" if info["checked"] else "trusting (always a result)"),
        ("ensures", ", ".join(info["ensures"])),
        ("may be", ", ".join(info["may_be"]) + _unless_zero(info["may_be_unless_zero"])),
        ("form", info["form"]),
    ]
    return f"{info['name']}(): conversion {info['from']} -> {info['to']}", facts


def _predicate(info: dict[str, Any]) -> tuple[str, Facts]:
    facts: Facts = [
        ("tests", info["tests"]),
        ("establishes", info["establishes"]),
        ("prototype", info["prototype"]),
        ("form", info["form"]),
    ]
    return f"{info['name']}(): predicate on {info['takes']}", facts


def _page_type(info: dict[str, Any]) -> tuple[str, Facts]:
    facts: Facts = [("marks", info["marks"]), ("tested by", info["predicate"])]
    return f"{info['name']}: page type 0x{info['value']:02x}", facts


def _typedef(info: dict[str, Any]) -> tuple[str, Facts]:
    return f"{info['name']}: typedef", [("means", info["means"])]


RENDERERS: dict[str, Callable[[dict[str, Any]], tuple[str, Facts]]] = {
    "field": _field,
    "function": _function,
    "conversion": _conversion,
    "predicate": _predicate,
    "page_type": _page_type,
    "typedef": _typedef,
}


def _sources(sources: list[dict[str, Any]]) -> str:
    lines = []
    for source in sources:
        version = f"Linux {source['version']}" if source.get("version") else None
        where = source.get("url") or " ".join(part for part in (version, source.get("path")) if part)
        lines.append(f"  [{source['id']}] {source.get('title', '')}: {where}".rstrip(": "))
    return "\nsources:\n" + "\n".join(lines) + "\n" if lines else ""


def history_text(events: list[dict[str, Any]]) -> str:
    """A thing's history as a table (release, event, detail, source); empty when it has none."""
    if not events:
        return ""
    rows = [[e["release"] or "-", e["event"], e["detail"], e["source"] or ""] for e in events]
    return "\nhistory:\n" + table(["release", "event", "detail", "source"], rows)


def also_text(info: dict[str, Any]) -> str:
    """What else the name names, and how to ask for it."""
    also = info.get("also") or []
    if not also:
        return ""
    lines = [f"  {other['what'].replace('_', ' ')}: memdesc show {other['what']}:{other['name']}" for other in also]
    return "\nthe name also names:\n" + "\n".join(lines) + "\n"


def thing_text(info: dict[str, Any]) -> str:
    """`memdesc show NAME` as text, for any kind of thing."""
    if info.get("what", "type") == "type":
        return show_text(info) + history_text(info.get("history", [])) + also_text(info)
    header, facts = RENDERERS[info["what"]](info)
    out = [f"{header} {_when(info)}"]
    for label, value in facts:
        if value in (None, ""):
            continue
        lines = str(value).split("\n")
        out.append(f"  {label}: {lines[0]}")
        out.extend(f"  {' ' * len(label)}  {line}" for line in lines[1:])
    text = "\n".join(out) + "\n"
    if info.get("notes"):
        text += f"\nnotes: {info['notes']}\n"
    return text + _sources(info["sources"]) + history_text(info["history"]) + also_text(info)
