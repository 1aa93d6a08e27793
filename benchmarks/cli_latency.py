"""CLI latency: the installed `memdesc` console script against `python -c pass`, as whole processes.

The headline is `memdesc show folio --json`, the query an editor integration repeats: answered
from the answer cache without importing typer (memdesc/fastpath.py, memdesc/entry.py). The
baseline is the cheapest Python process there is, `python -c pass` on the same interpreter
(the venv's), so the ratio is what memdesc adds to starting Python. Extra rows, against the same
baseline: the text form of `show`, `show` of a function and of a field (answered from the same
cache: the index of names, then one bucket of answers), `list --json` and `--help` (both through typer), and
`show folio --json` with a cold answer cache (MEMDESC_CACHE_DIR a fresh empty directory each
round) to show what the cache buys. Warm rows use a private cache directory filled by the
warm-up, so the user's ~/.cache is neither read nor written.

Each round runs every row next to a baseline run, the pair's order flipping each round; stdout
goes to a pipe. Figures are medians of wall time (and of CPU time, user + system of the child,
steadier on a busy machine). Target: the headline within 5x the baseline (the goal), 8x at most
(the limit): over 8x exits 1, over 5x prints a warning on stderr.

    python benchmarks/cli_latency.py [--rounds 21] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GOAL = 5.0
"""The issue's goal for the headline ratio."""
LIMIT = 8.0
"""The issue's hard limit for the headline ratio: over it, exit 1."""
BASELINE = "python -c pass"
HEADLINE = "memdesc show folio --json"
COLD = "memdesc show folio --json (cold cache)"
CHILD_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
"""Bytecode caching on for every child (baseline included), as on a developer's machine."""


@dataclass(frozen=True)
class Row:
    name: str
    args: list[str]
    cold_cache: bool = False
    """Run with MEMDESC_CACHE_DIR set to a fresh empty directory."""


def memdesc_script() -> Path:
    """The console script installed beside this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "memdesc"
    if beside.exists():
        return beside
    found = shutil.which("memdesc")
    if found is None:
        raise SystemExit("cli_latency: no `memdesc` console script beside the interpreter or on PATH")
    return Path(found)


def rows(script: Path) -> list[Row]:
    memdesc = str(script)
    return [
        Row(HEADLINE, [memdesc, "show", "folio", "--json"]),
        Row("memdesc show folio", [memdesc, "show", "folio"]),
        Row("memdesc show filemap_lock_folio --json", [memdesc, "show", "filemap_lock_folio", "--json"]),
        Row("memdesc show slab.slab_cache", [memdesc, "show", "slab.slab_cache"]),
        Row("memdesc list --json", [memdesc, "list", "--json"]),
        Row("memdesc --help", [memdesc, "--help"]),
        Row(COLD, [memdesc, "show", "folio", "--json"], cold_cache=True),
    ]


def run_once(args: list[str], env: dict[str, str], expect_output: bool = True) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process, its stdout read through a pipe."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or (expect_output and not done.stdout):
        error = done.stderr.decode(errors="replace")[-2000:]
        raise SystemExit(f"cli_latency: {' '.join(args)} exited {done.returncode}:\n{error}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(rounds: int, warmup: int = 1) -> dict[str, Any]:
    script = memdesc_script()
    baseline_args = [sys.executable, "-c", "pass"]
    table = rows(script)
    wall: dict[str, list[float]] = {name: [] for name in [BASELINE, *(row.name for row in table)]}
    cpu: dict[str, list[float]] = {name: [] for name in wall}
    with tempfile.TemporaryDirectory(prefix="cli-latency-") as work:
        warm_env = {**CHILD_ENV, "MEMDESC_CACHE_DIR": str(Path(work) / "warm")}

        def env_for(row: Row, round_number: int) -> dict[str, str]:
            if not row.cold_cache:
                return warm_env
            fresh = Path(work) / f"cold-{round_number}"
            fresh.mkdir()
            return {**warm_env, "MEMDESC_CACHE_DIR": str(fresh)}

        for warm_round in range(warmup):  # .pyc files, the OS file cache, the warm answer cache
            run_once(baseline_args, warm_env, expect_output=False)
            for row in table:
                run_once(row.args, env_for(row, -1 - warm_round))
        for round_number in range(rounds):
            for row in table:
                pair = [
                    (BASELINE, baseline_args, warm_env, False),
                    (row.name, row.args, env_for(row, round_number), True),
                ]
                if round_number % 2:
                    pair.reverse()
                for name, args, env, expect_output in pair:
                    seconds, cpu_seconds = run_once(args, env, expect_output)
                    wall[name].append(seconds)
                    cpu[name].append(cpu_seconds)
    return summarize(script, rounds, wall, cpu)


def summarize(script: Path, rounds: int, wall: dict[str, list[float]], cpu: dict[str, list[float]]) -> dict[str, Any]:
    base_wall = statistics.median(wall[BASELINE])
    base_cpu = statistics.median(cpu[BASELINE])
    table: dict[str, Any] = {}
    for name in wall:
        median_wall = statistics.median(wall[name])
        median_cpu = statistics.median(cpu[name])
        table[name] = {
            "wall_seconds": round(median_wall, 4),
            "cpu_seconds": round(median_cpu, 4),
            "over_baseline": round(median_wall / base_wall, 2),
            "over_baseline_cpu": round(median_cpu / base_cpu, 2) if base_cpu else None,
            "samples": len(wall[name]),
        }
    ratio = table[HEADLINE]["over_baseline"]
    return {
        "python": sys.executable,
        "memdesc": str(script),
        "rounds": rounds,
        "baseline": BASELINE,
        "headline": HEADLINE,
        "goal": GOAL,
        "limit": LIMIT,
        "rows": table,
        "ratio": ratio,
        "within_goal": ratio <= GOAL,
        "within_limit": ratio <= LIMIT,
    }


def print_table(results: dict[str, Any]) -> None:
    print(f"{results['memdesc']} against `{results['python']} -c pass`; median of {results['rounds']} rounds")
    print(f"{'command':<42} {'wall ms':>8} {'ratio':>6} {'cpu ms':>7} {'cpu ratio':>9}")
    for name, row in results["rows"].items():
        cpu_ratio = row["over_baseline_cpu"]
        print(
            f"{name:<42} {row['wall_seconds'] * 1000:>8.1f} {row['over_baseline']:>6.2f}"
            f" {row['cpu_seconds'] * 1000:>7.1f} {cpu_ratio if cpu_ratio is not None else '-':>9}"
        )
    print(f"ratio ({results['headline']} / {results['baseline']}): {results['ratio']:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=21, help="rounds; each figure is the median (default 21)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    results = measure(args.rounds)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)
    ratio = results["ratio"]
    if ratio > LIMIT:
        print(f"error: {HEADLINE} takes {ratio:.2f}x `{BASELINE}`: over the {LIMIT:g}x limit", file=sys.stderr)
        return 1
    if ratio > GOAL:
        print(f"warning: {HEADLINE} takes {ratio:.2f}x `{BASELINE}`: over the {GOAL:g}x goal", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
