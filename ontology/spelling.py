"""How a name the user types is matched: one lookup key for every spelling of the same thing.

`struct folio`, `struct folio *`, `FOLIO` and `folio` are the same type; `slab->slab_cache`,
`struct slab.slab_cache` and `slab.slab_cache` the same field; `page_folio()` the conversion
`page_folio`. Pure string work with no imports, so the CLI's fast path can match a name
against the cached answers' index without loading the ontology (`ontology.answercache`).
"""

from __future__ import annotations

C_WORDS = ("struct ", "union ", "const ")
"""Words of a C spelling that name no descriptor: `const struct page *` is `page`."""


def _bare(part: str) -> str:
    """One name without its C decoration: `const struct page **` -> `page`."""
    part = part.strip().rstrip("*").strip()
    changed = True
    while changed:
        changed = False
        for word in C_WORDS:
            if part.startswith(word):
                part, changed = part[len(word) :].strip(), True
    return part


def lookup_key(text: str) -> str:
    """The key `text` is looked up by: C decoration dropped (`struct`, `const`, `*`, a call's
    `()`), `->` read as `.`, spaces collapsed, case folded.

    >>> lookup_key("struct folio *"), lookup_key("FOLIO"), lookup_key("slab->slab_cache")
    ('folio', 'folio', 'slab.slab_cache')
    """
    text = " ".join(text.split()).replace("->", ".").replace(" *", "*")
    text = text.removesuffix("()")
    owner, dot, member = text.partition(".")
    key = _bare(owner) + (dot + member.strip() if dot else "")
    return key.casefold()


def looks_like(text: str) -> str | None:
    """The kind of thing a spelling points at when it says so: `struct X` or `X *` a type,
    `X.Y` or `X->Y` a field, `X()` something callable; None when the spelling does not say."""
    text = text.strip()
    if "." in text or "->" in text:
        return "field"
    if text.endswith("()"):
        return "function"
    if text.endswith("*") or any(text.startswith(word) for word in C_WORDS):
        return "type"
    return None
