"""The machine each model test boots: its own, small (tests.support.machine.SMALL)."""

from __future__ import annotations

import pytest

import model
from model.machine import Machine, boot
from tests.support.machine import SMALL


@pytest.fixture
def machine() -> Machine:
    assert model.predicates
    return boot(SMALL)
