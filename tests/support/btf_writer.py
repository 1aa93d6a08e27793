"""A small BTF writer for tests: build synthetic BTF blobs type by type.

The format follows the kernel's exactly (include/uapi/linux/btf.h, Documentation/bpf/btf.rst):
a 24-byte header, then the type section, then the string section. Every type record is
`{u32 name_off; u32 info; u32 size_or_type}` followed by its kind's trailer; `info` holds vlen
(bits 0-15), kind (bits 24-28) and kind_flag (bit 31). Type id 0 is void, the first record is
id 1; string offset 0 is the empty string.

Each builder method appends one record and returns its type id. A name is a `str` (added to
the deduplicated string table) or an `int` (a raw string offset, for building bad input).
Records are kept as u32 words, so `to_bytes(order)` writes either byte order, and every header
field can be overridden to build a malformed blob. `elf_wrap` puts a blob in a minimal ELF64
file with a `.BTF` (or any other) section and a `.shstrtab`.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

MAGIC = 0xEB9F
VERSION = 1
HEADER_LEN = 24

KIND_INT, KIND_PTR, KIND_ARRAY, KIND_STRUCT, KIND_UNION, KIND_ENUM, KIND_FWD, KIND_TYPEDEF = range(1, 9)
KIND_VOLATILE, KIND_CONST, KIND_RESTRICT, KIND_FUNC, KIND_FUNC_PROTO, KIND_VAR, KIND_DATASEC = range(9, 16)
KIND_FLOAT, KIND_DECL_TAG, KIND_TYPE_TAG, KIND_ENUM64 = range(16, 20)

# BTF_INT_ENCODING bits (the top byte of an INT's trailer word).
INT_SIGNED = 1 << 0
INT_CHAR = 1 << 1
INT_BOOL = 1 << 2

# BTF_FUNC_* linkage (a FUNC's vlen) and BTF_VAR_* linkage (a VAR's trailer).
FUNC_STATIC, FUNC_GLOBAL, FUNC_EXTERN = 0, 1, 2
VAR_STATIC, VAR_GLOBAL_ALLOCATED, VAR_GLOBAL_EXTERN = 0, 1, 2

Name = str | int
"""A type/member name: a string for the string table, or a raw string offset."""

MemberSpec = tuple[Name, int, int] | tuple[Name, int, int, int]
"""A struct/union member: (name, type id, bit offset) or (name, type id, bit offset, bitfield size)."""

U32 = 0xFFFFFFFF


def info_word(kind: int, vlen: int = 0, kind_flag: bool = False) -> int:
    """BTF_INFO: vlen in bits 0-15, kind in bits 24-28, kind_flag in bit 31."""
    return (int(kind_flag) << 31) | ((kind & 0x1F) << 24) | (vlen & 0xFFFF)


class StringTable:
    """The string section: NUL-terminated strings, offset 0 is "", each string stored once."""

    def __init__(self) -> None:
        self._data = bytearray(b"\0")
        self._offsets: dict[str, int] = {"": 0}

    def add(self, text: str) -> int:
        found = self._offsets.get(text)
        if found is not None:
            return found
        offset = len(self._data)
        self._data += text.encode() + b"\0"
        self._offsets[text] = offset
        return offset

    def add_raw(self, data: bytes) -> int:
        """Append `data` and a NUL as it is, even when the table already holds it (BTF that was
        not deduplicated) or it is not UTF-8; return its offset."""
        offset = len(self._data)
        self._data += data + b"\0"
        return offset

    def to_bytes(self) -> bytes:
        return bytes(self._data)

    def __len__(self) -> int:
        return len(self._data)


class BtfWriter:
    """Builds a BTF blob; every kind method returns the new type's id."""

    def __init__(self) -> None:
        self.strings = StringTable()
        self.records: list[list[int]] = []

    @property
    def next_id(self) -> int:
        """The id the next record will get (for forward references and loops)."""
        return len(self.records) + 1

    def name_off(self, name: Name) -> int:
        return name if isinstance(name, int) else self.strings.add(name)

    def raw(self, name: Name, info: int, size_or_type: int, trailer: Sequence[int] = ()) -> int:
        """Append a record verbatim: three header words and the trailer's u32 words."""
        words = [self.name_off(name) & U32, info & U32, size_or_type & U32]
        words.extend(word & U32 for word in trailer)
        self.records.append(words)
        return len(self.records)

    def _record(
        self,
        kind: int,
        name: Name,
        size_or_type: int,
        trailer: Sequence[int] = (),
        vlen: int = 0,
        kind_flag: bool = False,
    ) -> int:
        return self.raw(name, info_word(kind, vlen, kind_flag), size_or_type, trailer)

    # -- kinds -----------------------------------------------------------------------------

    def int_(self, name: Name, size: int, encoding: int = 0, bits: int | None = None, bit_offset: int = 0) -> int:
        """INT: trailer is `encoding << 24 | offset << 16 | nr_bits`."""
        nr_bits = size * 8 if bits is None else bits
        return self._record(
            KIND_INT, name, size, [(encoding & 0xF) << 24 | (bit_offset & 0xFF) << 16 | (nr_bits & 0xFF)]
        )

    def ptr(self, target: int) -> int:
        return self._record(KIND_PTR, 0, target)

    def array(self, elem: int, nelems: int, index_type: int, name: Name = 0) -> int:
        """ARRAY: trailer is `struct btf_array { u32 type; u32 index_type; u32 nelems; }`."""
        return self._record(KIND_ARRAY, name, 0, [elem, index_type, nelems])

    def _composite(
        self, kind: int, name: Name, size: int, members: Sequence[MemberSpec], kind_flag: bool | None
    ) -> int:
        if kind_flag is None:
            kind_flag = any(len(member) == 4 and member[3] for member in members)
        trailer: list[int] = []
        for member in members:
            member_name, member_type, bit_offset = member[0], member[1], member[2]
            bit_size = member[3] if len(member) == 4 else 0
            if kind_flag:
                offset = (bit_size & 0xFF) << 24 | (bit_offset & 0xFFFFFF)
            else:
                if bit_size:
                    raise ValueError("a bitfield size needs kind_flag")
                offset = bit_offset
            trailer += [self.name_off(member_name), member_type, offset]
        return self._record(kind, name, size, trailer, len(members), kind_flag)

    def struct(self, name: Name, size: int, members: Sequence[MemberSpec] = (), kind_flag: bool | None = None) -> int:
        """STRUCT: members `(name, type, bit_offset[, bitfield_size])`; kind_flag (bitfield
        sizes in the top byte of the offset) is set when any member has a bitfield size."""
        return self._composite(KIND_STRUCT, name, size, members, kind_flag)

    def union(self, name: Name, size: int, members: Sequence[MemberSpec] = (), kind_flag: bool | None = None) -> int:
        return self._composite(KIND_UNION, name, size, members, kind_flag)

    def enum(self, name: Name, values: Sequence[tuple[Name, int]], size: int = 4, signed: bool | None = None) -> int:
        """ENUM: `struct btf_enum { u32 name_off; s32 val; }`; kind_flag means signed."""
        if signed is None:
            signed = any(value < 0 for _, value in values)
        trailer: list[int] = []
        for value_name, value in values:
            trailer += [self.name_off(value_name), value & U32]
        return self._record(KIND_ENUM, name, size, trailer, len(values), signed)

    def enum64(self, name: Name, values: Sequence[tuple[Name, int]], size: int = 8, signed: bool | None = None) -> int:
        """ENUM64: `struct btf_enum64 { u32 name_off; u32 val_lo32; u32 val_hi32; }`."""
        if signed is None:
            signed = any(value < 0 for _, value in values)
        trailer: list[int] = []
        for value_name, value in values:
            raw = value & ((1 << 64) - 1)
            trailer += [self.name_off(value_name), raw & U32, raw >> 32]
        return self._record(KIND_ENUM64, name, size, trailer, len(values), signed)

    def fwd(self, name: Name, union: bool = False) -> int:
        """FWD: kind_flag 0 is `struct name;`, 1 is `union name;`."""
        return self._record(KIND_FWD, name, 0, kind_flag=union)

    def typedef(self, name: Name, target: int) -> int:
        return self._record(KIND_TYPEDEF, name, target)

    def volatile(self, target: int) -> int:
        return self._record(KIND_VOLATILE, 0, target)

    def const(self, target: int) -> int:
        return self._record(KIND_CONST, 0, target)

    def restrict(self, target: int) -> int:
        return self._record(KIND_RESTRICT, 0, target)

    def func(self, name: Name, proto: int, linkage: int = FUNC_GLOBAL) -> int:
        """FUNC: refers to its FUNC_PROTO; vlen holds the linkage."""
        return self._record(KIND_FUNC, name, proto, vlen=linkage)

    def func_proto(self, ret: int, params: Sequence[tuple[Name, int]] = ()) -> int:
        """FUNC_PROTO: `struct btf_param { u32 name_off; u32 type; }` per parameter; a final
        ("", 0) parameter means varargs."""
        trailer: list[int] = []
        for param_name, param_type in params:
            trailer += [self.name_off(param_name), param_type]
        return self._record(KIND_FUNC_PROTO, 0, ret, trailer, len(params))

    def var(self, name: Name, type_id: int, linkage: int = VAR_GLOBAL_ALLOCATED) -> int:
        """VAR: trailer is `struct btf_var { u32 linkage; }`."""
        return self._record(KIND_VAR, name, type_id, [linkage])

    def datasec(self, name: Name, size: int, entries: Sequence[tuple[int, int, int]] = ()) -> int:
        """DATASEC: `struct btf_var_secinfo { u32 type; u32 offset; u32 size; }` per variable."""
        trailer: list[int] = []
        for var_type, offset, var_size in entries:
            trailer += [var_type, offset, var_size]
        return self._record(KIND_DATASEC, name, size, trailer, len(entries))

    def float_(self, name: Name, size: int) -> int:
        return self._record(KIND_FLOAT, name, size)

    def decl_tag(self, name: Name, target: int, component_idx: int = -1) -> int:
        """DECL_TAG: trailer is `struct btf_decl_tag { s32 component_idx; }` (-1: the type itself)."""
        return self._record(KIND_DECL_TAG, name, target, [component_idx])

    def type_tag(self, name: Name, target: int) -> int:
        return self._record(KIND_TYPE_TAG, name, target)

    # -- output ----------------------------------------------------------------------------

    def type_section(self, order: str = "<") -> bytes:
        return b"".join(struct.pack(f"{order}{len(words)}I", *words) for words in self.records)

    def to_bytes(
        self,
        order: str = "<",
        *,
        magic: int = MAGIC,
        version: int = VERSION,
        flags: int = 0,
        hdr_len: int = HEADER_LEN,
        type_off: int | None = None,
        type_len: int | None = None,
        str_off: int | None = None,
        str_len: int | None = None,
    ) -> bytes:
        """The blob: header, type section, string section. Header fields default to the
        truth; override any of them. A `hdr_len` over 24 pads the header with zeros (at most
        4 KiB of them: an absurd `hdr_len` is for building bad input)."""
        if order not in ("<", ">"):
            raise ValueError(f"byte order must be '<' or '>', not {order!r}")
        types = self.type_section(order)
        strings = self.strings.to_bytes()
        header = struct.pack(
            order + "HBBIIIII",
            magic,
            version,
            flags,
            hdr_len,
            0 if type_off is None else type_off,
            len(types) if type_len is None else type_len,
            len(types) if str_off is None else str_off,
            len(strings) if str_len is None else str_len,
        )
        padding = b"\0" * min(max(hdr_len - HEADER_LEN, 0), 4096)
        return header + padding + types + strings


