"""BTF parse speed: memdesc's pure-Python reader against Debian's bpftool, as whole processes.

Each round runs, in alternating order, `bpftool btf dump file BTF` (the baseline) and a Python
process that parses the same file with `ontology.btf.Btf.from_file` (index every record and
check every reference, as libbpf's btf__parse does). A third process also decodes every
record into objects (`decode_all`), reported for information. Prints medians and the ratios
(`--json`: the same as JSON).

    python benchmarks/btf_parse.py [--btf /sys/kernel/btf/vmlinux] [--rounds 11] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PARSE = "import sys; from ontology.btf import Btf; Btf.from_file(sys.argv[1])"
DECODE = "import sys; from ontology.btf import Btf; Btf.from_file(sys.argv[1]).decode_all()"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(btf: Path, rounds: int) -> dict[str, float]:
    bpftool = shutil.which("bpftool") or "/usr/sbin/bpftool"
    commands = {
        "bpftool btf dump": [bpftool, "btf", "dump", "file", str(btf)],
        "memdesc parse": [sys.executable, "-c", PARSE, str(btf)],
        "memdesc parse + decode_all": [sys.executable, "-c", DECODE, str(btf)],
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # warm the page cache and the .pyc files once
        timed(command)
    for round_number in range(rounds):
        order = list(commands.items())
        if round_number % 2:
            order.reverse()
        for name, command in order:
            samples[name].append(timed(command))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--btf", type=Path, default=Path("/sys/kernel/btf/vmlinux"))
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    medians = measure(args.btf, args.rounds)
    baseline = medians["bpftool btf dump"]
    if args.json:
        results = {
            "btf": str(args.btf),
            "btf_bytes": args.btf.stat().st_size,
            "rounds": args.rounds,
            "baseline": "bpftool btf dump",
            "medians_seconds": {name: round(seconds, 4) for name, seconds in medians.items()},
            "over_baseline": {name: round(seconds / baseline, 3) for name, seconds in medians.items()},
            "ratio": round(medians["memdesc parse"] / baseline, 3),
        }
        print(json.dumps(results, indent=2))
        return
    print(f"BTF: {args.btf} ({args.btf.stat().st_size} bytes), {args.rounds} interleaved rounds, medians:")
    for name, seconds in medians.items():
        print(f"  {name:28} {seconds * 1000:8.1f} ms   {seconds / baseline:5.2f}x bpftool")
    print(f"ratio (memdesc parse / bpftool): {medians['memdesc parse'] / baseline:.2f}")


if __name__ == "__main__":
    main()
