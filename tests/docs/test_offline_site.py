"""Every page of the built site, read in headless Chromium with the network cut off, draws every
diagram: each image loads (naturalWidth > 0), SVG labels are 12 px or more as shown in a 1280 px
wide window, no Mermaid is left undrawn (no element of class `mermaid` without its drawing, no
Mermaid source outside a closed <details>), no table hides columns behind a sideways scroll, and
no page asks any host but the local server for anything (fonts, scripts, images).

A control page with a remote script, a remote image, raw Mermaid, a scrolling table and tiny
labels must fail each check, so the test can fail. CI installs Chromium (the README's test
command); without it the test skips, saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import Browser, PageReport, browser, chromium, serve

MIN_LABEL_PX = 12.0
WIDTH = 1280

CHECK = r"""
const main = document.querySelector("article") || document.body;
const mermaidWords = /^\s*(flowchart|graph|classDiagram|sequenceDiagram|stateDiagram|erDiagram|gantt|pie)\b/;
const diagrams = [];
for (const img of main.querySelectorAll("img")) {
  if (!img.complete) {
    await new Promise((done) => { img.addEventListener("load", done); img.addEventListener("error", done); });
  }
  const entry = { src: img.getAttribute("src"), drawn: img.naturalWidth > 0, minLabelPx: null };
  if (entry.drawn && new URL(img.src).pathname.endsWith(".svg")) {
    const text = await (await fetch(img.src)).text();
    const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
    const box = (svg.getAttribute("viewBox") || "").trim().split(/[\s,]+/);
    const units = box.length === 4 ? parseFloat(box[2]) : parseFloat(svg.getAttribute("width"));
    const scale = img.getBoundingClientRect().width / units;
    let smallest = Infinity;
    for (const label of svg.querySelectorAll("text")) {
      if (!label.textContent.trim()) continue;
      let node = label, size = null;
      while (node && node.getAttribute && size === null) { size = node.getAttribute("font-size"); node = node.parentNode; }
      smallest = Math.min(smallest, parseFloat(size || "16"));
    }
    entry.minLabelPx = smallest === Infinity ? null : smallest * scale;
  }
  diagrams.push(entry);
}
const sources = [...main.querySelectorAll("pre")].filter((pre) => mermaidWords.test(pre.textContent));
const hiddenTables = [...main.querySelectorAll("table")].filter((table) => {
  const box = table.closest(".md-typeset__scrollwrap") || table.parentElement;
  return box.scrollWidth > box.clientWidth + 1 || table.getBoundingClientRect().width > main.clientWidth + 1;
});
return {
  diagrams,
  undrawnMermaid: [...document.querySelectorAll(".mermaid")].filter((node) => !node.querySelector("svg")).length,
  mermaidSources: sources.length,
  openMermaidSources: sources.filter((pre) => !pre.closest("details:not([open])")).length,
  hiddenTables: hiddenTables.length,
};
"""

CONTROL = """<!doctype html><html><head><meta charset="utf-8">
<script src="https://cdn.example.org/mermaid.min.js"></script></head>
<body><article>
<img alt="remote diagram" src="https://diagrams.example.org/graph.svg">
<img alt="tiny labels" src="tiny.svg" style="width: 40px">
<pre class="mermaid">flowchart LR
  a --> b</pre>
<div class="md-typeset__scrollwrap" style="overflow-x: auto; width: 300px">
<table style="width: 2000px"><tr><td>wide</td></tr></table></div>
</article></body></html>
"""
TINY = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="100" viewBox="0 0 400 100">'
    '<text x="10" y="50" font-size="14">a label</text></svg>'
)


def problems(report: PageReport, origin: str) -> list[str]:
    """What keeps the page from being read offline; empty when all is drawn."""
    found = [f"asks for {url}" for url in report.requests if not url.startswith((origin, "data:", "about:"))]
    result = report.result
    for diagram in result["diagrams"]:
        if not diagram["drawn"]:
            found.append(f"diagram {diagram['src']} not drawn")
        elif diagram["minLabelPx"] is not None and diagram["minLabelPx"] < MIN_LABEL_PX:
            found.append(f"diagram {diagram['src']} has labels of {diagram['minLabelPx']:.1f} px")
    if result["undrawnMermaid"]:
        found.append(f"{result['undrawnMermaid']} Mermaid diagrams left as text")
    if result["openMermaidSources"]:
        found.append(f"{result['openMermaidSources']} Mermaid sources shown instead of a drawing")
    drawn = sum(1 for d in result["diagrams"] if d["drawn"] and d["src"].endswith(".svg"))
    if result["mermaidSources"] > drawn:
        found.append(f"{result['mermaidSources']} Mermaid sources but {drawn} drawn diagrams")
    if result["hiddenTables"]:
        found.append(f"{result['hiddenTables']} tables hide columns behind a scroll")
    return found


def _pages(site: Path) -> list[str]:
    return sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html"))


@pytest.fixture(scope="module")
def chrome() -> Iterator[Browser]:
    if chromium() is None:
        pytest.skip("chromium is not installed (the README's test command installs it: apt-get install chromium)")
    with browser(WIDTH) as opened:
        # Search is no diagram and its index is local; rebuilding it on each of 70 pages costs
        # Material's search worker more CPU than the page itself (about 35 s against 21 s loaded).
        opened.block(["*/search/search_index.json"])
        yield opened


def test_control_page_fails_every_check(tmp_path: Path, chrome: Browser) -> None:
    (tmp_path / "control.html").write_text(CONTROL, encoding="utf-8")
    (tmp_path / "tiny.svg").write_text(TINY, encoding="utf-8")
    with serve(tmp_path) as origin:
        report = chrome.check(origin + "control.html", CHECK)
    found = problems(report, origin)
    assert "asks for https://cdn.example.org/mermaid.min.js" in found
    assert "asks for https://diagrams.example.org/graph.svg" in found
    assert "diagram https://diagrams.example.org/graph.svg not drawn" in found  # the network is cut off
    assert any(line.startswith("diagram tiny.svg has labels of 1.4 px") for line in found), found
    assert "1 Mermaid diagrams left as text" in found
    assert "1 Mermaid sources shown instead of a drawing" in found
    assert "1 tables hide columns behind a scroll" in found


def test_every_page_draws_every_diagram_offline(built_site: Path, chrome: Browser) -> None:
    pages = _pages(built_site)
    assert len(pages) > 60  # the type pages, proposals, guides and references
    failures: dict[str, list[str]] = {}
    diagrams = 0
    with serve(built_site) as origin:
        for page in pages:
            report = chrome.check(origin + page, CHECK)
            diagrams += sum(1 for d in report.result["diagrams"] if d["drawn"])
            found = problems(report, origin)
            if found:
                failures[page] = found
    listed = "\n".join(f"{page}: {'; '.join(found)}" for page, found in failures.items())
    assert not failures, f"{len(failures)} of {len(pages)} pages:\n{listed}"
    assert diagrams >= len(pages) // 2, diagrams  # every type page and proposal has its diagrams
    print(f"{len(pages)} pages, {diagrams} diagrams drawn offline")
