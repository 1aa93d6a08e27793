"""The wording shared by the messages: the article before a type name."""

from __future__ import annotations

import pytest

from checker.rules import wording


@pytest.mark.parametrize(
    ("noun", "phrase"),
    [
        ("folio", "a folio"),
        ("anon_folio", "an anon_folio"),
        ("unaccepted_page", "an unaccepted_page"),
        ("ksm_folio", "a ksm_folio"),
        ("Inode", "an Inode"),
        ("Page", "a Page"),
    ],
)
def test_article(noun: str, phrase: str) -> None:
    assert wording.a(noun) == phrase
