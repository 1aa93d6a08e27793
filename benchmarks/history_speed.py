"""Kernel-history speed: `census --trend`, `show --kernel` and a cold `verify`, as whole processes.

Rows, each a median over interleaved rounds of CPU time (user + system of the child, steadier on
a busy machine than wall time, which is reported too):

- `census --trend` cold (a fresh answer cache each round) and cached, against its targets of
  30 s cold and 0.3 s cached, and against the baseline of bpftool dumping every reference
  kernel's raw BTF once (decompressed beforehand) in the same round;
- `show folio --json --kernel 6.1` against `show folio --json` (both from a warm cache): a
  query about an older release must be as fast as one about the newest;
- `verify --no-cache --kernel 7.3` of the 7.3 reference kernel against `bpftool btf dump ...
  format raw` of the same BTF (the issue's goal: at most 2x).

    python benchmarks/history_speed.py [--rounds 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import lzma
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
KERNELS = REPO / "ontology" / "kernels"
TREND_COLD_GOAL = 30.0
TREND_CACHED_GOAL = 0.3
SHOW_GOAL = 1.1
VERIFY_GOAL = 2.0
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of `command`, its output discarded; it must succeed
    (verify's exit 1, mismatches found, counts as a run: it is still the work measured)."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            os.execvpe(command[0], command, env)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"history_speed: {' '.join(command)} failed")
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - start


def medians(samples: list[tuple[float, float]]) -> dict[str, float]:
    return {
        "cpu_seconds": statistics.median(cpu for cpu, _ in samples),
        "wall_seconds": statistics.median(wall for _, wall in samples),
    }


def measure(rounds: int) -> dict[str, Any]:
    memdesc = str(Path(sys.executable).with_name("memdesc"))
    bpftool = shutil.which("bpftool") or "/usr/sbin/bpftool"
    with tempfile.TemporaryDirectory(prefix="memdesc-history-bench-") as scratch:
        root = Path(scratch)
        raw = []
        for path in sorted(KERNELS.glob("*.btf.xz")):
            target = root / path.name.removesuffix(".xz")
            target.write_bytes(lzma.decompress(path.read_bytes()))
            raw.append(target)
        newest = next(path for path in raw if path.name.startswith("linux-7.3"))
        warm = dict(ENV, MEMDESC_CACHE_DIR=str(root / "warm"))

        def cold_env() -> dict[str, str]:
            return dict(ENV, MEMDESC_CACHE_DIR=tempfile.mkdtemp(dir=root))

        rows: dict[str, tuple[list[str], Callable[[], dict[str, str]]]] = {
            "census --trend (cold)": ([memdesc, "census", "--trend"], cold_env),
            "census --trend (cached)": ([memdesc, "census", "--trend"], lambda: warm),
            "show folio --json": ([memdesc, "show", "folio", "--json"], lambda: warm),
            "show folio --json --kernel 6.1": ([memdesc, "show", "folio", "--json", "--kernel", "6.1"], lambda: warm),
            "verify --no-cache (7.3)": (
                [memdesc, "verify", "--no-cache", "--btf", str(newest), "--kernel", "7.3"],
                lambda: warm,
            ),
            "bpftool raw dump (7.3)": ([bpftool, "btf", "dump", "file", str(newest), "format", "raw"], lambda: ENV),
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in rows}
        samples["bpftool raw dump (every kernel)"] = []
        for command, env in rows.values():  # warm the caches, the page cache and the .pyc files
            run(command, env())
        for round_number in range(rounds):
            order = list(rows.items())
            if round_number % 2:
                order.reverse()
            for name, (command, env) in order:
                samples[name].append(run(command, env()))
            every = [run([bpftool, "btf", "dump", "file", str(path), "format", "raw"], ENV) for path in raw]
            samples["bpftool raw dump (every kernel)"].append(
                (sum(cpu for cpu, _ in every), sum(wall for _, wall in every))
            )
    results = {name: medians(values) for name, values in samples.items()}
    cpu = {name: row["cpu_seconds"] for name, row in results.items()}
    return {
        "rows": results,
        "trend_cold_wall_seconds": results["census --trend (cold)"]["wall_seconds"],
        "trend_cold_over_bpftool_all": round(cpu["census --trend (cold)"] / cpu["bpftool raw dump (every kernel)"], 2),
        "trend_cached_wall_seconds": results["census --trend (cached)"]["wall_seconds"],
        "show_kernel_over_show": round(cpu["show folio --json --kernel 6.1"] / cpu["show folio --json"], 2),
        "verify_over_bpftool": round(cpu["verify --no-cache (7.3)"] / cpu["bpftool raw dump (7.3)"], 2),
        "goals": {
            "trend_cold_wall_seconds": TREND_COLD_GOAL,
            "trend_cached_wall_seconds": TREND_CACHED_GOAL,
            "show_kernel_over_show": SHOW_GOAL,
            "verify_over_bpftool": VERIFY_GOAL,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.rounds)
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
        return
    print(f"{args.rounds} interleaved rounds, medians:")
    for name, row in result["rows"].items():
        print(f"  {name:<34} CPU {row['cpu_seconds'] * 1000:9.1f} ms  wall {row['wall_seconds'] * 1000:9.1f} ms")
    print(
        f"census --trend cold: {result['trend_cold_wall_seconds']:.1f} s wall (goal < {TREND_COLD_GOAL:.0f} s), "
        f"{result['trend_cold_over_bpftool_all']}x bpftool dumping every kernel"
    )
    print(f"census --trend cached: {result['trend_cached_wall_seconds']:.3f} s wall (goal <= {TREND_CACHED_GOAL} s)")
    print(f"show --kernel 6.1 / show: {result['show_kernel_over_show']}x CPU (goal <= {SHOW_GOAL})")
    print(f"verify cold / bpftool raw dump: {result['verify_over_bpftool']}x CPU (goal <= {VERIFY_GOAL})")


if __name__ == "__main__":
    main()
