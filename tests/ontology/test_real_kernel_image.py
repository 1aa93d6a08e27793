"""A real Debian kernel package: `btf extract` of its vmlinuz is byte-identical to objcopy's
`.BTF` of the decompressed vmlinux and to the committed BTF of that build; its zsmalloc.ko's
split BTF resolves against it.

.ci/run downloads the package (`apt-get download linux-image-6.1.0-57-amd64-unsigned`), unpacks
`boot/vmlinuz-*` and `zsmalloc.ko` into a directory and names it in MEMDESC_REAL_KERNEL_DIR;
these tests skip only when that variable is unset (a developer's run without the download).
"""

from __future__ import annotations

import lzma
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ontology.btf import FUNC, STRUCT, Btf, read_btf
from ontology.cview import c_type, prototype
from ontology.kernelimage import load
from tests.support.paths import KERNELS, ROOT

DIRECTORY = os.environ.get("MEMDESC_REAL_KERNEL_DIR")
pytestmark = pytest.mark.skipif(not DIRECTORY, reason="MEMDESC_REAL_KERNEL_DIR is unset (.ci/run sets it)")
COMMITTED = {
    "6.1.192": KERNELS / "linux-6.1.192-amd64.btf.xz",
}
"""The committed vmlinux BTF of each build .ci/run may download, by upstream version."""
ZSMALLOC_6_1_192 = ROOT / "tests" / "data" / "modules" / "zsmalloc-6.1.0-57-amd64.btf.xz"


def _one(pattern: str) -> Path:
    assert DIRECTORY
    found = sorted(Path(DIRECTORY).glob(pattern))
    assert len(found) == 1, f"{pattern} in {DIRECTORY}: {found}"
    return found[0]


@pytest.fixture(scope="module")
def vmlinuz() -> Path:
    return _one("boot/vmlinuz-*")


@pytest.fixture(scope="module")
def extracted(vmlinuz: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, float, str]:
    """`memdesc btf extract` of the vmlinuz, through the installed command: bytes, seconds, stderr."""
    out = tmp_path_factory.mktemp("extract") / "vmlinux.btf"
    start = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from memdesc.entry import main; main()",
            "btf",
            "extract",
            str(vmlinuz),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    return out.read_bytes(), seconds, done.stderr


def _decompressed_vmlinux(vmlinuz: Path) -> bytes:
    """The bzImage payload decompressed without memdesc: the setup header read here, the
    payload handed to the standard library (xz) or zstandard (Debian's two choices)."""
    data = vmlinuz.read_bytes()
    start = ((data[0x1F1] or 4) + 1) * 512
    offset, length = struct.unpack_from("<II", data, 0x248)
    payload = data[start + offset : start + offset + length - 4]
    if payload.startswith(b"\xfd7zXZ\x00"):
        return lzma.decompress(payload)
    import zstandard

    return zstandard.ZstdDecompressor().decompressobj().decompress(payload)


def test_extract_matches_objcopy(vmlinuz: Path, extracted: tuple[bytes, float, str], tmp_path: Path) -> None:
    objcopy = shutil.which("objcopy")
    assert objcopy, "objcopy (binutils) is needed: .ci/run installs it"
    elf = tmp_path / "vmlinux"
    elf.write_bytes(_decompressed_vmlinux(vmlinuz))
    section = tmp_path / "objcopy.btf"
    subprocess.run([objcopy, "-O", "binary", "--only-section=.BTF", str(elf), str(section)], check=True)
    btf, seconds, _ = extracted
    assert btf == section.read_bytes()
    assert Btf(btf).find(STRUCT, "page") is not None
    assert load(elf).btf == btf  # the vmlinux itself, read by offset
    print(f"extract of {vmlinuz.name} ({vmlinuz.stat().st_size} bytes): {len(btf)} bytes of BTF in {seconds:.2f}s")


def test_release_is_the_packages(vmlinuz: Path, extracted: tuple[bytes, float, str]) -> None:
    release = load(vmlinuz).release
    assert release is not None
    assert vmlinuz.name == f"vmlinuz-{release.release}"  # Debian names the file by `uname -r`
    assert release.major_minor == "6.1" and release.version is not None and release.version.startswith("6.1.")
    assert extracted[2].endswith(f"{release.describe()}\n")


def test_extract_matches_the_committed_btf(vmlinuz: Path, extracted: tuple[bytes, float, str]) -> None:
    release = load(vmlinuz).release
    assert release is not None and release.version is not None
    committed = COMMITTED.get(release.version)
    if committed is None:  # only when .ci/run had to fall back to a newer 6.1 build
        pytest.skip(f"no committed BTF of Linux {release.version}")
    assert extracted[0] == read_btf(committed)


def test_zsmalloc_module_against_this_vmlinux(extracted: tuple[bytes, float, str]) -> None:
    module_path = _one("lib/modules/*/kernel/mm/zsmalloc.ko*")
    image = load(module_path)
    assert image.layers[-2:] == ("ELF", "BTF")
    module = Btf(image.btf, str(module_path), Btf(extracted[0], "vmlinux"))
    migrate = prototype(module, "zs_page_migrate")
    assert migrate is not None and [c_type(module, p.type_id) for p in migrate.members][:2] == ["struct page *"] * 2
    assert module.find(FUNC, "zs_malloc") is not None
    release = load(_one("boot/vmlinuz-*")).release
    if release is not None and release.version == "6.1.192":
        assert image.btf == read_btf(ZSMALLOC_6_1_192)  # the committed module BTF is this build's
