"""memdesc verify and census: clean on this kernel, loud on wrong facts, cached, comparable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from memdesc.app import app
from ontology.btf import DEFAULT_BTF, Btf
from ontology.census import Census, compare, is_plumbing, name_prefix
from ontology.draft import NO_GUESS, guess_category
from ontology.indexed import Ontology
from ontology.strict import load_ontology
from ontology.verify import release_of, verify
from tests.support.paths import MINI

pytestmark = pytest.mark.skipif(not DEFAULT_BTF.exists(), reason="needs the running kernel's BTF")
runner = CliRunner()


@pytest.fixture(scope="module")
def btf() -> Btf:
    return Btf.from_file()


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(cache))
    return cache


def test_bundled_ontology_verifies_clean(btf: Btf) -> None:
    running = release_of(os.uname().release)
    result = verify(load_ontology(kernel=running), btf)
    assert result.kernel == running
    assert result.mismatches == []
    assert len(result.agreements) >= 150
    aspects = {fact.aspect for fact in result.agreements}
    assert {"size", "offset", "c_type", "matches", "returns", "parameter", "value"} <= aspects
    assert any(u["subject"] == "page_folio" for u in result.undecidable)


def test_wrong_fact_is_a_mismatch_naming_field_claim_and_btf(mutate, btf: Btf) -> None:  # type: ignore[no-untyped-def]
    path = mutate(
        (
            '{ name = "mapping", offset = 24, size = 8, c_type = "struct address_space *" }',
            '{ name = "mapping", offset = 32, size = 8, c_type = "struct address_space *" }',
        ),
        (
            '{ name = "mapping", offset = 24, size = 8, c_type = "struct address_space *", matches',
            '{ name = "mapping", offset = 32, size = 8, c_type = "struct address_space *", matches',
        ),
    )
    result = verify(load_ontology(path), btf)
    wrong = [f for f in result.mismatches if f.subject == "page" and f.item == "mapping"]
    assert [(f.aspect, f.claim, f.btf) for f in wrong] == [("offset", 32, 24)]
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if '"mapping", offset = 32' in text)
    assert wrong[0].location == f"{path}:{line}" or wrong[0].location.endswith(f"onto.toml:{line}")
    missing = {f.item for f in result.mismatches if f.aspect == "field exists"}
    assert "lru" in missing and "_mapcount" in missing  # BTF members the mini ontology omits


def test_verify_cli_json_exit_codes_and_cache(private_cache: Path, mutate) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["verify", "--json"])
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    assert {"agreements", "mismatches", "undecidable"} <= set(answer)
    assert answer["mismatches"] == [] and answer["decided"] >= 150
    first = answer["agreements"][0]
    assert {"subject", "aspect", "item", "claim", "btf", "location"} <= set(first)
    assert len(list(private_cache.glob("*.json"))) == 1
    broken = mutate(('offset = 52, size = 4, c_type = "atomic_t"', 'offset = 48, size = 4, c_type = "atomic_t"'))
    result = runner.invoke(app, ["verify", "--data", str(broken)])
    assert result.exit_code == 1
    assert "page._refcount offset: ontology 48, BTF 52" in result.stdout


def test_cached_answer_is_identical() -> None:
    """Cached and fresh answers are the same bytes (their speed is measured in benchmarks/)."""
    command = [sys.executable, "-m", "memdesc", "verify", "--json"]
    first = subprocess.run(command, capture_output=True, check=True).stdout
    second = subprocess.run(command, capture_output=True, check=True).stdout
    assert first == second
    fresh = subprocess.run([*command, "--no-cache"], capture_output=True, check=True).stdout
    assert fresh == first


def test_cache_key_follows_the_data(mutate, private_cache: Path) -> None:  # type: ignore[no-untyped-def]
    path = mutate()
    first = runner.invoke(app, ["census", "--data", str(path), "--json"])
    assert first.exit_code == 0 and len(list(private_cache.glob("*.json"))) == 1
    assert runner.invoke(app, ["census", "--data", str(path), "--json"]).stdout == first.stdout
    assert len(list(private_cache.glob("*.json"))) == 1  # answered from the cache
    path.write_text(path.read_text() + "\n# an edit to the ontology data\n")
    assert runner.invoke(app, ["census", "--data", str(path), "--json"]).exit_code == 0
    assert len(list(private_cache.glob("*.json"))) == 2  # a new key, not the stale answer


@pytest.mark.parametrize("command", ["verify", "census"])
def test_bad_btf_is_one_line_exit_2(tmp_path: Path, command: str) -> None:
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"\x00\x01not btf at all" * 10)
    for target, expected in ((tmp_path / "absent", "no such file"), (garbage, "wrong magic"), (tmp_path, "directory")):
        process = subprocess.run(
            [sys.executable, "-m", "memdesc", command, "--btf", str(target)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert process.returncode == 2, process.stderr
        assert process.stdout == ""
        assert process.stderr.count("\n") == 1 and expected in process.stderr


def test_census_counts_this_kernel(bundled: Ontology) -> None:
    result = runner.invoke(app, ["census", "--json"])
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    counts = answer["counts"]
    assert set(counts) == {"page", "folio", "slab", "ptdesc", "zpdesc", "netmem_desc", "net_iov", "netmem_ref"}
    assert counts["folio"] > 100 and counts["page"] > 100 and counts["slab"] > 0
    assert answer["by_category"]["gup"]["page"] >= 5
    assert answer["by_prefix"]["folio"]["folio"] > 50


def test_census_counts_pointers_at_any_depth_once_per_name(btf: Btf) -> None:
    from ontology.census import take_census
    from ontology.types import FACTS

    census = take_census(FACTS, btf)
    assert "folio" in census.mentions["memfd_pin_folios"]  # struct folio **folios
    assert {"page"} <= census.mentions["get_user_pages"]  # struct page **pages
    assert "netmem_ref" in census.mentions["page_pool_alloc_netmems"]


def test_compare_reports_moves_and_renames() -> None:
    old = Census(
        "old",
        ["folio", "page"],
        {
            "set_page_dirty": frozenset({"page"}),
            "lru_cache_add_page": frozenset({"page"}),
            "stays": frozenset({"page"}),
            "converts": frozenset({"page"}),
        },
    )
    new = Census(
        "new",
        ["folio", "page"],
        {
            "lru_cache_add_folio": frozenset({"folio"}),
            "stays": frozenset({"page"}),
            "converts": frozenset({"folio"}),
            "folio_mark_dirty": frozenset({"folio"}),
        },
    )
    result = compare(old, new)
    assert result["counts"]["page"] == {"old": 4, "new": 1, "delta": -3}
    assert result["counts"]["folio"] == {"old": 0, "new": 3, "delta": 3}
    assert result["moved"]["in_place"] == ["converts"]
    assert result["moved"]["renamed"] == [{"old": "lru_cache_add_page", "new": "lru_cache_add_folio"}]


def test_census_against_itself_moves_nothing() -> None:
    result = runner.invoke(app, ["census", "--against", str(DEFAULT_BTF), "--json"])
    assert result.exit_code == 0
    against = json.loads(result.stdout)["against"]
    assert all(change["delta"] == 0 for change in against["counts"].values())
    assert against["moved"]["in_place"] == [] and against["added"] == []


def test_name_prefix() -> None:
    assert [name_prefix(n) for n in ("folio_add_lru", "__filemap_get_folio", "zs_malloc")] == ["folio", "filemap", "zs"]


def test_draft_entries_are_valid_toml_for_the_schema(tmp_path: Path) -> None:
    import tomllib

    from ontology.cdecl import parse_prototype
    from ontology.schema import FunctionDef

    result = runner.invoke(app, ["verify", "--draft", "--data", str(MINI)])
    assert result.exit_code == 0
    drafted = tomllib.loads(result.stdout)["function"]
    assert len(drafted) > 500
    names = {entry["name"] for entry in drafted}
    assert "folio_alloc" not in names  # already in the mini ontology (as folio_alloc_noprof's public name)
    assert "filemap_add_folio" in names
    for entry in drafted:
        unguessed = entry["category"] == NO_GUESS
        # A draft with no guess is refused until someone chooses its category; then it is valid.
        FunctionDef.model_validate(entry | {"category": "alloc"} if unguessed else entry)
        parse_prototype(entry["prototype"])
        assert not is_plumbing(entry["name"].removeprefix("do_")), entry["name"]
    assert result.stdout.count("# no category guessed from the name") == sum(
        entry["category"] == NO_GUESS for entry in drafted
    )
    with pytest.raises(ValidationError):
        FunctionDef.model_validate(next(entry for entry in drafted if entry["category"] == NO_GUESS))


def test_draft_categories_are_guessed_from_words_in_the_name_or_not_at_all() -> None:
    """Issue 15: "alloc" was the fallback, so zstd_decompress and __bio_add_page were allocators."""
    assert guess_category("zstd_decompress") == NO_GUESS and guess_category("__bio_add_page") == NO_GUESS
    assert guess_category("alloc_pages_mpol") == "alloc" and guess_category("folio_ref_try_add") == "refcount"
    assert guess_category("folio_wait_writeback") == "lock" and guess_category("isolate_movable_folio") == "migrate"
    assert guess_category("__ClearPageWaiters") == "flags" and guess_category("pfn_to_online_page") == "memmap"
