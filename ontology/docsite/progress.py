"""The conversion-progress chart: how many kernel functions speak each descriptor, per release, as SVG.

Drawn here as SVG text (no plotting library, no script): a line chart with one series per
descriptor of `memdesc census --trend`, one point per release whose kernel has that descriptor
(an absent struct is no point and breaks the line; a zero is a point at zero). The x axis keeps
a place for every release the ontology covers, so the releases without a bundled kernel (6.2 to
6.11) show as the gap they are. Descriptors with few users (under a tenth of the busiest) get a
second panel with their own scale, or they would lie flat on the axis.

Names come from data, so every one is XML-escaped (and characters XML cannot hold replaced);
coordinates have one decimal: the same answer always gives the same bytes. Text is 13 px or more
at the chart's own width (680 px, which fits the site's content column unscaled).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from ontology.releasechoice import release_key

WIDTH = 680
LEFT, RIGHT_LEGEND = 64, 150
PLOT_HEIGHT = 220
FONT = 'font-family="Helvetica,Arial,sans-serif"'
SMALL_SHARE = 0.1
"""A descriptor whose largest count is under this share of the busiest one's goes to the lower panel."""
COLOURS = ("#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#7f7f7f")
"""Okabe-Ito's colour-blind-safe palette (yellow replaced by grey, which reads on white)."""
MARKERS = ("circle", "square", "diamond", "triangle")
NAME_CHARS = 16
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """Text or an attribute value from data: escaped, and characters XML 1.0 cannot hold replaced."""
    return escape(_NOT_XML.sub("\ufffd", str(value)), {'"': "&quot;", "'": "&apos;"})


def _num(value: float) -> str:
    return f"{value:.1f}"


class Series(NamedTuple):
    name: str
    counts: dict[str, int]
    """Release -> functions, for the releases whose kernel has the descriptor."""
    colour: str
    marker: str


