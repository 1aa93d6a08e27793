"""`memdesc show NAME` for any named thing (issue 15, item 1), on the bundled data.

Each finding of the issue is a test here: functions, conversions and fields were "unknown type";
`struct folio` was refused with `lru_folio` suggested; `FOLIO` got no suggestion; per-field
meanings were only in JSON; `--kernel` must work for every kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from memdesc.fastpath import fast_path
from tests.support.json_answers import payload

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def shown(*args: str) -> dict[str, Any]:
    code, out, err = run("show", *args, "--json")
    assert code == 0, err
    answer: dict[str, Any] = payload("show", out)
    return answer


@pytest.mark.parametrize(
    ("name", "what", "canonical"),
    [
        ("folio", "type", "folio"),
        ("slab.slab_cache", "field", "slab.slab_cache"),
        ("folio.mapping", "field", "folio.mapping"),
        ("filemap_lock_folio", "function", "filemap_lock_folio"),
        ("page_folio", "conversion", "page_folio"),
        ("folio_test_anon", "predicate", "folio_test_anon"),
        ("PGTY_slab", "page_type", "PGTY_slab"),
        ("pgtable_t", "typedef", "pgtable_t"),
    ],
)
def test_show_answers_for_every_kind(name: str, what: str, canonical: str) -> None:
    info = shown(name)
    assert (info["what"], info["name"], info["kernel"]) == (what, canonical, "7.3")
    assert info["sources"], "every answer cites its sources"
    code, text, _ = run("show", name)
    assert code == 0 and canonical in text.splitlines()[0]


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("struct folio", "folio"),
        ("struct folio *", "folio"),
        ("const struct page **", "page"),
        ("FOLIO", "folio"),
        ("Folio", "folio"),
        ("slab->slab_cache", "slab.slab_cache"),
        ("struct slab.slab_cache", "slab.slab_cache"),
        ("page_folio()", "page_folio"),
        ("pgty_slab", "PGTY_slab"),
    ],
)
def test_c_spellings_and_any_case_are_accepted(spelling: str, name: str) -> None:
    assert shown(spelling)["name"] == name


def test_a_field_has_its_facts_meaning_source_and_history() -> None:
    info = shown("slab.slab_cache")
    assert (info["type"], info["offset"], info["size"], info["c_type"]) == ("slab", 8, 8, "struct kmem_cache *")
    assert info["matches"] == "compound_info" and info["overlays"] == "page"
    assert "kmem_cache" in info["meaning"]
    assert [s["id"] for s in info["sources"]] == [info["source"]]
    assert any(e["event"] == "changed" and "compound_head -> compound_info" in e["detail"] for e in info["history"])
    _, text, _ = run("show", "slab.slab_cache")
    assert "meaning: The kmem_cache this slab belongs to" in text
    assert "matches: page.compound_info" in text


def test_a_field_says_the_states_it_means_nothing_in() -> None:
    info = shown("page.mapping")
    states = {entry["state"] for entry in info["meaningless_in"]}
    assert "tail_page" in states


def test_a_function_shows_its_refinement_and_how_it_fails() -> None:
    info = shown("filemap_lock_folio")
    assert (info["returns"], info["nullable"], info["err_ptr"], info["err_ptr_source"]) == (
        "file_folio",
        False,
        True,
        "pagemap.h",
    )
    assert "ERR_PTR(-ENOENT)" in info["notes"]
    _, text, _ = run("show", "filemap_lock_folio")
    assert "fails with: ERR_PTR() (per pagemap.h)" in text and "returns: file_folio" in text


def test_a_shared_name_answers_first_in_kind_order_and_says_what_else_it_names() -> None:
    info = shown("slab_folio")
    assert info["what"] == "type"
    assert info["also"] == [{"what": "conversion", "name": "slab_folio"}]
    conversion = shown("conversion:slab_folio")
    assert (conversion["what"], conversion["from"], conversion["to"]) == ("conversion", "slab", "folio")
    assert [event["subject"] for event in conversion["history"]] == ["slab_folio"]


def test_type_text_shows_each_fields_meaning() -> None:
    _, text, _ = run("show", "slab")
    meanings = text.split("field meanings:\n")[1]
    assert "  slab_cache: The kmem_cache this slab belongs to" in meanings
    assert "  inuse: Number of objects in use." in meanings


@pytest.mark.parametrize("name", ["folio", "slab.slab_cache", "filemap_lock_folio", "page_folio"])
def test_text_off_a_terminal_has_no_escapes(name: str) -> None:
    _, text, _ = run("show", name)
    assert "\x1b" not in text


@pytest.mark.parametrize(
    ("name", "kernel", "line", "holds"),
    [
        ("ptdesc", "6.1", "type 'ptdesc' is not in Linux 6.1: since 6.6", [{"since": "6.6", "until": None}]),
        (
            "ptdesc.pt_list",
            "6.1",
            "field 'ptdesc.pt_list' is not in Linux 6.1: since 6.6",
            [{"since": "6.6", "until": None}],
        ),
        (
            "folio.migrate_info",
            "6.18",
            "field 'folio.migrate_info' is not in Linux 6.18: since 7.3",
            [{"since": "7.3", "until": None}],
        ),
        (
            "mapping_read_folio_gfp",
            "6.1",
            "function 'mapping_read_folio_gfp' is not in Linux 6.1: since 6.5",
            [{"since": "6.5", "until": None}],
        ),
    ],
)
def test_absent_at_a_release_is_an_answer_for_every_kind(
    name: str, kernel: str, line: str, holds: list[dict[str, Any]]
) -> None:
    assert run("show", name, "--kernel", kernel) == (1, line + "\n", "")
    code, out, _ = run("show", name, "--kernel", kernel, "--json")
    assert code == 1
    assert payload("show", out) == {"name": name, "kernel": kernel, "exists": False, "holds": holds}


def test_a_former_name_says_what_it_is_called_now() -> None:
    code, out, _ = run("show", "isolate_hugetlb")
    assert (code, out) == (
        1,
        "function 'isolate_hugetlb' is not in Linux 7.3: until 6.14; it is called 'folio_isolate_hugetlb' there\n",
    )
    code, out, _ = run("show", "page.compound_info", "--kernel", "6.1", "--json")
    assert code == 1 and payload("show", out)["called"] == "page.compound_head"
    assert shown("page.compound_head", "--kernel", "6.1")["name"] == "page.compound_head"


def test_every_kind_answers_for_an_older_release() -> None:
    info = shown("isolate_hugetlb", "--kernel", "6.1")
    assert (info["what"], info["kernel"]) == ("function", "6.1")
    field = shown("page.compound_head", "--kernel", "6.1")
    assert (field["what"], field["offset"], field["kernel"]) == ("field", 8, "6.1")
    assert shown("struct page", "--kernel", "6.1")["kernel"] == "6.1"


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("struct foli", "folio"),  # was: no answer; a C spelling wants a type
        ("lock_folio", "filemap_lock_folio"),  # exact words first
        ("folio.mapp", "folio.mapping"),  # a field spelling wants a field
        ("foilo", "folio"),
    ],
)
def test_suggestions_rank_exact_words_and_the_same_kind_first(name: str, first: str) -> None:
    code, out, err = run("show", name)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and f"(did you mean {first!r}" in err


def test_struct_folio_is_no_longer_refused_with_lru_folio() -> None:
    code, _, err = run("show", "struct folio")
    assert code == 0 and "lru_folio" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["show", "filemap_lock_folio"],
        ["show", "filemap_lock_folio", "--json"],
        ["show", "slab->slab_cache"],
        ["show", "FOLIO", "--json"],
        ["show", "page_folio", "--kernel", "6.1"],
    ],
)
def test_the_fast_path_prints_what_the_full_command_prints(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(tmp_path / "cache"))
    full = run(*args)
    for attempt in ("cold", "warm"):
        capsys.readouterr()
        assert fast_path(args) == 0, attempt
        assert capsys.readouterr().out == full[1], attempt


def test_the_fast_path_leaves_an_absent_name_to_the_full_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(tmp_path / "cache"))
    assert fast_path(["show", "ptdesc.pt_list", "--kernel", "6.1"]) is None
    assert fast_path(["show", "no_such_thing"]) is None


def test_a_functions_state_contract_is_shown_line_by_line() -> None:
    """What memdesc check holds calls to is part of the answer, not only of the notes."""
    code, out, err = run("show", "put_page")
    assert code == 0, err
    lines = [line.strip() for line in out.splitlines()]
    assert "requires: page: not slab_page" in lines
    assert "releases: page" in lines
    assert "callers may pass: page: zone_device_page" in lines
    contract = shown("put_page")["contract"]
    assert contract == [
        {"param": "page", "requires": ["not slab_page"], "releases": True, "accepts": ["zone_device_page"]}
    ]
    assert "may be: tail_page, slab_page, table_page" in run("show", "virt_to_page")[1]
    assert shown("compound_head")["ensures"] == ["not tail_page"]  # a conversion: its own record
    plain = shown("folio_size")
    assert plain["contract"] == [] and plain["ensures"] == [] and plain["may_be"] == []
    assert "requires:" not in run("show", "folio_size")[1]
