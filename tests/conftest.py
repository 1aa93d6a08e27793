"""Shared fixtures: the bundled ontology (loaded once) and a writer for mutated mini ontologies."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ontology.indexed import Ontology
from ontology.strict import load_ontology
from tests.support.paths import MINI


@pytest.fixture(scope="session")
def bundled() -> Ontology:
    return load_ontology()


@pytest.fixture
def mutate(tmp_path: Path) -> Callable[..., Path]:
    """Write mini.toml with each (old, new) replacement applied; fail if `old` is absent."""

    def write(*replacements: tuple[str, str], append: str = "") -> Path:
        text = MINI.read_text()
        for old, new in replacements:
            assert old in text, f"fixture lacks {old!r}"
            text = text.replace(old, new, 1)
        path = tmp_path / "onto.toml"
        path.write_text(text + append)
        return path

    return write


# Hypothesis profiles: "ci" keeps CI fast; run `HYPOTHESIS_PROFILE=deep pytest` locally for more.
settings.register_profile(
    "ci", max_examples=30, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "deep", max_examples=400, stateful_step_count=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
