"""Import time of the executable model: `import model` against `import ontology.types`.

`ontology.types` is the generated contract the model is written against, so importing it is
the floor; `import model` should cost little more (no pydantic, no networkx, no lint). Each
sample is a fresh Python process that times its own import statement (wall and CPU), the two
imports alternating; the best of the rounds is reported for each, with the ratio and
`import model`'s absolute time against the issue's 0.3 s goal, judged on CPU time (a busy
machine disturbs it less than wall time, shown beside).

    python benchmarks/import_model.py [--rounds 11] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

GOAL_SECONDS = 0.3
"""The issue's goal: `import model` within 0.3 s on this machine."""

PROBE = (
    "import sys, time\n"
    "wall, cpu = time.perf_counter(), time.process_time()\n"
    "__import__(sys.argv[1])\n"
    "print(time.perf_counter() - wall, time.process_time() - cpu)\n"
)
MODULES = ("ontology.types", "model")
CHILD_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
"""Bytecode caching on, as on a developer's machine: with PYTHONDONTWRITEBYTECODE set (as on
this workplace's shells) every sample would compile the 150 kB generated module again."""


def import_seconds(module: str) -> tuple[float, float]:
    """(wall, CPU) seconds of `import module` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, check=True, env=CHILD_ENV
    )
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def measure(rounds: int) -> dict[str, dict[str, float]]:
    samples: dict[str, list[tuple[float, float]]] = {module: [] for module in MODULES}
    for module in MODULES:  # warm the .pyc files once
        import_seconds(module)
    for round_number in range(rounds):
        for module in MODULES if round_number % 2 == 0 else reversed(MODULES):
            samples[module].append(import_seconds(module))
    return {
        module: {"wall_seconds": min(wall for wall, _ in values), "cpu_seconds": min(cpu for _, cpu in values)}
        for module, values in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    best = measure(args.rounds)
    model, baseline = best["model"]["cpu_seconds"], best["ontology.types"]["cpu_seconds"]
    if args.json:
        results = {
            "rounds": args.rounds,
            "baseline": "import ontology.types",
            "goal_seconds": GOAL_SECONDS,
            "best": {f"import {module}": {k: round(v, 4) for k, v in row.items()} for module, row in best.items()},
            "seconds": round(model, 4),
            "ratio": round(model / baseline, 3),
        }
        print(json.dumps(results, indent=2))
        return
    print(f"best of {args.rounds} fresh processes each:")
    for module, row in best.items():
        print(
            f"  import {module:16} wall {row['wall_seconds'] * 1000:7.1f} ms  CPU {row['cpu_seconds'] * 1000:7.1f} ms"
        )
    print(
        f"import model: {model:.3f} s CPU (goal <= {GOAL_SECONDS:g} s), {model / baseline:.2f}x import ontology.types"
    )


if __name__ == "__main__":
    main()
