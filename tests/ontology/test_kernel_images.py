"""`--btf` reads what users have: raw BTF, compressed BTF, a vmlinux ELF, a bzImage, nested.

Every input is synthetic (tests/support/kernel_images.py): the sample BTF compressed seven ways
(lz4 twice), in ELF files, in bzImages with each payload compression; then truncated, corrupt,
oversized and unknown variants, each of which must end in one `BtfError` line.
"""

from __future__ import annotations

import random
import struct
import sys
from pathlib import Path

import pytest

from ontology import decompress, kernelimage
from ontology.btf import Btf, read_btf
from ontology.kernelimage import load, unwrap
from tests.support.btf_errors import expect_error
from tests.support.btf_sample import SAMPLE_BE, SAMPLE_LE
from tests.support.kernel_images import BANNER, FORMATS, SETUP_VERSION, bzimage, compress, elf_image, vmlinux


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", FORMATS)
def test_compressed_btf(name: str, tmp_path: Path) -> None:
    path = _write(tmp_path, "plain-name", compress(name, SAMPLE_LE))  # no suffix: the magic decides
    image = load(path)
    assert image.btf == SAMPLE_LE
    assert image.layers == (name, "BTF")
    assert image.release is None
    assert read_btf(path) == SAMPLE_LE
    assert Btf.from_file(path).count == Btf(SAMPLE_LE).count


@pytest.mark.parametrize("order", ["<", ">"])
def test_raw_btf_either_order(order: str, tmp_path: Path) -> None:
    blob = SAMPLE_LE if order == "<" else SAMPLE_BE
    assert load(_write(tmp_path, "x.btf", blob)).btf == blob


@pytest.mark.parametrize("symbols", [True, False])
@pytest.mark.parametrize("order", ["<", ">"])
def test_vmlinux_elf(order: str, symbols: bool, tmp_path: Path) -> None:
    """The .BTF section's bytes, and the banner through `linux_banner` or found in .rodata."""
    blob = SAMPLE_LE if order == "<" else SAMPLE_BE
    image = load(_write(tmp_path, "vmlinux", vmlinux(blob, symbols=symbols, order=order)))
    assert image.btf == blob
    assert image.layers == ("ELF", "BTF")
    assert image.release is not None and image.release.text == BANNER
    assert (image.release.release, image.release.version, image.release.major_minor) == (
        "6.1.0-57-amd64",
        "6.1.192",
        "6.1",
    )


def test_symbol_wins_over_rodata_search(tmp_path: Path) -> None:
    """With `.symtab`, `linux_banner` is read where the symbol says, not the first match."""
    decoy = "Linux version 9.9.9 (decoy) #1 SMP"
    rodata = decoy.encode() + b"\0" + BANNER.encode() + b"\n\0"
    at = len(decoy) + 1
    sections = [(".rodata", 1, 0xFFFFFFFF82000000, rodata), (".BTF", 1, 0xFFFFFFFF82400000, SAMPLE_LE)]
    data = elf_image(sections, [("other", 1, 0xFFFFFFFF82000000), ("linux_banner", 1, 0xFFFFFFFF82000000 + at)])
    image = load(_write(tmp_path, "vmlinux", data))
    assert image.release is not None and image.release.text == BANNER
    searched = elf_image(sections)
    found = load(_write(tmp_path, "stripped", searched)).release
    assert found is not None and found.version == "9.9.9"


def test_weak_banner_without_build_number_is_passed_over(tmp_path: Path) -> None:
    """Linux 6.1's .rodata holds init/version.c's weak banner ("# SMP") before the real one."""
    weak = BANNER.replace(" #1 SMP", " # SMP")
    rodata = weak.encode() + b"\n\0" + BANNER.encode() + b"\n\0"
    data = elf_image([(".rodata", 1, 0xFFFFFFFF82000000, rodata), (".BTF", 1, 0xFFFFFFFF82400000, SAMPLE_LE)])
    release = load(_write(tmp_path, "vmlinux", data)).release
    assert release is not None and release.text == BANNER


def test_32_bit_elf_and_module_vermagic(tmp_path: Path) -> None:
    modinfo = b"license=GPL\0vermagic=6.1.0-57-amd64 SMP preempt mod_unload modversions \0name=zsmalloc\0"
    module = elf_image([(".modinfo", 1, 0, modinfo), (".BTF", 1, 0, SAMPLE_LE)], is64=False, e_type=1)
    image = load(_write(tmp_path, "zsmalloc.ko", module))
    assert image.btf == SAMPLE_LE
    assert image.release is not None
    assert (image.release.release, image.release.version, image.release.major_minor) == ("6.1.0-57-amd64", None, "6.1")


