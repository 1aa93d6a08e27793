"""`memdesc`: query, lint and export the ontology of Linux memory descriptors, check models against it.

The whole command line: the ontology's commands and `check` here, `docs` and the
`propose` group from their own modules. Each command parses its arguments, calls one library
function and renders the result.
Exit codes: 0 ok, 1 the answer is "no" (lint findings, a verify mismatch, no path), 2 usage or
unusable input; errors are one line (`memdesc.conventions`).

Help text starts with an example (`Example: memdesc ...`, then a blank line, then what the
command does); `short_help` keeps the command lists to the one-line description.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from memdesc import display
from memdesc.btf_commands import btf_app
from memdesc.completion import (
    complete_category,
    complete_format,
    complete_kernel,
    complete_kind,
    complete_name,
    complete_type,
)
from memdesc.conventions import HELP_OPTIONS, MemdescGroup, print_version
from memdesc.docs_command import docs
from memdesc.options import DataOption, JsonOption, KernelOption, fail, handles_input_errors
from memdesc.propose_commands import propose_app

app = typer.Typer(
    name="memdesc",
    help="Example: memdesc show folio\n\n"
    "Query, check and export the ontology of Linux memory descriptors (struct page, folio, slab...).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    # Plain click help (no rich panels); under NO_COLOR click's own styling (the green
    # "completion installed") is stripped too: every sub-context inherits `color`.
    rich_markup_mode=None,
    cls=MemdescGroup,  # -h, one-line errors, help in words: memdesc.conventions
    context_settings={"help_option_names": HELP_OPTIONS, **({"color": False} if display.no_color() else {})},
)


@app.callback()
def options(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version",
            callback=print_version,
            is_eager=True,
            help="Print memdesc's version and the releases its data covers, and exit.",
        ),
    ] = None,
) -> None:
    """The options of `memdesc` itself, before any command."""


def _ontology(data: Path | None, kernel: str | None = None) -> Any:
    from ontology.strict import load_ontology

    return load_ontology(data, kernel)


@app.command("list", short_help="List descriptor types, with kind, status and parents.")
@handles_input_errors
def list_command(
    kind: Annotated[
        str | None, typer.Option(help="struct, refinement, proposed or handle.", autocompletion=complete_kind)
    ] = None,
    json: JsonOption = False,
    data: DataOption = None,
    kernel: KernelOption = None,
) -> None:
    """Example: memdesc list --kind refinement

    List descriptor types: name, kind, status, parents and a one-line summary.
    """
    from ontology.queries import list_types

    types = list_types(_ontology(data, kernel), kind)
    if json:
        display.emit(display.dumps_answer("list", types))
        return
    rows = [[t["name"], t["kind"], t["status"], ", ".join(t["parents"]), t["summary"]] for t in types]
    display.emit(display.table(["type", "kind", "status", "parents", "summary"], rows))


TypeArgument = Annotated[
    str, typer.Argument(metavar="TYPE", help="A descriptor type, e.g. folio.", autocompletion=complete_type)
]


@app.command(short_help="Everything about a type, field, function or other named thing.")
@handles_input_errors
def show(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="A type (folio, 'struct folio'), a field (slab.slab_cache), a function, conversion, "
            "predicate or page type; any case.",
            autocompletion=complete_name,
        ),
    ],
    json: JsonOption = False,
    data: DataOption = None,
    kernel: KernelOption = None,
) -> None:
    """Example: memdesc show slab.slab_cache

    Everything about one named thing: a type's fields (with their meanings), family, predicates,
    conversions and API; a field's place, meaning and the states it means nothing in; a
    function's prototype, types and how it fails; each with its notes, sources and history.
    Exit 1 when it is not in the release asked for (--kernel), saying when it is.
    """
    from memdesc.show_display import thing_text
    from ontology.describe import show as describe

    info = describe(_ontology(data, kernel), name)
    display.emit(display.dumps_answer("show", info) if json else thing_text(info))


@app.command(short_help="The type tree, or one type's ancestors and subtree.")
@handles_input_errors
def tree(
    type_name: Annotated[
        str | None,
        typer.Argument(metavar="TYPE", help="Show this type's ancestors and subtree.", autocompletion=complete_type),
    ] = None,
    merged: Annotated[bool, typer.Option("--merged", help="Merged types (and the types above them).")] = False,
    proposed: Annotated[
        bool, typer.Option("--proposed", help="Proposals before the memdesc plan (the 2021 ontology).")
    ] = False,
    plan: Annotated[bool, typer.Option("--plan", help="Types of the memdesc plan.")] = False,
    json: JsonOption = False,
    data: DataOption = None,
    kernel: KernelOption = None,
) -> None:
    """Example: memdesc tree folio --merged

    The type tree: structs, what refines them, the descriptors overlaying struct page, and
    proposals under their parents. The filters combine; each keeps the types above what it keeps.
    """
    from ontology.queries import tree as build_tree

    eras = [era for era, wanted in (("merged", merged), ("proposed", proposed), ("plan", plan)) if wanted]
    nodes = build_tree(_ontology(data, kernel), type_name, eras)
    display.emit(display.dumps_answer("tree", nodes) if json else display.tree_text(nodes))


@app.command(short_help="Conversion chains from one type to another.")
@handles_input_errors
def path(
    source: Annotated[str, typer.Argument(metavar="FROM", help="The type you have.", autocompletion=complete_type)],
    target: Annotated[str, typer.Argument(metavar="TO", help="The type you want.", autocompletion=complete_type)],
    json: JsonOption = False,
    data: DataOption = None,
    kernel: KernelOption = None,
) -> None:
    """Example: memdesc path page slab

    The shortest conversion chains from one type to another, best first: public API before
    helpers local to one file, preconditions known to hold, checked before trusting. Each step
    names its function and what it requires; a predicate that establishes a refinement is a
    step too. Exit 1 when there is none.
    """
    from ontology.paths import conversion_paths, paths_text

    result = conversion_paths(_ontology(data, kernel), source, target)
    display.emit(display.dumps_answer("path", result) if json else paths_text(result))
    if not result["paths"]:
        raise typer.Exit(1)


@app.command(short_help="The words of struct page beside each overlay.")
@handles_input_errors
def layout(
    type_names: Annotated[
        list[str],
        typer.Argument(metavar="TYPE", help="Descriptor types to lay out.", autocompletion=complete_type),
    ],
    json: JsonOption = False,
    data: DataOption = None,
    kernel: KernelOption = None,
) -> None:
    """Example: memdesc layout slab ptdesc zpdesc

    The 8-byte words of struct page side by side with each overlay. A union's fields are grouped
    by arm (`pagecache: lru, buddy_list`); an overlay's field that lines up with a field of an
    arm says so (`slab_cache (= tail: compound_info)`). Exit 1 for a type with no layout.
    """
    from ontology.layout import layout as build_layout
    from ontology.layout import without_layout
    from ontology.queries import require_type

    onto = _ontology(data, kernel)
    for name in type_names:
        require_type(onto, name)
    missing = without_layout(onto, type_names)
    if missing:
        display.emit(f"{', '.join(missing)} has no layout: the data gives it no fields and no size")
        raise typer.Exit(1)
    result = build_layout(onto, type_names)
    if json:
        display.emit(display.dumps_answer("layout", result.as_dict()))
        return
    rows = [
        [row.word, row.offset, *("\n".join(row.cell_lines(i)) for i in range(len(result.columns)))]
        for row in result.rows
    ]
    display.emit(display.table(["word", "offset", *result.columns], rows))


@app.command(short_help="Kernel API functions and the descriptor types they use.")
@handles_input_errors
def functions(
    returns: Annotated[
        str | None,
        typer.Option(help="Only functions returning this type or a refinement of it.", autocompletion=complete_type),
    ] = None,
    takes: Annotated[
        str | None,
        typer.Option(help="Only functions taking this type or a refinement of it.", autocompletion=complete_type),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(help="alloc, free, pagecache, anon, lru, rmap, gup, ...", autocompletion=complete_category),
    ] = None,
    exact: Annotated[
        bool, typer.Option("--exact", help="Only the type itself for --returns/--takes, not its refinements.")
    ] = False,
    json: JsonOption = False,
    data: DataOption = None,
    kernel: KernelOption = None,
) -> None:
    """Example: memdesc functions --returns folio

    Kernel API functions with the descriptor types they take and return, and how they fail
    (NULL, ERR_PTR()). --returns/--takes T include refinements of T (filemap_lock_folio returns
    a file_folio, which is a folio) unless --exact.
    """
    from memdesc.show_display import functions_table
    from ontology.queries import functions as find_functions

    records = find_functions(_ontology(data, kernel), returns, takes, category, exact)
    display.emit(display.dumps_answer("functions", records) if json else functions_table(records))


def _history(data: Path | None) -> Any:
    """The versioned data (lint-clean at every release it describes)."""
    onto = _ontology(data)
    return onto.history


@app.command("diff", short_help="What changed in the descriptors between two kernel releases.")
@handles_input_errors
def diff_command(
    old: Annotated[str, typer.Argument(metavar="OLD", help="The older release, e.g. 6.18.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="The newer release, e.g. 7.3.")],
    json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """Example: memdesc diff 6.18 7.3

    The typed changes between two releases, as a proposal's diff shows them: types and fields
    added, removed, renamed, moved, retyped; functions whose parameters went from page to folio.
    """
    from ontology.proposal.diff import diff_text
    from ontology.release_diff import diff_record, release_diff

    old_release, new_release, changes = release_diff(_history(data), old, new)
    if json:
        display.emit(display.dumps_answer("diff", diff_record(old_release, new_release, changes)))
    else:
        display.emit(f"Linux {old_release} -> {new_release}\n" + diff_text(changes))


@app.command("history", short_help="When a type, field or function appeared, changed and went.")
@handles_input_errors
def history_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A type, TYPE.FIELD, or a function (any of its names).")],
    json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """Example: memdesc history page.compound_info

    When a type, field, function, conversion, predicate or page type appeared, changed (renamed,
    new prototype, moved) and went, each event with the source that dates it.
    """
    from ontology.history import fact_history

    record = fact_history(_history(data), name)
    if json:
        display.emit(display.dumps_answer("history", record))
        return
    rows = [[e["release"] or "-", e["event"], e["subject"], e["detail"], e["source"] or ""] for e in record["events"]]
    display.emit(display.table(["release", "event", "subject", "detail", "source"], rows))


@app.command(short_help="Export the ontology graph: dot, graphml, mermaid, json.")
@handles_input_errors
def export(
    format: Annotated[
        str, typer.Option("--format", "-f", help="dot, graphml, mermaid or json.", autocompletion=complete_format)
    ] = "json",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE (atomically).")] = None,
    data: DataOption = None,
    kernel: KernelOption = None,
) -> None:
    """Example: memdesc export --format dot -o memdesc.dot

    Export the ontology graph for Graphviz (`dot -Tsvg memdesc.dot`), Gephi/yEd, Mermaid or
    networkx.
    """
    from ontology.exports import EXPORTERS
    from ontology.graph import build_graph
    from ontology.suggest import suggest

    if format not in EXPORTERS:
        fail(f"unknown format {format!r}{suggest(format, EXPORTERS)}; expected one of {', '.join(sorted(EXPORTERS))}")
    text = EXPORTERS[format](build_graph(_ontology(data, kernel)))
    if output is None:
        sys.stdout.write(text)
        return
    from ontology.atomic import write_output
    from ontology.exports import FIRST_LINES

    write_output(output, text, also_ours=FIRST_LINES)


@app.command(short_help="Check the ontology data: schema, names, layouts...")
@handles_input_errors
def lint(
    file: Annotated[Path | None, typer.Argument(metavar="FILE", help="Ontology root TOML (default: bundled).")] = None,
    json: JsonOption = False,
) -> None:
    """Example: memdesc lint ontology/data/ontology.toml

    Check the ontology data: schema, names, cycles, layouts, overlays, signatures.
    Exit 0 clean, 1 findings, 2 unusable input.
    """
    from ontology import BUNDLED_ROOT
    from ontology.strict import lint_path

    findings = lint_path(file or BUNDLED_ROOT)
    if json:
        display.emit(display.dumps_answer("lint", [finding.as_dict() for finding in findings]))
    else:
        for finding in findings:
            sys.stdout.write(f"{finding}\n")
        if findings:
            sys.stderr.write(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}\n")
    if findings:
        raise typer.Exit(1)


@app.command(short_help="Regenerate ontology/types.py and verify_plans.json.")
@handles_input_errors
def generate(
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if a generated file is stale.")] = False,
) -> None:
    """Example: memdesc generate --check

    Regenerate ontology/types.py and ontology/verify_plans.json from the data (or check that
    they are current).
    """
    from ontology.strict import load_ontology
    from ontology.typegen import HEADER, TYPES_PATH
    from ontology.typegen import generate as generate_types
    from ontology.verifytable import FIRST_LINE, PLANS_PATH, compile_plans

    outputs = [
        (TYPES_PATH, generate_types(load_ontology()), HEADER),
        (PLANS_PATH, compile_plans(), FIRST_LINE),
    ]
    if check:
        stale = [
            path for path, text, _ in outputs if (path.read_text(encoding="utf-8") if path.exists() else "") != text
        ]
        for path in stale:
            sys.stderr.write(f"{path}: stale; run memdesc generate\n")
        if stale:
            raise typer.Exit(1)
        return
    from ontology.atomic import write_generated

    for path, text, marker in outputs:
        changed = write_generated(path, text, marker)
        sys.stderr.write(f"{path}: {'written' if changed else 'unchanged'}\n")


BtfOption = Annotated[
    Path | None,
    typer.Option(
        "--btf",
        help="BTF, compressed BTF, a vmlinux or module ELF, or a vmlinuz (default: /sys/kernel/btf/vmlinux).",
    ),
]
BaseBtfOption = Annotated[
    Path | None,
    typer.Option("--base-btf", help="The vmlinux BTF a module's split --btf continues (e.g. for zsmalloc.ko)."),
]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Recompute instead of answering from the cache.")]


@app.command(short_help="Check the ontology against a kernel's BTF.")
@handles_input_errors
def verify(
    btf: BtfOption = None,
    json: JsonOption = False,
    no_cache: NoCacheOption = False,
    draft: Annotated[
        bool, typer.Option("--draft", help="Print TOML entries for descriptor-typed BTF functions not in the ontology.")
    ] = False,
    data: DataOption = None,
    base_btf: BaseBtfOption = None,
    kernel: Annotated[
        str | None,
        typer.Option(
            "--kernel",
            help="Release X.Y to judge the BTF against (default: the running kernel's for its own BTF, "
            "else inferred from the BTF and said).",
            autocompletion=complete_kernel,
        ),
    ] = None,
) -> None:
    """Example: memdesc verify --btf /sys/kernel/btf/vmlinux --kernel 6.18

    Check the ontology against a kernel's BTF: layouts, overlay matches, page types, prototypes.
    Exit 0 when every decidable fact agrees, 1 on any mismatch, 2 on unreadable input.
    """
    from memdesc.btf_display import run_verify

    if draft:
        from ontology.btf import DEFAULT_BTF, Btf
        from ontology.draft import draft_entries

        base = None if base_btf is None else Btf.from_file(base_btf)
        display.emit(draft_entries(_ontology(data), Btf.from_file(btf or DEFAULT_BTF, base)))
        return
    code = run_verify(btf, data, json, not no_cache, base_btf, kernel)
    if code:
        raise typer.Exit(code)


@app.command(short_help="Count the kernel functions using each descriptor.")
@handles_input_errors
def census(
    btf: BtfOption = None,
    against: Annotated[Path | None, typer.Option("--against", help="An older kernel's BTF to compare with.")] = None,
    json: JsonOption = False,
    no_cache: NoCacheOption = False,
    data: DataOption = None,
    trend: Annotated[
        bool, typer.Option("--trend", help="Every reference kernel's census, release by release (6.1 to 7.3).")
    ] = False,
    everything: Annotated[
        bool, typer.Option("--all", help="Count tracepoint plumbing too (__traceiter_*, perf_trace_*...).")
    ] = False,
    base_btf: BaseBtfOption = None,
) -> None:
    """Example: memdesc census --btf /sys/kernel/btf/vmlinux --json

    Count the kernel functions that take or return each memory descriptor, from BTF;
    `--against OLD_BTF` compares two kernels; `--trend` shows every reference kernel.
    Tracepoint plumbing is left out unless --all; a descriptor a kernel lacks shows as absent.
    """
    from memdesc.btf_display import run_census, run_trend

    if trend:
        if btf is not None or against is not None:
            fail("--trend reads the reference kernels; it takes no --btf or --against")
        run_trend(data, json, not no_cache, everything)
        return

    run_census(btf, against, data, json, not no_cache, everything, base_btf)


def _checked_input(run: Any) -> int:
    """`check`'s exit code, a bad --kernel turned into the one-line error (check keeps mypy's
    own exit codes, so it is not wrapped in `handles_input_errors` as a whole)."""
    from ontology.errors import as_input_error

    try:
        return int(run())
    except Exception as error:
        unusable = as_input_error(error)
        if unusable is None:
            raise
        fail(str(unusable))
        raise AssertionError("unreachable") from None


@app.command("check", short_help="Type-check models against the ontology.")
def check(
    paths: Annotated[
        list[str] | None, typer.Argument(metavar="PATHS", help="Files or packages (default: the bundled model).")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the messages as JSON.")] = False,
    kernel: KernelOption = None,
) -> None:
    """Example: memdesc check model/ --kernel 6.12

    Type-check models against the ontology: mypy with the memdesc plugin plus a post-pass.
    With --kernel, against that release's facts (default: the newest release).
    Output and exit codes follow mypy's: 0 clean, 1 errors, 2 crash or bad usage.
    """
    from checker.run import main

    code = _checked_input(lambda: main(list(paths or []), json, kernel))
    if code:
        raise typer.Exit(code)


app.command("docs", short_help="Regenerate or check the documentation site's generated pages.")(docs)
app.add_typer(propose_app, name="propose")
app.add_typer(btf_app, name="btf")
