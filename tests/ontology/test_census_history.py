"""The census across kernels: tracepoint plumbing, absent descriptors, renames, the trend."""

from __future__ import annotations

import json
import lzma
import shutil
import subprocess
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from ontology.btf import Btf
from ontology.census import Census, compare, is_plumbing, kernel_census, take_census
from ontology.census_trend import read_xz_btf, trend_kernels
from ontology.types import FACTS
from tests.support.paths import KERNELS

BPFTOOL = shutil.which("bpftool") or "/usr/sbin/bpftool"
runner = CliRunner()


@cache
def reference(name: str) -> Btf:
    return Btf(read_xz_btf(KERNELS / name), name)


def test_plumbing_is_left_out_unless_all() -> None:
    btf = reference("linux-7.3.4-cloud-amd64.btf.xz")
    everything = kernel_census(FACTS, btf, everything=True)
    default = kernel_census(FACTS, btf)
    plumbing = {name for name in everything.mentions if is_plumbing(name)}
    assert plumbing and any(name.startswith("__traceiter_") for name in plumbing)  # the kernel has them
    assert set(default.mentions) == set(everything.mentions) - plumbing
    assert everything.mentions == take_census(FACTS, btf).mentions


def _bpftool_direct_count(path: Path) -> Counter[str]:
    """Functions per descriptor struct, counted from bpftool's JSON with no memdesc code: a FUNC
    counts for a struct when its return or a parameter is, through typedefs and qualifiers, a
    pointer at any depth to it."""
    dump = subprocess.run([BPFTOOL, "btf", "dump", "file", str(path), "-j"], capture_output=True, check=True)
    types = {t["id"]: t for t in json.loads(dump.stdout)["types"]}

    def target(type_id: int) -> str | None:
        pointers, seen = 0, set()
        while type_id and type_id not in seen:
            seen.add(type_id)
            record: dict[str, Any] = types[type_id]
            if record["kind"] == "PTR":
                pointers += 1
            elif record["kind"] == "STRUCT":
                return str(record["name"]) if pointers else None
            elif record["kind"] not in ("TYPEDEF", "CONST", "VOLATILE", "RESTRICT", "TYPE_TAG"):
                return None
            type_id = record["type_id"]
        return None

    counts: Counter[str] = Counter()
    for record in types.values():
        if record["kind"] != "FUNC":
            continue
        proto = types[record["type_id"]]
        mentioned = {target(proto["ret_type_id"])} | {target(p["type_id"]) for p in proto["params"]}
        counts.update(name for name in mentioned if name)
    return counts


@pytest.mark.skipif(not Path(BPFTOOL).exists(), reason="needs bpftool (.ci/run installs it)")
def test_all_counts_equal_a_direct_count_of_the_btf(tmp_path: Path) -> None:
    name = "linux-7.3.4-cloud-amd64.btf.xz"
    raw = tmp_path / "vmlinux.btf"
    raw.write_bytes(lzma.decompress((KERNELS / name).read_bytes()))
    direct = _bpftool_direct_count(raw)
    counts = kernel_census(FACTS, reference(name), everything=True).counts()
    structs = {t.name: t.c_name for t in FACTS.types.values() if t.kind == "struct" and t.c_name}
    assert {n: counts[n] for n in structs} == {n: direct.get(c, 0) for n, c in structs.items()}


def test_a_descriptor_a_kernel_lacks_is_absent_not_zero() -> None:
    counts = kernel_census(FACTS, reference("linux-6.1.192-amd64.btf.xz")).counts()
    assert counts["ptdesc"] is None and counts["netmem_desc"] is None and counts["zpdesc"] is None
    assert counts["slab"] and counts["slab"] > 0
    assert kernel_census(FACTS, reference("linux-7.3.4-cloud-amd64.btf.xz")).counts()["netmem_desc"] == 0


def test_a_rename_needs_a_new_name_new_in_the_later_kernel() -> None:
    old = Census("old", ["folio", "page"], {"x_page": frozenset({"page"})}, has_function=lambda n: n == "x_folio")
    new = Census("new", ["folio", "page"], {"x_folio": frozenset({"folio"})})
    assert compare(old, new)["moved"]["renamed"] == []  # x_folio was already there
    old = old._replace(has_function=lambda n: False)
    assert compare(old, new)["moved"]["renamed"] == [{"old": "x_page", "new": "x_folio"}]


def test_trend_takes_one_debian_build_per_release() -> None:
    kernels = trend_kernels()
    assert [k.release for k in kernels] == ["6.1", "6.12", "6.16", "6.17", "6.18", "6.19", "7.0", "7.1", "7.2", "7.3"]
    assert {k.release: k.version for k in kernels}["6.12"] == "6.12.117"  # the cloud flavour
    assert "6.18.44" not in {k.version for k in kernels}  # the vendor build is no release's


def test_census_trend_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(tmp_path))
    result = runner.invoke(app, ["census", "--trend", "--json"])
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    by_release = {row["release"]: row["counts"] for row in answer["kernels"]}
    assert by_release["6.1"]["ptdesc"] is None and by_release["6.12"]["ptdesc"] == 0
    assert by_release["6.1"]["folio"] < by_release["6.12"]["folio"] < by_release["7.3"]["folio"]
    steps = {(s["old"], s["new"]): s for s in answer["conversions"]}
    assert {"old": "fuse_copy_page", "new": "fuse_copy_folio"} in steps["6.12", "6.16"]["renamed"]
    again = runner.invoke(app, ["census", "--trend", "--json"])
    assert again.stdout == result.stdout
    text = runner.invoke(app, ["census", "--trend"]).stdout
    assert text.splitlines()[1].split()[:4] == ["release", "kernel", "functions", "folio"]
    refused = runner.invoke(app, ["census", "--trend", "--btf", "/sys/kernel/btf/vmlinux"])
    assert refused.exit_code == 2 and "takes no --btf" in refused.stderr
