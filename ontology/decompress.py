"""Bounded decompression of the six formats the kernel compresses its images with.

`arch/x86/boot/compressed/Makefile` (via `scripts/Makefile.lib`) builds `vmlinux.bin.{gz,bz2,
lzma,xz,lzo,lz4,zst}` with `gzip -n -9`, `bzip2 -9`, `lzma -9`, `xz --check=crc32` (with the x86
BCJ filter, `scripts/xz_wrap.sh`), `lz4 -l -12` (the "legacy" frame) and `zstd -22 --ultra`;
people also keep BTF and vmlinux files compressed with the same tools (`.xz`, `.zst`, `.gz`,
`.lz4` frames). `format_of` names the format from the magic bytes, never from a file name, and
`decompress` returns the output, never more than a cap: a bomb (gigabytes of zeros) ends with a
one-line `BtfError` like any other bad input, as does truncated or corrupt data.

The standard library decodes gzip, bzip2, xz and lzma; zstd and lz4 come from the `zstandard`
and `lz4` packages, imported only when their magic is seen, so reading raw BTF imports nothing.
LZO (`CONFIG_KERNEL_LZO`) has no maintained Python decoder and is reported as unsupported.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Protocol

from ontology.btferror import BtfError

CHUNK = 16 * 1024 * 1024
"""Output asked of a decompressor per call: the cap is checked between calls."""
LZ4_LEGACY_BLOCK = 8 * 1024 * 1024
"""A legacy lz4 frame's blocks each decompress to at most 8 MiB (lz4's LEGACY_BLOCKSIZE)."""
LZ4_LEGACY_MAGIC = 0x184C2102
ZSTD_INPUT_STEP = 2048
"""Compressed bytes fed to zstd per call: one call's output stays bounded (a zstd block of
128 KiB costs 4 bytes at best, so 2 KiB yields at most some 64 MiB) whatever the input."""
XZ_MEMORY = 512 * 1024 * 1024
"""The xz/lzma decoder's memory limit: the kernel's own use 32-64 MiB dictionaries."""

MAGICS = (
    ("xz", b"\xfd7zXZ\x00"),
    ("zstd", b"\x28\xb5\x2f\xfd"),
    ("gzip", b"\x1f\x8b"),
    ("bzip2", b"BZh"),
    ("lz4", b"\x04\x22\x4d\x18"),
    ("lz4 legacy", struct.pack("<I", LZ4_LEGACY_MAGIC)),
    ("lzo", b"\x89LZO\x00\r\n\x1a\n"),
)
NAMES = ("xz", "zstd", "gzip", "bzip2", "lzma", "lz4")
"""The formats read, for messages."""


def format_of(head: bytes) -> str | None:
    """The compression format `head` (a file's first bytes) starts with, or None."""
    for name, magic in MAGICS:
        if head.startswith(magic):
            return name
    # `lzma -9` (the "alone" format): properties byte 0x5d (lc=3 lp=0 pb=2, what xz-utils
    # always writes), a 32-bit dictionary size, then the size or all ones for "unknown".
    if len(head) >= 13 and head[0] == 0x5D:
        dictionary, size = struct.unpack_from("<IQ", head, 1)
        if dictionary & (dictionary - 1) == 0 and (size == (1 << 64) - 1 or size < 1 << 40):
            return "lzma"
    return None


class _Decoder(Protocol):
    """What the standard library's (and lz4's) incremental decompressors have in common."""

    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    @property
    def needs_input(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


def _bomb(name: str, cap: int, what: str) -> BtfError:
    return BtfError(f"{name} data decompresses to more than {cap} bytes, too large for {what}")


def _drain(decoder: _Decoder, data: bytes, name: str, cap: int, what: str, path: str) -> tuple[bytes, bytes]:
    """Run a `max_length` decompressor over `data`: (output, the bytes after the stream)."""
    out: list[bytes] = []
    size = 0
    piece = decoder.decompress(data, min(CHUNK, cap + 1))
    while True:
        out.append(piece)
        size += len(piece)
        if size > cap:
            raise BtfError(_bomb(name, cap, what).message, path)
        if decoder.eof or decoder.needs_input:
            break
        piece = decoder.decompress(b"", min(CHUNK, cap + 1 - size))
    if not decoder.eof:
        raise BtfError(f"{name} data is truncated (the stream ends after {size} bytes of output)", path)
    return b"".join(out), decoder.unused_data


def _zstd(data: bytes, cap: int, what: str, path: str) -> tuple[bytes, bytes]:
    import zstandard

    decoder = zstandard.ZstdDecompressor().decompressobj()
    out: list[bytes] = []
    size = 0
    at = 0
    while at < len(data) and not decoder.eof:
        piece = decoder.decompress(data[at : at + ZSTD_INPUT_STEP])
        at += ZSTD_INPUT_STEP
        out.append(piece)
        size += len(piece)
        if size > cap:
            raise BtfError(_bomb("zstd", cap, what).message, path)
    if not decoder.eof:
        raise BtfError(f"zstd data is truncated (the frame ends after {size} bytes of output)", path)
    return b"".join(out), decoder.unused_data + data[at:]


def _lz4_legacy(data: bytes, cap: int, what: str, path: str) -> tuple[bytes, bytes]:
    """The legacy frame (`lz4 -l`): the magic, then blocks each led by its compressed size,
    up to the end of the data (a repeated magic starts another frame). Four bytes left over
    that equal the output's size are the kernel's size trailer (`size_append`)."""
    import lz4.block

    out: list[bytes] = []
    size = 0
    at = 4
    while at < len(data):
        if len(data) - at < 4:
            raise BtfError(f"lz4 data is truncated ({len(data) - at} stray bytes after block at {at})", path)
        (length,) = struct.unpack_from("<I", data, at)
        if length == LZ4_LEGACY_MAGIC:
            at += 4
            continue
        if at + 4 + length > len(data):
            if len(data) - at == 4 and length == size & 0xFFFFFFFF:
                return b"".join(out), data[at:]
            raise BtfError(f"lz4 data is truncated (a {length}-byte block at byte {at} runs past the end)", path)
        try:
            piece = lz4.block.decompress(data[at + 4 : at + 4 + length], uncompressed_size=LZ4_LEGACY_BLOCK)
        except Exception as error:  # lz4.block.LZ4BlockError, not importable by name
            raise BtfError(f"lz4 data is corrupt at byte {at}: {error}", path) from None
        out.append(piece)
        size += len(piece)
        if size > cap:
            raise BtfError(_bomb("lz4", cap, what).message, path)
        at += 4 + length
    return b"".join(out), b""


def _library(name: str) -> Callable[[], _Decoder]:
    """The incremental decompressor of bzip2, xz, lzma or an lz4 frame."""
    if name == "bzip2":
        import bz2

        return bz2.BZ2Decompressor
    if name in ("xz", "lzma"):
        import lzma

        container = lzma.FORMAT_XZ if name == "xz" else lzma.FORMAT_ALONE
        return lambda: lzma.LZMADecompressor(container, memlimit=XZ_MEMORY)
    import lz4.frame

    return lz4.frame.LZ4FrameDecompressor  # type: ignore[no-any-return]


class _Zlib:
    """zlib's decompressor with the `needs_input` the others have (it keeps input it did not
    get to in `unconsumed_tail` instead)."""

    def __init__(self) -> None:
        import zlib

        self._decoder = zlib.decompressobj(wbits=31)

    @property
    def eof(self) -> bool:
        return self._decoder.eof

    @property
    def unused_data(self) -> bytes:
        return self._decoder.unused_data

    @property
    def needs_input(self) -> bool:
        return not self._decoder.unconsumed_tail

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        return self._decoder.decompress(data or self._decoder.unconsumed_tail, max(max_length, 0))


def decompress(name: str, data: bytes, cap: int, what: str, path: str) -> tuple[bytes, bytes]:
    """Decompress `data` in format `name` (from `format_of`): (at most `cap` bytes of output,
    the bytes after the compressed stream). `what` names the expected content for the message
    when the output is too large. BtfError on corrupt, truncated or oversized data."""
    if name == "lzo":
        raise BtfError("lzo-compressed data is not supported (memdesc reads " + ", ".join(NAMES) + ")", path)
    try:
        if name == "zstd":
            return _zstd(data, cap, what, path)
        if name == "lz4 legacy":
            return _lz4_legacy(data, cap, what, path)
        decoder: _Decoder = _Zlib() if name == "gzip" else _library(name)()
        return _drain(decoder, data, name, cap, what, path)
    except BtfError:
        raise
    except MemoryError:
        raise BtfError(f"{name} data needs more memory than there is to decompress", path) from None
    except Exception as error:  # zlib.error, OSError (bz2), LZMAError, ZstdError, lz4's RuntimeError
        reason = str(error).split("\n", 1)[0] or type(error).__name__
        raise BtfError(f"{name} data is corrupt: {reason}", path) from None
