"""`memdesc propose ...`: what a proposal file changes in the ontology.

This module holds the ontology-only commands (`diff`); `propose_app` is exported so the
checker can add the commands that need it (`check`, `doc`) without the ontology importing
the checker. Exit codes as for lint: 0 no findings, 1 findings, 2 unusable input.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ontology.cli import render
from ontology.cli.common import DataOption, JsonOption, handles_input_errors

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
        render.emit(render.dumps(payload))
    else:
        if loaded is not None:
            render.emit(diff_text(changes))
        report_findings(list(findings))
    if findings:
        raise typer.Exit(1)
