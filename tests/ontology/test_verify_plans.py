"""Verify's compiled plans (ontology/verify_plans.json): current with the data, the same plans
the data gives, the same answers as the full path, and used only for the data they came from."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ontology import BUNDLED_ROOT
from ontology.answercache import shown_path
from ontology.errors import InputError
from ontology.fingerprint import data_files, fingerprint
from ontology.loader import LoadResult, display_path
from ontology.releasechoice import UnknownRelease, snapshot_release
from ontology.releases import distinct_releases, releases_of
from ontology.strict import load_ontology, snapshot_ontology
from ontology.verify import verify_release
from ontology.verifyjudge import Plans, judge_release
from ontology.verifyplan import build_plan
from ontology.verifytable import FIRST_LINE, PLANS_PATH, compile_plans, compiled_plans, plan_place, write_plans
from tests.ontology.kernels import KERNELS, kernel_btf, release

BUNDLED_HASH = fingerprint(data_files(BUNDLED_ROOT))


@pytest.fixture(scope="module")
def history() -> LoadResult:
    loaded = load_ontology(BUNDLED_ROOT).history
    assert loaded is not None
    return loaded


@pytest.fixture(scope="module")
def compiled() -> Plans:
    plans = compiled_plans(BUNDLED_ROOT, BUNDLED_HASH, shown_path)
    assert plans is not None, "ontology/verify_plans.json is stale: run memdesc generate"
    return plans


def test_the_committed_plans_are_current() -> None:
    assert PLANS_PATH.read_text(encoding="utf-8") == compile_plans(), "stale: run memdesc generate"


def test_every_release_reads_back_as_the_data_plans_it(history: LoadResult, compiled: Plans) -> None:
    """The file stores each row once with the releases it holds at: reading a release back
    gives exactly the plan the data gives there, row order included."""
    place = plan_place(BUNDLED_ROOT)
    assert compiled.distinct == distinct_releases(history)
    for release_name in compiled.distinct:
        assert compiled.plan(release_name) == build_plan(snapshot_ontology(history, release_name), place)


def test_a_release_between_distinct_ones_has_the_plan_of_the_one_before(history: LoadResult) -> None:
    """What lets one plan serve several releases: no fact changes between distinct releases,
    so the snapshot at 6.7 claims what the one at 6.6 does (the wording is the judge's)."""
    distinct = distinct_releases(history)
    between = [r for r in releases_of(history.meta) if r not in distinct]
    assert between, "the bundled data has releases where nothing changes"
    for release_name in between:
        before = snapshot_release(distinct, release_name)
        assert before != release_name
        assert build_plan(snapshot_ontology(history, release_name)) == build_plan(snapshot_ontology(history, before))


# Kernels whose answers cover the cases: the oldest (renamed functions, dated fields), a vendor
# build (fields seen in one build only), a cloud build (modules), and the newest.
SAMPLE = [
    path for path in KERNELS if path.name.startswith(("linux-6.1.", "linux-6.18.44", "linux-6.12.117", "linux-7.3"))
]


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: p.name)
def test_compiled_and_full_paths_answer_alike(path: Path, history: LoadResult, compiled: Plans) -> None:
    btf = kernel_btf(path)
    for kernel in (release(path), "6.7", "7.3"):  # its own release, one between distinct ones, another
        full = verify_release(history, btf, kernel).as_dict()
        assert judge_release(compiled, btf, kernel).as_dict() == full, kernel
        assert full["decided"] > 0


def test_inferred_and_running_releases_alike(history: LoadResult, compiled: Plans) -> None:
    btf = kernel_btf(SAMPLE[0])
    assert judge_release(compiled, btf, None).as_dict() == verify_release(history, btf, None).as_dict()
    for running in ("6.18.44-fc-v1272", "5.10.0-vendor"):  # covered, and not (then inferred)
        full = verify_release(history, btf, None, running).as_dict()
        assert judge_release(compiled, btf, None, running).as_dict() == full


def test_an_uncovered_release_is_refused_alike(history: LoadResult, compiled: Plans) -> None:
    btf = kernel_btf(SAMPLE[0])
    with pytest.raises(UnknownRelease) as full:
        verify_release(history, btf, "5.4")
    with pytest.raises(UnknownRelease) as fast:
        judge_release(compiled, btf, "5.4")
    assert str(fast.value) == str(full.value) and display_path(BUNDLED_ROOT) in str(fast.value)


def test_other_data_or_another_hash_is_not_compiled(tmp_path: Path) -> None:
    copy = shutil.copytree(BUNDLED_ROOT.parent, tmp_path / "data") / BUNDLED_ROOT.name
    assert compiled_plans(copy, BUNDLED_HASH, shown_path) is None
    assert compiled_plans(BUNDLED_ROOT, "0" * 16, shown_path) is None  # the data edited since


@pytest.mark.parametrize(
    "text", ["", "{", "[]", '{"format": 999}', json.dumps({"format": 1, "data_hash": BUNDLED_HASH})[:-1]]
)
def test_a_broken_plans_file_is_not_used(tmp_path: Path, text: str) -> None:
    broken = tmp_path / "verify_plans.json"
    broken.write_text(text)
    assert compiled_plans(BUNDLED_ROOT, BUNDLED_HASH, shown_path, broken) is None
    assert compiled_plans(BUNDLED_ROOT, BUNDLED_HASH, shown_path, tmp_path / "absent.json") is None


def test_generate_writes_only_its_own_file(tmp_path: Path) -> None:
    target = tmp_path / "verify_plans.json"
    target.write_text('{"mine": true}\n')
    with pytest.raises(InputError, match="did not generate"):
        write_plans(path=target)
    assert target.read_text() == '{"mine": true}\n'
    target.unlink()
    assert write_plans(path=target) is True and write_plans(path=target) is False
    assert target.read_text().split("\n", 1)[0] == FIRST_LINE


def test_the_compiled_path_loads_no_engine(tmp_path: Path) -> None:
    """A cold verify of the bundled data reads neither the TOML files' schema nor lint, nor
    imports tomllib (its root file has the plain form `ontology.roottable` reads)."""
    path = SAMPLE[-1]
    code = (
        "import lzma, sys, tempfile\n"
        "from pathlib import Path\n"
        "from ontology.answercache import verify_answer\n"
        "with tempfile.NamedTemporaryFile(suffix='.btf') as raw:\n"
        f"    raw.write(lzma.decompress(Path({str(path)!r}).read_bytes())); raw.flush()\n"
        "    answer = verify_answer(Path(raw.name), use_cache=False, kernel='7.3')\n"
        "assert answer['decided'] > 0\n"
        "heavy = {'pydantic', 'networkx', 'ontology.lint', 'ontology.loader', 'ontology.schema', 'tomllib'}"
        " & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "MEMDESC_CACHE_DIR": str(tmp_path)})
