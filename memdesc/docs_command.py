"""`memdesc docs`: regenerate (or check) the documentation site's generated pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from memdesc.options import handles_input_errors


@handles_input_errors
def docs(
    ctx: typer.Context,
    root: Annotated[Path, typer.Option("--root", help="The checkout whose docs/ are written.")] = Path("."),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 naming each stale or missing page.")
    ] = False,
    no_proposals: Annotated[
        bool,
        typer.Option("--no-proposals", help="Skip the proposal documents (their impact check runs mypy: slow)."),
    ] = False,
) -> None:
    """Example: memdesc docs --check

    Regenerate the site's generated pages (type reference, CLI reference, checker rules,
    diagrams, proposal documents, nav) from the ontology, the CLI and the checker. Exit 0 up to date or written,
    1 stale (with --check), 2 unusable input.
    """
    from checker.site.site import check_site, write_site

    cli = ctx.find_root().command  # the whole command line, for the CLI reference page
    if check:
        stale = check_site(root, cli, proposals=not no_proposals)
        for line in stale:
            typer.echo(line, err=True)
        if stale:
            raise typer.Exit(1)
        return
    for line in write_site(root, cli, proposals=not no_proposals):
        typer.echo(line)
