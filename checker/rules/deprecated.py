"""memdesc-deprecated's note: a page-based function's folio replacement (the rule: `checker.errorcodes`)."""

from __future__ import annotations

from checker.facts import Facts


def deprecated_message(facts: Facts, name: str) -> str | None:
    _, replacement = facts.functions.get(name, ("", ""))
    if not replacement:
        return None
    return f"{name}() is page-based; the kernel prefers {replacement}()"
