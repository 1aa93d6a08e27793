"""`memdesc propose ...`: what a proposal file changes in the ontology, breaks in the model, and its document.

`diff` asks the ontology; `check` and `doc` call the proposal pipeline (`checker.proposal_pipeline`),
which the docs site uses too. Exit codes as for lint: 0 no findings, 1 findings, 2 unusable input.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from memdesc import display
from memdesc.options import DataOption, JsonOption, fail, handles_input_errors
from ontology.suggest import suggest

propose_app = typer.Typer(
    name="propose",
    help="Example: memdesc propose diff docs/proposals/gup-returns-folios.toml\n\n"
    "Proposals: TOML files that change the ontology (typed diff, impact on the model, document).",
    short_help="Proposals: typed diff, impact on the model, document.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

ProposalArgument = Annotated[Path, typer.Argument(metavar="PROPOSAL", help="Proposal TOML file.")]


def report_findings(findings: list[object]) -> None:
    """Findings on stderr, one per line with file:line, then their count (stdout stays the answer)."""
    for finding in findings:
        sys.stderr.write(f"{finding}\n")
    if findings:
        sys.stderr.write(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}\n")


@propose_app.command("diff", short_help="The typed changes a proposal makes.")
@handles_input_errors
def diff_command(proposal: ProposalArgument, json: JsonOption = False, data: DataOption = None) -> None:
    """Example: memdesc propose diff docs/proposals/gup-returns-folios.toml --json

    The typed changes a proposal makes: created, removed, renamed, moved, retyped...
    Exit 0 no findings, 1 findings (each with file:line), 2 unusable input.
    """
    from ontology.proposal.apply import apply_file
    from ontology.proposal.diff import diff, diff_text

    loaded, old, new, findings = apply_file(proposal, data)
    changes = diff(old, new) if loaded is not None else []
    if json:
        payload = {"changes": [c.as_dict() for c in changes], "findings": [f.as_dict() for f in findings]}
        display.emit(display.dumps_answer("propose diff", payload))
    else:
        if loaded is not None:
            display.emit(diff_text(changes))
        report_findings(list(findings))
    if findings:
        raise typer.Exit(1)


@propose_app.command("lint", short_help="Prose and operations that disagree; half-converted families.")
@handles_input_errors
def lint_command(proposal: ProposalArgument, json: JsonOption = False, data: DataOption = None) -> None:
    """Example: memdesc propose lint docs/proposals/gup-returns-folios.toml

    What a proposal says that its operations do not do: a function family left half-converted
    (one converted away from a descriptor, a sibling still taking it), a function named in the
    summary, motivation or migration that no operation touches while its family is touched,
    a parameter the prose adds that no operation adds; and every finding of applying it.
    One line per finding (file:line of the TOML key). Exit 0 clean, 1 findings, 2 unusable input.
    """
    from ontology.proposal.apply import apply_file, sort_findings
    from ontology.proposal.lint import lint_proposal

    loaded, old, new, findings = apply_file(proposal, data)
    if loaded is not None:
        findings = sort_findings([*findings, *lint_proposal(loaded, old, new, proposal)])
    if json:
        display.emit(display.dumps_answer("propose lint", {"findings": [f.as_dict() for f in findings]}))
    else:
        for finding in findings:
            display.emit(f"{finding}\n")
        if not findings:
            display.emit("no findings\n")
    if findings:
        raise typer.Exit(1)


@propose_app.command("check", short_help="What of the model breaks under a proposal.")
@handles_input_errors
def propose_check(
    proposal: ProposalArgument,
    paths: Annotated[
        list[str] | None, typer.Argument(metavar="PATHS", help="Files or packages (default: the bundled model).")
    ] = None,
    json: JsonOption = False,
    data: DataOption = None,
    kernel_src: Annotated[
        Path | None,
        typer.Option(
            "--kernel-src",
            metavar="DIR",
            help="Also count the call sites of every changed function in this kernel source tree.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="With --kernel-src: write the call sites here as JSON (x.impact.json beside x.toml is "
            "what `propose doc` renders).",
        ),
    ] = None,
) -> None:
    """Example: memdesc propose check docs/proposals/gup-returns-folios.toml

    What of the unchanged model breaks under the proposed ontology, with file:line and counts.
    With --kernel-src DIR (a kernel source tree), also the call sites there of every function
    the proposal changes, per function and per subsystem (file:line lists in --json and -o).
    The working tree is not modified. Exit 0 nothing breaks, 1 breaks (or findings in the
    proposal), 2 unusable input.
    """
    from checker.proposal_pipeline import ProposalRejected, kernel_impact, proposal_impact
    from ontology.proposal.impact_text import impact_text

    if output is not None and kernel_src is None:
        fail("-o/--output writes the kernel scan: give --kernel-src DIR too")
    try:
        kernel = kernel_impact(proposal, kernel_src, data) if kernel_src is not None else None
        impact = proposal_impact(proposal, list(paths or []), data)
    except ProposalRejected as rejected:
        report_findings(rejected.findings)
        raise typer.Exit(1) from None
    if kernel is not None and output is not None:
        from ontology.atomic import write_output
        from ontology.proposal.impact_file import stored_text
        from ontology.proposal.render import shown_path

        write_output(output, stored_text(kernel, shown_path(proposal)))
    if json:
        from ontology.proposal.impact_file import impact_dict

        answer = impact if kernel is None else {**impact, "kernel": impact_dict(kernel)}
        display.emit(display.dumps_answer("propose check", answer))
    else:
        from ontology.proposal.kernel_impact_text import kernel_text

        display.emit(impact_text(impact) + ("" if kernel is None else "\n" + kernel_text(kernel)))
    if impact["breaks"]:
        raise typer.Exit(1)


FORMATS = ("markdown", "email")


@propose_app.command("doc", short_help="The proposal's document: Markdown, or a cover letter.")
@handles_input_errors
def propose_doc(
    proposal: ProposalArgument,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here (atomically) instead of stdout.")
    ] = None,
    no_check: Annotated[bool, typer.Option("--no-check", help="Skip the impact check (Impact: not checked).")] = False,
    impact_file: Annotated[
        Path | None, typer.Option("--impact", help="Impact from a saved `memdesc propose check --json`.")
    ] = None,
    format: Annotated[
        str, typer.Option("--format", "-f", help="markdown (the site's document) or email (a plain-text cover letter).")
    ] = "markdown",
    kernel_src: Annotated[
        Path | None,
        typer.Option(
            "--kernel-src",
            metavar="DIR",
            help="With --format email: To and Cc from this tree's MAINTAINERS; call sites counted in it.",
        ),
    ] = None,
    data: DataOption = None,
) -> None:
    """Example: memdesc propose doc docs/proposals/lru-mem-2021.toml -o lru-mem.md

    The Markdown document reviewers read: diagrams, layouts, memory cost, diff, impact.
    With -o, the Before and After diagrams are rendered (Graphviz `dot`) to SVG files beside
    FILE, which the document shows. With --format email, a plain-text RFC cover letter in 72
    columns for linux-mm (ASCII trees and tables, [n] references; with --kernel-src DIR, To and Cc
    from DIR's MAINTAINERS and the call sites counted in DIR, else those of the scan stored
    beside the proposal).
    Refuses to overwrite a file memdesc did not generate. Exit 0 written, 1 findings, 2 unusable.
    """
    from checker.proposal_pipeline import ProposalRejected, proposal_document_files, proposal_email
    from ontology.atomic import write_output
    from ontology.docsite.diagrams import SVG_HEADER, render_svg
    from ontology.ownership import existing_target
    from ontology.proposal.render import regenerate_command

    if format not in FORMATS:
        fail(f"unknown format {format!r}{suggest(format, FORMATS)}; expected one of {', '.join(FORMATS)}")
    if format == "email" and (impact_file is not None or no_check):
        fail("--impact and --no-check are for --format markdown: the email leaves memdesc's model check out")
    if format == "markdown" and kernel_src is not None:
        fail("--kernel-src is for --format email (the Cc list from the tree's MAINTAINERS)")
    if kernel_src is not None and not kernel_src.is_dir():
        fail(f"{kernel_src}: not a directory (--kernel-src wants the root of a kernel source tree)")
    try:
        diagrams: dict[str, str] = {}
        if format == "email":
            text = proposal_email(proposal, data, kernel_src=kernel_src)
        else:
            text, diagrams = proposal_document_files(proposal, data, check=not no_check, impact_file=impact_file)
    except ProposalRejected as rejected:
        report_findings(rejected.findings)
        raise typer.Exit(1) from None
    if output is None:
        display.emit(text)
        if diagrams:  # the document links them beside itself: say they were not made
            names = " and ".join(sorted(diagrams))
            sys.stderr.write(f"memdesc: note: the diagrams {names} are written only with -o FILE (beside FILE)\n")
        return
    rendered = {name: render_svg(dot, regenerate_command(proposal)) for name, dot in sorted(diagrams.items())}
    for name in rendered:  # refuse before writing anything, not half way
        existing_target(output.parent / name, [SVG_HEADER])
    existing_target(output, [text.split("\n", 1)[0]])
    for name, svg in rendered.items():  # the diagrams first: the document never shows a missing one
        write_output(output.parent / name, svg, also_ours=[SVG_HEADER])
    write_output(output, text)
