"""Small helpers that keep the rules' messages grammatical and consistent."""

from __future__ import annotations


def a(noun: str) -> str:
    """`a folio`, `an anon_folio`: the article a kernel developer would write."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
