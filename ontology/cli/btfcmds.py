"""`memdesc verify` and `memdesc census`: run (or answer from cache) and render.

These run both from the typer app and from the CLI's fast path, which answers repeated runs
from the cache without importing typer, pydantic or networkx; heavy modules are imported only
on a cache miss.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from ontology.answercache import answer_key, load_answer, store_answer
from ontology.btf import DEFAULT_BTF, BtfError
from ontology.cli.render import dumps, emit, table
from ontology.errors import InputError

BUNDLED_ROOT = Path(__file__).resolve().parent.parent / "data" / "ontology.toml"


def _key(command: str, data: Path, btf_files: list[Path], options: dict[str, Any]) -> str:
    for path in btf_files:
        if not path.exists():
            raise BtfError("no such file", str(path))
        if path.is_dir():
            raise BtfError("is a directory, expected a BTF file or vmlinux", str(path))
    return answer_key(command, data, btf_files, options)


def verify_answer(btf_path: Path, data: Path, use_cache: bool) -> dict[str, Any]:
    key = _key("verify", data, [btf_path], {})
    answer = load_answer(key) if use_cache else None
    if answer is None:
        from ontology.btf import Btf
        from ontology.core import load_ontology
        from ontology.verify import verify

        answer = verify(load_ontology(data), Btf.from_file(btf_path)).as_dict()
        store_answer(key, answer)
    return answer


def run_verify(btf_path: Path | None, data: Path | None, as_json: bool, use_cache: bool) -> int:
    answer = verify_answer(btf_path or DEFAULT_BTF, data or BUNDLED_ROOT, use_cache)
    emit(dumps(answer) if as_json else verify_text(answer))
    return 1 if answer["mismatches"] else 0


def verify_text(answer: dict[str, Any]) -> str:
    agreements, mismatches, undecidable = answer["agreements"], answer["mismatches"], answer["undecidable"]
    lines = [
        f"Linux {answer['kernel']} ontology against {answer['btf']}: {answer['decided']} facts decided, "
        f"{len(agreements)} agree, {len(mismatches)} mismatch, {len(undecidable)} undecidable",
        "",
    ]
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
        aspects = ", ".join(
            f"{count} {aspect}" if count > 1 else aspect for aspect, count in sorted(per_subject[subject].items())
        )
        lines.append(f"  {subject}: {aspects}")
    lines.append("")
    lines.append("undecidable (BTF holds no macros, inline functions without a copy, refinements or proposals):")
    grouped: dict[str, list[str]] = defaultdict(list)
    for item in undecidable:
        grouped[f"{item['kind']} ({item['form']})"].append(item["subject"])
    for group in sorted(grouped):
        lines.append(f"  {group}: {', '.join(sorted(grouped[group]))}")
    return "\n".join(lines) + "\n"


def census_answer(btf_path: Path, against: Path | None, data: Path, use_cache: bool) -> dict[str, Any]:
    files = [btf_path] + ([against] if against else [])
    key = _key("census", data, files, {"against": bool(against)})
    answer = load_answer(key) if use_cache else None
    if answer is None:
        from ontology.btf import Btf
        from ontology.census import compare, report, take_census
        from ontology.core import load_ontology

        onto = load_ontology(data)
        new = take_census(onto, Btf.from_file(btf_path))
        answer = report(onto, new)
        if against is not None:
            answer["against"] = compare(onto, take_census(onto, Btf.from_file(against)), new)
        store_answer(key, answer)
    return answer


def run_census(btf_path: Path | None, against: Path | None, data: Path | None, as_json: bool, use_cache: bool) -> int:
    answer = census_answer(btf_path or DEFAULT_BTF, against, data or BUNDLED_ROOT, use_cache)
    emit(dumps(answer) if as_json else census_text(answer))
    return 0


def census_text(answer: dict[str, Any], top: int = 15) -> str:
    counts: dict[str, int] = answer["counts"]
    names = list(counts)
    out = [f"{answer['functions']} functions in {answer['btf']} take or return a memory descriptor", ""]
    out.append(table(["descriptor", "functions"], [[name, counts[name]] for name in names]))
    rows = [[category, *(row.get(name, 0) for name in names)] for category, row in answer["by_category"].items()]
    out.append(table(["category", *names], rows, title="by ontology category (functions the ontology files):"))
    prefixes = sorted(answer["by_prefix"].items(), key=lambda item: (-sum(item[1].values()), item[0]))[:top]
    rows = [[prefix, *(row.get(name, 0) for name in names)] for prefix, row in prefixes]
    out.append(table(["prefix", *names], rows, title=f"top {top} name prefixes:"))
    against = answer.get("against")
    if against:
        rows = [[name, c["old"], c["new"], f"{c['delta']:+d}"] for name, c in against["counts"].items()]
        out.append(table(["descriptor", "old", "new", "change"], rows, title=f"against {against['old']}:"))
        moved = against["moved"]
        out.append(f"moved from {moved['from']} to {moved['to']} ({len(moved['in_place']) + len(moved['renamed'])}):")
        out.extend(f"  {name}" for name in moved["in_place"])
        out.extend(f"  {pair['old']} -> {pair['new']}" for pair in moved["renamed"])
        out.append(f"functions added: {len(against['added'])}, removed: {len(against['removed'])}")
    return "\n".join(out) + "\n"


def fast_btf(argv: list[str]) -> int | None:
    """Answer `verify`/`census` without typer when the arguments are plain; None to fall back.

    Only the simple forms are handled here (the options of the two commands, no --help, no
    --draft); anything else goes through typer, which also reports usage errors.
    """
    if not argv or argv[0] not in ("verify", "census"):
        return None
    options: dict[str, Any] = {"btf": None, "against": None, "data": None, "json": False, "cache": True}
    rest = argv[1:]
    while rest:
        arg = rest.pop(0)
        if arg == "--json":
            options["json"] = True
        elif arg == "--no-cache":
            options["cache"] = False
        elif arg in ("--btf", "--data") or (arg == "--against" and argv[0] == "census"):
            if not rest:
                return None
            options[arg[2:]] = Path(rest.pop(0))
        else:
            return None
    try:
        if argv[0] == "verify":
            return run_verify(options["btf"], options["data"], options["json"], options["cache"])
        return run_census(options["btf"], options["against"], options["data"], options["json"], options["cache"])
    except InputError as error:  # BtfError included
        sys.stderr.write(f"memdesc: error: {error}\n")
        return 2
