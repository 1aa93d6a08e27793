"""A proposal's kernel impact as JSON: the `kernel` member of `propose check --json`, and the file
stored beside a worked proposal (`docs/proposals/<name>.impact.json`) that its document renders.

The docs are regenerated without a kernel tree, so the scan result is kept in the repository.
Such a file is untrusted input like any other: read through strict models (no unknown key, paths
and names by pattern, lines positive, each site's function one of the scanned ones), and any
fault is one InputError naming the file and what is wrong.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from ontology.errors import InputError
from ontology.proposal.kernel_impact import CallSite, KernelImpact
from ontology.proposal.kernel_scan import KERNEL_PATH_RE
from ontology.schema import PATH_RE, SYMBOL_RE, check_pattern

GENERATOR = "memdesc propose check --kernel-src: call sites of the functions a proposal changes; do not edit"
FIRST_LINE = json.dumps({"generator": GENERATOR})[:-1] + ","
"""The stored file's first line: `-o` replaces a file only when it starts so (`ontology.ownership`)."""

TREE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+~-]{0,127}")
"""A tree's name: its directory's (`linux-source-7.3`)."""
RELEASE_RE = re.compile(r"[0-9]{1,3}\.[0-9]{1,3}(\.[0-9]{1,4})?[A-Za-z0-9_.+~-]{0,64}")
"""A release as the tree's Makefile gives it (`7.3.4`, `6.19-rc1`)."""

MAX_SITES = 1_000_000
"""More call sites than any function set has in a real tree: a file claiming more is refused."""


def _pattern(pattern: re.Pattern[str], what: str) -> AfterValidator:
    return AfterValidator(lambda value: check_pattern(value, pattern, what))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SiteRecord(_Strict):
    path: Annotated[str, _pattern(KERNEL_PATH_RE, "path")]
    line: int = Field(ge=1, le=100_000_000)
    function: Annotated[str, _pattern(SYMBOL_RE, "function")]


class ImpactRecord(_Strict):
    """The scan as stored: what was scanned and every call site; the tables derive from these."""

    tree: Annotated[str, _pattern(TREE_RE, "tree")]
    release: Annotated[str, _pattern(RELEASE_RE, "release")]
    functions: list[Annotated[str, _pattern(SYMBOL_RE, "function")]]
    sites: list[SiteRecord] = Field(max_length=MAX_SITES)


class StoredImpact(_Strict):
    generator: str
    schema_version: int
    proposal: Annotated[str, _pattern(PATH_RE, "proposal")]
    kernel: ImpactRecord


def _rows(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Subsystem counts as rows, largest first (JSON objects print with sorted keys)."""
    return [{"subsystem": name, "sites": count} for name, count in counts.items()]


def impact_dict(impact: KernelImpact) -> dict[str, Any]:
    """The JSON form: the scan (tree, release, functions, sites) and its tables."""
    return {
        "tree": impact.tree,
        "release": impact.release,
        "functions": list(impact.functions),
        "total": len(impact.sites),
        "per_function": impact.per_function(),
        "per_subsystem": _rows(impact.per_subsystem(1)),
        "per_subsystem_2": _rows(impact.per_subsystem(2)),
        "sites": [{"path": s.path, "line": s.line, "function": s.function} for s in impact.sites],
    }


def stored_text(impact: KernelImpact, proposal: str) -> str:
    """The stored file: FIRST_LINE, the proposal it is for, the scan; one call site a line.
    InputError if `read_stored` would refuse it (a tree named with a space, say)."""
    head = {"schema_version": 1, "proposal": proposal}
    body = {key: value for key, value in impact_dict(impact).items() if key in ImpactRecord.model_fields}
    sites = body.pop("sites")
    lines = [FIRST_LINE]
    lines += [f" {json.dumps(key)}: {json.dumps(value)}," for key, value in head.items()]
    lines.append(' "kernel": {')
    lines += [f"  {json.dumps(key)}: {json.dumps(value)}," for key, value in body.items()]
    lines.append('  "sites": [')
    lines += [f"   {json.dumps(site, sort_keys=True)}," for site in sites]
    if sites:
        lines[-1] = lines[-1][:-1]
    lines += ["  ]", " }", "}"]
    text = "\n".join(lines) + "\n"
    try:
        StoredImpact.model_validate(json.loads(text))
    except ValidationError as error:
        problem = error.errors()[0]
        raise InputError(f"cannot store this scan: {problem['msg']}", impact.tree) from None
    return text


def read_stored(path: Path) -> tuple[str, KernelImpact]:
    """The proposal path and the scan a stored impact file holds; InputError naming `path` if it
    is not one (bad JSON, a missing or unknown key, a bad value, a site of an unscanned function)."""
    try:
        data = json.loads(path.read_bytes())
        stored = StoredImpact.model_validate(data)
    except json.JSONDecodeError as error:
        raise InputError(f"not JSON: {error.msg}", path, error.lineno) from None
    except UnicodeDecodeError:
        raise InputError("not JSON: not UTF-8", path) from None
    except RecursionError:
        raise InputError("not JSON this reader takes: nested too deep", path) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", path) from None
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise InputError(f"not a kernel impact file: {where}: {problem['msg']}", path) from None
    if stored.generator != GENERATOR or stored.schema_version != 1:
        raise InputError("not a kernel impact file of this memdesc (generator or schema_version differs)", path)
    record = stored.kernel
    scanned = set(record.functions)
    stray = next((site for site in record.sites if site.function not in scanned), None)
    if stray is not None:
        raise InputError(f"call site {stray.path}:{stray.line} is of {stray.function!r}, not a scanned function", path)
    sites = tuple(sorted(CallSite(site.path, site.line, site.function) for site in record.sites))
    return stored.proposal, KernelImpact(record.tree, record.release, tuple(sorted(scanned)), sites)
