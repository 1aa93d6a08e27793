"""`memdesc docs`: regenerate (or check) the documentation site's generated pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from memdesc.options import handles_input_errors
from ontology.errors import InputError

CHECKOUT_FILES = ("mkdocs.yml", "ontology/data/ontology.toml", "checker/site/site.py", "pyproject.toml")
"""What a memdesc checkout's root holds; its pyproject.toml also names the project `memdesc`."""


def require_checkout(root: Path) -> None:
    """Refuse (InputError naming `root`) unless `root` is the root of a memdesc checkout: the
    site's config, the ontology data, the site generator and a pyproject.toml naming the project
    memdesc. Run elsewhere, `memdesc docs` would scatter some sixty pages into ./docs."""
    missing = [name for name in CHECKOUT_FILES if not (root / name).is_file()]
    if not missing:
        project = (root / "pyproject.toml").read_text(encoding="utf-8", errors="replace")
        if 'name = "memdesc"' not in project.splitlines():
            missing = ['pyproject.toml naming the project "memdesc"']
    if missing:
        raise InputError(f"not a memdesc checkout (no {missing[0]}); run from the repository root or pass --root", root)


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
    diagrams, conversion progress, proposal documents, nav) from the ontology, the census of
    the reference kernels, the CLI and the checker. Refuses to
    run outside a memdesc checkout (--root, default the current directory, must hold mkdocs.yml,
    ontology/data/ontology.toml, checker/site/site.py and memdesc's pyproject.toml).
    Exit 0 up to date or written, 1 stale (with --check), 2 unusable input.
    """
    from checker.site.site import check_site, write_site

    require_checkout(root)
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
