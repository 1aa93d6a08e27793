"""The bug corpus (tests/checker/bugs, tests/checker/correct) under one `memdesc check`: every
`# expect:` line is reported with its code, nothing else is reported (fixed forms and the
correct functions are clean), and every bug says which commit fixed it and what it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.run import Message
from tests.checker import bug_recall


@pytest.fixture(scope="module")
def messages() -> list[Message]:
    return bug_recall.run()[0]


def test_every_expected_line_is_reported(messages: list[Message]) -> None:
    for bug in bug_recall.bugs():
        missing = bug.expected - bug_recall.reported_in(messages, bug.path)
        assert not missing, f"{bug.path.name}: not reported {sorted(missing)}"


def test_nothing_else_is_reported(messages: list[Message]) -> None:
    wrong = bug_recall.false_positives(messages, bug_recall.bugs())
    assert [str(m) for m in wrong] == []


def test_each_bug_cites_its_fix_and_marks_its_buggy_line() -> None:
    corpus = bug_recall.bugs()
    assert len(corpus) >= 16
    for bug in corpus:
        assert set(bug.facts) == set(bug_recall.FIELDS), bug.path.name
        assert bug_recall._COMMIT.fullmatch(bug.facts["COMMIT"]), bug.path.name
        assert bug.facts["COMMIT"] in bug.path.read_text(encoding="utf-8").split('"""')[1], bug.path.name
        kinds = {kind for kind, _ in bug.marks.values()}
        assert len(kinds) == 1, f"{bug.path.name}: one kind of mark, got {kinds}"
        assert (kinds == {"out-of-reach"}) == bool(bug.facts["OUT_OF_REACH"]), bug.path.name


def test_the_table_counts_what_the_checker_sees(messages: list[Message]) -> None:
    statuses = {bug.path.stem: bug.status(bug_recall.reported_in(messages, bug.path)) for bug in bug_recall.bugs()}
    assert statuses["isolate_movable_slab"] == "seen"
    assert statuses["gup_fast_tail"] == "missed"
    assert statuses["release_pages_devmap"] == "seen"
    assert statuses["hugetlb_pmd_share_count"] == "out-of-reach"
    assert statuses["pagetail_race"] == "out-of-reach"
    assert statuses["ceph_sendpage_slab"] == "seen"
    assert statuses["thp_copy_hstate"] == "seen"
    assert statuses["tcp_sendpage_slab"] == "out-of-reach"
    assert statuses["nvme_tcp_sendpage_count"] == "out-of-reach"


def test_the_correct_functions_are_many_enough() -> None:
    """Each `def` of correct/ transliterates one kernel function (issue 14 asks for 20 or more),
    from mm/gup.c, mm/folio.c (mm/swap.c before 7.3), mm/swapfile.c, mm/filemap.c, mm/memory.c,
    mm/rmap.c, mm/slub.c, mm/page_alloc.c, mm/migrate.c, mm/hugetlb.c, mm/usercopy.c and mm/util.c."""
    assert bug_recall.correct_functions() >= 40
    sources = "".join(path.read_text(encoding="utf-8") for path in bug_recall.CORRECT.glob("*.py"))
    names = ("gup", "folio", "swapfile", "filemap", "memory", "rmap", "slub", "page_alloc", "migrate", "hugetlb")
    for source in (*names, "usercopy", "util"):
        assert f"mm/{source}.c" in sources, source


def test_each_known_limit_is_still_reported(messages: list[Message]) -> None:
    """A `# limit:` line is one the checker reports on correct code; when it learns to follow
    it, the mark must go (and the limit leaves the docs' count)."""
    reported = {(Path(m.path).resolve(), m.line, m.code or "") for m in messages}
    marked = bug_recall.limits()
    assert len(marked) == 3
    for limit in marked:
        assert (limit.path, limit.line, limit.code) in reported, f"{limit.path.name}:{limit.line} no longer reported"


def test_a_literal_zero_voids_folio_page_s_tail(messages: list[Message]) -> None:
    """folio_page(folio, 0) is &folio->page: __folio_put()'s free_frozen_pages() is not reported,
    while the same call on folio_page(folio, i) would be (tests/checker/rules)."""
    path = (bug_recall.CORRECT / "folio_lru.py").resolve()
    assert "free_frozen_pages(folio_page(folio, 0)" in path.read_text(encoding="utf-8")
    assert not [m for m in messages if Path(m.path).resolve() == path]
