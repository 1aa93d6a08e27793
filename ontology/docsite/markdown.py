"""Small Markdown builders for generated pages: escaped table cells, tables, code spans.

Generated pages are read in MkDocs and on a code host, so they stick to CommonMark plus pipe
tables; every cell goes through `cell()` so a `|` or `<` in a C type cannot break a table.
"""

from __future__ import annotations

from collections.abc import Sequence


def cell(value: object) -> str:
    """A table cell: pipes escaped, HTML metacharacters as entities, newlines as spaces."""
    if value is None:
        return ""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", " ").strip()


def code(value: object) -> str:
    """An inline code span (names like `__filler` would otherwise turn bold)."""
    if value is None or value == "":
        return ""
    text = str(value).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A pipe table; cells must already be escaped (`cell`) or code spans (`code`)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def link(text: str, target: str) -> str:
    return f"[{text}]({target})"
