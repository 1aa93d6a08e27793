"""The documentation site: generated pages are current, the strict MkDocs build passes and
fails on a page missing from the nav or a broken link, and the hand-written pages stay true
(the set-up commands are the README's, the proposal guide's TOML applies cleanly).

The proposal documents' freshness is tested in test_proposal_documents.py (it shares one mypy
baseline there), so these tests check the site with proposals=False.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from checker.site.site import PAGE_HEADER, TYPES_DIR, check_site, generated_files, write_site
from memdesc.app import app
from ontology.docsite.diagrams import conversion_groups, conversions_dot, hierarchy_dot, render_svg, svg_is_current
from ontology.docsite.type_pages import neighbourhood_dot, type_page
from ontology.errors import InputError
from ontology.proposal.apply import apply_file
from ontology.strict import load_ontology
from tests.support.paths import ROOT
from tests.support.site_build import build, copy_site

CLI = typer.main.get_command(app)


def test_generated_pages_are_current() -> None:
    assert check_site(ROOT, CLI, proposals=False) == [], "run `memdesc docs` from the repository root"


def test_strict_build_passes(built_site: Path) -> None:
    html = (built_site / "reference" / "types" / "folio.html").read_text(encoding="utf-8")
    assert '<img alt="Neighbourhood of folio" src="folio.svg" />' in html  # drawn at build time
    assert "<details>\n<summary>Mermaid source (for code hosts)</summary>" in html  # the source, collapsed
    assert 'class="mermaid"' not in html  # nothing left for mermaid.js to draw
    assert (built_site / "reference" / "types" / "folio.svg").exists()
    assert (built_site / "reference" / "types" / "type-hierarchy.svg").exists()
    progress = (built_site / "reference" / "conversion-progress.html").read_text(encoding="utf-8")
    assert '<img alt="Functions per descriptor and release" src="conversion-progress.svg"' in progress
    assert (built_site / "reference" / "conversion-progress.svg").exists()


def test_page_missing_from_nav_fails_the_build(tmp_path: Path) -> None:
    root = copy_site(tmp_path)
    (root / "docs" / "stray.md").write_text("# A page nobody linked\n", encoding="utf-8")
    done = build(root)
    assert done.returncode != 0
    assert "stray.md" in done.stderr


def test_broken_link_fails_the_build(tmp_path: Path) -> None:
    root = copy_site(tmp_path)
    page = root / "docs" / "btf.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [nowhere](no-such-page.md).\n", encoding="utf-8")
    done = build(root)
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
    dot = conversions_dot(onto, conversion_groups(onto)[0])
    svg = render_svg(dot)
    assert svg_is_current(svg, dot)
    assert not svg_is_current(svg, hierarchy_dot(onto))
    assert "page_folio()" in svg and "<svg" in svg
    assert svg == render_svg(dot)  # deterministic: the same bytes each time
    assert svg.count("<!--") == 1 and "graphviz version" not in svg.lower()  # only our marker line
    assert svg_is_current(render_svg(dot, "memdesc propose doc x.toml -o x.md"), dot)


def test_conversion_graph_parts_cover_every_conversion() -> None:
    """The conversion graph is cut into readable parts, each with the busiest type, and no
    conversion between two types is lost in the cut."""
    onto = load_ontology()
    parts = conversion_groups(onto)
    assert len(parts) >= 2
    assert len({part[0] for part in parts}) == 1 and parts[0][0] == "page"
    drawn = "".join(conversions_dot(onto, part) for part in parts)
    for conversion in onto.conversions.values():
        assert any({conversion.source_type, conversion.target_type} <= set(part) for part in parts)
        assert f"{conversion.name}()" in drawn


def test_type_page_shows_its_diagram_and_keeps_the_mermaid_source() -> None:
    onto = load_ontology()
    page = type_page(onto, "slab")
    assert "[![Neighbourhood of slab](slab.svg)](slab.svg)" in page
    assert '<details markdown="1">\n<summary>Mermaid source (for code hosts)</summary>\n\n```mermaid\n' in page
    dot = neighbourhood_dot(onto, "slab")
    assert '"type:slab"' in dot and "page_slab()" in dot and "rankdir=TB" in dot
    assert "rankdir=LR" in neighbourhood_dot(onto, "folio")  # a hub stacks its neighbours


def test_write_site_refuses_a_hand_written_file_and_removes_obsolete_pages(tmp_path: Path) -> None:
    root = copy_site(tmp_path)
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
