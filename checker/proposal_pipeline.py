"""The proposal pipeline as one call each: apply a proposal -> check the model under it -> render its document.

`memdesc propose check`, `memdesc propose doc` and the docs site's proposal pages all go
through here, so a document reads the same whichever of them wrote it. It lives in the checker
because the check runs mypy with the checker's plugin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from checker import proposal_check
from ontology.errors import InputError
from ontology.indexed import Ontology
from ontology.proposal.kernel_impact import KernelImpact
from ontology.proposal.schema import Proposal


class ProposalRejected(Exception):
    """The proposal has findings (or could not be applied): nothing downstream is computed."""

    def __init__(self, findings: Sequence[object]):
        self.findings = list(findings)
        super().__init__(f"{len(self.findings)} finding{'s' if len(self.findings) != 1 else ''}")


@dataclass(frozen=True)
class Applied:
    """A proposal and the ontology before and after it."""

    proposal: Proposal
    old: Ontology
    new: Ontology


def apply_proposal(path: Path, data: Path | None = None) -> Applied:
    """The proposal at `path` applied to `data` (default: the bundled ontology); ProposalRejected on findings."""
    from ontology.proposal.apply import apply_file

    proposal, old, new, findings = apply_file(path, data)
    if findings or proposal is None:
        raise ProposalRejected(findings)
    return Applied(proposal, old, new)


def _impact(applied: Applied, paths: list[str], data: Path | None) -> dict[str, object]:
    """The model's new errors under the proposal; against the installed types unless --data names the old ontology."""
    return proposal_check.check_proposal(applied.new, paths, old=applied.old if data is not None else None)


def proposal_impact(path: Path, paths: list[str], data: Path | None = None) -> dict[str, object]:
    """What of the model (`paths`, default: the bundled model) breaks under the proposal: `memdesc propose check`."""
    return _impact(apply_proposal(path, data), paths, data)


def changed_functions(applied: Applied) -> tuple[str, ...]:
    """The kernel functions whose callers the proposal changes (`ontology.proposal.touched`)."""
    from ontology.proposal.diff import diff
    from ontology.proposal.touched import touched_functions

    return touched_functions(applied.old, applied.new, diff(applied.old, applied.new))


def kernel_impact(path: Path, kernel_src: Path, data: Path | None = None) -> KernelImpact:
    """The call sites, in the kernel tree `kernel_src`, of the functions the proposal changes:
    `memdesc propose check --kernel-src`. InputError for a tree that cannot be scanned."""
    from ontology.proposal.kernel_scan import scan_tree

    return scan_tree(kernel_src, changed_functions(apply_proposal(path, data)))


def stored_impact_path(path: Path) -> Path:
    """The kernel scan stored beside the proposal `path` (`x.toml` -> `x.impact.json`)."""
    return path.with_name(path.name.removesuffix(".toml") + ".impact.json")


def stored_kernel_impact(applied: Applied, path: Path) -> KernelImpact | None:
    """The stored scan beside the proposal, or None when there is none; InputError when it is
    not a scan file, or scanned other functions than the proposal now changes (stale)."""
    from ontology.proposal.impact_file import read_stored

    stored = stored_impact_path(path)
    if not stored.exists():
        return None
    _, impact = read_stored(stored)
    wanted = changed_functions(applied)
    if impact.functions != wanted:
        missing = sorted(set(wanted) - set(impact.functions))
        extra = sorted(set(impact.functions) - set(wanted))
        what = "; ".join(
            part
            for part in (
                f"not scanned: {', '.join(missing)}" if missing else "",
                f"no longer changed: {', '.join(extra)}" if extra else "",
            )
            if part
        )
        raise InputError(
            f"stale kernel impact ({what}); regenerate: memdesc propose check {path} --kernel-src DIR -o {stored}",
            stored,
        )
    return impact


def proposal_document_files(
    path: Path, data: Path | None = None, *, check: bool = True, impact_file: Path | None = None
) -> tuple[str, dict[str, str]]:
    """The proposal's Markdown document (`memdesc propose doc` and the docs site's proposal
    pages) and the diagrams it shows: file name (beside the document) -> DOT source.

    Its Impact on the kernel section comes from the scan stored beside it (`stored_impact_path`).
    Its Impact section comes from `impact_file` (a saved `memdesc propose check --json`) when
    given, else from checking the bundled model (unless `check` is False: "not checked").
    """
    from ontology.proposal.diff import diff
    from ontology.proposal.render import document_diagrams, render_document

    applied = apply_proposal(path, data)
    if impact_file is not None:
        impact: dict[str, object] | None = proposal_check.read_impact(impact_file)
    elif check:
        impact = proposal_check.portable(_impact(applied, [], data))
    else:
        impact = None
    kernel = stored_kernel_impact(applied, path)
    changes = diff(applied.old, applied.new)
    text = render_document(applied.proposal, applied.old, applied.new, changes, impact, path, kernel)
    return text, document_diagrams(applied.proposal, applied.old, applied.new, changes, path)


def proposal_email(
    path: Path, data: Path | None = None, *, kernel_src: Path | None = None, kernel_impact: KernelImpact | None = None
) -> str:
    """The proposal as a plain-text cover letter: `memdesc propose doc --format email`.

    With `kernel_src`, To and Cc come from that tree's MAINTAINERS (the sections of the files
    defining the changed functions and the C structs of the affected descriptors);
    `kernel_impact`, the call sites `propose check --kernel-src` counted, adds the impact tables
    and the callers' lists; when not given, they are counted in `kernel_src`, or else read from
    the scan stored beside the proposal (`stored_kernel_impact`).
    """
    from ontology.maintainers import read_maintainers
    from ontology.proposal.cover_letter import render_cover_letter
    from ontology.proposal.definers import find_definitions
    from ontology.proposal.diff import diff
    from ontology.proposal.figures import changed_functions as retyped_functions
    from ontology.proposal.recipients import derive_recipients
    from ontology.proposal.render import affected_types

    applied = apply_proposal(path, data)
    changes = diff(applied.old, applied.new)
    recipients, tree = None, ""
    if kernel_src is None and kernel_impact is None:
        kernel_impact = stored_kernel_impact(applied, path)
    if kernel_src is not None:
        sections = read_maintainers(kernel_src)
        if kernel_impact is None:  # the Cc and the call sites from one tree
            from ontology.proposal.kernel_scan import scan_tree

            kernel_impact = scan_tree(kernel_src, changed_functions(applied))
        names = retyped_functions(applied.old, applied.new)
        for name in affected_types(applied.old, applied.new, changes):
            typedef = applied.old.types.get(name) or applied.new.types[name]
            if typedef.kind == "struct" and typedef.c_struct:
                names.append(f"struct {typedef.c_struct}")
        defined = find_definitions(kernel_src, names)
        recipients = derive_recipients(sections, defined, sorted(set(names)), kernel_impact)
        tree = kernel_impact.tree
    return render_cover_letter(
        applied.proposal, applied.old, applied.new, changes, path, kernel_impact, recipients, tree
    )
