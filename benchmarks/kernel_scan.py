"""Kernel scan speed: `propose check --kernel-src`'s call-site scan of a whole kernel tree, against grep.

For each worked proposal (docs/proposals/*.toml), the functions it changes are scanned for in a
kernel source tree (Debian's linux-source package unpacked, say), in interleaved rounds with the
baseline: `grep -rn -w -E 'f1|f2|...' --include=*.c --include=*.h --include=*.rs TREE`, which
finds every line naming one of them (comments, definitions and all: less work than the scan,
which also tells calls from the rest). Rows: median wall and CPU seconds (user + system, the
scan's worker processes included) of the scan on one core and on every core, and of grep; the
ratio scan / grep; the first scan's time (its page cache may be cold). Target: the whole tree
in under 60 s.

    python benchmarks/kernel_scan.py --kernel-src /usr/src/linux-source-7.3 [--rounds 3] [--json]

Without --kernel-src: $MEMDESC_KERNEL_SRC, else the first /usr/src/linux-source-* or
/work/kernel-src/linux-source-* directory; with none, the JSON says `skipped` and why.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
GOAL_SECONDS = 60.0


def default_tree() -> Path | None:
    named = os.environ.get("MEMDESC_KERNEL_SRC")
    if named:
        return Path(named)
    found = sorted(glob.glob("/usr/src/linux-source-*/")) + sorted(glob.glob("/work/kernel-src/linux-source-*/"))
    return Path(found[-1]) if found else None


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds of `work`, the CPU of this process and of children it waited for."""
    before, start = os.times(), time.perf_counter()
    work()
    wall, after = time.perf_counter() - start, os.times()
    cpu = sum(after[:4]) - sum(before[:4])
    return wall, cpu


def functions_of(proposal: Path) -> tuple[str, ...]:
    from checker.proposal_pipeline import apply_proposal, changed_functions

    return changed_functions(apply_proposal(proposal))


def grep(tree: Path, names: tuple[str, ...]) -> None:
    pattern = "|".join(names)
    command = ["grep", "-rn", "-w", "-E", pattern, "--include=*.c", "--include=*.h", "--include=*.rs", "."]
    subprocess.run(command, cwd=tree, stdout=subprocess.DEVNULL, check=False)


def measure(tree: Path, proposal: Path, rounds: int) -> dict[str, Any]:
    from ontology.proposal.kernel_scan import scan_tree

    names = functions_of(proposal)
    cores = os.cpu_count() or 1
    sites = len(scan_tree(tree, names, workers=1).sites)  # also the first (maybe cold) run
    runs: dict[str, list[tuple[float, float]]] = {"scan_1_core": [], f"scan_{cores}_cores": [], "grep": []}
    for _ in range(rounds):
        runs["grep"].append(timed(lambda: grep(tree, names)))
        runs["scan_1_core"].append(timed(lambda: scan_tree(tree, names, workers=1)))
        runs[f"scan_{cores}_cores"].append(timed(lambda: scan_tree(tree, names, workers=cores)))
    rows = {
        name: {
            "wall_seconds": round(statistics.median(w for w, _ in values), 3),
            "cpu_seconds": round(statistics.median(c for _, c in values), 3),
        }
        for name, values in runs.items()
    }
    best = min(rows[name]["wall_seconds"] for name in rows if name.startswith("scan"))
    return {
        "functions": len(names),
        "call_sites": sites,
        "rows": rows,
        "best_scan_wall_seconds": best,
        "scan_over_grep": round(best / rows["grep"]["wall_seconds"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernel-src", type=Path, default=None, help="the kernel tree (default: see above)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--proposal", action="append", default=None, help="a proposal file (default: all four)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    tree = args.kernel_src or default_tree()
    result: dict[str, Any] = {"goal_wall_seconds": GOAL_SECONDS, "rounds": args.rounds}
    if tree is None or not tree.is_dir():
        result["skipped"] = f"no kernel tree ({tree or 'none found'}); give --kernel-src"
    else:
        from ontology.proposal.kernel_scan import kernel_release, source_files

        start = time.perf_counter()
        files = sum(1 for _ in source_files(tree))
        result.update(
            tree=str(tree),
            release=kernel_release(tree),
            files=files,
            walk_seconds=round(time.perf_counter() - start, 3),
        )
        proposals = (
            [Path(p) for p in args.proposal] if args.proposal else sorted((REPO / "docs" / "proposals").glob("*.toml"))
        )
        result["proposals"] = {}
        for proposal in proposals:
            print(f"kernel_scan.py: {proposal.name}", file=sys.stderr, flush=True)
            result["proposals"][proposal.stem] = measure(tree, proposal, args.rounds)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, row in result.get("proposals", {}).items():
            print(
                f"{name}: {row['call_sites']} sites of {row['functions']} functions; {row['rows']}; "
                f"scan/grep {row['scan_over_grep']}x"
            )
        if "skipped" in result:
            print(result["skipped"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
