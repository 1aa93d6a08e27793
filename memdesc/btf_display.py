"""`memdesc verify` and `memdesc census` as text: their (cached) answers printed for a terminal.

Used both by the typer commands and by the fast path, so kept free of typer, pydantic and
networkx; the answers come from `ontology.answercache`, which loads the engine only on a miss.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from memdesc.display import dumps_answer, emit, table
from ontology.answercache import census_answer, trend_answer, verify_answer


def run_verify(
    btf: Path | None,
    data: Path | None,
    as_json: bool,
    use_cache: bool,
    base: Path | None = None,
    kernel: str | None = None,
) -> int:
    """Print `verify`'s answer at release `kernel` (default: see `verify_answer`), a module's
    split BTF against `base`; the exit code: 1 on any mismatch, else 0."""
    answer = verify_answer(btf, data, use_cache, base, kernel)
    emit(dumps_answer("verify", answer) if as_json else verify_text(answer))
    return 1 if answer["mismatches"] else 0


def verify_text(answer: dict[str, Any]) -> str:
    agreements, mismatches, undecidable = answer["agreements"], answer["mismatches"], answer["undecidable"]
    lines = [
        f"Linux {answer['kernel']} ontology against {answer['btf']}: {answer['decided']} facts decided, "
        f"{len(agreements)} agree, {len(mismatches)} mismatch, {len(undecidable)} undecidable",
    ]
    if answer.get("release_from"):
        lines.append(answer["release_from"])
    lines.append("")
    if mismatches:
        lines.append("mismatches:")
        for fact in mismatches:
            what = f"{fact['subject']}.{fact['item']}" if fact["item"] else fact["subject"]
            lines.append(
                f"  {fact['location']}: {what} {fact['aspect']}: ontology {fact['claim']!r}, BTF {fact['btf']!r}"
            )
        lines.append("")
    per_subject: dict[str, Counter[str]] = defaultdict(Counter)
    for fact in agreements:
        per_subject[fact["subject"]][fact["aspect"]] += 1
    lines.append("agreements:")
    for subject in sorted(per_subject):
        lines.append(f"  {agreement_line(subject, per_subject[subject])}")
    lines.append("")
    lines.append("undecidable (BTF holds no macros, inline functions without a copy, refinements or proposals):")
    grouped: dict[str, list[str]] = defaultdict(list)
    for item in undecidable:
        grouped[f"{item['kind']} ({item['form']})"].append(item["subject"])
    for group in sorted(grouped):
        lines.append(f"  {group}: {', '.join(sorted(grouped[group]))}")
    return "\n".join(lines) + "\n"


ASPECT_WORDS: dict[str, tuple[str, str]] = {
    "bits": ("bitfield position", "bitfield positions"),
    "c_type": ("field C type", "field C types"),
    "exists": ("present", "present"),
    "field exists": ("field present", "fields present"),
    "matches": ("*_MATCH pair", "*_MATCH pairs"),
    "means": ("what the typedef stands for", "what the typedefs stand for"),
    "offset": ("field offset", "field offsets"),
    "parameter": ("parameter by name and type", "parameters by name and type"),
    "parameters": ("parameter count", "parameter counts"),
    "returns": ("return type", "return types"),
    "size": ("size", "sizes"),
    "typedef exists": ("typedef present", "typedefs present"),
    "union arm": ("union arm", "union arms"),
    "value": ("value", "values"),
}
"""How each aspect a fact was checked on reads in `verify`'s text, singular and plural."""

PROTOTYPE = frozenset({"parameter", "parameters", "returns"})


def agreement_line(subject: str, aspects: Counter[str]) -> str:
    """One subject's agreements in words: `__free_pages(): prototype: 2 parameters by name and type,
    parameter count, return type` for a function, `folio: 10 sizes, 9 field offsets...` otherwise."""
    if "parameters" in aspects and set(aspects) <= PROTOTYPE:
        name, _, implemented = subject.partition(" (")
        shown = f"{name}()" + (f" (as {implemented.rstrip(')')}())" if implemented else "")
        parts = [
            _counted(aspect, aspects[aspect]) for aspect in ("parameter", "parameters", "returns") if aspect in aspects
        ]
        return f"{shown}: prototype: {', '.join(parts)}"
    return f"{subject}: {', '.join(_counted(aspect, count) for aspect, count in sorted(aspects.items()))}"


