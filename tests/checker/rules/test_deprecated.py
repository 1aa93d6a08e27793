"""memdesc-deprecated: the message names the replacement the kernel prefers."""

from __future__ import annotations

from checker.facts import Facts
from checker.rules import deprecated


def test_deprecated_message(facts: Facts) -> None:
    assert (
        deprecated.deprecated_message(facts, "put_page") == "put_page() is page-based; the kernel prefers folio_put()"
    )
    assert deprecated.deprecated_message(facts, "folio_put") is None  # declared, no replacement
    assert deprecated.deprecated_message(facts, "my_helper") is None  # not declared
