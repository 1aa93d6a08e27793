"""memdesc-narrow: the hint names the predicate and the argument to test, and the cast message."""

from __future__ import annotations

from checker.facts import Facts
from checker.rules import narrow


def test_narrow_message_hint_names_the_argument(facts: Facts) -> None:
    assert narrow.narrow_message(facts, "takes_anon", "folio", "anon_folio", "folio") == (
        "takes_anon() needs parameter 'folio' to be an anon_folio, not a folio; narrow it first: "
        "`if folio_test_anon(folio):`"
    )
    assert narrow.narrow_message(facts, "takes_anon", "folio", "anon_folio", "folio", "f") == (
        "takes_anon() needs parameter 'folio' to be an anon_folio, not a folio; narrow it first: `if folio_test_anon(f):`"
    )
    assert narrow.narrow_message(facts, "takes_ksm", "folio", "ksm_folio", "anon_folio", "f") == (
        "takes_ksm() needs parameter 'folio' to be a ksm_folio, not an anon_folio; narrow it first: `if folio_test_ksm(f):`"
    )


def test_narrow_message_without_predicate(facts: Facts) -> None:
    assert narrow.narrow_message(facts, "takes_compound", "page", "compound_page", "page", "p") == (
        "takes_compound() needs parameter 'page' to be a compound_page, not a page"
    )


def test_narrow_cast_message(facts: Facts) -> None:
    assert narrow.cast_message(facts, "anon_folio", "folio", "f") == (
        "cast from folio to anon_folio skips the predicate that establishes it; narrow it instead: "
        "`if folio_test_anon(f):`"
    )
    assert narrow.cast_message(facts, "head_page", "page", "it") == (
        "cast from page to head_page skips the predicate that establishes it; narrow it instead: `if PageHead(it):`"
    )
    assert narrow.cast_message(facts, "compound_page", "page", "p") == (
        "cast from page to compound_page skips the predicate that establishes it"
    )
