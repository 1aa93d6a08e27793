"""Invalid operations: each is a finding at its operation's line (never a traceback), with a close
match where there is one, and the operation rolled back whole."""

from __future__ import annotations

from pathlib import Path

from ontology.proposal.diff import diff
from tests.support.proposals import HEADER, apply, line_of, only, write


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
    path = write(tmp_path, "", header=HEADER.replace('base_kernel = "7.3"', 'base_kernel = "5.15"'))
    finding = only(apply(path)[2], "proposal-base-kernel")
    assert finding.location.line == 1


def test_lint_of_the_result_is_reported(tmp_path: Path) -> None:
    ops = '[[operation]]\nop = "add_type"\nname = "half"\nkind = "struct"\nsummary = "no size"\n'
    path = write(tmp_path, ops)
    finding = only(apply(path)[2], "type-shape")
    assert finding.location.line == line_of(path, "[[operation]]") and "needs c_struct and size" in finding.message
