"""The conversion-progress chart and page: well-formed SVG drawing exactly census trend's numbers,
data escaped, readable text, and the page's table holding the same numbers.

The real trend is `census --trend`'s cached answer (the same one the site test's freshness check
reads); the escaping and gap tests use small hand-made answers.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from checker.site.site import PAGE_HEADER
from ontology.answercache import trend_answer
from ontology.docsite.progress import progress_svg
from ontology.docsite.progress_page import progress_page
from ontology.indexed import Ontology
from ontology.releases import releases_of
from tests.support.paths import ROOT

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def trend() -> dict[str, Any]:
    return trend_answer()


def _chart(trend: dict[str, Any], covered: list[str] | None = None) -> ET.Element:
    return ET.fromstring(progress_svg(trend, covered or [], PAGE_HEADER))


def _drawn(root: ET.Element) -> dict[str, dict[str, int]]:
    """Descriptor -> release -> count, read back from the chart's points."""
    drawn: dict[str, dict[str, int]] = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "series":
            name = group.get("data-descriptor", "")
            assert name not in drawn, f"two series for {name}"
            points = [p for p in group.iter(f"{SVG}path") if p.get("class") == "point"]
            drawn[name] = {p.get("data-release", ""): int(p.get("data-count", "")) for p in points}
            assert len(drawn[name]) == len(points), f"two points at one release for {name}"
    return drawn


def test_chart_draws_census_trend_numbers(trend: dict[str, Any], bundled: Ontology) -> None:
    root = _chart(trend, releases_of(bundled.history.meta if bundled.history else None))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    expected = {
        name: {row["release"]: row["counts"][name] for row in trend["kernels"] if row["counts"][name] is not None}
        for name in trend["descriptors"]
    }
    drawn = _drawn(root)
    assert drawn == expected  # one series per descriptor, one point per release that has it
    assert set(drawn["page"]) == set(drawn["folio"]) == {row["release"] for row in trend["kernels"]}
    assert "6.1" not in drawn["ptdesc"] and "6.12" in drawn["ptdesc"]  # no struct ptdesc in 6.1's BTF: no point
    legend = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]
    assert sorted("".join(g.itertext()) for g in legend) == sorted(trend["descriptors"])
    labels = {"".join(t.itertext()) for t in root.iter(f"{SVG}text")}
    assert {"functions", "kernel release", "6.1", "7.3"} <= labels
    assert "6.5" not in labels  # releases with no bundled kernel keep a place, unlabelled
    sizes = [float(t.get("font-size", "0")) for t in root.iter(f"{SVG}text")]
    assert min(sizes) >= 12 and root.get("width") == "680"  # fits the content column unscaled


def test_chart_is_deterministic(trend: dict[str, Any]) -> None:
    assert progress_svg(trend, ["6.1", "7.3"], PAGE_HEADER) == progress_svg(trend, ["7.3", "6.1"], PAGE_HEADER)


def _row(release: str, **counts: int | None) -> dict[str, Any]:
    return {"release": release, "version": release + ".1", "functions": 9, "counts": counts}


HOSTILE = "</text><script>alert('x')</script>&amp;\"\x01"


def test_names_from_data_are_escaped() -> None:
    trend = {
        "descriptors": ["page", HOSTILE],
        "kernels": [_row("6.1", page=100, **{HOSTILE: 3}), _row("6.2", page=90, **{HOSTILE: 4})],
        "conversions": [],
    }
    svg = progress_svg(trend, [], PAGE_HEADER)
    root = ET.fromstring(svg)  # well-formed despite the name
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    drawn = _drawn(root)
    (name,) = [n for n in drawn if n != "page"]
    assert name == HOSTILE.replace("\x01", "\ufffd") and drawn[name] == {"6.1": 3, "6.2": 4}
    assert "<script>" not in svg


def test_absent_descriptor_breaks_the_line_but_a_missing_kernel_does_not() -> None:
    trend = {
        "descriptors": ["page", "slab"],
        "kernels": [_row("6.1", page=5, slab=2), _row("6.3", page=6, slab=None), _row("6.4", page=7, slab=3)],
        "conversions": [],
    }
    root = _chart(trend, ["6.1", "6.2", "6.3", "6.4"])
    lines = {
        g.get("data-descriptor"): len(list(g.iter(f"{SVG}polyline")))
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "series"
    }
    assert lines == {"page": 1, "slab": 0}  # page joins across 6.2 (no kernel); slab's points stand alone
    assert _drawn(root)["slab"] == {"6.1": 2, "6.4": 3}


def test_page_table_holds_the_same_numbers(trend: dict[str, Any], bundled: Ontology) -> None:
    page = progress_page(trend, "chart.svg", set(bundled.sources))
    assert "![Functions per descriptor and release](chart.svg)" in page
    header = next(line for line in page.splitlines() if line.startswith("| release | kernel |"))
    columns = [c.strip().strip("`") for c in header.strip("|").split("|")]
    for row in trend["kernels"]:
        line = next(line for line in page.splitlines() if line.startswith(f"| {row['release']} | "))
        cells = dict(zip(columns, (c.strip() for c in line.strip("|").split("|")), strict=True))
        assert cells["source"] == f"`btf-{row['version']}`"  # every kernel cites the ontology's source for it
        assert cells["functions"] == str(row["functions"])
        for name, count in row["counts"].items():
            assert cells[name] == ("—" if count is None else str(count))
        assert re.fullmatch(r"\d+\.\d%", cells["folio share"])


def test_page_is_in_the_nav() -> None:
    nav = (ROOT / "docs" / "nav.yml").read_text(encoding="utf-8")
    assert '"Conversion progress": reference/conversion-progress.md' in nav
