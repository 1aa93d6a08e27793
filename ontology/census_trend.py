"""`memdesc census --trend`: the descriptor census of every reference kernel, release by release.

For each release one kernel (ontology/kernels: a Debian build, the cloud flavour where there are
two, as the newer releases ship only that one): how many functions take or return each
descriptor (absent where the kernel has no such struct), and between consecutive releases the
functions that moved from page to folio (`ontology.census.compare`).
"""

from __future__ import annotations

import lzma
import re
from pathlib import Path
from typing import Any, NamedTuple

from ontology import REFERENCE_KERNELS
from ontology.btf import Btf, BtfError
from ontology.census import compare, kernel_census
from ontology.facttable import FactTable
from ontology.inputs import BTF_CAP, read_input

_DEBIAN_BUILD = re.compile(r"linux-(?P<version>(?P<release>\d+\.\d+)\.\d+)(?P<cloud>-cloud)?-amd64\.btf\.xz")
"""A Debian build's file name (the kernels' README); other builds (a vendor's) are not in the trend."""


class Kernel(NamedTuple):
    release: str
    version: str
    path: Path


def trend_kernels(directory: Path = REFERENCE_KERNELS) -> list[Kernel]:
    """One Debian kernel per release, oldest first: the cloud flavour where a release has both."""
    chosen: dict[str, tuple[bool, Kernel]] = {}
    for path in sorted(directory.glob("*.btf.xz")):
        match = _DEBIAN_BUILD.fullmatch(path.name)
        if match is None:
            continue
        kernel = Kernel(match["release"], match["version"], path)
        cloud = match["cloud"] is not None
        if match["release"] not in chosen or (cloud and not chosen[match["release"]][0]):
            chosen[match["release"]] = (cloud, kernel)
    kernels = [kernel for _, kernel in chosen.values()]
    return sorted(kernels, key=lambda k: tuple(int(part) for part in k.release.split(".")))


def read_xz_btf(path: Path) -> bytes:
    """The BTF inside one reference kernel's .btf.xz (read and decompressed with caps)."""
    packed = read_input(path, BTF_CAP, "an xz-compressed BTF file")
    decompressor = lzma.LZMADecompressor()
    try:
        blob = decompressor.decompress(packed, max_length=BTF_CAP + 1)
    except lzma.LZMAError as error:
        raise BtfError(f"not xz data: {error}", str(path)) from None
    if len(blob) > BTF_CAP or not decompressor.eof:
        raise BtfError("xz data is truncated or decompresses past the BTF size cap", str(path))
    return blob


def trend(facts: FactTable, kernels: list[Kernel], everything: bool = False) -> dict[str, Any]:
    """Per release the functions using each descriptor; per step the page -> folio moves."""
    rows: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    previous = None
    for kernel in kernels:
        census = kernel_census(facts, Btf(read_xz_btf(kernel.path), kernel.path.name), everything)
        rows.append(
            {
                "release": kernel.release,
                "version": kernel.version,
                "functions": len(census.mentions),
                "counts": census.counts(),
            }
        )
        if previous is not None:
            moved = compare(previous[1], census)["moved"]
            steps.append(
                {
                    "old": previous[0],
                    "new": kernel.release,
                    "page_to_folio": len(moved["in_place"]) + len(moved["renamed"]),
                    "in_place": moved["in_place"],
                    "renamed": moved["renamed"],
                }
            )
        previous = (kernel.release, census)
    descriptors = list(rows[0]["counts"]) if rows else []
    return {"descriptors": descriptors, "kernels": rows, "conversions": steps, "all": everything}
