"""`memdesc propose lint`: half-converted families and prose that names what no operation does.

The old gup proposal (tests/fixtures/gup-returns-folios-old.toml) removed unpin_user_page(s)
while unpin_user_page_range_dirty_lock kept taking a page; the lint must catch that, and pass
the four worked proposals as corrected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from ontology.proposal.apply import apply_file
from ontology.proposal.families import families, family_name, singulars, stem
from ontology.proposal.lint import lint_proposal
from ontology.strict import load_ontology
from tests.support.paths import FIXTURES, ROOT
from tests.support.proposals import HEADER, line_of, write

RUNNER = CliRunner()
WORKED = sorted((ROOT / "docs" / "proposals").glob("*.toml"))
OLD_GUP = FIXTURES / "gup-returns-folios-old.toml"


def _lint(path: Path) -> list[str]:
    proposal, old, new, findings = apply_file(path)
    assert proposal is not None and findings == [], findings
    return [f"{f.location.line}: {f.rule}: {f.message}" for f in lint_proposal(proposal, old, new, path)]


def test_families_come_from_the_ontologys_names() -> None:
    onto = load_ontology(kernel="7.3")
    plural = singulars(onto)
    assert stem("unpin_user_pages_dirty_lock", plural) == ("unpin", "user", "page", "dirty", "lock")
    takes_page = [
        name
        for name in onto.functions
        if (sig := onto.readable_signature(name)) is not None and "page" in [sig.returns, *(p.type for p in sig.params)]
    ]
    grouped = families(takes_page, plural)
    unpin = next(group for group in grouped if "unpin_user_page" in group)
    assert unpin == [
        "unpin_user_page",
        "unpin_user_page_range_dirty_lock",
        "unpin_user_pages",
        "unpin_user_pages_dirty_lock",
    ]
    assert family_name(unpin, plural) == "unpin_user_page"
    assert not any("pin_user_pages" in group and "unpin_user_page" in group for group in grouped)
    assert families(["folio_put", "folio_get"], plural) == []  # one shared word is no family


def test_the_old_gup_proposal_is_half_converted() -> None:
    found = _lint(OLD_GUP)
    line = line_of(OLD_GUP, 'function = ["unpin_user_pages_dirty_lock"]')
    assert found == [
        f"{line}: proposal-half-converted: retype_function function: family unpin_user_page* is half-converted: "
        "unpin_user_page(), unpin_user_pages(), unpin_user_pages_dirty_lock() no longer take or return page, "
        "unpin_user_page_range_dirty_lock() still does"
    ]
    result = RUNNER.invoke(app, ["propose", "lint", str(OLD_GUP)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"tests/fixtures/gup-returns-folios-old.toml:{found[0]}"]


@pytest.mark.parametrize("path", WORKED, ids=[p.stem for p in WORKED])
def test_the_worked_proposals_pass(path: Path) -> None:
    result = RUNNER.invoke(app, ["propose", "lint", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["findings"] == []


def test_a_function_named_in_the_summary_but_untouched_while_its_family_is(tmp_path: Path) -> None:
    header = HEADER.replace(
        'summary = "What it changes."',
        'summary = "Retype get_user_pages() and pin_user_pages_fast() to folios; get_user_pages_remote too."',
    )
    path = write(
        tmp_path,
        """
        [[operation]]
        op = "retype_function"
        function = "get_user_pages"
        from = "page"
        to = "folio"
        """,
        header=header,
    )
    found = _lint(path)
    summary = line_of(path, "summary =")
    assert f"{summary}: proposal-prose-untouched: [proposal] summary names get_user_pages_remote(), which no " in (
        "\n".join(found)
    )
    untouched = [f for f in found if "prose-untouched" in f]
    assert len(untouched) == 1  # pin_user_pages_fast's family (pin_user_page*) is not touched at all
    assert "while its family is touched: get_user_pages()" in untouched[0]
    assert any("half-converted" in f and "get_user_pages_remote()" in f for f in found)


def test_a_parameter_the_prose_adds_must_be_added(tmp_path: Path) -> None:
    header = HEADER.replace(
        'summary = "What it changes."', 'summary = "It adds the parameter `size_t *offsets` to get_user_pages()."'
    )
    operations = """
        [[operation]]
        op = "change_function"
        function = "get_user_pages"
        return_value = "folios"
        """
    path = write(tmp_path, operations, header=header)
    assert _lint(path) == [
        f"{line_of(path, 'summary =')}: proposal-prose-param: [proposal] summary speaks of parameter "
        "`size_t *offsets`, but no function an operation touches has a parameter 'offsets'"
    ]
    fixed = write(tmp_path, operations + 'add_params = [{ name = "offsets", c_type = "size_t *" }]\n', header=header)
    assert _lint(fixed) == []


def test_schema_errors_are_reported_and_fail(tmp_path: Path) -> None:
    path = write(tmp_path, '[[operation]]\nop = "change_function"\nfunction = "get_user_pages"\nadd_params = 3\n')
    result = RUNNER.invoke(app, ["propose", "lint", str(path)])
    assert result.exit_code == 1
    assert "proposal-schema" in result.stdout and "Traceback" not in result.output