@pytest.mark.parametrize("name", FORMATS)
def test_bzimage_each_payload_compression(name: str, tmp_path: Path) -> None:
    image = load(_write(tmp_path, "vmlinuz", bzimage(vmlinux(SAMPLE_LE), name)))
    assert image.btf == SAMPLE_LE
    assert image.layers == ("bzImage", name, "ELF", "BTF")
    assert image.release is not None and image.release.text == SETUP_VERSION  # the outermost says it
    assert image.release.version == "6.1.192"


def test_bzimage_setup_sects_zero_means_four(tmp_path: Path) -> None:
    assert load(_write(tmp_path, "vmlinuz", bzimage(vmlinux(SAMPLE_LE), "gzip", setup_sects=0))).btf == SAMPLE_LE


def test_bzimage_without_version_string_uses_the_banner(tmp_path: Path) -> None:
    release = load(_write(tmp_path, "vmlinuz", bzimage(vmlinux(SAMPLE_LE), "xz", version=None))).release
    assert release is not None and release.text == BANNER


@pytest.mark.parametrize("outer", ["xz", "zstd", "gzip"])
def test_nested_compressed_vmlinux(outer: str, tmp_path: Path) -> None:
    image = load(_write(tmp_path, "vmlinux.x", compress(outer, vmlinux(SAMPLE_LE))))
    assert image.btf == SAMPLE_LE and image.layers == (outer, "ELF", "BTF")
    double = load(_write(tmp_path, "btf.x", compress(outer, compress("bzip2", SAMPLE_LE))))
    assert double.btf == SAMPLE_LE and double.layers == (outer, "bzip2", "BTF")


