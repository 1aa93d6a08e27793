"""Operations on fields and structs one by one: fields moved, added and removed; structs renamed
with or without their C struct, merged, stripped of an overlay, split into a new struct."""

from __future__ import annotations

from pathlib import Path

from ontology.proposal.diff import Change, diff
from ontology.typegen import generate
from tests.support.proposals import apply, write


def test_field_changes_and_moves(tmp_path: Path) -> None:
    second = write(
        tmp_path,
        """
        [[operation]]
        op = "move_field"
        type = "folio"
        field = "_hugetlb_hwpoison"
        to_type = "page_32b"
        offset = 24
        overlaps = ["private", "_folio_mapcount"]

        [[operation]]
        op = "move_field"
        type = "folio"
        field = "_deferred_list"
        offset = 152
        overlaps = ["__page_2"]

        [[operation]]
        op = "add_field"
        type = "folio"
        name = "_spare"
        offset = 240
        size = 8
        c_type = "unsigned long"
        overlaps = ["__page_3"]

        [[operation]]
        op = "remove_field"
        type = "folio"
        field = "_hugetlb_cgroup_rsvd"
        """,
        name="fields.toml",
    )
    old, new, findings = apply(second)
    assert findings == [], [str(f) for f in findings]
    changes = {(c.kind, c.subject): c.detail for c in diff(old, new)}
    assert changes[("moved", "folio._hugetlb_hwpoison")].startswith("-> page_32b._hugetlb_hwpoison (bytes 24-32")
    assert changes[("field-moved", "folio._deferred_list")] == "bytes 144-160 -> bytes 152-168"
    assert ("field-added", "folio._spare") in changes and ("field-removed", "folio._hugetlb_cgroup_rsvd") in changes


def test_struct_renames_keep_or_rename_the_c_struct(tmp_path: Path) -> None:
    ops = """
    [[operation]]
    op = "rename"
    type = "slab"
    to = "slab_desc"

    [[operation]]
    op = "rename"
    type = "zpdesc"
    to = "zsdesc"
    c_struct = "zsdesc"
    """
    old, new, findings = apply(write(tmp_path, ops))
    assert findings == []
    assert new.types["slab_desc"].c_struct == "slab" and new.aliases == {"slab": "slab_desc", "zpdesc": "zsdesc"}
    assert new.conversions["page_slab"].target_type == "slab_desc"
    assert new.conversions["page_zpdesc"].prototype == old.conversions["page_zpdesc"].prototype.replace(
        "struct zpdesc", "struct zsdesc"
    )
    assert all(t.c_struct != "zpdesc" for t in new.types.values())
    changes = diff(old, new)
    assert {c.kind for c in changes} == {"renamed", "deprecated", "retyped"}
    assert Change("retyped", "zsdesc", "c_struct zpdesc -> zsdesc") in changes
    assert "SlabDesc" in generate(new) and "Slab = SlabDesc  # deprecated alias of slab_desc" in generate(new)


def test_merge_into_new_struct_and_stop_overlay(tmp_path: Path) -> None:
    ops = """
    [[operation]]
    op = "add_type"
    name = "pool_a"
    kind = "struct"
    c_struct = "pool_a"
    size = 8
    summary = "a"
    [[operation.fields]]
    name = "x"
    offset = 0
    size = 8
    c_type = "unsigned long"

    [[operation]]
    op = "add_type"
    name = "pool_b"
    kind = "struct"
    c_struct = "pool_b"
    size = 8
    summary = "b"
    [[operation.fields]]
    name = "x"
    offset = 0
    size = 8
    c_type = "unsigned long"

    [[operation]]
    op = "merge_types"
    types = ["pool_a", "pool_b"]
    into = "pool"
    summary = "both"

    [[operation]]
    op = "update_type"
    type = "netmem_desc"
    overlays = ""

    [[operation]]
    op = "remove_field"
    type = "page"
    field = "pp"
    """
    _, new, findings = apply(write(tmp_path, ops))
    assert findings == [], [str(f) for f in findings]
    assert [f.name for f in new.types["pool"].fields] == ["x"] and new.types["pool"].c_struct == "pool_a"
    assert new.types["netmem_desc"].overlays is None
    assert all(f.matches is None for f in new.types["netmem_desc"].fields)
    assert "pp" not in {f.name for f in new.types["page"].fields}


def test_split_struct_promotes_a_refinement_and_flags_its_users(tmp_path: Path) -> None:
    ops = """
    [[operation]]
    op = "split_type"
    type = "folio"
    style = "struct"
    keep = true
    [[operation.into]]
    name = "anon_folio"
    predicate = "folio_test_anon"
    c_struct = "anon_folio"
    size = 64
    fields = ["flags", "lru", "mapping", "index", "private", "_mapcount", "_refcount", "memcg_data"]
    """
    path = write(tmp_path, ops)
    old, new, findings = apply(path)
    assert new.types["anon_folio"].kind == "struct" and new.types["anon_folio"].parents == []
    assert new.predicates["folio_test_anon"].establishes is None
    # what the promotion breaks is reported by lint on the result, where it is written
    rules = {f.rule for f in findings}
    assert rules <= {"refinement-predicate", "conversion-signature"} and rules
    assert ("kind-changed", "anon_folio") in {(c.kind, c.subject) for c in diff(old, new)}
