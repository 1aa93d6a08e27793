"""Model scale: a 16 GiB machine (4,194,304 pages) against a 1 GiB one, same operation mix.

Measures, in one process:
- bytes_per_page: memory of the modelled mem_map (its columns and sparse words) per page, and
  the Python heap the whole booted machine takes per page (tracemalloc), both for 16 GiB;
- cost_ratio_16g_vs_1g: time per operation of the same seeded alloc/free mix (orders 0-3,
  kernel and movable highmem requests, up to a fixed number of live allocations) on 16 GiB
  over 1 GiB; near 1 means the model's costs do not grow with memory size;
- operations per second on each machine.

    python benchmarks/model_scale.py [--json] [--ops 200000]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
import tracemalloc
from typing import Any

import model  # noqa: F401  (registers the model's implementations)
from model import pageflags as pf
from model.machine import Machine, boot
from model.page_alloc import __free_pages, alloc_pages

GIB_PAGES = 262144
"""Pages in 1 GiB of 4 KiB pages."""

LAYOUT = {"DMA32": 1 / 16, "NORMAL": 11 / 16, "HIGHMEM": 2 / 16, "MOVABLE": 2 / 16}
"""Share of each zone, the same for every machine size."""


def make_machine(gib: int) -> Machine:
    pages = gib * GIB_PAGES
    return boot({zone: int(pages * share) for zone, share in LAYOUT.items()})


def workload(ops: int, live_limit: int, seed: int) -> float:
    """Seconds for `ops` allocations and frees on the current machine."""
    rng = random.Random(seed)
    live: list[tuple[Any, int]] = []
    gfps = (pf.GFP_KERNEL, pf.GFP_HIGHUSER_MOVABLE, pf.GFP_KERNEL | pf.__GFP_COMP)
    start = time.perf_counter()
    for _ in range(ops):
        if live and (len(live) >= live_limit or rng.random() < 0.5):
            page, order = live.pop(rng.randrange(len(live)))
            __free_pages(page, order)
        else:
            order = rng.choice((0, 0, 0, 0, 1, 2, 3))
            page = alloc_pages(rng.choice(gfps), order)
            if page is not None:
                live.append((page, order))
    for page, order in live:
        __free_pages(page, order)
    return time.perf_counter() - start


def measure(ops: int, live_limit: int = 4096, seed: int = 2021) -> dict[str, Any]:
    results: dict[str, Any] = {}
    per_op: dict[int, float] = {}
    for gib in (1, 16):
        gc.collect()
        tracemalloc.start()
        boot_start = time.perf_counter()
        machine = make_machine(gib)
        boot_seconds = time.perf_counter() - boot_start
        heap, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        workload(ops // 10, live_limit, seed + 1)  # warm up
        seconds = min(workload(ops, live_limit, seed) for _ in range(3))
        per_op[gib] = seconds / ops
        results[f"{gib}g"] = {
            "pages": machine.nr_pages,
            "boot_seconds": round(boot_seconds, 3),
            "memmap_bytes_per_page": round(machine.mem.bytes_per_page(), 2),
            "heap_bytes_per_page": round(heap / machine.nr_pages, 2),
            "ops_per_second": round(ops / seconds),
        }
        del machine
    results["bytes_per_page"] = results["16g"]["memmap_bytes_per_page"]
    results["heap_bytes_per_page_16g"] = results["16g"]["heap_bytes_per_page"]
    results["cost_ratio_16g_vs_1g"] = round(per_op[16] / per_op[1], 3)
    results["ops"] = ops
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--ops", type=int, default=200000)
    args = parser.parse_args()
    results = measure(args.ops)
    if args.json:
        print(json.dumps(results, indent=2, sort_keys=True))
        return
    for size in ("1g", "16g"):
        row = results[size]
        print(
            f"{size}: {row['pages']} pages, boot {row['boot_seconds']} s, mem_map {row['memmap_bytes_per_page']} "
            f"B/page, heap {row['heap_bytes_per_page']} B/page, {row['ops_per_second']} ops/s"
        )
    print(f"bytes_per_page (16 GiB mem_map): {results['bytes_per_page']}")
    print(f"cost_ratio_16g_vs_1g: {results['cost_ratio_16g_vs_1g']}")


if __name__ == "__main__":
    main()
