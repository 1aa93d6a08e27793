"""Where the test suite finds the repository and its test data, wherever a test file sits."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository root (the checkout, not the installed package)."""

FIXTURES = ROOT / "tests" / "fixtures"
MINI = FIXTURES / "mini.toml"
"""A small hand-written ontology that the lint, export and CLI tests mutate."""
HISTORY = FIXTURES / "history.toml"
"""A small versioned ontology: dated facts, earlier states as changes, a vendor-only field."""
KERNELS = ROOT / "ontology" / "kernels"
"""The BTF (xz) of twelve real kernels, 6.1 to 7.3, named as their README lists them."""
