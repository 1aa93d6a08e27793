"""change_function: parameters added, removed, renamed and retyped by name, the return's meaning,
and unknown parameter names reported at the line of the key that names them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from ontology.proposal.apply import apply_file
from ontology.proposal.cproto import declare
from ontology.proposal.diff import diff
from ontology.proposal.render import render_document
from tests.support.proposals import apply, line_of, only, write

RUNNER = CliRunner()


def test_parameters_added_removed_renamed_and_retyped(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[operation]]
        op = "change_function"
        function = ["get_user_pages_remote"]
        retype_params = [{ name = "nr_pages", c_type = "size_t" }, { name = "pages", new_name = "folios" }]
        remove_params = ["locked"]
        add_params = [{ name = "offsets", c_type = "size_t *", after = "folios" }, { name = "flags2", c_type = "int" }]
        return_type = "int"
        return_value = "the number of folio entries filled, or -errno"
        err_ptr = false
        """,
    )
    old, new, findings = apply(path)
    assert findings == []
    function = new.functions["get_user_pages_remote"]
    assert function.prototype == (
        "int get_user_pages_remote(struct mm_struct *mm, unsigned long start, size_t nr_pages, "
        "unsigned int gup_flags, struct page **folios, size_t *offsets, int flags2)"
    )
    assert function.return_value == "the number of folio entries filled, or -errno"
    details = next(c.detail for c in diff(old, new) if c.subject == "get_user_pages_remote()")
    assert details.split("; ") == [
        "returns long -> int",
        "locked: parameter removed",
        "nr_pages: unsigned long -> size_t",
        "pages -> folios: struct page ** -> struct page **",
        "offsets: new parameter size_t *",
        "flags2: new parameter int",
        "return value: the number of pages pinned (may be fewer than nr_pages, and 0 when nr_pages is 0), "
        "or -errno when none was pinned -> the number of folio entries filled, or -errno",
    ]


def test_err_ptr_cites_the_proposal_and_the_document_shows_the_prototypes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[operation]]
        op = "change_function"
        function = "get_dump_page"
        err_ptr = true
        nullable = false
        add_params = [{ name = "offset", c_type = "size_t *" }]
        """,
    )
    proposal, old, new, findings = apply_file(path)
    assert proposal is not None and findings == []
    function = new.functions["get_dump_page"]
    assert (function.err_ptr, function.err_ptr_source, function.nullable) == (True, "proposal:proposal", False)
    text = render_document(proposal, old, new, diff(old, new), None, path)
    assert "-struct page *get_dump_page(unsigned long addr, int *locked)" in text
    assert "+struct page *get_dump_page(unsigned long addr, int *locked, size_t *offset)" in text
    assert "nullable True -&gt; False; err_ptr False -&gt; True |" in text


@pytest.mark.parametrize(
    ("key", "operation", "message"),
    [
        ("remove_params", 'remove_params = ["vmas"]', "remove_params: get_user_pages() has no parameter 'vmas'"),
        (
            "retype_params",
            'retype_params = [{ name = "page", c_type = "int" }]',
            "retype_params: get_user_pages() has no parameter 'page' (did you mean 'pages'?)",
        ),
        (
            "add_params",
            'add_params = [{ name = "offsets", c_type = "size_t *", after = "folios" }]',
            "add_params: get_user_pages() has no parameter 'folios'",
        ),
        (
            "add_params",
            'add_params = [{ name = "pages", c_type = "int" }]',
            "add_params: get_user_pages() already has a parameter 'pages'",
        ),
    ],
)
def test_wrong_parameter_names_are_one_line_findings_at_their_key(
    tmp_path: Path, key: str, operation: str, message: str
) -> None:
    path = write(
        tmp_path,
        f"""
        [[operation]]
        op = "change_function"
        function = "get_user_pages"
        reason = "a test"
        {operation}
        """,
    )
    _, new, findings = apply(path)
    finding = only(findings, "proposal-exists" if "already" in message else "proposal-unknown-param")
    assert finding.location.line == line_of(path, f"{key} =")
    assert finding.message == f"change_function: {message}"
    assert "offsets" not in new.functions["get_user_pages"].prototype  # rolled back
    result = RUNNER.invoke(app, ["propose", "diff", str(path)])
    assert result.exit_code == 1
    assert f"proposal.toml:{line_of(path, f'{key} =')}: " in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_diff_json_carries_the_change(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[operation]]
        op = "change_function"
        function = "unpin_user_pages"
        retype_params = [{ name = "npages", new_name = "nr" }]
        """,
    )
    result = RUNNER.invoke(app, ["propose", "diff", str(path), "--json"])
    assert result.exit_code == 0, result.output
    changes = json.loads(result.stdout)["changes"]
    assert {
        "kind": "retyped",
        "subject": "unpin_user_pages()",
        "detail": "npages -> nr: unsigned long -> unsigned long",
    } in changes


def test_declarations_put_the_name_where_c_does() -> None:
    assert declare("size_t *", "offsets") == "size_t *offsets"
    assert declare("unsigned long", "n") == "unsigned long n"
    assert declare("unsigned long [4]", "words") == "unsigned long words[4]"
    assert declare("void (*)(struct folio *)", "cb") == "void (*cb)(struct folio *)"
