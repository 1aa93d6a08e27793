"""Which functions a kernel scan counts callers of: every one an operation changes, none it only adds,
and the conversions of a type whose overlay changes."""

from __future__ import annotations

from pathlib import Path

from ontology.proposal.diff import diff
from ontology.proposal.touched import touched_functions
from tests.support.proposals import apply, write


def touched(tmp_path: Path, operations: str) -> tuple[str, ...]:
    old, new, findings = apply(write(tmp_path, operations))
    assert findings == []
    return touched_functions(old, new, diff(old, new))


def test_retyped_and_removed_count_added_do_not(tmp_path: Path) -> None:
    names = touched(
        tmp_path,
        """
        [[operation]]
        op = "retype_function"
        function = ["pin_user_pages"]
        from = "page"
        to = "folio"

        [[operation]]
        op = "remove_function"
        name = "get_dump_page"

        [[operation]]
        op = "add_function"
        name = "get_user_folios"
        category = "gup"
        prototype = "long get_user_folios(unsigned long start, unsigned long nr_pages, unsigned int gup_flags, struct folio **folios)"
        """,
    )
    assert names == ("get_dump_page", "pin_user_pages")


def test_a_type_leaving_its_overlay_touches_its_conversions(tmp_path: Path) -> None:
    from ontology.strict import load_ontology

    onto = load_ontology()
    expected = sorted(c.name for c in onto.conversions.values() if "ptdesc" in (c.source_type, c.target_type))
    assert expected  # page_ptdesc(), ptdesc_page()... exist in the data
    names = touched(
        tmp_path,
        """
        [[operation]]
        op = "update_type"
        type = "ptdesc"
        overlays = ""
        """,
    )
    assert list(names) == expected
