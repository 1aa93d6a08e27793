"""Census CPU time: a cold `memdesc census --no-cache` against bpftool dumping the same BTF.

Each round runs, in alternating order, `bpftool btf dump file BTF format raw` (the baseline:
libbpf parsing the BTF and printing every record) and `memdesc census --no-cache --btf BTF`
(start Python, load and lint the ontology, parse the BTF, scan every function). Each is a
whole process; its CPU time (user + system, from os.wait4) is what is compared, since a busy
machine disturbs it less than wall time. The census writes its answer to a throwaway cache
directory, never the user's. Prints medians and the ratio (`--json`: the same as JSON).

    python benchmarks/census_cpu.py [--btf /sys/kernel/btf/vmlinux] [--rounds 11] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

GOAL = 2.5
"""The issue's goal: a cold census within 2.5x bpftool's CPU time."""


def cpu_seconds(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of `command`, its output discarded."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: silence it, then become the command
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            os.execvpe(command[0], command, env)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"census_cpu: {' '.join(command)} failed")
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - start


def measure(btf: Path, rounds: int) -> dict[str, dict[str, float]]:
    bpftool = shutil.which("bpftool") or "/usr/sbin/bpftool"
    memdesc = str(Path(sys.executable).with_name("memdesc"))
    commands = {
        "bpftool btf dump format raw": [bpftool, "btf", "dump", "file", str(btf), "format", "raw"],
        "memdesc census --no-cache": [memdesc, "census", "--no-cache", "--btf", str(btf)],
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory(prefix="memdesc-census-bench-") as cache:
        # Bytecode caching on, as on a user's machine (the other benchmarks do the same): with
        # PYTHONDONTWRITEBYTECODE set, every run would compile memdesc's sources again.
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["MEMDESC_CACHE_DIR"] = cache
        for command in commands.values():  # warm the page cache and the .pyc files once
            cpu_seconds(command, env)
        for round_number in range(rounds):
            order = list(commands.items())
            if round_number % 2:
                order.reverse()
            for name, command in order:
                samples[name].append(cpu_seconds(command, env))
    return {
        name: {
            "cpu_seconds": statistics.median(cpu for cpu, _ in values),
            "wall_seconds": statistics.median(wall for _, wall in values),
            "best_cpu_seconds": min(cpu for cpu, _ in values),
        }
        for name, values in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--btf", type=Path, default=Path("/sys/kernel/btf/vmlinux"))
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    rows = measure(args.btf, args.rounds)
    baseline_name = "bpftool btf dump format raw"
    baseline = rows[baseline_name]["cpu_seconds"]
    ratio = rows["memdesc census --no-cache"]["cpu_seconds"] / baseline
    if args.json:
        results = {
            "btf": str(args.btf),
            "rounds": args.rounds,
            "baseline": baseline_name,
            "goal": GOAL,
            "rows": {
                name: {key: round(value, 4) for key, value in row.items()}
                | {"over_baseline_cpu": round(row["cpu_seconds"] / baseline, 3)}
                for name, row in rows.items()
            },
            "ratio": round(ratio, 3),
        }
        print(json.dumps(results, indent=2))
        return
    print(f"BTF: {args.btf}, {args.rounds} interleaved rounds, medians:")
    for name, row in rows.items():
        print(
            f"  {name:28} CPU {row['cpu_seconds'] * 1000:7.1f} ms  wall {row['wall_seconds'] * 1000:7.1f} ms  "
            f"{row['cpu_seconds'] / baseline:5.2f}x bpftool CPU"
        )
    print(f"ratio (census CPU / bpftool CPU): {ratio:.2f} (goal <= {GOAL:g})")


if __name__ == "__main__":
    main()
