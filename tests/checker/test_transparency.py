"""The plugin is invisible to code that does not use the ontology: mypy prints exactly the same
with and without it, cold and warm, on real third-party code (a few modules of rich and of
networkx's algorithms, copied so their paths are stable) and on a module that reuses the
ontology's names (Page, Folio, page_folio, put_page, implement) for its own classes and functions.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import networkx
import pytest
import rich

import checker.plugin

REPO = Path(checker.plugin.__file__).resolve().parent.parent
TIMEOUT = 180

RICH = ["_loop.py", "_pick.py", "_ratio.py", "region.py", "color_triplet.py", "palette.py", "_palettes.py"]
RICH += ["terminal_theme.py", "errors.py", "cells.py"]
NETWORKX = ["isolate.py", "boundary.py", "dominating.py", "components/connected.py", "traversal/depth_first_search.py"]

LOOKALIKE = """\
\"\"\"Names that the ontology also uses, none of them from ontology.types.\"\"\"

from __future__ import annotations

from typing import Any, cast


class Page:
    flags: int = 0


class Folio:
    def __init__(self, page: Page | None = None) -> None:
        self.mapping: object = None
        self.page = page


class Slab:
    slab_cache: str = ""


def page_folio(page: Page) -> Folio:
    return Folio(page)


def folio_test_anon(folio: Folio) -> bool:
    return folio.mapping is not None


def put_page(page: Page) -> None: ...


def implement(function: Any) -> Any:
    return function


@implement
def alloc_pages(gfp: int, order: int) -> Folio | None:
    return None


def use(page: Page, slab: Slab) -> int:
    folio = Folio(page)
    reveal_type(page_folio(page))
    reveal_type(cast(Folio, page))
    put_page(page)
    if folio_test_anon(folio):
        reveal_type(folio)
    slab.mapping = None
    return folio.flags + page.mapping
"""

USES_ONTOLOGY = """\
from ontology.types import Folio, Page


def convert(page: Page) -> Folio:
    return Folio(page)
"""


@dataclass(frozen=True)
class Result:
    stdout: str
    stderr: str
    status: int


def mypy(cwd: Path, config: str, cache: Path, *args: str) -> Result:
    (cwd / "mypy.ini").write_text(config)
    command = [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--cache-dir", str(cache), *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
    assert "INTERNAL ERROR" not in done.stdout + done.stderr, done.stdout + done.stderr
    return Result(done.stdout, done.stderr, done.returncode)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("transparency")
    rich_source = Path(rich.__file__).parent
    (root / "rich").mkdir()
    (root / "rich" / "__init__.py").write_text("")
    for name in RICH:
        shutil.copy(rich_source / name, root / "rich" / name)
    algorithms = Path(networkx.__file__).parent / "algorithms"
    (root / "nx").mkdir()
    for name in NETWORKX:
        shutil.copy(algorithms / name, root / "nx" / Path(name).name)
    (root / "lookalike.py").write_text(LOOKALIKE)
    return root


def test_third_party_code_reads_the_same_with_the_plugin(sample: Path, tmp_path: Path) -> None:
    """No ontology.types in the build: the same messages, cold and warm, and nothing memdesc."""
    plain = "[mypy]\n"
    plugin = "[mypy]\nplugins = checker.plugin\n"
    files = ["--strict", "rich", "nx", "lookalike.py"]
    results = {}
    for name, config in (("plain", plain), ("plugin", plugin)):
        cold = mypy(sample, config, tmp_path / name, *files)
        warm = mypy(sample, config, tmp_path / name, *files)
        assert warm == cold, name
        results[name] = cold
    assert results["plugin"] == results["plain"]
    output = results["plain"].stdout
    # The comparison has something to compare: networkx is untyped, lookalike.py has errors and reveal_type.
    assert results["plain"].status == 1 and len(output.splitlines()) > 30, output
    assert 'lookalike.py:44: note: Revealed type is "lookalike.Folio"' in output, output
    assert 'lookalike.py:49: error: "Slab" has no attribute "mapping"  [attr-defined]' in output, output
    assert "memdesc" not in results["plugin"].stdout + results["plugin"].stderr


def test_other_code_is_untouched_when_the_ontology_is_in_the_build(sample: Path, tmp_path: Path) -> None:
    """ontology.types in the build, its facts loaded (uses_ontology.py gets its memdesc error), and
    a module importing it but using its own Folio, page_folio, put_page... reads the same."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "lookalike.py").write_text("import ontology.types  # loaded before this module is checked\n" + LOOKALIKE)
    (work / "uses_ontology.py").write_text(USES_ONTOLOGY)
    plain = f"[mypy]\nmypy_path = {REPO}\n"
    # memdesc-deprecated is on for lookalike.py: its own put_page is not the kernel's.
    plugin = plain + "plugins = checker.plugin\n\n[mypy-lookalike]\nenable_error_code = memdesc-deprecated\n"
    files = ["--strict", "lookalike.py", "uses_ontology.py"]
    with_plugin = mypy(work, plugin, tmp_path / "plugin", *files)
    without = mypy(work, plain, tmp_path / "plain", *files)

    ours = "uses_ontology.py:5: error: constructing a folio from a page is not a conversion; use page_folio()"
    assert f"{ours}  [memdesc-convert]" in with_plugin.stdout.splitlines(), with_plugin.stdout

    def others(result: Result) -> list[str]:
        return [
            line
            for line in result.stdout.splitlines()
            if not line.startswith(("uses_ontology.py:", "Found ", "Success: "))
        ]

    assert others(with_plugin) == others(without)
    assert others(without), without.stdout
    assert "memdesc" not in "\n".join(others(with_plugin))
    assert with_plugin.stderr == without.stderr
