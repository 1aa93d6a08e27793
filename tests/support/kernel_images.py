"""Synthetic kernel images for tests: compressed as the kernel's build compresses them, a vmlinux
ELF with `.BTF`, `.rodata` and optionally `.symtab`, and a bzImage with a real setup header.

The compressors follow scripts/Makefile.lib (`cmd_gzip`, `cmd_bzip2`, `cmd_lzma`, `cmd_xzkern`,
`cmd_lz4`, `cmd_zstd22`), with smaller dictionaries so tests stay light; `size_append` adds the
little-endian decompressed size the x86 boot code reads (arch/x86/boot/compressed/mkpiggy.c).
The setup header is laid out as Documentation/arch/x86/boot.rst says.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
from collections.abc import Sequence

FORMATS = ("gzip", "bzip2", "lzma", "xz", "lz4 legacy", "lz4", "zstd")
"""Every compression memdesc reads (lz4 twice: the kernel's legacy frame and the usual frame)."""

LZ4_LEGACY_MAGIC = struct.pack("<I", 0x184C2102)
LZ4_LEGACY_BLOCK = 8 * 1024 * 1024
BANNER = (
    "Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, "
    "GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)"
)
"""The banner of Debian's linux-image-6.1.0-57-amd64 6.1.192-3 (read from its vmlinux)."""
SETUP_VERSION = "6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)"
"""The kernel_version string of the same package's vmlinuz setup header."""


def compress(name: str, data: bytes) -> bytes:
    """`data` compressed in format `name`, as the kernel's build (or the usual tool) writes it."""
    if name == "gzip":
        return gzip.compress(data, 9, mtime=0)
    if name == "bzip2":
        return bz2.compress(data, 9)
    if name == "lzma":  # `lzma -9`: the .lzma "alone" format, size unknown, end marker
        return lzma.compress(data, lzma.FORMAT_ALONE, filters=[{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 20}])
    if name == "xz":  # scripts/xz_wrap.sh: --check=crc32, the x86 BCJ filter, then LZMA2
        filters = [{"id": lzma.FILTER_X86}, {"id": lzma.FILTER_LZMA2, "dict_size": 1 << 20}]
        return lzma.compress(data, lzma.FORMAT_XZ, check=lzma.CHECK_CRC32, filters=filters)
    if name == "zstd":
        import zstandard

        return zstandard.ZstdCompressor(level=19).compress(data)
    if name == "lz4":
        import lz4.frame

        return bytes(lz4.frame.compress(data))
    if name == "lz4 legacy":  # `lz4 -l`: the magic, then (le32 size, block) per 8 MiB
        import lz4.block

        out = bytearray(LZ4_LEGACY_MAGIC)
        for at in range(0, len(data), LZ4_LEGACY_BLOCK):
            block = lz4.block.compress(data[at : at + LZ4_LEGACY_BLOCK], mode="high_compression", store_size=False)
            out += struct.pack("<I", len(block)) + block
        return bytes(out)
    raise ValueError(name)


def size_append(data: bytes, size: int) -> bytes:
    return data + struct.pack("<I", size & 0xFFFFFFFF)


def elf_image(
    sections: Sequence[tuple[str, int, int, bytes]],
    symbols: Sequence[tuple[str, int, int]] = (),
    order: str = "<",
    is64: bool = True,
    e_type: int = 2,
) -> bytes:
    """An ELF file: the null section, `sections` as (name, sh_type, sh_addr, contents), then
    `.symtab`/`.strtab` when `symbols` (name, section index counted from 1, value) are given,
    and `.shstrtab` last. ET_EXEC (2) by default, like a vmlinux; 32 or 64-bit, either order."""
    entries = list(sections)
    names = [name for name, *_ in entries]
    if symbols:
        strtab = b"\0" + b"".join(name.encode() + b"\0" for name, _, _ in symbols)
        offsets = [1]
        for name, _, _ in symbols[:-1]:
            offsets.append(offsets[-1] + len(name) + 1)
        sym = order + ("IBBHQQ" if is64 else "IIIBBH")
        table = bytes(struct.calcsize(sym))
        for (_, index, value), name_at in zip(symbols, offsets, strict=True):
            fields = (name_at, 0x11, 0, index, value, 64) if is64 else (name_at, value, 64, 0x11, 0, index)
            table += struct.pack(sym, *fields)
        entries += [(".symtab", 2, 0, table), (".strtab", 3, 0, strtab)]
        names += [".symtab", ".strtab"]
    shstrtab = b"\0" + b"".join(name.encode() + b"\0" for name in [*names, ".shstrtab"])
    entries.append((".shstrtab", 3, 0, shstrtab))
    ehsize, shentsize = (64, 64) if is64 else (52, 40)
    body = bytearray(ehsize)
    placed = []
    for _, _, _, contents in entries:
        body += bytes(-len(body) % 8)
        placed.append(len(body))
        body += contents
    body += bytes(-len(body) % 8)
    shoff = len(body)
    shdr = order + ("IIQQQQIIQQ" if is64 else "IIIIIIIIII")
    body += bytes(shentsize)
    name_at = 1
    symtab_index = len(sections) + 1
    for (name, sh_type, addr, contents), offset in zip(entries, placed, strict=True):
        link = symtab_index + 1 if sh_type == 2 else 0
        body += struct.pack(shdr, name_at, sh_type, 2 if addr else 0, addr, offset, len(contents), link, 0, 8, 0)
        name_at += len(name) + 1
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1 if order == "<" else 2, 1, 0]) + bytes(8)
    if is64:
        header = struct.pack(
            order + "HHIQQQIHHHHHH", e_type, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64, len(entries) + 1, len(entries)
        )
    else:
        header = struct.pack(
            order + "HHIIIIIHHHHHH", e_type, 3, 1, 0, 0, shoff, 0, 52, 0, 0, 40, len(entries) + 1, len(entries)
        )
    body[: len(ident) + len(header)] = ident + header
    return bytes(body)