def _counted(aspect: str, count: int) -> str:
    one, many = ASPECT_WORDS.get(aspect, (aspect, aspect))
    return one if count == 1 else f"{count} {many}"


def run_census(
    btf: Path | None,
    against: Path | None,
    data: Path | None,
    as_json: bool,
    use_cache: bool,
    everything: bool = False,
    base: Path | None = None,
) -> int:
    """Print `census`'s answer; the exit code is 0."""
    answer = census_answer(btf, against, data, use_cache, everything, base)
    emit(dumps_answer("census", answer) if as_json else census_text(answer))
    return 0


def run_trend(data: Path | None, as_json: bool, use_cache: bool, everything: bool = False) -> int:
    """Print `census --trend`'s answer; the exit code is 0."""
    answer = trend_answer(data, use_cache, everything)
    emit(dumps_answer("census --trend", answer) if as_json else trend_text(answer))
    return 0


def trend_text(answer: dict[str, Any], shown: int = 10) -> str:
    """The trend as one table per release (descriptor counts, then the page -> folio moves into
    that release), and the moves listed below it."""
    names: list[str] = answer["descriptors"]
    moved = {step["new"]: step for step in answer["conversions"]}
    rows = []
    for kernel in answer["kernels"]:
        step = moved.get(kernel["release"])
        rows.append(
            [
                kernel["release"],
                kernel["version"],
                kernel["functions"],
                *(_count(kernel["counts"][name]) for name in names),
                "-" if step is None else step["page_to_folio"],
            ]
        )
    scope = "every function counted" if answer.get("all") else "tracepoint plumbing left out: --all counts it"
    out = [
        f"Functions taking or returning each descriptor, per release ({scope}; absent: no such struct in its BTF):",
        table(["release", "kernel", "functions", *names, "page->folio"], rows),
    ]
    for step in answer["conversions"]:
        if step["page_to_folio"]:
            names = [*step["in_place"], *(f"{pair['old']} -> {pair['new']}" for pair in step["renamed"])]
            out.append(f"page -> folio, {step['old']} to {step['new']} ({len(names)}):")
            out.extend(f"  {name}" for name in names[:shown])
            if len(names) > shown:
                out.append(f"  ... and {len(names) - shown} more (--json lists every one)")
    return "\n".join(out) + "\n"


def _count(value: int | None) -> str:
    """A count as the tables show it: `absent` where the kernel has no such descriptor."""
    return "absent" if value is None else str(value)


def census_text(answer: dict[str, Any], top: int = 15) -> str:
    counts: dict[str, int] = answer["counts"]
    names = list(counts)
    out = [f"{answer['functions']} functions in {answer['btf']} take or return a memory descriptor", ""]
    out.append(table(["descriptor", "functions"], [[name, _count(counts[name])] for name in names]))
    rows = [[category, *(row.get(name, 0) for name in names)] for category, row in answer["by_category"].items()]
    out.append(table(["category", *names], rows, title="by ontology category (functions the ontology files):"))
    prefixes = sorted(answer["by_prefix"].items(), key=lambda item: (-sum(item[1].values()), item[0]))[:top]
    rows = [[prefix, *(row.get(name, 0) for name in names)] for prefix, row in prefixes]
    out.append(table(["prefix", *names], rows, title=f"top {top} name prefixes:"))
    against = answer.get("against")
    if against:
        rows = [[name, _count(c["old"]), _count(c["new"]), f"{c['delta']:+d}"] for name, c in against["counts"].items()]
        out.append(table(["descriptor", "old", "new", "change"], rows, title=f"against {against['old']}:"))
        moved = against["moved"]
        out.append(f"moved from {moved['from']} to {moved['to']} ({len(moved['in_place']) + len(moved['renamed'])}):")
        out.extend(f"  {name}" for name in moved["in_place"])
        out.extend(f"  {pair['old']} -> {pair['new']}" for pair in moved["renamed"])
        out.append(f"functions added: {len(against['added'])}, removed: {len(against['removed'])}")
    return "\n".join(out) + "\n"
