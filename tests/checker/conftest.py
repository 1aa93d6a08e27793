"""The checker's tests: hand-built facts for the rule tests, and the set-up of the pytest-mypy-plugins
cases here (test_*.yml): plain mypy with the memdesc plugin, as a user runs it.

Each case runs the `mypy` of this interpreter's environment in a subprocess (CI runs
`.venv/bin/python -m pytest` without activating the venv, so `mypy` may not be on PATH) with the
project's `[tool.mypy]` configuration (strict, `plugins = ["checker.plugin"]`) and the repository
root on MYPYPATH: mypy cannot see through the editable install's import hook, so it finds
`ontology` there, wherever the repository is cloned. The cases share one mypy cache, in a
directory of their own for the session (the default, the system temp directory, is shared
with any other run).
"""

from __future__ import annotations

import os
import shutil
import sysconfig
import tempfile
from collections.abc import Generator
from pathlib import Path

import pytest

from checker.facts import Facts
from tests.support.checker_facts import METADATA

ROOT = Path(__file__).resolve().parents[2]
_BASES: list[str] = []


@pytest.fixture(scope="module")
def facts() -> Facts:
    return Facts.from_metadata(METADATA)


def pytest_configure(config: pytest.Config) -> None:
    option = config.option
    if not getattr(option, "mypy_ini_file", None) and not getattr(option, "mypy_pyproject_toml_file", None):
        option.mypy_pyproject_toml_file = str(ROOT / "pyproject.toml")
    if getattr(option, "mypy_testing_base", None) == tempfile.gettempdir():
        option.mypy_testing_base = tempfile.mkdtemp(prefix="memdesc-mypy-cases-")
        _BASES.append(option.mypy_testing_base)


def pytest_unconfigure(config: pytest.Config) -> None:
    while _BASES:
        shutil.rmtree(_BASES.pop(), ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    if item.path.suffix != ".yml":  # the Python tests here run mypy their own way
        return (yield)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", sysconfig.get_path("scripts"), prepend=os.pathsep)
        patch.setenv("MYPYPATH", str(ROOT), prepend=os.pathsep)
        return (yield)
