"""The twelve real kernels' BTF bundled for the tests (ontology/kernels), decompressed and parsed
once per session, and the release each is verified at."""

from __future__ import annotations

import functools
import lzma
from pathlib import Path

from ontology.btf import Btf
from ontology.verify import release_of

KERNELS_DIR = Path(__file__).resolve().parents[2] / "ontology" / "kernels"
KERNELS = sorted(KERNELS_DIR.glob("*.btf.xz"))
API_ASPECTS = frozenset({"in BTF", "returns", "parameters", "parameter", "parameter position"})
"""What verify decides about functions, predicates and conversions (the API data); the rest is
layouts: structs, fields, sizes, matches, page types, typedefs, handles."""


def version(path: Path) -> str:
    """`linux-6.12.117-cloud-amd64.btf.xz` -> `6.12.117`."""
    return path.name.split("-")[1].removesuffix(".btf.xz")


def release(path: Path) -> str:
    found = release_of(version(path))
    assert found is not None, path
    return found


@functools.cache
def kernel_btf(path: Path) -> Btf:
    return Btf(lzma.decompress(path.read_bytes()), path.name)
