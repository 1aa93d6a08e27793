"""memdesc-deprecated (a note, off by default): page-based API where the ontology records a
folio replacement (put_page -> folio_put, set_page_dirty -> folio_mark_dirty)."""

from __future__ import annotations

from checker.facts import Facts


def deprecated_message(facts: Facts, name: str) -> str | None:
    _, replacement = facts.functions.get(name, ("", ""))
    if not replacement:
        return None
    return f"{name}() is page-based; the kernel prefers {replacement}()"
