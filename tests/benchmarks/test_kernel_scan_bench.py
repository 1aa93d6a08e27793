"""benchmarks/kernel_scan.py on a small tree built here (its output, not its numbers), and the
page section run.py renders from it, measured or skipped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.test_run import BENCHMARKS, run
from tests.cli.test_propose_kernel import OPERATIONS
from tests.ontology.proposal.test_kernel_scan import make_tree
from tests.support.proposals import write


def bench(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "kernel_scan.py"), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert isinstance(result, dict)
    return result


def test_the_scan_is_measured_against_grep(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "linux")
    proposal = write(tmp_path, OPERATIONS, name="p.toml")
    result = bench("--kernel-src", str(tree), "--rounds", "1", "--proposal", str(proposal))
    row = result["proposals"]["p"]  # type: ignore[index]
    assert (row["functions"], row["call_sites"]) == (2, 9)
    assert {"scan_1_core", "grep"} <= set(row["rows"])
    body, figure, passed = run.render_kernel_scan(result, {})
    assert passed is True and figure is not None and "| `p` | 2 | 9 |" in "\n".join(body)


def test_without_a_tree_it_says_skipped(tmp_path: Path) -> None:
    result = bench("--kernel-src", str(tmp_path / "none"), "--rounds", "1")
    assert "skipped" in result and "proposals" not in result
    body, figure, passed = run.render_kernel_scan(result, {})
    assert (figure, passed) == (None, None) and body[0].startswith("Not measured: no kernel tree")
