"""Turn what a user has into BTF bytes: raw BTF, compressed BTF, a vmlinux or module, a bzImage.

Inputs are recognised by their first bytes, never by their names, and unwrapped layer by layer
(a `.xz` of a vmlinux, a bzImage whose payload is a compressed vmlinux), at most `MAX_LAYERS`:

- raw BTF: magic 0xeb9f in either byte order (include/uapi/linux/btf.h): the answer;
- ELF (a vmlinux or a `.ko`): its `.BTF` section (`ontology.elfimage`);
- a bzImage: "HdrS" at 0x202 (Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header"):
  the payload at `payload_offset` (0x248) of the protected-mode code, which starts after the
  (`setup_sects` at 0x1F1, 0 meaning 4) + 1 sectors of 512 bytes, `payload_length` (0x24C)
  bytes long, is a compressed vmlinux ELF whose last four bytes are its decompressed size
  (`size_append` in scripts/Makefile.lib, read back by arch/x86/boot/compressed/mkpiggy.c);
- xz, zstd, gzip, bzip2, lzma and lz4 data (`ontology.decompress`).

A file is read whole (at most `FILE_CAP`) unless it is an ELF file, whose sections are read by
offset; decompressed data is capped at `IMAGE_CAP`, and the BTF found at `BTF_CAP`. The release
the image states comes along (`ontology.kernelrelease`): the bzImage's `kernel_version` string,
the ELF's `linux_banner` (or a module's vermagic), `uname` for the running kernel's
/sys/kernel/btf/vmlinux. Every failure is one `BtfError` line naming the file.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import NamedTuple

from ontology.btferror import BtfError
from ontology.decompress import NAMES, decompress, format_of
from ontology.elfimage import BytesReader, Elf, FileReader, Reader
from ontology.errors import InputError
from ontology.inputs import BTF_CAP, open_input, read_open
from ontology.kernelrelease import Release, parse_release

FILE_CAP = 256 * 1024 * 1024
"""A compressed image or BTF read whole: a vmlinuz is ~10 MiB, an xz'd vmlinux with debug info ~150 MiB."""
IMAGE_CAP = 1024 * 1024 * 1024
"""Decompressed data: a vmlinux with full debug info is some 500 MiB."""
MAX_LAYERS = 4
"""bzImage, compressed payload, ELF, BTF: deeper nesting is no kernel's."""
EXPECTED = "a BTF file or kernel image"
BTF_MAGICS = (b"\x9f\xeb", b"\xeb\x9f")
RUNNING_BTF = Path("/sys/kernel/btf/vmlinux")
"""The running kernel's BTF (`ontology.btf.DEFAULT_BTF`, not imported: `ontology.btf` calls here)."""


class Image(NamedTuple):
    """The BTF an input holds, the layers it came out of ("bzImage", "xz", "ELF"...), and the
    release the input states (None when it states none: a raw blob)."""

    btf: bytes
    layers: tuple[str, ...]
    release: Release | None


def _bzimage_payload(data: bytes, path: str) -> tuple[bytes, Release | None]:
    """A bzImage's compressed payload (without the size trailer, checked later) and the
    release its setup header's `kernel_version` names."""
    version, setup_sects = struct.unpack_from("<H", data, 0x206)[0], data[0x1F1] or 4
    if version < 0x208:
        protocol = f"{version >> 8}.{version & 0xFF}"
        raise BtfError(f"bzImage boot protocol {protocol} is older than 2.08: no payload field", path)
    start = (setup_sects + 1) * 512
    offset, length = struct.unpack_from("<II", data, 0x248)
    if length < 8 or start + offset + length > len(data):
        raise BtfError(f"bzImage payload ({length} bytes at {start + offset}) lies past the end of the file", path)
    release = None
    (pointer,) = struct.unpack_from("<H", data, 0x20E)
    if pointer and 0x200 + pointer < start:
        text = data[0x200 + pointer : min(0x200 + pointer + 512, start)].split(b"\0", 1)[0]
        release = parse_release(text.decode("utf-8", "replace"))
    return data[start + offset : start + offset + length], release