def test_the_raw_path_imports_no_decompressor(tmp_path: Path) -> None:
    """Reading raw BTF (the census/verify benchmarks' input) loads none of the image modules."""
    import subprocess

    path = _write(tmp_path, "x.btf", SAMPLE_LE)
    code = (
        "import sys; from ontology.btf import Btf; Btf.from_file(sys.argv[1]);"
        "print(sorted(m for m in ('ontology.kernelimage', 'ontology.decompress', 'lzma', 'zstandard', 'lz4', 'gzip', "
        "'bz2', 'zlib') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


# -- bad input: one line each


@pytest.mark.parametrize("name", FORMATS)
def test_truncated_compressed_data(name: str, tmp_path: Path) -> None:
    data = compress(name, vmlinux(SAMPLE_LE) * 3)
    path = _write(tmp_path, "cut", data[: len(data) * 2 // 3])
    label = name.split()[0]
    expect_error(lambda: load(path), str(path), f"{label} data is")


@pytest.mark.parametrize("name", FORMATS)
def test_corrupt_compressed_data(name: str, tmp_path: Path) -> None:
    data = bytearray(compress(name, bytes(random.Random(7).randbytes(20000))))
    for at in range(16, len(data) - 8, 97):
        data[at] ^= 0x5A
    path = _write(tmp_path, "bad", bytes(data))
    text = expect_error(lambda: load(path), str(path))
    assert "corrupt" in text or "truncated" in text or "wrong magic" in text, text


@pytest.mark.parametrize("name", FORMATS)
def test_decompression_bomb_is_capped(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Zeros that decompress past the cap stop there: one line, no runaway allocation."""
    monkeypatch.setattr(kernelimage, "IMAGE_CAP", 1 << 20)
    path = _write(tmp_path, "bomb", compress(name, bytes(4 << 20)))
    expect_error(lambda: load(path), str(path), "decompresses to more than 1048576 bytes", seconds=5)


def test_caps_are_what_the_docs_say() -> None:
    assert kernelimage.IMAGE_CAP == 1 << 30 and kernelimage.FILE_CAP == 256 << 20
    assert decompress.ZSTD_INPUT_STEP * 128 * 1024 // 4 <= 128 << 20  # one zstd call's output stays bounded


def test_compressed_blob_larger_than_btf_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernelimage, "BTF_CAP", len(SAMPLE_LE) - 1)
    path = _write(tmp_path, "big.xz", compress("xz", SAMPLE_LE))
    expect_error(lambda: load(path), str(path), "larger than")


def test_bzimage_payload_mismatches(tmp_path: Path) -> None:
    elf = vmlinux(SAMPLE_LE)
    lzo = bzimage(elf, "gzip", compressed=b"\x89LZO\x00\r\n\x1a\n" + bytes(40))
    path = _write(tmp_path, "lzo", lzo)
    expect_error(lambda: load(path), str(path), "lzo-compressed data is not supported")
    unknown = _write(tmp_path, "unknown", bzimage(elf, "gzip", compressed=b"\x01\x02\x03\x04" + bytes(40)))
    expect_error(lambda: load(unknown), str(unknown), "bzImage payload is in no format memdesc reads")
    wrong_size = bzimage(elf, "gzip", compressed=compress("gzip", elf) + struct.pack("<I", len(elf) + 1))
    path = _write(tmp_path, "size", wrong_size)
    expect_error(lambda: load(path), str(path), "not the")
    past = bytearray(bzimage(elf, "xz"))
    struct.pack_into("<I", past, 0x24C, len(past))
    path = _write(tmp_path, "past", bytes(past))
    expect_error(lambda: load(path), str(path), "lies past the end of the file")
    old = _write(tmp_path, "old", bzimage(elf, "xz", protocol=0x0206))
    expect_error(lambda: load(old), str(old), "boot protocol 2.6 is older than 2.08")


def test_bzimage_payload_without_btf(tmp_path: Path) -> None:
    no_btf = elf_image([(".text", 1, 0xFFFFFFFF81000000, b"\x90" * 16)])
    path = _write(tmp_path, "vmlinuz", bzimage(no_btf, "zstd"))
    expect_error(lambda: load(path), str(path), "ELF file has no .BTF section")
    not_btf = elf_image([(".BTF", 1, 0, b"\x00" * 64)])
    path = _write(tmp_path, "vmlinux", not_btf)
    expect_error(lambda: load(path), str(path), ".BTF section does not start with the BTF magic")


def test_bad_elf_files(tmp_path: Path) -> None:
    good = vmlinux(SAMPLE_LE)
    for name, data, fragment in (
        ("short", good[:0x30], "ELF file too short"),
        ("class", good[:4] + b"\x03" + good[5:], "unknown class"),
        ("no-headers", good[:0x28] + bytes(8) + good[0x30:], "no section headers"),
        ("cut", good[: len(good) - 10], "section headers lie past the end"),
    ):
        path = _write(tmp_path, name, data)
        expect_error(lambda path=path: load(path), str(path), fragment)
    btf_past = bytearray(good)
    shoff = struct.unpack_from("<Q", good, 0x28)[0]
    struct.pack_into("<Q", btf_past, shoff + 3 * 64 + 0x20, 1 << 40)  # section 3 (.BTF)'s sh_size
    path = _write(tmp_path, "btf-past", bytes(btf_past))
    expect_error(lambda: load(path), str(path), ".BTF section is")


def test_unknown_and_empty_files(tmp_path: Path) -> None:
    garbage = _write(tmp_path, "garbage", random.Random(3).randbytes(5000))
    text = expect_error(lambda: load(garbage), str(garbage), "wrong magic", "0xeb9f", "xz", "lz4")
    assert "bzImage" in text
    empty = _write(tmp_path, "empty", b"")
    expect_error(lambda: load(empty), str(empty), "empty file")
    expect_error(lambda: load(tmp_path), str(tmp_path), "is a directory")
    expect_error(lambda: load(tmp_path / "absent"), str(tmp_path / "absent"), "no such file")


def test_nesting_is_bounded() -> None:
    data = SAMPLE_LE
    for _ in range(kernelimage.MAX_LAYERS + 1):
        data = compress("gzip", data)
    expect_error(lambda: unwrap(data, "deep"), "deep", "nested more than")


def test_random_prefixes_of_every_container_fail_cleanly(tmp_path: Path) -> None:
    """Every cut of a bzImage (each payload format) or a compressed vmlinux: BTF or one line."""
    rng = random.Random(11)
    inputs = [bzimage(vmlinux(SAMPLE_LE), name) for name in FORMATS]
    inputs += [compress(name, vmlinux(SAMPLE_LE)) for name in FORMATS]
    for data in inputs:
        for cut in sorted(rng.sample(range(len(data)), 12)):
            try:
                assert unwrap(data[:cut], "cut").btf == SAMPLE_LE
            except kernelimage.BtfError as error:
                assert "\n" not in str(error) and str(error).startswith("cut: ")