def _align(offset: int, alignment: int) -> int:
    return (offset + alignment - 1) // alignment * alignment


def elf_wrap(blob: bytes, order: str = "<", section: str = ".BTF", machine: int = 62) -> bytes:
    """A minimal ELF64 relocatable file: the null section, `.shstrtab`, and `section` holding
    `blob` (`.BTF` by default; pass another name for an ELF without BTF)."""
    shstrtab = b"\0.shstrtab\0" + section.encode() + b"\0"
    shstrtab_name, section_name = 1, len(b"\0.shstrtab\0")
    ehdr_size, shdr_size = 64, 64
    shstrtab_at = ehdr_size
    blob_at = _align(shstrtab_at + len(shstrtab), 8)
    shoff = _align(blob_at + len(blob), 8)
    ident = b"\x7fELF" + bytes([2, 1 if order == "<" else 2, 1, 0]) + bytes(8)  # ELFCLASS64, data, EV_CURRENT
    header = ident + struct.pack(
        order + "HHIQQQIHHHHHH",
        1,  # e_type: ET_REL
        machine,
        1,  # e_version
        0,  # e_entry
        0,  # e_phoff
        shoff,
        0,  # e_flags
        ehdr_size,
        0,  # e_phentsize
        0,  # e_phnum
        shdr_size,
        3,  # e_shnum
        1,  # e_shstrndx
    )
    shdr = order + "IIQQQQIIQQ"  # name, type, flags, addr, offset, size, link, info, addralign, entsize
    sections = (
        struct.pack(shdr, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        + struct.pack(shdr, shstrtab_name, 3, 0, 0, shstrtab_at, len(shstrtab), 0, 0, 1, 0)  # SHT_STRTAB
        + struct.pack(shdr, section_name, 1, 0, 0, blob_at, len(blob), 0, 0, 4, 0)  # SHT_PROGBITS
    )
    out = bytearray(header)
    out += shstrtab
    out += bytes(blob_at - len(out))
    out += blob
    out += bytes(shoff - len(out))
    out += sections
    return bytes(out)


class SplitStrings(StringTable):
    """A split BTF's string section: offsets continue after the base's `start` bytes, and it
    does not begin with the empty string (that is the base's offset 0)."""

    def __init__(self, start: int) -> None:
        super().__init__()
        self.start = start
        self._data = bytearray()

    def add(self, text: str) -> int:
        found = self._offsets.get(text)
        if found is not None:
            return found
        offset = self.start + len(self._data)
        self._data += text.encode() + b"\0"
        self._offsets[text] = offset
        return offset


class SplitWriter(BtfWriter):
    """Split BTF, as pahole writes a module's: type ids continue after the base's last id
    (`base_count` ids, void included) and string offsets after its string section."""

    def __init__(self, base_count: int, base_strings: int) -> None:
        super().__init__()
        self.first_id = base_count
        self.strings = SplitStrings(base_strings)

    @property
    def next_id(self) -> int:
        return self.first_id + len(self.records)

    def raw(self, name: Name, info: int, size_or_type: int, trailer: Sequence[int] = ()) -> int:
        super().raw(name, info, size_or_type, trailer)
        return self.first_id + len(self.records) - 1