def _kind(head: bytes) -> str | None:
    if head[:2] in BTF_MAGICS:
        return "BTF"
    if head[:4] == b"\x7fELF":
        return "ELF"
    if len(head) >= 0x250 and head[0x202:0x206] == b"HdrS" and head[0x1FE:0x200] == b"\x55\xaa":
        return "bzImage"
    return format_of(head)


def _unknown(data: bytes, path: str) -> BtfError:
    if not data:
        return BtfError("empty file", path)
    magic = data[:2].hex().ljust(4, "0")
    return BtfError(
        f"wrong magic 0x{magic}: not BTF (0xeb9f), an ELF file, a bzImage, nor {', '.join(NAMES)} data", path
    )


def unwrap(data: bytes, path: str, reader: Reader | None = None) -> Image:
    """The BTF inside `data` (the whole of a file, or `reader` for an ELF file read by offset)."""
    layers: list[str] = []
    release: Release | None = None
    trailer: int | None = None  # a bzImage payload's decompressed size
    while True:
        kind = _kind(data if reader is None else reader.read(0, 16))
        if kind is None:
            raise _unknown(data, path)
        layers.append(kind)
        if len(layers) > MAX_LAYERS:
            raise BtfError(f"nested more than {MAX_LAYERS} deep ({', '.join(layers)})", path)
        if kind == "BTF":
            if len(data) > BTF_CAP:
                raise BtfError(f"BTF of {len(data)} bytes is larger than {BTF_CAP} bytes", path)
            return Image(data, tuple(layers), release)
        if kind == "ELF":
            elf = Elf(reader or BytesReader(data), path)
            if release is None:
                release = parse_release(elf.release_text() or "")
            data, reader = elf.btf(), None
            if _kind(data) != "BTF":
                raise BtfError(f".BTF section does not start with the BTF magic 0xeb9f ({data[:2].hex()})", path)
            continue
        if reader is not None:  # not reached: an on-disk file is read by offset only when it is ELF
            raise BtfError(f"{kind} data read by offset", path)
        if kind == "bzImage":
            payload, release = _bzimage_payload(data, path)
            compression = format_of(payload)
            if compression is None:
                raise BtfError(f"bzImage payload is in no format memdesc reads (starts {payload[:4].hex()})", path)
            data, trailer = payload[:-4], struct.unpack_from("<I", payload, len(payload) - 4)[0]
            continue
        output, _rest = decompress(kind, data, IMAGE_CAP, "a kernel image", path)
        if trailer is not None and len(output) & 0xFFFFFFFF != trailer:
            raise BtfError(
                f"bzImage payload decompresses to {len(output)} bytes, not the {trailer} its trailer says", path
            )
        data, trailer = output, None


def load(path: Path | str, shown: str | None = None, handle: int | None = None) -> Image:
    """The BTF in the file `path` (an open `handle` of it may be passed), and what it says of
    its release; the running kernel's /sys/kernel/btf/vmlinux is released as `uname` says."""
    name = str(path) if shown is None else shown
    own = handle is None
    if handle is None:
        try:
            handle = open_input(path, EXPECTED, name)
        except InputError as error:
            raise BtfError(error.message, name) from None
    try:
        head = os.pread(handle, 4, 0)
        if head == b"\x7fELF":
            image = unwrap(b"", name, FileReader(handle))
        else:
            try:
                data = read_open(handle, FILE_CAP, EXPECTED, name)
            except InputError as error:
                raise BtfError(error.message, name) from None
            image = unwrap(data, name)
    except OSError as error:
        raise BtfError(f"cannot read: {error.strerror or error}", name) from None
    finally:
        if own:
            os.close(handle)
    if image.release is None and image.layers == ("BTF",) and _is_running_kernel(path):
        uname = os.uname()
        image = image._replace(release=parse_release(f"{uname.release} {uname.version}"))
    return image


def _is_running_kernel(path: Path | str) -> bool:
    try:
        return os.path.realpath(path) == str(RUNNING_BTF)
    except (OSError, ValueError):
        return False
