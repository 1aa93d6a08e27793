"""The bundled data against the twelve real kernels, each judged at its own release."""

from __future__ import annotations

from pathlib import Path

import pytest

from ontology.loader import LoadResult
from ontology.strict import load_ontology
from ontology.verify import verify_release
from tests.ontology.kernels import API_ASPECTS, KERNELS, kernel_btf, release, version


@pytest.fixture(scope="session")
def history() -> LoadResult:
    result = load_ontology().history
    assert result is not None
    return result


def test_the_twelve_kernels_are_bundled() -> None:
    assert len(KERNELS) == 12
    assert {release(path) for path in KERNELS} == {
        "6.1", "6.12", "6.16", "6.17", "6.18", "6.19", "7.0", "7.1", "7.2", "7.3"
    }  # fmt: skip


@pytest.mark.parametrize("path", KERNELS, ids=version)
def test_layouts_agree_at_the_kernels_release(path: Path, history: LoadResult) -> None:
    result = verify_release(history, kernel_btf(path), release(path))
    assert result.kernel == release(path)
    assert [str(fact) for fact in result.mismatches if fact.aspect not in API_ASPECTS] == []
    layouts = [fact for fact in result.agreements if fact.aspect not in API_ASPECTS]
    assert {"size", "offset", "c_type", "matches"} <= {fact.aspect for fact in layouts}
    if release(path) != "6.1":  # page types are PGTY_* values since 6.12
        assert "value" in {fact.aspect for fact in layouts}


@pytest.mark.parametrize("path", KERNELS, ids=version)
def test_everything_agrees_at_the_kernels_release(path: Path, history: LoadResult) -> None:
    result = verify_release(history, kernel_btf(path), release(path))
    assert [str(fact) for fact in result.mismatches] == []


def test_facts_dated_elsewhere_agree_by_absence(history: LoadResult) -> None:
    path = next(p for p in KERNELS if version(p) == "6.1.192")
    result = verify_release(history, kernel_btf(path), "6.1")
    notes = {(f.subject, f.item): f.note for f in result.agreements if f.note}
    assert notes[("ptdesc", None)] == "not in 6.1: since 6.6"
    assert notes[("folio", "migrate_info")] == "not in 6.1: since 7.3"
    assert notes[("page", "buddy_since")] == "vendor build 6.18.44 only"


def test_old_layout_is_judged_at_its_release(history: LoadResult) -> None:
    """7.3's page (compound_info) against the 7.0 kernel: the snapshot has compound_head."""
    path = next(p for p in KERNELS if version(p) == "7.0.13")
    at_70 = verify_release(history, kernel_btf(path), "7.0")
    at_73 = verify_release(history, kernel_btf(path), "7.3")
    assert not [f for f in at_70.mismatches if f.subject == "page"]
    wrong = {(f.aspect, f.item) for f in at_73.mismatches if f.subject == "page"}
    assert ("field exists", "compound_info") in wrong
    renamed = [u for u in at_73.undecidable if u["subject"] == "page.compound_head"]
    assert [u["form"] for u in renamed] == ["renamed"]


def test_a_raw_blob_gets_an_inferred_release_and_says_so(history: LoadResult) -> None:
    path = next(p for p in KERNELS if version(p) == "7.3.4")
    result = verify_release(history, kernel_btf(path), None)
    assert result.kernel == "7.3"
    assert result.release_from.startswith("release 7.3 inferred from the BTF: best match, ")
    assert result.release_from.endswith("pass --kernel to choose")
    assert result.as_dict()["release"] == "7.3"
