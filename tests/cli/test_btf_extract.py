"""`memdesc btf extract` and `--base-btf`: exact bytes out, only memdesc's files replaced, one-line errors."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from tests.support.btf_sample import SAMPLE_LE
from tests.support.kernel_images import bzimage, compress, elf_image, vmlinux
from tests.support.paths import KERNELS, ROOT

BASE = KERNELS / "linux-6.1.192-amd64.btf.xz"
ZSMALLOC = ROOT / "tests" / "data" / "modules" / "zsmalloc-6.1.0-57-amd64.btf.xz"


def _memdesc(*args: str, cwd: Path, stdout: int | None = None) -> subprocess.CompletedProcess[bytes]:
    """The installed entry point (fast path included), as a user runs it."""
    return subprocess.run(
        [sys.executable, "-c", "from memdesc.entry import main; main()", *args],
        capture_output=stdout is None,
        stdout=stdout,
        stderr=subprocess.PIPE if stdout is not None else None,
        env={**os.environ, "MEMDESC_CACHE_DIR": str(cwd / "cache")},
        cwd=cwd,
        timeout=300,
        check=False,
    )


@pytest.fixture
def vmlinuz(tmp_path: Path) -> Path:
    path = tmp_path / "vmlinuz-6.1.0-57-amd64"
    path.write_bytes(bzimage(vmlinux(SAMPLE_LE), "xz"))
    return path


def test_extract_writes_the_section_and_says_the_release(vmlinuz: Path, tmp_path: Path) -> None:
    out = tmp_path / "vmlinux.btf"
    result = CliRunner().invoke(app, ["btf", "extract", str(vmlinuz), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == SAMPLE_LE
    assert result.stdout == ""
    assert result.stderr == (
        f"{vmlinuz}: bzImage > xz > ELF > BTF: {len(SAMPLE_LE)} bytes of BTF; 6.1.0-57-amd64 (Linux 6.1.192)\n"
    )
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("dash", [True, False])
def test_extract_to_a_pipe(dash: bool, vmlinuz: Path, tmp_path: Path) -> None:
    args = ["btf", "extract", str(vmlinuz), *(["-o", "-"] if dash else [])]
    done = _memdesc(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == SAMPLE_LE
    assert done.stderr.decode().endswith("6.1.0-57-amd64 (Linux 6.1.192)\n")


def test_extract_refuses_a_terminal(vmlinuz: Path, tmp_path: Path) -> None:
    parent, child = pty.openpty()
    try:
        done = _memdesc("btf", "extract", str(vmlinuz), cwd=tmp_path, stdout=child)
    finally:
        os.close(child)
    os.set_blocking(parent, False)
    try:
        shown = os.read(parent, 4096)
    except (BlockingIOError, OSError):
        shown = b""
    os.close(parent)
    assert done.returncode == 2
    assert shown == b""
    assert done.stderr.decode() == (
        "memdesc: error: refusing to write binary BTF to a terminal; give -o FILE or redirect stdout\n"
    )


def test_extract_replaces_only_btf(vmlinuz: Path, tmp_path: Path) -> None:
    mine = tmp_path / "notes.txt"
    mine.write_text("my notes\n")
    result = CliRunner().invoke(app, ["btf", "extract", str(vmlinuz), "-o", str(mine)])
    assert result.exit_code == 2
    assert result.stderr == f"memdesc: error: {mine}: refusing to overwrite a file that is not BTF\n"
    assert mine.read_text() == "my notes\n"
    old = tmp_path / "old.btf"
    old.write_bytes(b"\x9f\xeb\x01\x00" + bytes(30))
    old.chmod(0o640)
    assert CliRunner().invoke(app, ["btf", "extract", str(vmlinuz), "-o", str(old)]).exit_code == 0
    assert old.read_bytes() == SAMPLE_LE and old.stat().st_mode & 0o777 == 0o640
    link = tmp_path / "link.btf"
    link.symlink_to(old)
    result = CliRunner().invoke(app, ["btf", "extract", str(vmlinuz), "-o", str(link)])
    assert result.exit_code == 2 and "symbolic link" in result.stderr
    result = CliRunner().invoke(app, ["btf", "extract", str(vmlinuz), "-o", str(tmp_path / "no" / "x.btf")])
    assert result.exit_code == 2 and "no such directory" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.btf", "notes.txt", "old.btf", "vmlinuz-6.1.0-57-amd64"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "wrong magic 0x8950"),
        (compress("xz", b"not btf at all"), "wrong magic 0x6e6f"),
        (compress("zstd", vmlinux(SAMPLE_LE))[:200], "zstd data is truncated"),
        (elf_image([(".text", 1, 0, b"\x90")]), "ELF file has no .BTF section"),
        ("dir", "is a directory"),
        (None, "no such file"),
    ],
)
def test_extract_bad_images(content: bytes | str | None, fragment: str, tmp_path: Path) -> None:
    image = tmp_path / "image"
    if content == "dir":
        image.mkdir()
    elif isinstance(content, bytes):
        image.write_bytes(content)
    out = tmp_path / "out.btf"
    result = CliRunner().invoke(app, ["btf", "extract", str(image), "-o", str(out)])
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"memdesc: error: {image}: ") and fragment in lines[0], lines
    assert not out.exists()


def test_extract_a_module_writes_its_split_btf(tmp_path: Path) -> None:
    module = tmp_path / "zsmalloc.ko"
    modinfo = b"vermagic=6.1.0-57-amd64 SMP preempt mod_unload modversions \0"
    module.write_bytes(elf_image([(".modinfo", 1, 0, modinfo), (".BTF", 1, 0, SAMPLE_LE)], e_type=1))
    done = _memdesc("btf", "extract", str(module), cwd=tmp_path)
    assert done.stdout == SAMPLE_LE
    assert done.stderr.decode() == f"{module}: ELF > BTF: {len(SAMPLE_LE)} bytes of BTF; 6.1.0-57-amd64 (Linux 6.1)\n"


# -- --base-btf: a module's BTF in verify and census, typer and fast path alike


@pytest.mark.parametrize("command", ["census", "verify"])
def test_module_without_its_base_is_one_line(command: str, tmp_path: Path) -> None:
    done = _memdesc(command, "--btf", str(ZSMALLOC), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.decode() == (
        f"memdesc: error: {ZSMALLOC}: split BTF (a module's): give the vmlinux BTF it continues too (--base-btf)\n"
    )


def test_census_of_a_module_with_its_base(tmp_path: Path) -> None:
    """The module's zs_* functions that take struct page join the base kernel's count."""
    import json

    alone = json.loads(_memdesc("census", "--btf", str(BASE), "--json", cwd=tmp_path).stdout)
    args = ["census", "--btf", str(ZSMALLOC), "--base-btf", str(BASE), "--json"]
    fast = _memdesc(*args, cwd=tmp_path)
    assert fast.returncode == 0, fast.stderr
    together = json.loads(fast.stdout)
    assert together["functions"] > alone["functions"]
    assert together["counts"]["page"] > alone["counts"]["page"]
    assert together["btf"] == str(ZSMALLOC)
    cached = _memdesc(*args, cwd=tmp_path)  # the same again, from the cache
    assert cached.stdout == fast.stdout
    typer_run = CliRunner().invoke(app, [*args, "--no-cache"])
    assert typer_run.exit_code == 0 and json.loads(typer_run.stdout) == together


def test_verify_draft_reads_a_module_with_its_base() -> None:
    result = CliRunner().invoke(app, ["verify", "--draft", "--btf", str(ZSMALLOC), "--base-btf", str(BASE)])
    assert result.exit_code == 0, result.stderr
