"""Proposals, the ontology side: every operation applied, every invalid one a finding at its
line (never a traceback), the bundled ontology never mutated, and a deterministic diff."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from ontology.core import Ontology, load_ontology
from ontology.errors import InputError
from ontology.lint import RULES, Finding
from ontology.proposal.apply import apply_proposal
from ontology.proposal.diff import Change, diff, diff_text
from ontology.proposal.load import load_proposal
from ontology.typegen import TYPES_PATH, generate

HEADER = """\
[proposal]
title = "A test proposal"
authors = ["Test Author"]
status = "draft"
base_kernel = "6.18"
links = ["https://example.org/thread"]
summary = "What it changes."
motivation = "Why."
open_questions = ["Is it worth it?"]
migration = ["Step one."]
"""

EVERY_OPERATION = """
[[operation]]
op = "add_type"
name = "buddy_desc"
kind = "struct"
c_struct = "buddy_desc"
size = 32
summary = "A free block of the buddy allocator as its own descriptor."
[[operation.fields]]
name = "flags"
offset = 0
size = 8
c_type = "unsigned long"
[[operation.fields]]
name = "list"
offset = 8
size = 16
c_type = "struct list_head"
[[operation.fields]]
name = "llist"
offset = 8
size = 8
c_type = "struct llist_node"
overlaps = ["list"]
[[operation.fields]]
name = "order"
offset = 24
size = 4
c_type = "unsigned int"

[[operation]]
op = "add_type"
name = "high_buddy"
kind = "refinement"
parents = ["buddy_desc"]
predicate = "buddy_desc_is_high"
tests = "the block is in a highmem zone"
summary = "A free block in highmem."

[[operation]]
op = "add_field"
type = "buddy_desc"
name = "zone_id"
offset = 28
size = 4
c_type = "unsigned int"

[[operation]]
op = "move_field"
type = "buddy_desc"
field = "order"
offset = 24
size = 2

[[operation]]
op = "add_type"
name = "buddy_meta"
kind = "struct"
c_struct = "buddy_meta"
size = 8
summary = "Per-block metadata."

[[operation]]
op = "move_field"
type = "buddy_desc"
field = "zone_id"
to_type = "buddy_meta"
offset = 0

[[operation]]
op = "remove_field"
type = "buddy_desc"
field = "llist"

[[operation]]
op = "add_type"
name = "pool_desc"
kind = "struct"
c_struct = "pool_desc"
size = 16
summary = "To be split."
[[operation.fields]]
name = "a"
offset = 0
size = 8
c_type = "unsigned long"
[[operation.fields]]
name = "b"
offset = 8
size = 8
c_type = "unsigned long"

[[operation]]
op = "split_type"
type = "pool_desc"
style = "struct"
reason = "Two users, two structs."
[[operation.into]]
name = "pool_small"
predicate = "pool_is_small"
tests = "one page"
takes = "page"
fields = ["a"]
size = 8
[[operation.into]]
name = "pool_large"
predicate = "pool_is_large"
tests = "more than one page"
takes = "page"
[[operation.into.add_fields]]
name = "c"
offset = 0
size = 4
c_type = "unsigned int"
overlaps = ["a"]

[[operation]]
op = "split_type"
type = "folio"
[[operation.into]]
name = "pcache_folio"
predicate = "folio_test_pcache"
tests = "the folio is in the page cache"
[[operation.into]]
name = "unmapped_folio"
predicate = "folio_test_unmapped"
tests = "the folio is mapped nowhere"

[[operation]]
op = "merge_types"
types = ["anon_mem", "file_mem"]
into = "lru_mem"

[[operation]]
op = "reparent"
type = "devmem"
parents = ["folio"]

[[operation]]
op = "rename"
type = "mappable"
to = "user_mappable"

[[operation]]
op = "remove"
type = "dmapool"

[[operation]]
op = "remove"
type = "zsmalloc"
replaced_by = "zpdesc"

[[operation]]
op = "update_type"
type = "buddy"
kind = "struct"
size = 16
status = "merged"

[[operation]]
op = "retype_function"
function = ["get_user_pages", "pin_user_pages"]
param = "pages"
to = "folio"

[[operation]]
op = "retype_function"
function = "folio_walk_start"
from = "folio"
to = "large_folio"

