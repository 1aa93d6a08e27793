"""The one place where data becomes Markdown: escaped text, prose, code spans, fences, tables,
HTML comments.

Ontology data and proposals are files people send each other, so every string from them is
untrusted. Generated pages are read in MkDocs (Python-Markdown with tables, attr_list and
superfences) and on a code host (CommonMark), and whatever a string holds must show literally
in both: no raw HTML (`<` `>` `&` become entities), no emphasis, links or attribute lists
(`* _ [ ] { } \\` are backslash-escaped), no line that starts a heading, list or quote, no code
span or fence a backtick can break out of, no HTML comment a `-->` can end. Every renderer
(proposal documents, type pages, the rules, format and CLI pages) builds its Markdown from these.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_INLINE = re.compile(r"[&<>\\`*\[\]{}|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
"""Characters that would be markup inline; `_` only where it could open or close emphasis
(`buddy_list` stays readable, `__filler` does not turn bold)."""
_BLOCK_START = re.compile(r"^(#|[-+=]|\d+[.)])")
"""What at the start of a line makes a heading, list item or setext underline."""
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def _escape(value: str) -> str:
    return _INLINE.sub(lambda m: _ENTITIES.get(m.group(), "\\" + m.group()), value)


def _inline(value: str, table: bool) -> str:
    """One line: backtick code spans kept as code spans (`|` escaped in them for a table), the
    rest escaped."""
    pieces, end = [], 0
    for match in _CODE_SPAN.finditer(value):
        span = match.group(2)
        pieces += [_escape(value[end : match.start()]), code(span) if table else _code_span(span)]
        end = match.end()
    return "".join([*pieces, _escape(value[end:])])


def text(value: object) -> str:
    """Inline text from data: runs of whitespace as one space, backtick code spans kept, every
    other markup character shown literally."""
    return "" if value is None else _inline(" ".join(str(value).split()), table=False)


def _line(value: str) -> str:
    """One line of prose: `text`, and a line that would start a block (`# `, `- `, `1. `, `===`)
    escaped at its start."""
    line = _inline(value, table=False)
    start = _BLOCK_START.match(line)
    if start is None:
        return line
    marker = start.group()
    if marker == "=":
        return "&#61;" + line[1:]
    escaped = marker[:-1] + "\\" + marker[-1] if marker[-1] in ".)" else "\\" + marker
    return escaped + line[len(marker) :]


def prose(value: str) -> str:
    """Paragraphs of prose (a proposal's summary, motivation...): the lines as written, one blank
    line between paragraphs, each line as `text` shows it (backtick code spans are the one
    Markdown construct prose may use)."""
    lines = [line.strip() for line in value.strip().splitlines()]
    kept = [line for index, line in enumerate(lines) if line or (index and lines[index - 1])]
    return "\n".join(_line(line) if line else "" for line in kept)


def cell(value: object) -> str:
    """A table cell: `text` with every `|` escaped, code spans included; empty for None."""
    return "" if value is None else _inline(" ".join(str(value).split()), table=True)


def code(value: object) -> str:
    """An inline code span for a table or text, with `|` escaped; empty for None or ""."""
    if value is None or value == "":
        return ""
    return _code_span(str(value).replace("|", "\\|"))


def _code_span(value: str) -> str:
    """An inline code span no backtick inside can end; line breaks become spaces."""
    body = " ".join(value.splitlines())
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def fence(lines: Sequence[str], info: str = "") -> list[str]:
    """A fenced block around `lines`, its fence longer than any backtick run inside."""
    longest = max((len(run) for line in lines for run in re.findall(r"`{3,}", line)), default=0)
    marker = "`" * max(3, longest + 1)
    return [marker + info, *lines, marker]


_SAFE_URL = re.compile(r"https?://[^\s<>\"'`\\]+")
_DIAGRAM_UNSAFE = re.compile(r"[^A-Za-z0-9_ *+(),.-]")


def url(value: str) -> str:
    """An autolink `<https://...>` for a plain http(s) URL; anything else as literal text."""
    return f"<{value}>" if _SAFE_URL.fullmatch(value) else text(value)


def diagram_text(value: object) -> str:
    """A name or member line for a Mermaid diagram: letters, digits and `_ *+(),.-` kept, anything
    else (quotes, braces, angle brackets, line breaks) a space."""
    return " ".join(_DIAGRAM_UNSAFE.sub(" ", str(value)).split())


def comment(value: str) -> str:
    """Text safe inside an HTML comment: no `--` (so no `-->`), no line break."""
    flat = " ".join(value.splitlines())
    while "--" in flat:
        flat = flat.replace("--", "-\\-")
    return flat


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A pipe table; cells must already be escaped (`cell`) or code spans (`code`)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def image(alt: object, file_name: str) -> str:
    """An image (a diagram's SVG beside the page) that links to itself, to be seen whole: `alt`
    from data shown literally, the file name URL-quoted so no character of it can end the link."""
    target = quote(file_name)
    return f"[![{text(alt)}]({target})]({target})"


MERMAID_SUMMARY = "Mermaid source (for code hosts)"
"""The heading of a diagram's collapsed Mermaid source: the SVG above it is what the page shows."""


def collapsed(summary: str, lines: Sequence[str]) -> list[str]:
    """`lines` (Markdown: a fence) in a closed <details> block headed `summary` (our own words,
    not data). MkDocs reads the inside as Markdown (md_in_html, `markdown="1"`); a code host
    ignores the attribute and renders the inside too, so a Mermaid fence still draws there."""
    return ['<details markdown="1">', f"<summary>{text(summary)}</summary>", "", *lines, "", "</details>"]


def link(label: str, target: str) -> str:
    """A link; `label` must already be Markdown (`text` or `code`), `target` a generated path."""
    return f"[{label}]({target})"
