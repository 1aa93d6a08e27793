"""Every input file is a regular file read with a cap: a FIFO never blocks, a device is refused,
a symlink loop is named, an unreadable file is one error line (issue 12, items 6, 7 and 9)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from memdesc.fastpath import fast_path
from ontology import inputs
from ontology.errors import InputError
from ontology.inputs import read_input
from ontology.loader import load
from tests.support.btf_errors import time_limit


def _fifo(tmp_path: Path) -> Path:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    return fifo


def _loop(tmp_path: Path) -> Path:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    return tmp_path / "a"


def test_special_files_are_refused_in_one_line(tmp_path: Path) -> None:
    cases = [
        (_fifo(tmp_path), "is a FIFO"),
        (Path("/dev/zero"), "is a character device"),
        (Path("/dev/urandom"), "is a character device"),
        (tmp_path, "is a directory"),
        (_loop(tmp_path), "symlink loop"),
        (tmp_path / "absent", "no such file"),
        (Path("/proc/self/mem"), "cannot read"),  # a "regular" file of size 0 that fails with EIO
    ]
    for path, expected in cases:
        with time_limit(5), pytest.raises(InputError) as caught:
            read_input(path, 1024, "a test file")
        assert str(caught.value).startswith(f"{path}: {expected}"), caught.value
        assert "\n" not in str(caught.value)


def test_reads_are_capped(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    assert read_input(big, 101, "a test file") == b"x" * 101
    with pytest.raises(InputError, match="larger than 100 bytes"):
        read_input(big, 100, "a test file")
    assert inputs.BTF_CAP >= 32 * 1024 * 1024 > inputs.TOML_CAP  # vmlinux BTF is ~6 MiB


def test_an_include_that_is_a_fifo_or_a_loop_is_one_error(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.toml")
    (tmp_path / "loop.toml").symlink_to(tmp_path / "loop.toml")
    for include, expected in (("fifo.toml", "is a FIFO"), ("loop.toml", "symlink loop")):
        root = tmp_path / "root.toml"
        root.write_text(f'[ontology]\nkernel = "6.18"\ntitle = "t"\ninclude = ["{include}"]\n')
        with time_limit(5), pytest.raises(InputError, match=expected):
            load(root)


@pytest.mark.parametrize("command", ["verify", "census"])
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_fifo, "is a FIFO, expected a BTF file or kernel image"),
        (lambda _: Path("/dev/zero"), "is a character device, expected a BTF file or kernel image"),
        (lambda _: Path("/dev/urandom"), "is a character device, expected a BTF file or kernel image"),
        (lambda _: Path("/proc/self/mem"), "cannot read: Input/output error"),
        (_loop, "symlink loop"),
    ],
)
def test_the_fast_path_refuses_special_btf_files(
    command: str,
    make: object,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(tmp_path / "cache"))
    btf = make(tmp_path)  # type: ignore[operator]
    with time_limit(5):
        code = fast_path([command, "--btf", str(btf)])
    assert code == 2 and capsys.readouterr().err == f"memdesc: error: {btf}: {expected}\n"


def test_the_fast_path_refuses_a_fifo_as_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(tmp_path / "cache"))
    fifo = _fifo(tmp_path)
    monkeypatch.chdir(tmp_path)
    with time_limit(5):
        code = fast_path(["census", "--data", str(fifo), "--btf", str(fifo)])
    assert code == 2 and capsys.readouterr().err.count("\n") == 1


def test_an_impact_file_that_is_a_fifo_is_one_error(tmp_path: Path) -> None:
    from checker.proposal_check import read_impact

    fifo = _fifo(tmp_path)
    with time_limit(5), pytest.raises(InputError, match="is a FIFO, expected an impact JSON file"):
        read_impact(fifo)


def test_completion_offers_nothing_for_a_fifo_or_device(tmp_path: Path) -> None:
    from memdesc.completion import type_names

    started = time.monotonic()
    with time_limit(5):  # completion swallows OSError, TimeoutError included: time it too
        assert type_names(_fifo(tmp_path)) == {} and type_names(Path("/dev/zero")) == {}
    assert time.monotonic() - started < 4