[[operation]]
op = "add_function"
name = "get_user_folios"
category = "gup"
prototype = "long get_user_folios(unsigned long start, unsigned long nr_pages, unsigned int gup_flags, struct folio **folios)"
frees_with = "unpin_folio"

[[operation]]
op = "remove_function"
name = "get_dump_page"

[[operation]]
op = "add_conversion"
name = "page_buddy"
from = "page"
to = "buddy"
checked = true

[[operation]]
op = "remove_conversion"
name = "page_fixed_fake_head"
"""


def write(tmp_path: Path, operations: str, header: str = HEADER, name: str = "proposal.toml") -> Path:
    path = tmp_path / name
    path.write_text(header + textwrap.dedent(operations), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(needle)


def apply(path: Path) -> tuple[Ontology, Ontology, list[Finding]]:
    proposal, findings = load_proposal(path)
    assert proposal is not None, findings
    old = load_ontology()
    new, findings = apply_proposal(old, proposal, path)
    return old, new, findings


def only(findings: list[Finding], rule: str) -> Finding:
    assert [f.rule for f in findings] == [rule], [str(f) for f in findings]
    return findings[0]


# -- every operation ----------------------------------------------------------------------


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
    assert "get_user_folios" in new.functions and "get_dump_page" not in new.functions
    assert new.conversions["page_buddy"].prototype == "struct buddy *page_buddy(const struct page *page)"
    assert "page_fixed_fake_head" not in new.conversions


def test_bundled_ontology_is_never_mutated(every: tuple[Ontology, Ontology, list[Finding]]) -> None:
    old, new, _ = every
    assert old is load_ontology() and new is not old
    assert "buddy_desc" not in old.types and "mappable" in old.types and old.aliases == {}
    assert old.functions["get_user_pages"].prototype.endswith("struct page **pages)")
    assert generate(old) == TYPES_PATH.read_text(encoding="utf-8")


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
        ("conversion-removed", "page_fixed_fake_head()"),
    ]:
        assert expected in by_kind, expected
    # a rename is one change, not every child reparented
    assert ("reparented", "lru_mem") not in by_kind and ("reparented", "netpool") not in by_kind
    assert Change("retyped", "get_user_pages()", "pages: struct page ** -> struct folio **") in changes
    assert Change("retyped", "folio_walk_start()", "returns struct folio *: folio -> large_folio") in changes
    # a merged type is deprecated, not compared with what it was merged into
    assert ("reparented", "lru_mem") not in by_kind


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


# -- invalid operations: findings at the operation's line ---------------------------------


def test_unknown_type_has_close_match_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[[operation]]\nop = "reparent"\ntype = "foilo"\nparents = ["page"]\n')
    finding = only(apply(path)[2], "proposal-unknown-type")
    assert finding.location.line == line_of(path, "[[operation]]")
    assert "'foilo'" in finding.message and "did you mean 'folio'?" in finding.message
    assert str(finding).startswith(f"{path}:{finding.location.line}: proposal-unknown-type: reparent: ")


def test_cycle_names_its_members(tmp_path: Path) -> None:
    path = write(tmp_path, '[[operation]]\nop = "reparent"\ntype = "folio"\nparents = ["ksm_folio"]\n')
    finding = only(apply(path)[2], "proposal-cycle")
    assert "folio -> ksm_folio -> anon_folio -> folio" in finding.message
    assert finding.location.line == line_of(path, "[[operation]]")


def test_overlapping_field(tmp_path: Path) -> None:
    ops = '[[operation]]\nop = "add_field"\ntype = "slab"\nname = "extra"\noffset = 8\nsize = 8\nc_type = "unsigned long"\n'
    finding = only(apply(write(tmp_path, ops))[2], "proposal-overlap")
    assert "slab.extra (bytes 8-16) overlaps slab.slab_cache (bytes 8-16)" in finding.message


def test_field_past_size_and_shrink(tmp_path: Path) -> None:
    ops = """
    [[operation]]
    op = "add_field"
    type = "page"
    name = "extra"
    offset = 64
    size = 8
    c_type = "unsigned long"

    [[operation]]
    op = "update_type"
    type = "page"
    size = 8
    """
    path = write(tmp_path, ops)
    findings = apply(path)[2]
    assert [f.rule for f in findings] == ["proposal-past-size", "proposal-past-size"]
    assert [f.location.line for f in findings] == [line_of(path, "[[operation]]", 1), line_of(path, "[[operation]]", 2)]
    assert "past the descriptor's size of 64 bytes" in findings[0].message
    assert "would leave fields past its end: lru" in findings[1].message


def test_unknown_function_and_parameter(tmp_path: Path) -> None:
    ops = """
    [[operation]]
    op = "retype_function"
    function = ["get_user_pages", "get_user_pagez"]
    param = "pages"
    to = "folio"

    [[operation]]
    op = "retype_function"
    function = "pin_user_pages"
    param = "pagez"
    to = "folio"

    [[operation]]
    op = "retype_function"
    function = "page_folio"
    param = "page"
    to = "folio"
    """
    path = write(tmp_path, ops)
    old, new, findings = apply(path)
    assert [f.rule for f in findings] == ["proposal-unknown-function"] * 3
    assert "'get_user_pagez' is not defined (did you mean 'get_user_pages'?)" in findings[0].message
    assert "has no parameter 'pagez' (did you mean 'pages'?)" in findings[1].message
    assert "it is a conversion" in findings[2].message
    # a rejected operation is rolled back whole: get_user_pages was not retyped either
    assert new.functions["get_user_pages"] == old.functions["get_user_pages"]
    assert diff(old, new) == []


def test_conversion_whose_ends_disagree(tmp_path: Path) -> None:
    ops = """
    [[operation]]
    op = "add_conversion"
    name = "page_to_slab_oops"
    from = "page"
    to = "folio"
    prototype = "struct slab *page_to_slab_oops(const struct page *page)"

    [[operation]]
    op = "add_conversion"
    name = "lru_mem_page"
    from = "lru_mem"
    to = "page"

    [[operation]]
    op = "remove_conversion"
    name = "page_folioo"
    """
    findings = apply(write(tmp_path, ops))[2]
    assert [f.rule for f in findings] == ["proposal-conversion", "proposal-conversion", "proposal-unknown-conversion"]
    assert "claims to return 'folio' but its prototype returns 'struct slab *'" in findings[0].message
    assert "'lru_mem' has no C type" in findings[1].message
    assert "did you mean 'page_folio'?" in findings[2].message


def test_removed_type_still_named_is_reported_at_the_removal(tmp_path: Path) -> None:
    path = write(tmp_path, '\n[[operation]]\nop = "remove"\ntype = "ptdesc"\n')
    finding = only(apply(path)[2], "proposal-dangling")
    assert finding.location.line == line_of(path, "[[operation]]")
    assert "conversion page_ptdesc" in finding.message and "function pagetable_alloc" in finding.message


def test_remove_matched_field_and_name_clashes(tmp_path: Path) -> None:
    ops = """
    [[operation]]
    op = "remove_field"
    type = "page"
    field = "lru"

    [[operation]]
    op = "add_type"
    name = "folio"
    kind = "proposed"
    summary = "again"

    [[operation]]
    op = "rename"
    type = "lru_mem"
    to = "lru_folio"

    [[operation]]
    op = "add_field"
    type = "anon_folio"
    name = "x"
    offset = 0
    size = 8
    c_type = "unsigned long"
    """
    findings = apply(write(tmp_path, ops))[2]
    assert [f.rule for f in findings] == ["proposal-dangling", "proposal-exists", "proposal-exists", "proposal-invalid"]
    assert "folio.lru" in findings[0].message
    assert "refinement" in findings[3].message and "'folio'" in findings[3].message


def test_later_operation_sees_earlier_rename(tmp_path: Path) -> None:
    ops = """
    [[operation]]
    op = "rename"
    type = "mappable"
    to = "user_mappable"

    [[operation]]
    op = "reparent"
    type = "netpool"
    parents = ["mappable"]
    """
    finding = only(apply(write(tmp_path, ops))[2], "proposal-unknown-type")
    assert "it was renamed to 'user_mappable'" in finding.message


def test_base_kernel_mismatch(tmp_path: Path) -> None:
    path = write(tmp_path, "", header=HEADER.replace('base_kernel = "6.18"', 'base_kernel = "5.15"'))
    finding = only(apply(path)[2], "proposal-base-kernel")
    assert finding.location.line == 1


def test_lint_of_the_result_is_reported(tmp_path: Path) -> None:
    ops = '[[operation]]\nop = "add_type"\nname = "half"\nkind = "struct"\nsummary = "no size"\n'
    path = write(tmp_path, ops)
    finding = only(apply(path)[2], "type-shape")
    assert finding.location.line == line_of(path, "[[operation]]") and "needs c_struct and size" in finding.message


# -- loading: schema findings and unusable input --------------------------------------------


def test_schema_problems_are_findings_with_lines(tmp_path: Path) -> None:
    ops = """
    [[operation]]
    op = "add_feild"
    type = "page"

    [[operation]]
    op = "rename"
    type = "page"
    to = "frame"
    colour = "blue"

    [[operation]]
    type = "page"
    """
    path = write(tmp_path, ops, header=HEADER.replace('status = "draft"', 'status = "drafty"'))
    proposal, findings = load_proposal(path)
    assert proposal is None
    assert {f.rule for f in findings} == {"proposal-schema"}
    lines = [f.location.line for f in findings]
    assert lines == [
        1,
        line_of(path, "[[operation]]", 1),
        line_of(path, "[[operation]]", 2),
        line_of(path, "[[operation]]", 3),
    ]
    assert "did you mean 'add_field'?" in findings[1].message
    assert "colour: unknown key" in findings[2].message
    assert "missing required key 'op'" in findings[3].message


def test_missing_proposal_table(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[[operation]]\nop = "remove"\ntype = "buddy"\n')
    proposal, findings = load_proposal(path)
    assert proposal is None and "missing the [proposal] table" in findings[0].message


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "no such file"), ("[proposal\n", "invalid TOML"), (b"\xff\xfe", "not UTF-8")],
)
def test_unusable_input_raises_input_error(tmp_path: Path, content: str | bytes | None, expected: str) -> None:
    path = tmp_path / "p.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(InputError, match=expected):
        load_proposal(path)


# -- CLI -----------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_diff_clean_text_and_json(tmp_path: Path) -> None:
    path = write(tmp_path, '[[operation]]\nop = "rename"\ntype = "mappable"\nto = "user_mappable"\n')
    code, out, err = run("propose", "diff", str(path))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "deprecated  mappable  kept as an alias of user_mappable",
        "renamed     mappable  -> user_mappable",
    ]
    code, out, _ = run("propose", "diff", str(path), "--json")
    assert code == 0 and json.loads(out) == {
        "changes": [
            {"kind": "deprecated", "subject": "mappable", "detail": "kept as an alias of user_mappable"},
            {"kind": "renamed", "subject": "mappable", "detail": "-> user_mappable"},
        ],
        "findings": [],
    }


def test_cli_findings_exit_1_unusable_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, '[[operation]]\nop = "reparent"\ntype = "foilo"\nparents = ["page"]\n')
    code, out, err = run("propose", "diff", str(path))
    assert code == 1 and out == "no changes\n"
    assert f"{path}:{line_of(path, '[[operation]]')}: proposal-unknown-type" in err and "Traceback" not in err
    bad = write(tmp_path, '[[operation]]\nop = "nope"\n', name="bad.toml")
    code, out, err = run("propose", "diff", str(bad))
    assert code == 1 and out == "" and "proposal-schema" in err
    broken = tmp_path / "broken.toml"
    broken.write_text("[proposal\n")
    code, _, err = run("propose", "diff", str(broken))
    assert code == 2 and err.startswith("memdesc: error: ") and len(err.splitlines()) == 1
    code, _, err = run("propose", "diff", str(tmp_path / "missing.toml"))
    assert code == 2 and "no such file" in err


def test_diff_is_deterministic(tmp_path: Path) -> None:
    path = write(tmp_path, EVERY_OPERATION)
    texts = {diff_text(diff(*apply(path)[:2])) for _ in range(3)}
    assert len(texts) == 1
    outputs = {run("propose", "diff", str(path), "--json")[1] for _ in range(2)}
    assert len(outputs) == 1
    changes = json.loads(outputs.pop())["changes"]
    assert changes == sorted(changes, key=lambda c: (c["kind"], c["subject"], c["detail"]))


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
