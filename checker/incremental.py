"""What keeps mypy's incremental cache and dmypy right about the plugin's results.

mypy watches only the plugin's entry module and the modules a file imports. The checker's
results also depend on its other modules (a changed rule), on ontology.types for modules that
only import ontology.runtime (`@implement`), and, in dmypy, on facts that reach the rules through
plugin lookups rather than imports. Each function here declares one of those dependencies.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from mypy.nodes import FuncDef, Import, ImportAll, ImportFrom, MypyFile, TypeInfo
from mypy.plugin import CheckerPluginInterface
from mypy.server.trigger import make_trigger, make_wildcard_trigger

from checker.fullnames import FACTS_CLASS, FACTS_STAMP, RUNTIME_MODULE, TYPES_MODULE

VERSION = "1"
"""Bumped when the plugin's behaviour changes, so mypy's cache of plugin results is dropped."""

_HERE = Path(__file__).parent
_READS = [_HERE.parent / "ontology" / "facttable.py", _HERE.parent / "ontology" / "chains.py"]


def source_fingerprint(paths: list[Path]) -> str:
    """A digest of each file's name, size and modification time (in ns): what Python itself
    checks before it reuses a module's compiled bytecode, so cached results are as fresh as the
    code that made them, without reading and hashing ~150 KB of sources at every mypy start."""
    stamps = []
    for path in paths:
        status = os.stat(path)
        stamps.append(f"{path.relative_to(_HERE.parent)}:{status.st_size}:{status.st_mtime_ns}")
    return hashlib.sha256("\n".join(stamps).encode()).hexdigest()[:16]


def _sources(directory: Path) -> list[Path]:
    return sorted(directory / entry.name for entry in os.scandir(directory) if entry.name.endswith(".py"))


FINGERPRINT = source_fingerprint([*_sources(_HERE), *_sources(_HERE / "rules"), *_READS])
"""The sources of checker's modules and rules and of the ontology modules they read the facts and
search chains with: a changed rule must invalidate cached results, and mypy itself only watches
the plugin's entry module. (checker.site, which the plugin never imports, is left out.)"""

ONTOLOGY_CHANGED = (make_wildcard_trigger(TYPES_MODULE), make_trigger(f"{FACTS_CLASS}.{FACTS_STAMP}"))
"""dmypy's triggers for a change to ontology.types' module-level symbols and to its facts."""


def config_data() -> dict[str, Any]:
    """mypy's `report_config_data`: cached results hold only for the same checker code."""
    return {"memdesc-checker": FINGERPRINT, "version": VERSION}


def additional_deps(file: MypyFile) -> list[tuple[int, str, int]]:
    """mypy's `get_additional_deps`: a module that imports ontology.runtime (for `@implement`)
    also needs ontology.types, whose declarations and facts the check reads: without it in the
    build, or before it in the build order, an `@implement` would pass unchecked."""
    if file.fullname != TYPES_MODULE and imports_runtime(file):
        return [(10, TYPES_MODULE, -1)]  # 10: mypy's PRI_MED
    return []


def imports_runtime(file: MypyFile) -> bool:
    """`import ontology.runtime`, `from ontology.runtime import ...` or `from ontology import runtime`."""
    package, _, module = RUNTIME_MODULE.rpartition(".")
    for node in file.imports:
        if isinstance(node, ImportFrom | ImportAll) and node.id == RUNTIME_MODULE and not node.relative:
            return True
        if (
            isinstance(node, ImportFrom)
            and node.id == package
            and not node.relative
            and any(name == module for name, _ in node.names)
        ):
            return True
        if isinstance(node, Import) and any(name == RUNTIME_MODULE for name, _ in node.ids):
            return True
    return False


def depend_on_ontology(api: CheckerPluginInterface) -> None:
    """In dmypy, re-check the current target (function, class body or module) whenever
    ontology.types changes: the facts a rule reads come through plugin lookups, which record no
    dependency, so without this a target checked clean would stay clean after the ontology gains
    a fact that flags it (a folio replacement, a changed declaration for an @implement)."""
    tree = getattr(api, "tree", None)
    stack = getattr(getattr(api, "scope", None), "stack", None)
    if not isinstance(tree, MypyFile) or not isinstance(stack, list):
        return
    target = tree.fullname
    for entry in stack:
        if isinstance(entry, FuncDef):
            target = entry.fullname
            break
        if isinstance(entry, TypeInfo):
            target = entry.fullname
    for trigger in ONTOLOGY_CHANGED:
        tree.plugin_deps.setdefault(trigger, set()).add(target)
