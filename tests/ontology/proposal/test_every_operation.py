"""Every operation at once on the bundled ontology: each applied as written, the result lint-clean,
the bundled ontology never mutated, and the diff listing each change."""

from __future__ import annotations

import pytest

from ontology import BUNDLED_ROOT
from ontology.indexed import Ontology
from ontology.lint import RULES, Finding
from ontology.loader import load
from ontology.proposal.diff import Change, diff
from ontology.strict import load_ontology, snapshot_ontology
from ontology.typegen import TYPES_PATH, generate
from tests.support.proposals import EVERY_OPERATION, apply, write


@pytest.fixture(scope="module")
def every(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ontology, Ontology, list[Finding]]:
    return apply(write(tmp_path_factory.mktemp("every"), EVERY_OPERATION))


def test_every_operation_applies_cleanly(every: tuple[Ontology, Ontology, list[Finding]]) -> None:
    _, new, findings = every
    assert findings == []
    assert [f for rule in RULES.values() for f in rule(new)] == []


def test_added_types_fields_and_predicates(every: tuple[Ontology, Ontology, list[Finding]]) -> None:
    _, new, _ = every
    buddy = new.types["buddy_desc"]
    assert {f.name: (f.offset, f.size) for f in buddy.fields} == {"flags": (0, 8), "list": (8, 16), "order": (24, 2)}
    assert [(f.name, f.offset) for f in new.types["buddy_meta"].fields] == [("zone_id", 0)]
    high = new.types["high_buddy"]
    assert (high.kind, high.parents, high.c_struct) == ("refinement", ["buddy_desc"], "buddy_desc")
    assert new.predicates["buddy_desc_is_high"].establishes == "high_buddy"
    assert high.source == "proposal:proposal" and "proposal:proposal" in new.sources


def test_splits(every: tuple[Ontology, Ontology, list[Finding]]) -> None:
    _, new, _ = every
    assert "pool_desc" not in new.types
    assert [f.name for f in new.types["pool_small"].fields] == ["a"]
    assert [f.name for f in new.types["pool_large"].fields] == ["a", "b", "c"]
    assert new.predicates["pool_is_small"].establishes is None and new.predicates["pool_is_small"].takes == "page"
    for part, predicate in (("pcache_folio", "folio_test_pcache"), ("unmapped_folio", "folio_test_unmapped")):
        assert new.types[part].parents == ["folio"] and new.types[part].kind == "refinement"
        assert new.predicates[predicate].establishes == part


def test_merge_rename_reparent_remove(every: tuple[Ontology, Ontology, list[Finding]]) -> None:
    old, new, _ = every
    assert "anon_mem" not in new.types and new.aliases["anon_mem"] == "lru_mem"
    assert new.aliases["mappable"] == "user_mappable" and "mappable" not in new.types
    assert new.types["lru_mem"].parents == ["user_mappable"]
    assert new.types["devmem"].parents == ["folio"]
    assert "dmapool" not in new.types and "zsmalloc" not in new.types
    assert new.types["buddy"].kind == "struct" and old.types["buddy"].kind == "proposed"
    text = generate(new)
    compile(text, "types.py", "exec")
    assert "Mappable = UserMappable  # deprecated alias of user_mappable" in text


def test_api_operations(every: tuple[Ontology, Ontology, list[Finding]]) -> None:
    _, new, _ = every
    gup = new.function_signature(new.functions["get_user_pages"])
    pages = next(p for p in gup.params if p.name == "pages")
    assert (pages.type, pages.depth, pages.c_type) == ("folio", 2, "struct folio **")
    assert new.functions["folio_walk_start"].returns == "large_folio"
    remote = new.functions["pin_user_pages_remote"]
    assert remote.prototype == (
        "long pin_user_pages_remote(struct mm_struct *mm, unsigned long start, size_t nr_pages, "
        "unsigned int gup_flags, struct page **pages, size_t *offsets)"
    )
    assert remote.return_value == "the number of folios filled, or -errno"
    assert "get_user_folios" in new.functions and "get_dump_page" not in new.functions
    assert new.conversions["page_buddy"].prototype == "struct buddy *page_buddy(const struct page *page)"
    assert "netmem_compound_head" not in new.conversions


def test_bundled_ontology_is_never_mutated(every: tuple[Ontology, Ontology, list[Finding]]) -> None:
    old, new, _ = every
    assert old is load_ontology(kernel="7.3") and new is not old  # the proposal's base kernel
    assert "buddy_desc" not in old.types and "mappable" in old.types and old.aliases == {}
    assert old.functions["get_user_pages"].prototype.endswith("struct page **pages)")
    assert generate(old) == generate(snapshot_ontology(load(BUNDLED_ROOT), "7.3"))  # as read afresh
    assert generate(load_ontology()) == TYPES_PATH.read_text(encoding="utf-8")


def test_diff_lists_the_changes(every: tuple[Ontology, Ontology, list[Finding]]) -> None:
    old, new, _ = every
    changes = diff(old, new)
    assert changes == sorted(changes)
    by_kind = {(c.kind, c.subject) for c in changes}
    for expected in [
        ("created", "buddy_desc"),
        ("created", "folio_test_pcache()"),
        ("renamed", "mappable"),
        ("deprecated", "mappable"),
        ("deprecated", "anon_mem"),
        ("removed", "dmapool"),
        ("created", "pool_small"),
        ("reparented", "devmem"),
        ("kind-changed", "buddy"),
        ("retyped", "get_user_pages()"),
        ("retyped", "folio_walk_start()"),
        ("created", "get_user_folios()"),
        ("removed", "get_dump_page()"),
        ("conversion-added", "page_buddy()"),
        ("conversion-removed", "netmem_compound_head()"),
    ]:
        assert expected in by_kind, expected
    # a rename is one change, not every child reparented
    assert ("reparented", "lru_mem") not in by_kind and ("reparented", "netpool") not in by_kind
    assert Change("retyped", "get_user_pages()", "pages: struct page ** -> struct folio **") in changes
    assert Change("retyped", "folio_walk_start()", "returns struct folio *: folio -> large_folio") in changes
    assert (
        Change(
            "retyped",
            "pin_user_pages_remote()",
            "locked: parameter removed; nr_pages: unsigned long -> size_t; offsets: new parameter size_t *; "
            "return value: the number of pages pinned (may be fewer than nr_pages, and 0 when nr_pages is 0), "
            "or -errno when none was pinned -> the number of folios filled, or -errno",
        )
        in changes
    )
    # a merged type is deprecated, not compared with what it was merged into
    assert ("reparented", "lru_mem") not in by_kind
