"""The strict way in: load an ontology and refuse it if lint finds anything (`load_ontology`).

Everything but lint reads the ontology through here, so no query, generator or model ever
answers from data with dangling names or cycles. Lint itself works on the lenient
`Ontology.from_load` (ontology.indexed), which is why this loader lives apart from it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ontology import BUNDLED_ROOT
from ontology.errors import InputError
from ontology.indexed import Ontology
from ontology.lint import lint_loaded
from ontology.loader import load


def load_ontology(path: Path | None = None) -> Ontology:
    """Load and lint an ontology; raise InputError at the first problem lint would report.

    Query commands use this so they never answer from data with dangling names or cycles.
    The bundled ontology is read once per process (the model and checker import it often).
    """
    if path is None or path == BUNDLED_ROOT:
        return _bundled()
    return _load_checked(path)


@functools.cache
def _bundled() -> Ontology:
    return _load_checked(BUNDLED_ROOT)


def _load_checked(path: Path) -> Ontology:
    result = load(path)
    onto = Ontology.from_load(result)
    findings = lint_loaded(result, onto)
    if findings:
        first = findings[0]
        more = f" (and {len(findings) - 1} more; run memdesc lint)" if len(findings) > 1 else ""
        raise InputError(f"{first.rule}: {first.message}{more}", first.location.path, first.location.line)
    return onto
