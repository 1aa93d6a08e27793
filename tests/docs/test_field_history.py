"""Type pages list every field the versioned data gives a type, with since/until and the sources
that date them, including fields the newest release no longer has."""

from __future__ import annotations

from ontology.docsite.type_pages import field_history, type_page
from ontology.indexed import Ontology


def _rows(onto: Ontology, name: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in field_history(onto, name).splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`") + "@" + cells[1]] = cells[1:]
    return rows


def test_removed_renamed_and_added_fields_are_dated(bundled: Ontology) -> None:
    rows = _rows(bundled, "page")
    assert "compound_dtor" not in {f.name for f in bundled.types["page"].fields}  # gone from the newest release
    assert rows["compound_dtor@≤ 6.1"] == ["≤ 6.1", "6.3", "", "until `commit-1c5509be58f6`"]
    assert rows["compound_info@≤ 6.1"][2] == "before 7.1: name `compound_head` (`commit-d50569612c29`)"
    assert rows["order@6.16"] == ["6.16", "6.18", "", "since `btf-6.16.12`, until `btf-6.18.15`"]
    assert rows["buddy_since@not in mainline"][3] == "only in build `btf-6.18`"


def test_a_type_with_two_eras_lists_a_field_once_per_era(bundled: Ontology) -> None:
    rows = _rows(bundled, "net_iov")
    assert rows["pp@6.12"][:2] == ["6.12", "6.17"] and rows["pp@6.17"][:2] == ["6.17", "7.1"]


def test_type_page_has_the_section_only_when_the_type_has_fields(bundled: Ontology) -> None:
    assert "## Field history" in type_page(bundled, "folio")
    assert field_history(bundled, "netmem_ref") == "" and "## Field history" not in type_page(bundled, "netmem_ref")