def vmlinux(btf: bytes, banner: str | None = BANNER, symbols: bool = False, order: str = "<") -> bytes:
    """A vmlinux-like ELF: `.text`, `.rodata` holding the banner (as `linux_banner` in `.symtab`
    when `symbols`, else found by searching, as in a bzImage's stripped payload) and `.BTF`."""
    rodata = b"some constant\0" + (b"" if banner is None else b"\0" * 3 + banner.encode() + b"\n\0") + b"tail\0"
    symbol = [("linux_banner", 2, 0xFFFFFFFF82000000 + 17)] if symbols and banner is not None else []
    sections = [
        (".text", 1, 0xFFFFFFFF81000000, b"\x90" * 64),
        (".rodata", 1, 0xFFFFFFFF82000000, rodata),
        (".BTF", 1, 0xFFFFFFFF82400000, btf),
    ]
    return elf_image(sections, symbol, order)


def bzimage(
    payload_elf: bytes,
    compression: str,
    version: str | None = SETUP_VERSION,
    setup_sects: int = 27,
    protocol: int = 0x020F,
    compressed: bytes | None = None,
) -> bytes:
    """A bzImage: the real-mode setup (boot flag 0xAA55, "HdrS", boot protocol, `setup_sects`,
    the `kernel_version` string), then protected-mode code whose payload is `payload_elf`
    compressed (or `compressed`, verbatim) with the size trailer the kernel appends."""
    sectors = setup_sects or 4
    setup = bytearray((sectors + 1) * 512)
    setup[0x1F1] = setup_sects
    setup[0x1FE:0x200] = b"\x55\xaa"
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, protocol)
    if version is not None:
        setup[0x400 : 0x400 + len(version) + 1] = version.encode() + b"\0"
        struct.pack_into("<H", setup, 0x20E, 0x400 - 0x200)
    if compressed is None:
        compressed = size_append(compress(compression, payload_elf), len(payload_elf))
    stub = b"\xcc" * 0x2CC  # the decompressor's code before the payload
    struct.pack_into("<II", setup, 0x248, len(stub), len(compressed))
    return bytes(setup) + stub + compressed + b"\0" * 100
