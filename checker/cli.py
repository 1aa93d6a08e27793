"""The `memdesc` command: the ontology's commands plus those that need the checker.

Dependencies flow one way (the checker uses the ontology), so the checker assembles the full
command line: it registers `check`, `propose check` and `propose doc` on the ontology's typer
app and runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ontology.cli.common import DataOption, JsonOption, handles_input_errors

if TYPE_CHECKING:
    from ontology.core import Ontology
    from ontology.proposal.schema import Proposal

ProposalArgument = Annotated[Path, typer.Argument(metavar="PROPOSAL", help="Proposal TOML file.")]


def check(
    paths: Annotated[
        list[str] | None, typer.Argument(metavar="PATHS", help="Files or packages (default: the bundled model).")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the messages as JSON.")] = False,
) -> None:
    """Example: memdesc check model/

    Type-check models against the ontology: mypy with the memdesc plugin plus a post-pass.
    Output and exit codes follow mypy's: 0 clean, 1 errors, 2 crash or bad usage.
    """
    from checker.run import main

    code = main(list(paths or []), json)
    if code:
        raise typer.Exit(code)


def _applied(proposal: Path, data: Path | None) -> tuple[Proposal, Ontology, Ontology]:
    """The proposal applied; its findings (file:line) on stderr and exit 1 if it has any."""
    from ontology.cli.propose import report_findings
    from ontology.proposal.apply import apply_file

    loaded, old, new, findings = apply_file(proposal, data)
    if findings or loaded is None:
        report_findings(list(findings))
        raise typer.Exit(1)
    return loaded, old, new


@handles_input_errors
def propose_check(
    proposal: ProposalArgument,
    paths: Annotated[
        list[str] | None, typer.Argument(metavar="PATHS", help="Files or packages (default: the bundled model).")
    ] = None,
    json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """Example: memdesc propose check docs/proposals/gup-returns-folios.toml

    What of the unchanged model breaks under the proposed ontology, with file:line and counts.
    The working tree is not modified. Exit 0 nothing breaks, 1 breaks (or findings in the
    proposal), 2 unusable input.
    """
    from checker.propose import check_proposal, impact_text
    from ontology.cli import render

    _, old, new = _applied(proposal, data)
    impact = check_proposal(new, list(paths or []), old=old if data is not None else None)
    render.emit(render.dumps(impact) if json else impact_text(impact))
    if impact["breaks"]:
        raise typer.Exit(1)


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
    data: DataOption = None,
) -> None:
    """Example: memdesc propose doc docs/proposals/lru-mem-2021.toml -o lru-mem.md

    The Markdown document reviewers read: diagrams, layouts, memory cost, diff, impact.
    Refuses to overwrite a file memdesc did not generate. Exit 0 written, 1 findings, 2 unusable.
    """
    from checker.propose import check_proposal, portable, read_impact
    from ontology.atomic import write_output
    from ontology.cli import render
    from ontology.proposal.diff import diff
    from ontology.proposal.render import render_document

    loaded, old, new = _applied(proposal, data)
    if impact_file is not None:
        impact: dict[str, object] | None = read_impact(impact_file)
    elif no_check:
        impact = None
    else:
        impact = portable(check_proposal(new, [], old=old if data is not None else None))
    text = render_document(loaded, old, new, diff(old, new), impact, proposal)
    if output is None:
        render.emit(text)
    else:
        write_output(output, text)


_REGISTERED: list[typer.Typer] = []


def full_app() -> typer.Typer:
    """The ontology's app with the checker's commands registered (once per process)."""
    from checker.site.command import docs
    from ontology.cli.app import app
    from ontology.cli.propose import propose_app

    if app not in _REGISTERED:
        app.command("check", short_help="Type-check models against the ontology.")(check)
        app.command("docs", short_help="Regenerate or check the documentation site's generated pages.")(docs)
        propose_app.command("check", short_help="What of the model breaks under a proposal.")(propose_check)
        propose_app.command("doc", short_help="The proposal's Markdown document for reviewers.")(propose_doc)
        _REGISTERED.append(app)
    return app


def main() -> None:
    from ontology.cli.fast import fast_path

    code = fast_path(sys.argv[1:])
    if code is not None:
        sys.stdout.flush()
        raise SystemExit(code)
    full_app()()
