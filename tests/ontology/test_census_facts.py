"""Where census reads its facts: the generated contract for the bundled data it was generated
from, the strict loader for anything else; both give the same answer."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ontology.strict
import ontology.types
from ontology import BUNDLED_ROOT
from ontology.btf import DEFAULT_BTF, Btf
from ontology.census import census_facts, report, take_census
from ontology.fingerprint import data_files, fingerprint
from ontology.indexed import Ontology
from ontology.typegen.records import fact_table

needs_btf = pytest.mark.skipif(not DEFAULT_BTF.exists(), reason="needs the running kernel's BTF")
BUNDLED_HASH = fingerprint(data_files(BUNDLED_ROOT))


def test_bundled_data_reads_the_contract() -> None:
    assert census_facts(BUNDLED_ROOT, BUNDLED_HASH) is ontology.types.FACTS


def test_contract_holds_the_strict_loaders_facts(bundled: Ontology) -> None:
    assert fact_table(bundled) == ontology.types.FACTS


@needs_btf
def test_contract_and_strict_path_give_the_same_census(bundled: Ontology) -> None:
    btf = Btf.from_file()
    strict = fact_table(bundled)
    assert report(ontology.types.FACTS, take_census(ontology.types.FACTS, btf)) == report(
        strict, take_census(strict, btf)
    )


def _spy_on_strict_loads(monkeypatch: pytest.MonkeyPatch) -> list[Path | None]:
    loads: list[Path | None] = []
    strict = ontology.strict.load_ontology

    def load_ontology(path: Path | None = None) -> Ontology:
        loads.append(path)
        return strict(path)

    monkeypatch.setattr(ontology.strict, "load_ontology", load_ontology)
    return loads


def test_a_stale_contract_falls_back_to_the_strict_path(monkeypatch: pytest.MonkeyPatch) -> None:
    loads = _spy_on_strict_loads(monkeypatch)
    stale = ontology.types.FACTS._replace(data_hash="0" * 16)
    monkeypatch.setattr(ontology.types, "FACTS", stale)
    facts = census_facts(BUNDLED_ROOT, BUNDLED_HASH)
    assert loads == [BUNDLED_ROOT]
    assert facts is not stale and facts.data_hash == BUNDLED_HASH


def test_data_unlike_the_contract_takes_the_strict_path(monkeypatch: pytest.MonkeyPatch) -> None:
    loads = _spy_on_strict_loads(monkeypatch)
    census_facts(BUNDLED_ROOT, "0" * 16)  # the bundled files, edited since types.py was generated
    assert loads == [BUNDLED_ROOT]


def test_other_data_takes_the_strict_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = shutil.copytree(BUNDLED_ROOT.parent, tmp_path / "data") / BUNDLED_ROOT.name
    loads = _spy_on_strict_loads(monkeypatch)
    assert census_facts(copy, BUNDLED_HASH) == ontology.types.FACTS
    assert loads == [copy]


@needs_btf
def test_census_of_a_copy_answers_as_the_bundled_data(tmp_path: Path) -> None:
    copy = shutil.copytree(BUNDLED_ROOT.parent, tmp_path / "data") / BUNDLED_ROOT.name

    def census(*extra: str) -> str:
        command = [sys.executable, "-m", "memdesc", "census", "--no-cache", "--json", *extra]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    assert json.loads(census("--data", str(copy))) == json.loads(census())


@needs_btf
def test_bad_data_is_still_refused(tmp_path: Path) -> None:
    copy = shutil.copytree(BUNDLED_ROOT.parent, tmp_path / "data") / BUNDLED_ROOT.name
    functions = copy.with_name("functions.toml")
    functions.write_text(functions.read_text().replace('category = "free"', 'category = "nonsense"', 1))
    command = [sys.executable, "-m", "memdesc", "census", "--no-cache", "--data", str(copy)]
    process = subprocess.run(command, capture_output=True, text=True, check=False)
    assert process.returncode == 2 and process.stdout == ""
    assert process.stderr.count("\n") == 1, process.stderr


def test_the_contract_path_loads_no_engine() -> None:
    code = (
        "import sys\n"
        "from ontology import BUNDLED_ROOT\n"
        "from ontology.census import census_facts\n"
        "from ontology.fingerprint import data_files, fingerprint\n"
        "census_facts(BUNDLED_ROOT, fingerprint(data_files(BUNDLED_ROOT)))\n"
        "heavy = {'pydantic', 'networkx', 'ontology.lint', 'ontology.loader'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@needs_btf
@pytest.mark.parametrize("command", ["verify", "census"])
def test_missing_or_broken_data_is_one_line_exit_2(tmp_path: Path, command: str) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("x = [\n")
    for data, expected in ((tmp_path / "absent.toml", "no such file"), (broken, "invalid TOML")):
        process = subprocess.run(
            [sys.executable, "-m", "memdesc", command, "--data", str(data)], capture_output=True, text=True, check=False
        )
        assert process.returncode == 2 and process.stdout == ""
        assert process.stderr.count("\n") == 1 and expected in process.stderr
