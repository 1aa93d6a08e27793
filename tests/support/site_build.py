"""Build the docs site as CI does: a copy of docs/ and mkdocs.yml, `mkdocs build --strict`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT

MKDOCS = [sys.executable, "-m", "mkdocs"]


def copy_site(tmp_path: Path) -> Path:
    """docs/ and mkdocs.yml copied under `tmp_path` (tests may change the copy)."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return tmp_path


def build(root: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of `root` into `root/site`."""
    command = [*MKDOCS, "build", "--strict", "--site-dir", str(root / "site")]
    env = {"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, cwd=root, capture_output=True, text=True, check=False, env=env)
