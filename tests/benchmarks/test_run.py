"""benchmarks/run.py: the page renderer on canned results, the refusal to overwrite a hand-written
page, and real (short) runs of the quick scripts (CLI latency, census CPU, model import). The
checker overhead benchmark takes minutes and is never run here."""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ontology.errors import InputError
from tests.support.paths import ROOT

BENCHMARKS = ROOT / "benchmarks"


def load(script: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"benchmarks_{script}", BENCHMARKS / f"{script}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


run = load("run")


def checker_mode(plain: float, plugin: float, plain_cpu: float, plugin_cpu: float) -> dict[str, Any]:
    return {
        "plain_seconds": plain,
        "plugin_seconds": plugin,
        "plugin_over_plain": round(plugin / plain, 3),
        "plain_cpu_seconds": plain_cpu,
        "plugin_cpu_seconds": plugin_cpu,
        "plugin_over_plain_cpu": round(plugin_cpu / plain_cpu, 3),
        "paired_cpu_ratio": round(plugin_cpu / plain_cpu + 0.001, 3),
    }


def cli_row(wall: float, ratio: float) -> dict[str, Any]:
    return {"wall_seconds": wall, "cpu_seconds": wall * 0.9, "over_baseline": ratio, "over_baseline_cpu": ratio}


CANNED: dict[str, Any] = {
    "meta": {
        "date": "2025-01-02 03:04 UTC",
        "command": "python benchmarks/run.py",
        "cpu": "Test CPU 9000",
        "cores": 2,
        "memory_gib": 23.5,
        "kernel": "6.18.0-test",
        "python": "CPython 3.11.7",
        "mypy": "mypy 2.4.1 (compiled: yes)",
        "bpftool": "bpftool v7.1.0, using libbpf v1.1",
        "memdesc_commit": "abc1234+dirty",
        "struct_page_bytes": 64,
        "load_average_start": [1.5, 1.0, 0.5],
        "load_average_end": [2.25, 1.0, 0.5],
        "quick": False,
        "seconds": 540.0,
    },
    "benchmarks": {
        "checker-overhead": {
            "command": "python benchmarks/checker_overhead.py --rounds 9 --json",
            "seconds": 330.0,
            "returncode": 0,
            "result": {
                "mypy": "mypy 2.4.1 (compiled: yes)",
                "rounds": 9,
                "workloads": {
                    "bundled-model": {
                        "functions": 615,
                        "cold": checker_mode(5.0, 5.1, 4.9, 5.0),
                        "warm": checker_mode(0.3, 0.31, 0.29, 0.3),
                    },
                    "gen-5000": {
                        "functions": 5000,
                        "cold": checker_mode(7.0, 7.7, 6.8, 7.6),
                        "warm": checker_mode(0.27, 0.28, 0.26, 0.27),
                    },
                },
                "cold_scaling_above_baseline": {
                    "plain_cold_ms_per_function": {"gen-5000": 1.019},
                    "plugin_cold_ms_per_function": {"gen-5000": 1.165},
                },
            },
        },
        "btf-parse": {
            "command": "python benchmarks/btf_parse.py --rounds 21 --json",
            "seconds": 40.0,
            "returncode": 0,
            "result": {
                "btf": "/sys/kernel/btf/vmlinux",
                "btf_bytes": 5515646,
                "rounds": 21,
                "baseline": "bpftool btf dump",
                "medians_seconds": {
                    "bpftool btf dump": 0.2,
                    "memdesc parse": 0.324,
                    "memdesc parse + decode_all": 1.1,
                },
                "over_baseline": {"bpftool btf dump": 1.0, "memdesc parse": 1.62, "memdesc parse + decode_all": 5.5},
                "ratio": 1.62,
            },
        },
        "census-cpu": {
            "command": "python benchmarks/census_cpu.py --rounds 11 --json",
            "seconds": 50.0,
            "returncode": 0,
            "result": {
                "btf": "/sys/kernel/btf/vmlinux",
                "rounds": 11,
                "baseline": "bpftool btf dump format raw",
                "goal": 2.5,
                "rows": {
                    "bpftool btf dump format raw": {
                        "cpu_seconds": 0.2,
                        "wall_seconds": 0.21,
                        "best_cpu_seconds": 0.19,
                        "over_baseline_cpu": 1.0,
                    },
                    "memdesc census --no-cache": {
                        "cpu_seconds": 0.46,
                        "wall_seconds": 0.5,
                        "best_cpu_seconds": 0.44,
                        "over_baseline_cpu": 2.3,
                    },
                },
                "ratio": 2.3,
            },
        },
        "import-model": {
            "command": "python benchmarks/import_model.py --rounds 11 --json",
            "seconds": 20.0,
            "returncode": 0,
            "result": {
                "rounds": 11,
                "baseline": "import ontology.types",
                "goal_seconds": 0.3,
                "best": {
                    "import ontology.types": {"wall_seconds": 0.11, "cpu_seconds": 0.1},
                    "import model": {"wall_seconds": 0.26, "cpu_seconds": 0.25},
                },
                "seconds": 0.25,
                "ratio": 2.5,
            },
        },
        "model-scale": {
            "command": "python benchmarks/model_scale.py --ops 200000 --json",
            "seconds": 45.0,
            "returncode": 0,
            "result": {
                "1g": {
                    "pages": 262144,
                    "boot_seconds": 0.01,
                    "memmap_bytes_per_page": 28.0,
                    "heap_bytes_per_page": 28.13,
                    "ops_per_second": 30026,
                },
                "16g": {
                    "pages": 4194304,
                    "boot_seconds": 0.184,
                    "memmap_bytes_per_page": 28.0,
                    "heap_bytes_per_page": 28.08,
                    "ops_per_second": 36166,
                },
                "bytes_per_page": 28.0,
                "heap_bytes_per_page_16g": 28.08,
                "cost_ratio_16g_vs_1g": 0.83,
                "ops": 200000,
            },
        },
        "cli-latency": {
            "command": "python benchmarks/cli_latency.py --rounds 21 --json",
            "seconds": 60.0,
            "returncode": 0,
            "result": {
                "rounds": 21,
                "baseline": "python -c pass",
                "headline": "memdesc show folio --json",
                "rows": {
                    "python -c pass": cli_row(0.048, 1.0),
                    "memdesc show folio --json": cli_row(0.109, 2.27),
                    "memdesc list --json": cli_row(0.577, 11.92),
                    "memdesc show folio --json (cold cache)": cli_row(1.175, 24.3),
                },
                "ratio": 2.27,
            },
        },
    },
}


def section(page: str, title: str) -> str:
    return page.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_render_is_deterministic_and_shows_every_figure() -> None:
    page = run.render(copy.deepcopy(CANNED))
    assert page == run.render(copy.deepcopy(CANNED))
    assert page.splitlines()[0] == run.MARKER
    assert "\n# Benchmarks\n" in page
    for fact in (
        "2025-01-02 03:04 UTC",
        "`python benchmarks/run.py`",
        "Test CPU 9000, 2 cores, 23.5 GiB",
        "6.18.0-test",
    ):
        assert fact in page
    for fact in (
        "CPython 3.11.7",
        "mypy 2.4.1",
        "bpftool v7.1.0",
        "`abc1234+dirty`",
        "9.0 minutes",
        "1.50 at the start",
    ):
        assert fact in page
    checker = section(page, "Checker overhead")
    assert "| bundled-model | 615 | cold | 5.00 | 5.10 | 1.020 | 4.90 | 5.00 | 1.020 | 1.021 | **pass** |" in checker
    assert "| gen-5000 | 5000 | cold | 7.00 | 7.70 | 1.100 | 6.80 | 7.60 | 1.118 | 1.119 | **miss** |" in checker
    assert "**Verdict:** **miss**: over the goal: gen-5000 cold (1.118)." in checker
    btf = section(page, "BTF parse")
    assert "| `bpftool btf dump` | 200.0 | 1.00x |" in btf and "| `memdesc parse` | 324.0 | 1.62x |" in btf
    assert "**Verdict:** **pass**: memdesc parse takes 1.62x bpftool (target ≤ 3x)." in btf
    census = section(page, "Census CPU")
    assert "| `bpftool btf dump format raw` | 200.0 | 1.00x | 210.0 |" in census
    assert "| `memdesc census --no-cache` | 460.0 | 2.30x | 500.0 |" in census
    assert "**Verdict:** **pass**: the census takes 2.30x bpftool's CPU time (target ≤ 2.5x)." in census
    imports = section(page, "Model import")
    assert "| `import ontology.types` | 100.0 | 1.00x | 110.0 |" in imports
    assert "| `import model` | 250.0 | 2.50x | 260.0 |" in imports
    assert (
        "**Verdict:** **pass**: `import model` takes 0.250 s (2.50x `import ontology.types`; target ≤ 0.3 s)."
        in imports
    )
    model = section(page, "Model scale")
    assert "| 16 GiB | 4,194,304 | 0.184 | 28.0 | 28.1 | 36,166 |" in model and "**0.83**" in model
    assert "**Verdict:** **pass**: 28.0 B/page, 0.44x the kernel's 64-byte struct page." in model
    cli = section(page, "CLI latency")
    assert "| `memdesc show folio --json` | 109.0 | 2.27x |" in cli
    assert "| `memdesc show folio --json` (cold cache) | 1175.0 | 24.30x |" in cli
    assert "**Verdict:** **pass**: `memdesc show folio --json` takes 2.27x `python -c pass`, within the 5x goal." in cli
    summary = section(page, "Summary")
    for row in (
        "| [Checker overhead](#checker-overhead) | CPU ratio 1.020 to 1.118; 3 of 4 rows ≤ 1.05 | "
        "plugin ≤ 1.05x plain mypy | **miss** |",
        "| [BTF parse](#btf-parse) | 1.62x bpftool | ≤ 3x bpftool | **pass** |",
        "| [Census CPU](#census-cpu) | 2.30x bpftool CPU | ≤ 2.5x bpftool CPU | **pass** |",
        "| [Model import](#model-import) | 0.250 s = 2.50x `import ontology.types` | ≤ 0.3 s | **pass** |",
        "| [Model scale](#model-scale) | 28.0 B/page = 0.44x struct page | ≤ 1x struct page | **pass** |",
        "| [CLI latency](#cli-latency) | 2.27x `python -c pass` | ≤ 5x (goal), ≤ 8x (limit) | **pass** |",
    ):
        assert row in summary


@pytest.mark.parametrize(
    ("ratio", "verdict"),
    [
        (
            6.1,
            "**miss**: `memdesc show folio --json` takes 6.10x `python -c pass`, over the 5x goal, within the 8x limit",
        ),
        (9.0, "**miss**: `memdesc show folio --json` takes 9.00x `python -c pass`, over the 8x limit"),
    ],
)
def test_render_cli_miss(ratio: float, verdict: str) -> None:
    results = copy.deepcopy(CANNED)
    results["benchmarks"]["cli-latency"]["result"]["ratio"] = ratio
    page = run.render(results)
    assert verdict in section(page, "CLI latency")
    assert (
        f"| [CLI latency](#cli-latency) | {ratio:.2f}x `python -c pass` | ≤ 5x (goal), ≤ 8x (limit) | **miss** |"
        in page
    )


def test_render_btf_miss_failure_and_not_run() -> None:
    results = copy.deepcopy(CANNED)
    results["benchmarks"]["btf-parse"]["result"]["ratio"] = 3.4
    results["benchmarks"]["model-scale"] = {"command": "python benchmarks/model_scale.py --json", "error": "exited 1"}
    del results["benchmarks"]["cli-latency"]
    page = run.render(results)
    assert "**Verdict:** **miss**: memdesc parse takes 3.40x bpftool (target ≤ 3x)." in page
    assert "Failed: `python benchmarks/model_scale.py --json` exited 1; no figures." in section(page, "Model scale")
    assert "| Model scale | failed | ≤ 1x struct page | **error** |" in page
    assert section(page, "CLI latency").strip() == "Not run in this run (`--only`)."


def test_render_census_and_import_misses() -> None:
    results = copy.deepcopy(CANNED)
    results["benchmarks"]["census-cpu"]["result"]["ratio"] = 6.2
    results["benchmarks"]["import-model"]["result"].update(seconds=1.3, ratio=11.0)
    page = run.render(results)
    assert "**Verdict:** **miss**: the census takes 6.20x bpftool's CPU time (target ≤ 2.5x)." in page
    assert "| [Census CPU](#census-cpu) | 6.20x bpftool CPU | ≤ 2.5x bpftool CPU | **miss** |" in page
    assert (
        "**Verdict:** **miss**: `import model` takes 1.300 s (11.00x `import ontology.types`; target ≤ 0.3 s)." in page
    )


def test_refuses_to_overwrite_a_hand_written_page(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nWritten by hand.\n")
    with pytest.raises(InputError, match="refusing to overwrite"):
        run.write_page(page, run.render(CANNED))
    assert run.main(["--output", str(page)]) == 2  # refused before measuring anything
    assert page.read_text() == "# Benchmarks\n\nWritten by hand.\n"
    assert [path.name for path in tmp_path.iterdir()] == ["benchmarks.md"]


def test_overwrites_its_own_page_atomically(tmp_path: Path) -> None:
    page = tmp_path / "docs" / "benchmarks.md"
    page.parent.mkdir()  # memdesc creates no directories for its output
    run.write_page(page, run.render(CANNED))
    results = copy.deepcopy(CANNED)
    results["meta"]["date"] = "2025-02-03 04:05 UTC"
    run.write_page(page, run.render(results))
    assert "2025-02-03 04:05 UTC" in page.read_text()
    assert [path.name for path in page.parent.iterdir()] == ["benchmarks.md"]  # no temp file left


def test_every_benchmark_script_is_run() -> None:
    assert run.unregistered_scripts() == []
    assert set(run.RENDERERS) == set(run.BY_NAME) == set(run.TARGETS)


@pytest.mark.parametrize("script", ["census_cpu", "import_model"])
def test_cpu_ratio_scripts_run(script: str) -> None:
    if script == "census_cpu" and not Path("/sys/kernel/btf/vmlinux").exists():
        pytest.skip("needs the running kernel's BTF")
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{script}.py"), "--rounds", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results["ratio"] > 0 and results["rounds"] == 1


def test_cli_latency_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "cli_latency.py"), "--rounds", "2", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    results = json.loads(done.stdout)
    assert results["ratio"] > 0
    assert results["rows"]["memdesc show folio --json"]["wall_seconds"] > 0
    assert all(row["samples"] >= 2 for row in results["rows"].values())
