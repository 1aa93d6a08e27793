"""The parts of an ELF kernel image memdesc reads: its `.BTF` section and what says its release.

A vmlinux (from a build tree, a -dbg package, or a bzImage's payload) or a module (`.ko`) is an
ELF file, 32 or 64-bit, in either byte order (System V gABI, "Sections"). Only the section
headers and the sections asked for are read, by offset, so a 1 GiB vmlinux with debug info
costs a few MiB of reads. The release comes from the `linux_banner` symbol (init/version-
timestamp.c) through `.symtab`; a vmlinux without symbols (the bzImage payload is built with
`objcopy -S`) is searched for the banner in `.rodata`; a module says it in `.modinfo`'s
`vermagic=` (include/linux/vermagic.h). Every malformed file is one `BtfError` line.
"""

from __future__ import annotations

import os
import re
import struct
from typing import NamedTuple, Protocol

from ontology.btferror import BtfError
from ontology.inputs import BTF_CAP

SHT_SYMTAB, SHT_NOBITS = 2, 8
SHF_COMPRESSED = 0x800
SHN_XINDEX = 0xFFFF
MAX_SECTIONS = 1 << 20
"""Section headers read at most (a vmlinux has some 40, a -ffunction-sections build ~100,000)."""
SECTION_CAP = 256 * 1024 * 1024
"""The most read of any one section (`.symtab` or `.rodata`, for the release)."""
BANNER_CAP = 1024
"""The longest banner read: the format is some 200 bytes."""


class Reader(Protocol):
    """Bytes by offset: a file read with `pread`, or bytes already in memory."""

    size: int

    def read(self, offset: int, length: int) -> bytes: ...


class BytesReader:
    """A `Reader` over bytes in memory (a decompressed image)."""

    def __init__(self, data: bytes):
        self.data = data
        self.size = len(data)

    def read(self, offset: int, length: int) -> bytes:
        return self.data[offset : offset + length]


class FileReader:
    """A `Reader` over an open file: only what is asked for is read."""

    def __init__(self, handle: int):
        self.handle = handle
        self.size = os.fstat(handle).st_size

    def read(self, offset: int, length: int) -> bytes:
        chunks, got = [], 0
        while got < length:
            chunk = os.pread(self.handle, min(length - got, 1 << 24), offset + got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)


class Section(NamedTuple):
    name: bytes
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int


