"""Render generated Markdown as the docs site does (Python-Markdown with mkdocs.yml's extensions)
and list what in the HTML could only have come from raw markup: elements and attributes beyond
what memdesc's renderers write themselves."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown

ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "code", "pre",
    "ul", "ol", "li", "strong", "a", "br", "blockquote", "hr", "div", "span", "img", "details", "summary",
}  # fmt: skip
"""What the renderers write (span: code highlighting; img: a diagram's SVG; details: its Mermaid
source); no `em` (no renderer of a proposal emphasises), no script..."""
ALLOWED_ATTRIBUTES = {"href", "class", "id", "style", "title", "src", "alt"}
_DIAGRAM = re.compile(r"[^:/\\?#]+\.svg")
"""An image's source: a diagram's SVG file beside the page, nothing with a scheme or a path."""


def to_html(text: str) -> str:
    """The HTML MkDocs would make of `text` (the extensions of mkdocs.yml)."""
    return markdown.markdown(
        text, extensions=["tables", "admonition", "attr_list", "md_in_html", "toc", "pymdownx.superfences"]
    )


def _allowed(tag: str, name: str, value: str) -> bool:
    """An attribute a renderer writes: no script URL, and an image only of a diagram beside the page."""
    if name not in ALLOWED_ATTRIBUTES or value.strip().lower().startswith("javascript:"):
        return False
    return name != "src" or (tag == "img" and _DIAGRAM.fullmatch(value) is not None)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.bad.append(f"<{tag}>")
        for name, value in attrs:
            if not _allowed(tag, name, value or ""):
                self.bad.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def unsafe_markup(text: str) -> tuple[list[str], str]:
    """(elements or attributes no renderer writes, the visible text) of `text` rendered to HTML.
    The document's first line, its generated-file comment, is rendered too."""
    collector = _Collector()
    collector.feed(to_html(text))
    collector.close()
    return collector.bad, "".join(collector.text)
