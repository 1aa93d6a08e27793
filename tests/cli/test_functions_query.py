"""`memdesc functions --returns/--takes T` (issue 15, item 2): refinements of T count unless
--exact, how a function fails (NULL, ERR_PTR(), an array) is data with its source, and the JSON
carries notes and sources."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from memdesc.app import app
from ontology.schema import FunctionDef
from ontology.strict import load_ontology
from tests.support.json_answers import payload

runner = CliRunner()

REFINED = [
    "alloc_hugetlb_folio",
    "alloc_hugetlb_folio_nodemask",
    "alloc_hugetlb_folio_reserve",
    "filemap_grab_folio",
    "filemap_lock_folio",
    "swap_cache_get_folio",
]
"""Functions returning a refinement of folio, which `--returns folio` used to leave out."""


def records(*args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["functions", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    found: list[dict[str, Any]] = payload("functions", result.stdout)
    return found


def test_returns_includes_refinements_and_names_them() -> None:
    found = {r["name"]: r["returns"] for r in records("--returns", "folio")}
    assert set(REFINED) <= set(found)
    assert (found["filemap_lock_folio"], found["swap_cache_get_folio"]) == ("file_folio", "swapcache_folio")
    assert found["alloc_hugetlb_folio"] == "hugetlb_folio"
    onto = load_ontology()
    assert all(onto.is_a(returned, "folio") for returned in found.values())


def test_exact_opts_out_of_refinements() -> None:
    exact = {r["name"] for r in records("--returns", "folio", "--exact")}
    assert not exact & set(REFINED)
    assert {r["returns"] for r in records("--returns", "folio", "--exact")} == {"folio"}
    assert exact < {r["name"] for r in records("--returns", "folio")}


def test_takes_includes_refinements() -> None:
    takes = {r["name"] for r in records("--takes", "folio")}
    exact = {r["name"] for r in records("--takes", "folio", "--exact")}
    anon = {r["name"] for r in records("--takes", "anon_folio", "--exact")}
    assert anon, "the data has functions taking an anon_folio"
    assert anon <= takes and not anon & exact


def test_a_c_spelling_names_the_type() -> None:
    assert records("--returns", "struct folio *") == records("--returns", "folio")


def test_text_shows_the_refinement_and_how_each_fails() -> None:
    result = runner.invoke(app, ["functions", "--returns", "folio"])
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[2:]}
    assert "file_folio or ERR_PTR()" in rows["filemap_lock_folio"]
    assert "swapcache_folio or NULL" in rows["swap_cache_get_folio"]
    assert "folio, NULL or ERR_PTR()" in rows["ksm_might_need_to_copy"]
    assert re.search(r"\bfolio or NULL\b", rows["folio_alloc"])
    assert "\x1b" not in result.stdout


def test_err_ptr_is_a_cited_field_with_notes_and_sources_in_json() -> None:
    (record,) = [r for r in records("--category", "pagecache") if r["name"] == "__filemap_get_folio"]
    assert (record["err_ptr"], record["err_ptr_source"], record["nullable"]) == (True, "mm/filemap.c", False)
    assert "ERR_PTR(-ENOENT)" in record["notes"]
    assert [s["id"] for s in record["sources"]] == ["mm/filemap.c"]
    assert record["sources"][0]["path"] == "mm/filemap.c"


def test_every_note_saying_err_ptr_is_recorded_as_a_fact() -> None:
    """The data agrees with itself: a function whose notes say it returns ERR_PTR() has err_ptr."""
    for function in load_ontology().functions.values():
        if "ERR_PTR" in function.notes:
            assert function.err_ptr and function.err_ptr_source, function.name


def test_an_err_ptr_without_its_source_is_refused() -> None:
    base = {"name": "f", "category": "alloc", "prototype": "struct folio *f(void)", "source": "s"}
    with pytest.raises(ValidationError, match="err_ptr_source"):
        FunctionDef.model_validate({**base, "err_ptr": True})
    with pytest.raises(ValidationError, match="err_ptr_source"):
        FunctionDef.model_validate({**base, "err_ptr_source": "s"})
    assert FunctionDef.model_validate({**base, "err_ptr": True, "err_ptr_source": "s"}).err_ptr


def test_an_array_parameter_and_return_are_marked() -> None:
    (gup,) = [r for r in records("--category", "gup") if r["name"] == "get_user_pages"]
    assert [p["depth"] for p in gup["params"] if p["type"] == "page"] == [2]
    assert all(r["returns_array"] is False for r in records("--returns", "folio"))
