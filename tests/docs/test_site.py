"""The documentation site: generated pages are current, the strict MkDocs build passes and
fails on a page missing from the nav or a broken link, and the hand-written pages stay true
(the set-up commands are the README's, the proposal guide's TOML applies cleanly).

The proposal documents' freshness is tested in test_proposal_documents.py (it shares one mypy
baseline there), so these tests check the site with proposals=False.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from checker.site.site import PAGE_HEADER, TYPES_DIR, check_site, generated_files, write_site
from memdesc.app import app
from ontology.docsite.diagrams import conversions_dot, hierarchy_dot, render_svg, svg_is_current
from ontology.docsite.type_pages import type_page
from ontology.errors import InputError
from ontology.proposal.apply import apply_file
from ontology.strict import load_ontology
from tests.support.paths import ROOT

MKDOCS = [sys.executable, "-m", "mkdocs"]
CLI = typer.main.get_command(app)


def test_generated_pages_are_current() -> None:
    assert check_site(ROOT, CLI, proposals=False) == [], "run `memdesc docs` from the repository root"


def _copy_site(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return tmp_path


def _build(root: Path) -> subprocess.CompletedProcess[str]:
    command = [*MKDOCS, "build", "--strict", "--site-dir", str(root / "site")]
    env = {"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, cwd=root, capture_output=True, text=True, check=False, env=env)


def test_strict_build_passes(tmp_path: Path) -> None:
    root = _copy_site(tmp_path)
    done = _build(root)
    assert done.returncode == 0, done.stderr
    html = (root / "site" / "reference" / "types" / "folio.html").read_text(encoding="utf-8")
    assert '<pre class="mermaid">' in html  # the neighbourhood diagram reaches Mermaid, not a code block
    assert (root / "site" / "reference" / "types" / "type-hierarchy.svg").exists()
    progress = (root / "site" / "reference" / "conversion-progress.html").read_text(encoding="utf-8")
    assert '<img alt="Functions per descriptor and release" src="conversion-progress.svg"' in progress
    assert (root / "site" / "reference" / "conversion-progress.svg").exists()


def test_page_missing_from_nav_fails_the_build(tmp_path: Path) -> None:
    root = _copy_site(tmp_path)
    (root / "docs" / "stray.md").write_text("# A page nobody linked\n", encoding="utf-8")
    done = _build(root)
    assert done.returncode != 0
    assert "stray.md" in done.stderr


def test_broken_link_fails_the_build(tmp_path: Path) -> None:
    root = _copy_site(tmp_path)
    page = root / "docs" / "btf.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [nowhere](no-such-page.md).\n", encoding="utf-8")
    done = _build(root)
    assert done.returncode != 0
    assert "no-such-page.md" in done.stderr


def test_every_type_has_a_page_in_the_nav() -> None:
    onto = load_ontology()
    nav = (ROOT / "docs" / "nav.yml").read_text(encoding="utf-8")
    for name in onto.types:
        assert f"reference/types/{name}.md" in nav
        assert (ROOT / TYPES_DIR / f"{name}.md").exists()


def test_type_page_lists_every_field_with_its_word() -> None:
    onto = load_ontology()
    page = type_page(onto, "slab")
    typedef = onto.types["slab"]
    rows = [line for line in page.splitlines() if re.match(r"^\| \d+ \| \d+ \|", line)]
    assert len(rows) == len(typedef.fields)
    for field in typedef.fields:
        assert any(f"| `{field.name}` |" in row and row.startswith(f"| {field.offset // 8} |") for row in rows)
    assert "| `slab_cache` | `struct kmem_cache *` | `compound_info` |" in page  # SLAB_MATCH
    assert "slab_folio()" in page and "page_slab()" in page


def test_svg_follows_its_dot_source() -> None:
    if shutil.which("dot") is None:
        pytest.fail("Graphviz `dot` is needed (the README's test command installs it)")
    onto = load_ontology()
    dot = conversions_dot(onto)
    svg = render_svg(dot)
    assert svg_is_current(svg, dot)
    assert not svg_is_current(svg, hierarchy_dot(onto))
    assert "page_folio()" in svg and "<svg" in svg


def test_write_site_refuses_a_hand_written_file_and_removes_obsolete_pages(tmp_path: Path) -> None:
    root = _copy_site(tmp_path)
    (root / TYPES_DIR / "gone.md").write_text(f"{PAGE_HEADER}\n# gone\n", encoding="utf-8")
    (root / TYPES_DIR / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert any("gone.md" in line for line in check_site(root, CLI, proposals=False))
    written = write_site(root, CLI, proposals=False)
    assert f"removed {TYPES_DIR / 'gone.md'}" in written
    assert (root / TYPES_DIR / "notes.txt").exists()
    assert check_site(root, CLI, proposals=False) == []
    hand = root / TYPES_DIR / "folio.md"
    hand.write_text("# my own folio notes\n", encoding="utf-8")
    with pytest.raises(InputError, match="did not generate"):
        write_site(root, CLI, proposals=False)
    assert hand.read_text(encoding="utf-8") == "# my own folio notes\n"


def test_generated_files_are_deterministic() -> None:
    first = [(f.path, f.text, f.dot) for f in generated_files(ROOT, CLI, proposals=False)]
    second = [(f.path, f.text, f.dot) for f in generated_files(ROOT, CLI, proposals=False)]
    assert first == second


def test_getting_started_repeats_the_readme_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    guide = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    commands = re.findall(r"^Install and run[^\n]*\n\n    ([^\n]+)$", readme, flags=re.MULTILINE)
    assert len(commands) == 2
    for command in commands:
        assert f"    {command}\n" in guide


def test_proposal_guide_toml_applies_cleanly(tmp_path: Path) -> None:
    guide = (ROOT / "docs" / "guide" / "writing-a-proposal.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", guide, flags=re.DOTALL)
    assert len(blocks) >= 3
    path = tmp_path / "guide.toml"
    path.write_text("\n".join(blocks), encoding="utf-8")
    proposal, _, new, findings = apply_file(path)
    assert proposal is not None and not findings, [str(f) for f in findings]
    assert new.types["lru_mem"].kind == "refinement"
    folios = next(p for p in new.function_signature(new.functions["get_user_pages"]).params if p.name == "folios")
    assert (folios.type, folios.depth) == ("folio", 2)
    result = CliRunner().invoke(app, ["propose", "lint", str(path)])  # the guide says both families are half-done
    assert result.exit_code == 1
    assert [line.split(": family ")[1].split()[0] for line in result.stdout.splitlines()] == [
        "get_user_page*",
        "unpin_user_page*",
    ]
