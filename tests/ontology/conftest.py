"""The BTF sample, read once per module of the BTF tests."""

from __future__ import annotations

import pytest

from ontology.btf import Btf
from tests.support.btf_sample import SAMPLE_LE


@pytest.fixture(scope="module")
def sample() -> Btf:
    return Btf(SAMPLE_LE, "sample.btf")
