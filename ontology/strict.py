"""The strict way in: load an ontology and refuse it if lint finds anything (`load_ontology`).

Everything but lint reads the ontology through here, so no query, generator or model ever
answers from data with dangling names or cycles. Data is versioned (`ontology.releases`):
`load_ontology(kernel=...)` gives the snapshot at one release, by default the newest, and
`lint_path` lints every distinct state the data describes. Lint itself works on the lenient
`Ontology.from_load` (ontology.indexed), which is why this loader lives apart from it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ontology import BUNDLED_ROOT
from ontology.errors import InputError
from ontology.indexed import Ontology
from ontology.lint import Finding, lint_loaded, sort_findings
from ontology.loader import LoadResult, display_path, load
from ontology.releasechoice import UnknownRelease as UnknownRelease  # re-exported: callers catch it from here
from ontology.releasechoice import pick_release
from ontology.releaselint import release_findings
from ontology.releases import distinct_releases, releases_of, snapshot


def load_ontology(path: Path | None = None, kernel: str | None = None) -> Ontology:
    """Load, lint and snapshot an ontology at `kernel` (default: the newest release it covers);
    raise InputError at the first problem lint would report there.

    Query commands use this so they never answer from data with dangling names or cycles.
    The bundled ontology is read once per process and release (the model and checker import it often).
    """
    if path is None or path == BUNDLED_ROOT:
        return _bundled(kernel)
    return _load_checked(path, kernel)


@functools.cache
def _bundled(kernel: str | None) -> Ontology:
    return _load_checked(BUNDLED_ROOT, kernel)


def choose_release(result: LoadResult, kernel: str | None) -> str | None:
    """The release to answer for: `kernel` when the data covers it, else the newest (None for
    data without an [ontology] table, which has no releases; lint reports it)."""
    covered = releases_of(result.meta)
    if not covered:
        return None
    if kernel is None:
        return covered[-1]
    return pick_release(covered, kernel, display_path(result.root))


def snapshot_ontology(result: LoadResult, release: str | None) -> Ontology:
    """The lenient ontology at `release`, remembering the versioned data it was cut from."""
    onto = Ontology.from_load(snapshot(result, release) if release else result)
    onto.history = result
    return onto


def _load_checked(path: Path, kernel: str | None) -> Ontology:
    result = load(path)
    release = choose_release(result, kernel)
    onto = snapshot_ontology(result, release)
    findings = sort_findings(release_findings(result) + lint_loaded(onto.load_result or result, onto))
    if findings:
        first = findings[0]
        more = f" (and {len(findings) - 1} more; run memdesc lint)" if len(findings) > 1 else ""
        raise InputError(f"{first.rule}: {first.message}{more}", first.location.path, first.location.line)
    return onto


def lint_result(result: LoadResult) -> list[Finding]:
    """Every finding of loaded data: its history, and each distinct release's snapshot. A
    finding that does not hold at the newest release says at which releases it does."""
    findings = release_findings(result)
    releases = distinct_releases(result)
    if not releases:  # no [ontology] table: lint what there is (schema reports the rest)
        return sort_findings(findings + lint_loaded(result, Ontology.from_load(result)))
    newest = releases[-1]
    seen_at: dict[Finding, list[str]] = {}
    for release in releases:
        snap = snapshot(result, release)
        for finding in lint_loaded(snap, Ontology.from_load(snap)):
            seen_at.setdefault(finding, []).append(release)
    covered = releases_of(result.meta)
    for finding, at in seen_at.items():
        if newest in at:
            findings.append(finding)
        else:
            where = _spans_text(at, releases, covered)
            findings.append(Finding(finding.location, finding.rule, f"{finding.message} (at Linux {where})"))
    return sort_findings(findings)


def _spans_text(seen: list[str], distinct: list[str], covered: list[str]) -> str:
    """The covered releases a finding holds at, as ranges: each distinct release stands for
    the covered releases up to the next distinct one (`6.1 to 6.12`, `7.0`)."""
    spans: list[list[str]] = []
    for index, release in enumerate(distinct):
        if release not in seen:
            continue
        end = distinct[index + 1] if index + 1 < len(distinct) else None
        last = covered[covered.index(end) - 1] if end is not None else covered[-1]
        if spans and index > 0 and distinct[index - 1] in seen:
            spans[-1][1] = last
        else:
            spans.append([release, last])
    return ", ".join(first if first == last else f"{first} to {last}" for first, last in spans)


def lint_path(path: Path) -> list[Finding]:
    """Lint an ontology root file (and its includes) at every release it describes;
    InputError if it cannot be read at all."""
    return lint_result(load(path))
