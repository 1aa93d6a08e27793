"""Versioned data: snapshots at a release, and the lint rules of history."""

from __future__ import annotations

from pathlib import Path

import pytest

from ontology.loader import load
from ontology.releases import distinct_releases, holds, release_key, snapshot
from ontology.schema import FieldDef
from ontology.strict import lint_path, load_ontology
from tests.support.paths import HISTORY


def fields_of(onto: object, type_name: str) -> dict[str, FieldDef]:
    return {f.name: f for f in onto.types[type_name].fields}  # type: ignore[attr-defined]


def test_releases_compare_as_numbers() -> None:
    assert release_key("6.9") < release_key("6.18") < release_key("7.0")
    assert holds(FieldDef(name="x", offset=0, size=8, c_type="int", since="6.6", until="7.1"), "6.18")
    assert not holds(FieldDef(name="x", offset=0, size=8, c_type="int", since="6.6"), "6.1")
    assert not holds(FieldDef(name="x", offset=0, size=8, c_type="int", until="7.1"), "7.1")


def test_default_snapshot_is_the_newest_release() -> None:
    onto = load_ontology(HISTORY)
    assert onto.kernel == "7.3"
    assert "compound_info" in fields_of(onto, "page") and "migrate_info" in fields_of(onto, "folio")
    assert onto.types["folio"].size == 128 and "ptdesc" in onto.types
    assert onto.functions["folio_isolate_hugetlb"].prototype.startswith("bool ")


def test_an_older_snapshot_has_the_older_states() -> None:
    onto = load_ontology(HISTORY, kernel="6.1")
    assert onto.kernel == "6.1"
    page = fields_of(onto, "page")
    assert "compound_head" in page and "compound_info" not in page
    assert page["compound_head"].source == "commit-aaaaaaaaaaaa"  # the change's source
    assert onto.types["folio"].size == 112 and onto.types["folio"].layout_source == "mm_types.h-6.1"
    assert "migrate_info" not in fields_of(onto, "folio")
    assert "ptdesc" not in onto.types
    assert list(onto.functions) == ["isolate_hugetlb"]
    assert onto.functions["isolate_hugetlb"].prototype.startswith("int isolate_hugetlb(")
    assert not onto.types["page"].fields[1].changes  # a snapshot has no history left


def test_between_changes_each_release_gets_its_own_state() -> None:
    assert load_ontology(HISTORY, kernel="6.12").types["folio"].size == 128
    assert list(load_ontology(HISTORY, kernel="6.12").functions) == ["isolate_hugetlb"]
    assert list(load_ontology(HISTORY, kernel="6.14").functions) == ["folio_isolate_hugetlb"]
    assert "compound_head" in fields_of(load_ontology(HISTORY, kernel="7.0"), "page")


def test_vendor_build_facts_are_in_no_mainline_snapshot() -> None:
    result = load(HISTORY)
    for release in ("6.1", "7.3"):
        page = next(e.item for e in snapshot(result, release).entries if getattr(e.item, "name", "") == "page")
        assert "buddy_since" not in {f.name for f in page.fields}


def test_distinct_releases_are_where_the_data_changes() -> None:
    assert distinct_releases(load(HISTORY)) == ["6.1", "6.6", "6.14", "7.1", "7.3"]


def test_an_uncovered_release_is_one_error() -> None:
    with pytest.raises(Exception, match=r"release '5.4' is not covered by this ontology \(it describes 6.1 to 7.3\)"):
        load_ontology(HISTORY, kernel="5.4")


def test_history_fixture_lints_clean() -> None:
    assert lint_path(HISTORY) == []


def mutated(tmp_path: Path, old: str, new: str) -> Path:
    text = HISTORY.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "history.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "rule", "message"),
    [
        (
            'since = "6.6"\nsource',
            'since = "6.6"\nuntil = "6.6"\nsource',
            "release-range",
            "since 6.6 is not before until 6.6",
        ),
        (
            '{ until = "6.6", size = 112',
            '{ until = "6.1", size = 112',
            "release-range",
            "describes no release the data covers (oldest 6.1)",
        ),
        (
            'since = "7.3", since_source = "mm_types.h"',
            'since = "7.3", since_source = "nowhere"',
            "dangling-ref",
            "since_source 'nowhere'",
        ),
        ('build = "btf-vendor"', 'build = "mm_types.h"', "release-range", "is a kernel source, not a BTF build"),
        ('releases = ["6.1", "6.6",', 'releases = ["6.6", "6.1",', "release-range", "oldest first"),
        ('kernel = "7.3"', 'kernel = "7.1"', "release-range", "must be the newest of releases"),
        (  # an earlier change that does not repeat the prototype a later change sets
            '  { until = "6.14", name = "isolate_hugetlb",',
            '  { until = "6.6", name = "isolate_hugetlb", source = "mm_types.h-6.1" },\n'
            '  { until = "6.14", name = "isolate_hugetlb",',
            "release-range",
            "the change until 6.6 leaves prototype unset, which the change until 6.14 sets",
        ),
        (
            'since = "6.6"\nsource',
            'since = "6.6"\nuntil = "8.1"\nsource',
            "release-range",
            "after the newest release 7.3",
        ),
    ],
)
def test_history_lint_rules(tmp_path: Path, old: str, new: str, rule: str, message: str) -> None:
    findings = lint_path(mutated(tmp_path, old, new))
    assert any(f.rule == rule and message in f.message for f in findings), findings


def test_a_problem_only_in_an_older_release_says_where(tmp_path: Path) -> None:
    path = mutated(
        tmp_path, 'source = "mm_types.h-6.1" },\n]\n', 'source = "mm_types.h-6.1", returns = "nosuch" },\n]\n'
    )
    messages = [f.message for f in lint_path(path) if f.rule == "dangling-ref"]
    assert len(messages) == 1 and messages[0].endswith("(at Linux 6.1 to 6.12)"), messages