class Elf:
    """An ELF file's section headers, and reads of the sections memdesc needs."""

    def __init__(self, reader: Reader, path: str):
        self.reader, self.path = reader, path
        header = reader.read(0, 64)
        if len(header) < 0x34:
            raise BtfError("ELF file too short for a header", path)
        if header[4] not in (1, 2) or header[5] not in (1, 2):
            raise BtfError(f"ELF file of unknown class {header[4]} or byte order {header[5]}", path)
        self.is64 = header[4] == 2
        self.order = "<" if header[5] == 1 else ">"
        try:
            if self.is64:
                (self.type,) = struct.unpack_from(self.order + "H", header, 0x10)
                (shoff,) = struct.unpack_from(self.order + "Q", header, 0x28)
                shentsize, shnum, shstrndx = struct.unpack_from(self.order + "HHH", header, 0x3A)
            else:
                (self.type,) = struct.unpack_from(self.order + "H", header, 0x10)
                (shoff,) = struct.unpack_from(self.order + "I", header, 0x20)
                shentsize, shnum, shstrndx = struct.unpack_from(self.order + "HHH", header, 0x2E)
        except struct.error:
            raise BtfError("truncated ELF header", path) from None
        self._entry = self.order + ("IIQQQQIIQQ" if self.is64 else "IIIIIIIIII")
        if shentsize < struct.calcsize(self._entry) or shoff == 0:
            raise BtfError("ELF file has no section headers", path)
        raw = [self._header(shoff)] if shnum == 0 or shstrndx == SHN_XINDEX else []
        if shnum == 0:
            shnum = raw[0][5]  # extended numbering: the count is section 0's sh_size
        if shstrndx == SHN_XINDEX:
            shstrndx = raw[0][6]  # ... and the names' index its sh_link
        if not 0 < shnum <= MAX_SECTIONS or shoff + shnum * shentsize > reader.size or shstrndx >= shnum:
            raise BtfError("ELF section headers lie past the end of the file", path)
        table = reader.read(shoff, shnum * shentsize)
        headers = [struct.unpack_from(self._entry, table, i * shentsize) for i in range(shnum)]
        names = self._read(headers[shstrndx][4], headers[shstrndx][5], "section name table")
        self.sections = [
            Section(
                names[h[0] : names.find(b"\0", h[0])] if h[0] < len(names) else b"", h[1], h[2], h[3], h[4], h[5], h[6]
            )
            for h in headers
        ]

    def _header(self, shoff: int) -> tuple[int, ...]:
        data = self.reader.read(shoff, struct.calcsize(self._entry))
        if len(data) < struct.calcsize(self._entry):
            raise BtfError("ELF section headers lie past the end of the file", self.path)
        return struct.unpack(self._entry, data)

    def _read(self, offset: int, size: int, what: str, cap: int = SECTION_CAP) -> bytes:
        if size > cap:
            raise BtfError(f"{what} is {size} bytes, more than the {cap} read", self.path)
        if offset + size > self.reader.size:
            raise BtfError(f"{what} lies past the end of the file", self.path)
        return self.reader.read(offset, size)

    def section(self, name: bytes) -> Section | None:
        return next((section for section in self.sections if section.name == name), None)

    def contents(self, section: Section, what: str, cap: int = SECTION_CAP) -> bytes:
        """A section's bytes as they lie in the file."""
        if section.type == SHT_NOBITS:
            raise BtfError(f"{what} has no contents in the file (SHT_NOBITS)", self.path)
        if section.flags & SHF_COMPRESSED:
            raise BtfError(f"{what} is compressed (SHF_COMPRESSED), which memdesc does not read", self.path)
        return self._read(section.offset, section.size, what, cap)

    def btf(self) -> bytes:
        """The `.BTF` section: exactly the bytes `objcopy --dump-section .BTF=OUT` writes."""
        section = self.section(b".BTF")
        if section is None:
            raise BtfError("ELF file has no .BTF section", self.path)
        return self.contents(section, ".BTF section", BTF_CAP)

    def release_text(self) -> str | None:
        """What the file says of its kernel release: `linux_banner`, else a banner in
        `.rodata`, else a module's `vermagic=`; None when it says nothing."""
        banner = self._banner_from_symbols()
        if banner is None:
            rodata = self.section(b".rodata")
            if rodata is not None and rodata.type != SHT_NOBITS:
                banner = _banner_in(self.contents(rodata, ".rodata section"))
        if banner is None:
            modinfo = self.section(b".modinfo")
            if modinfo is not None and modinfo.type != SHT_NOBITS:
                for entry in self.contents(modinfo, ".modinfo section").split(b"\0"):
                    if entry.startswith(b"vermagic="):
                        return entry.removeprefix(b"vermagic=").decode("utf-8", "replace").strip()
        return banner

    def _banner_from_symbols(self) -> str | None:
        symtab = next((section for section in self.sections if section.type == SHT_SYMTAB), None)
        if symtab is None or symtab.link >= len(self.sections):
            return None
        symbols = self.contents(symtab, ".symtab section")
        strings = self.contents(self.sections[symtab.link], "symbol name table")
        wanted = strings.find(b"\0linux_banner\0")
        if wanted < 0:
            return None
        entry = self.order + ("IBBHQQ" if self.is64 else "IIIBBH")
        width = struct.calcsize(entry)
        for at in range(0, len(symbols) - width + 1, width):
            fields = struct.unpack_from(entry, symbols, at)
            if fields[0] != wanted + 1:
                continue
            value, index = (fields[4], fields[3]) if self.is64 else (fields[1], fields[5])
            if not 0 < index < len(self.sections):
                return None
            home = self.sections[index]
            where = home.offset + value - (home.addr if self.type != 1 else 0)  # ET_REL: value is an offset
            if home.type == SHT_NOBITS or not home.offset <= where < home.offset + home.size:
                return None
            return _banner_in(self.reader.read(where, BANNER_CAP))
        return None


def _banner_in(data: bytes) -> str | None:
    """The "Linux version X..." string in `data`, up to its newline or NUL. Linux 6.1 to 6.3 keep
    two: a weak `linux_banner` in init/version.c whose UTS_VERSION has no build number ("# SMP")
    and the one init/version-timestamp.c links in ("#1 SMP"); the numbered one is preferred."""
    found: list[str] = []
    at = data.find(b"Linux version ")
    while at >= 0 and len(found) < 16:
        if data[at + 14 : at + 15].isdigit():
            stops = (data.find(b"\n", at), data.find(b"\0", at), at + BANNER_CAP, len(data))
            found.append(data[at : min(stop for stop in stops if stop >= 0)].decode("utf-8", "replace"))
        at = data.find(b"Linux version ", at + 1)
    return next((banner for banner in found if re.search(r" #\d", banner)), found[0] if found else None)
