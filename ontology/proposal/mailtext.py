"""The one place where data becomes plain mail text: ASCII, 72 columns, tables, folded headers.

Mail to linux-mm is plain ASCII text wrapped at 72 columns (Documentation/process/email-clients
.rst; reviewers quote it with `> `). Proposal data is untrusted text: here it is only ever
wrapped, never interpreted; every string goes through `ascii_text` (transliterated, control
characters and runs of whitespace as one space), so no line break, tab or non-ASCII byte from
the data reaches the letter. A word too long for a line is split, unless it is a URL (which must
stay whole to be clickable): the one kind of line that may exceed `WIDTH`.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Sequence

WIDTH = 72

_REPLACEMENTS = {
    "\u2014": "--",
    "\u2013": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u2192": "->",
    "\u2190": "<-",
    "\u00d7": "x",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u00a0": " ",
    "\u00df": "ss",
    "\u00e6": "ae",
    "\u00f8": "o",
}
_URL = re.compile(r"(?:https?|ftp)://\S+")


def ascii_text(value: object) -> str:
    """`value` as one line of ASCII: known symbols spelled out (`->`, `--`), accents dropped
    (`Sá` -> `Sa`), anything else `?`; whitespace and control characters as single spaces."""
    spelled = "".join(_REPLACEMENTS.get(c, c) for c in unicodedata.normalize("NFKC", str(value)))
    decomposed = unicodedata.normalize("NFKD", spelled)
    chars = (c if c.isascii() else "" if unicodedata.combining(c) else "?" for c in decomposed)
    return " ".join("".join(c if c.isprintable() else " " for c in chars).split())


def _split_long(line: str, width: int) -> list[str]:
    """A wrapped line still over `width` (one long word): split it, unless it is a URL."""
    if len(line) <= width or _URL.fullmatch(line.strip()):
        return [line]
    indent = len(line) - len(line.lstrip())
    pieces, rest = [], line
    while len(rest) > width:
        pieces.append(rest[:width])
        rest = " " * indent + rest[width:]
    return [*pieces, rest]


def wrap(value: object, width: int = WIDTH, indent: str = "", first: str | None = None) -> list[str]:
    """One paragraph, filled to `width`: `first` (default `indent`) before its first line."""
    words = ascii_text(value)
    if not words:
        return []
    lead = indent if first is None else first
    lines = textwrap.wrap(
        words,
        width=width,
        initial_indent=lead,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [piece.rstrip() for line in lines for piece in _split_long(line, width)]


def paragraphs(value: str, width: int = WIDTH, indent: str = "") -> list[str]:
    """Prose as written (paragraphs apart by blank lines), each paragraph refilled; blank lines
    between paragraphs. Line breaks inside a paragraph are the TOML file's, not the author's."""
    blocks = [b for b in re.split(r"\n\s*\n", value.strip()) if b.strip()]
    lines: list[str] = []
    for block in blocks:
        if lines:
            lines.append("")
        lines += wrap(block, width, indent)
    return lines


def items(values: Sequence[str], numbered: bool, indent: str = "") -> list[str]:
    """A list: `1. ` or `- ` before each item, its further lines aligned under its text."""
    lines: list[str] = []
    for number, value in enumerate(values, start=1):
        mark = f"{indent}{number}. " if numbered else f"{indent}- "
        if numbered and len(values) >= 10 and number < 10:
            mark = f"{indent} {number}. "
        lines += wrap(value, WIDTH, " " * len(mark), mark) or [mark.rstrip()]
    return lines


def table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], indent: str = "  ", right: Sequence[int] = ()
) -> list[str]:
    """An ASCII table in `WIDTH` columns: headers over dashes, columns two spaces apart, numbers
    (columns in `right`) right-aligned. Cells too wide are wrapped inside their column, the widest
    column narrowed first; when even that cannot fit, each row becomes a `header: value` block."""
    cells = [[ascii_text(c) for c in row] for row in rows]
    heads = [ascii_text(h) for h in headers]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(heads)]
    room = WIDTH - len(indent) - 2 * (len(widths) - 1)
    floor = [max(len(h), 8) for h in heads]
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda i: (widths[i] - floor[i], -i))
        if widths[widest] <= floor[widest]:
            return _stacked(heads, cells, indent)
        widths[widest] -= 1
    lines = [_join(heads, widths, indent, right), indent + "  ".join("-" * w for w in widths)]
    for row in cells:
        lines += _row(row, widths, indent, right)
    return lines


def _row(values: Sequence[str], widths: Sequence[int], indent: str, right: Sequence[int]) -> list[str]:
    """One row, its cells wrapped in their columns: as many lines as its deepest cell."""
    columns = [wrap(v, w) or [""] for v, w in zip(values, widths, strict=True)]
    depth = max(len(c) for c in columns)
    return [_join([c[k] if k < len(c) else "" for c in columns], widths, indent, right) for k in range(depth)]


def _join(values: Sequence[str], widths: Sequence[int], indent: str, right: Sequence[int]) -> str:
    parts = [v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))]
    return (indent + "  ".join(parts)).rstrip()


def _stacked(heads: Sequence[str], cells: Sequence[Sequence[str]], indent: str) -> list[str]:
    label = max(len(h) for h in heads) + 2
    lines: list[str] = []
    for row in cells:
        if lines:
            lines.append("")
        for head, value in zip(heads, row, strict=True):
            lead = f"{indent}{head + ':':<{label}}"
            lines += wrap(value, WIDTH, " " * len(lead), lead) or [lead.rstrip()]
    return lines


def header(name: str, values: Sequence[str], separator: str = ", ") -> list[str]:
    """A mail header folded at `WIDTH` (RFC 5322: continuation lines start with a space); a
    list of addresses gets one address a line, as git format-patch writes Cc."""
    if not values:
        return []
    if separator == ", " and len(values) > 1:
        last = len(values) - 1
        return [f"{name}: {values[0]}," if last else f"{name}: {values[0]}"] + [
            f" {v}{',' if i < last else ''}" for i, v in enumerate(values[1:], start=1)
        ]
    return wrap(separator.join(values), WIDTH, " ", f"{name}: ")