def _nice_top(largest: int) -> tuple[int, int]:
    """(axis top, tick step): the smallest 1-2-5 step that reaches `largest` in five ticks."""
    steps = (mantissa * 10**power for power in range(19) for mantissa in (1, 2, 5))
    step = next(step for step in steps if step * 5 >= largest)
    return max(step, -(-largest // step) * step), step


def _marker(shape: str, x: float, y: float) -> str:
    if shape == "circle":
        return f"M{_num(x - 4)},{_num(y)}a4,4 0 1,0 8,0a4,4 0 1,0 -8,0z"
    if shape == "square":
        return f"M{_num(x - 3.5)},{_num(y - 3.5)}h7v7h-7z"
    if shape == "diamond":
        return f"M{_num(x)},{_num(y - 5)}l5,5l-5,5l-5,-5z"
    return f"M{_num(x)},{_num(y - 5)}l5,9h-10z"


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "\u2026"


def _series(trend: dict[str, Any]) -> list[Series]:
    """Every descriptor's counts, busiest first (ties by name), each with its colour and marker."""
    counts: dict[str, dict[str, int]] = {name: {} for name in trend["descriptors"]}
    for row in trend["kernels"]:
        for name, count in row["counts"].items():
            if count is not None:
                counts.setdefault(name, {})[row["release"]] = count
    order = sorted(counts, key=lambda name: (-max(counts[name].values(), default=0), name))
    return [
        Series(name, counts[name], COLOURS[index % len(COLOURS)], MARKERS[index % len(MARKERS)])
        for index, name in enumerate(order)
    ]


def _panels(series: list[Series]) -> list[list[Series]]:
    """The busy descriptors, then (if any) those under SMALL_SHARE of the busiest."""
    busiest = max((max(s.counts.values(), default=0) for s in series), default=0)
    small = [s for s in series if busiest and max(s.counts.values(), default=0) < SMALL_SHARE * busiest]
    big = [s for s in series if s not in small]
    return [panel for panel in (big, small) if panel]


def _panel(series: list[Series], releases: list[str], shown: list[str], top_y: float, title: str) -> list[str]:
    """One panel: its title, axes, grid, x labels for the releases with a kernel, lines, points, legend."""
    plot_right = WIDTH - RIGHT_LEGEND
    plot_top = top_y + 28
    bottom = plot_top + PLOT_HEIGHT
    largest = max((max(s.counts.values(), default=0) for s in series), default=0)
    axis_top, step = _nice_top(largest)
    span = max(len(releases) - 1, 1)

    def x_of(release: str) -> float:
        return LEFT + 12 + (plot_right - LEFT - 24) * releases.index(release) / span

    def y_of(count: int) -> float:
        return bottom - PLOT_HEIGHT * count / axis_top

    out = [
        '<g class="panel">',
        f'<text x="{LEFT}" y="{_num(top_y + 16)}" font-size="14" font-weight="bold">{xml_text(title)}</text>',
    ]
    for tick in range(0, axis_top + 1, step):
        y = _num(y_of(tick))
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{plot_right}" y2="{y}" stroke="#dddddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y}" dy="4.5" font-size="13" text-anchor="end">{tick}</text>')
    out.append(f'<line x1="{LEFT}" y1="{_num(bottom)}" x2="{plot_right}" y2="{_num(bottom)}" stroke="#333333"/>')
    out.append(f'<line x1="{LEFT}" y1="{_num(plot_top)}" x2="{LEFT}" y2="{_num(bottom)}" stroke="#333333"/>')
    for release in releases:
        x = _num(x_of(release))
        length = 6 if release in shown else 3
        out.append(f'<line x1="{x}" y1="{_num(bottom)}" x2="{x}" y2="{_num(bottom + length)}" stroke="#333333"/>')
        if release in shown:
            out.append(
                f'<text x="{x}" y="{_num(bottom + 18)}" font-size="13" text-anchor="end" '
                f'transform="rotate(-40 {x} {_num(bottom + 18)})">{xml_text(release)}</text>'
            )
    middle = _num(plot_top + PLOT_HEIGHT / 2)
    out.append(
        f'<text x="16" y="{middle}" font-size="13" text-anchor="middle" '
        f'transform="rotate(-90 16 {middle})">functions</text>'
    )
    out.append(
        f'<text x="{_num((LEFT + plot_right) / 2)}" y="{_num(bottom + 52)}" font-size="13" '
        f'text-anchor="middle">kernel release</text>'
    )
    for index, one in enumerate(series):
        out.extend(_draw_series(one, shown, x_of, y_of))
        ly, lx = plot_top + 8 + 22 * index, plot_right + 14
        out.append(
            f'<g class="legend"><line x1="{lx}" y1="{_num(ly)}" x2="{lx + 24}" y2="{_num(ly)}" '
            f'stroke="{one.colour}" stroke-width="2.5"/>'
            f'<path d="{_marker(one.marker, lx + 12, ly)}" fill="{one.colour}"/>'
            f'<text x="{lx + 32}" y="{_num(ly)}" dy="4.5" font-size="13">{xml_text(_short(one.name))}</text></g>'
        )
    out.append("</g>")
    return out


def _draw_series(
    one: Series, shown: list[str], x_of: Callable[[str], float], y_of: Callable[[int], float]
) -> list[str]:
    """A series: a line through each run of releases whose kernel has the descriptor (a release
    whose kernel lacks it breaks the line; one with no bundled kernel does not), a point each."""
    out = [f'<g class="series" data-descriptor="{xml_text(one.name)}">']
    runs: list[list[str]] = [[]]
    for release in shown:
        if release in one.counts:
            runs[-1].append(release)
        elif runs[-1]:
            runs.append([])
    for run in runs:
        if len(run) > 1:
            points = " ".join(f"{_num(x_of(r))},{_num(y_of(one.counts[r]))}" for r in run)
            out.append(f'<polyline fill="none" stroke="{one.colour}" stroke-width="2.5" points="{points}"/>')
    for release in (r for r in shown if r in one.counts):
        count = one.counts[release]
        out.append(
            f'<path class="point" data-release="{xml_text(release)}" data-count="{count}" '
            f'd="{_marker(one.marker, x_of(release), y_of(count))}" fill="{one.colour}">'
            f"<title>{xml_text(one.name)}, {xml_text(release)}: {count} functions</title></path>"
        )
    out.append("</g>")
    return out


def _description(trend: dict[str, Any], series: list[Series]) -> str:
    """The chart's <desc>: what is counted, and each descriptor's first and last count."""
    rows = trend["kernels"]
    parts = []
    for one in series:
        present = [row["release"] for row in rows if row["release"] in one.counts]
        if present:
            first, last = present[0], present[-1]
            parts.append(f"{one.name} {one.counts[first]} in {first}, {one.counts[last]} in {last}")
        else:
            parts.append(f"{one.name} in no kernel")
    span = f"{rows[0]['release']} to {rows[-1]['release']}" if rows else "no release"
    return (
        f"Kernel functions (BTF) taking or returning each memory descriptor, one kernel per release, "
        f"{span}: " + "; ".join(parts) + ". The table under the chart lists every number."
    )


def progress_svg(trend: dict[str, Any], covered: list[str], header: str) -> str:
    """The chart of a `census --trend` answer; `covered` are the releases the x axis keeps a place
    for (the trend's own are added if missing), `header` the generated-file marker line (an XML
    comment) the SVG starts with."""
    shown = [row["release"] for row in trend["kernels"]]
    releases = sorted(set(covered) | set(shown), key=release_key)
    releases = [r for r in releases if not shown or release_key(shown[0]) <= release_key(r) <= release_key(shown[-1])]
    series = _series(trend)
    panels = _panels(series)
    panel_height = 28 + PLOT_HEIGHT + 64
    height = 48 + panel_height * max(len(panels), 1)
    title = (
        f"Kernel functions taking or returning each memory descriptor, {shown[0]} to {shown[-1]}"
        if shown
        else ("Kernel functions taking or returning each memory descriptor")
    )
    out = [
        header,
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart-title chart-desc" {FONT}>',
        f'<title id="chart-title">{xml_text(title)}</title>',
        f'<desc id="chart-desc">{xml_text(_description(trend, series))}</desc>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="26" font-size="15" font-weight="bold">{xml_text(title)}</text>',
    ]
    for index, panel in enumerate(panels):
        names = ", ".join(one.name for one in panel)
        label = names if len(panels) == 1 else ("most users: " if index == 0 else "fewer users, own scale: ") + names
        out.extend(_panel(panel, releases, shown, 40 + panel_height * index, label))
    out.append("</svg>")
    return "\n".join(out) + "\n"
