"""The release an image states, parsed from real strings: the ABI name is not the upstream version."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ontology import kernelimage
from ontology.kernelimage import load
from ontology.kernelrelease import parse_release
from tests.support.btf_sample import SAMPLE_LE
from tests.support.kernel_images import BANNER, SETUP_VERSION

REAL = [
    # Debian bookworm linux-image-6.1.0-57-amd64-unsigned 6.1.192-3: linux_banner of its vmlinux,
    # its weak init/version.c twin ("# SMP"), the vmlinuz setup header's kernel_version, the
    # vermagic of its zsmalloc.ko (all read from the package with this reader and `strings`).
    (BANNER, "6.1.0-57-amd64", "6.1.192", "6.1"),
    (BANNER.replace(" #1 SMP", " # SMP"), "6.1.0-57-amd64", "6.1.192", "6.1"),
    (SETUP_VERSION, "6.1.0-57-amd64", "6.1.192", "6.1"),
    ("6.1.0-57-amd64 SMP preempt mod_unload modversions ", "6.1.0-57-amd64", None, "6.1"),
    # Debian's newer release names (packages linux-image-6.12.117+deb13-cloud-amd64 6.12.117-1 and
    # linux-binary-7.0.13+deb13-cloud-amd64 7.0.13-1~bpo13+1); the build dates are illustrative.
    (
        "6.12.117+deb13-cloud-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.12.117-1 (2025-11-01)",
        "6.12.117+deb13-cloud-amd64",
        "6.12.117",
        "6.12",
    ),
    ("7.0.13+deb13-cloud-amd64 #1 SMP PREEMPT_DYNAMIC Debian 7.0.13-1~bpo13+1 (2026-05-02)", None, "7.0.13", "7.0"),
    # `uname -r; uname -v` of the machines this project runs on (a vendor 6.18.44 build).
    ("6.18.44-fc-v1272 #1 SMP PREEMPT_DYNAMIC @0", "6.18.44-fc-v1272", "6.18.44", "6.18"),
    # The forms Ubuntu, RHEL and Fedora use (dates illustrative): Ubuntu's and RHEL's X.Y.0-N are
    # ABI names too, so only X.Y is known; Fedora's release starts with the upstream version.
    ("5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023", "5.15.0-91-generic", None, "5.15"),
    ("5.14.0-362.8.1.el9_3.x86_64 #1 SMP PREEMPT_DYNAMIC Tue Oct 3 11:12:36 EDT 2023", None, None, "5.14"),
    ("6.5.6-300.fc39.x86_64 #1 SMP PREEMPT_DYNAMIC Fri Oct  6 19:57:21 UTC 2023", None, "6.5.6", "6.5"),
]


@pytest.mark.parametrize(("text", "release", "version", "major_minor"), REAL)
def test_real_release_strings(text: str, release: str | None, version: str | None, major_minor: str) -> None:
    parsed = parse_release(text)
    assert parsed is not None
    assert parsed.text == text.strip()
    assert parsed.release == (release or text.split()[0])
    assert (parsed.version, parsed.major_minor) == (version, major_minor)


def test_compiler_version_is_not_the_kernel_version() -> None:
    """The banner's compiler part says "Debian 12.2.0-14": only UTS_VERSION's trailer counts."""
    without_trailer = BANNER.replace(" Debian 6.1.192-3", "")
    parsed = parse_release(without_trailer)
    assert parsed is not None and parsed.version is None and parsed.major_minor == "6.1"


@pytest.mark.parametrize("text", ["", "garbage", "Linux version ", "Linux version (none)", "\n"])
def test_no_release(text: str) -> None:
    assert parse_release(text) is None


def test_describe() -> None:
    parsed = parse_release(BANNER)
    assert parsed is not None and parsed.describe() == "6.1.0-57-amd64 (Linux 6.1.192)"
    ubuntu = parse_release("5.15.0-91-generic #101-Ubuntu SMP")
    assert ubuntu is not None and ubuntu.describe() == "5.15.0-91-generic (Linux 5.15)"


def test_running_kernel_path_is_the_readers_default() -> None:
    from ontology.btf import DEFAULT_BTF

    assert kernelimage.RUNNING_BTF == DEFAULT_BTF


def test_running_kernel_btf_is_released_as_uname_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    running = tmp_path / "vmlinux"
    running.write_bytes(SAMPLE_LE)
    monkeypatch.setattr(kernelimage, "RUNNING_BTF", running)
    release = load(running).release
    assert release is not None and release.release == os.uname().release
    other = tmp_path / "copy.btf"
    other.write_bytes(SAMPLE_LE)
    assert load(other).release is None  # a raw blob anywhere else says nothing
