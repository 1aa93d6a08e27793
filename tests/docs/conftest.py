"""The docs site built once per session (about two seconds), for the tests that read the HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.site_build import build, copy_site


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site's directory (`mkdocs build --strict` of the committed docs)."""
    root = copy_site(tmp_path_factory.mktemp("site"))
    done = build(root)
    assert done.returncode == 0, done.stderr
    return root / "site"
