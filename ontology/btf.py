"""A pure-Python reader of BTF, the kernel's own type information.

Reads a raw BTF blob (`/sys/kernel/btf/vmlinux`) or the `.BTF` section of a vmlinux ELF, in
either byte order. The parse indexes every type record in one pass (kind, name, size or
referenced type, and where its trailing members/params/values lie); members are decoded when a
type is asked for, so a cold parse of a 5 MiB vmlinux BTF stays within a small multiple of
bpftool's own dump. Every malformed input raises `BtfError` (an `InputError`) naming the file
and what is wrong: no traceback, no hang, no unbounded allocation.

Format: include/uapi/linux/btf.h and Documentation/bpf/btf.rst.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from ontology.errors import InputError

DEFAULT_BTF = Path("/sys/kernel/btf/vmlinux")
MAGIC = 0xEB9F

KIND_NAMES = (
    "UNKN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE",
    "CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG",
    "TYPE_TAG", "ENUM64",
)  # fmt: skip
INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT = range(1, 12)
FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 = range(12, 20)

# Bytes that follow the 12-byte header: (fixed, per vlen item).
_TRAILER = {
    INT: (4, 0), PTR: (0, 0), ARRAY: (12, 0), STRUCT: (0, 12), UNION: (0, 12), ENUM: (0, 8),
    FWD: (0, 0), TYPEDEF: (0, 0), VOLATILE: (0, 0), CONST: (0, 0), RESTRICT: (0, 0), FUNC: (0, 0),
    FUNC_PROTO: (0, 8), VAR: (4, 0), DATASEC: (0, 12), FLOAT: (0, 0), DECL_TAG: (4, 0),
    TYPE_TAG: (0, 0), ENUM64: (0, 12),
}  # fmt: skip
_REFERS = frozenset({PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, VAR, DECL_TAG, TYPE_TAG, FUNC_PROTO})
_QUALIFIERS = frozenset({VOLATILE, CONST, RESTRICT, TYPE_TAG})
_MAX_CHAIN = 64
"""No sane type chain (typedef of const of pointer...) is this deep; deeper means a loop."""
_MAX_FIELDS = 1 << 16
"""No struct flattens to this many members; more means anonymous members fan out without end."""


class BtfError(InputError):
    """Malformed or unreadable BTF; the message names the file and what is wrong."""


class Member(NamedTuple):
    """A struct/union member or a FUNC_PROTO parameter: name, type id, bit offset, bitfield size."""

    name: str
    type_id: int
    bit_offset: int = 0
    bit_size: int = 0


class BtfType(NamedTuple):
    """One decoded type record. `ref` is the referenced type (PTR, TYPEDEF...) or the return
    type of a FUNC_PROTO; `size` is set for sized kinds; `members` holds struct/union members,
    FUNC_PROTO parameters or DATASEC entries; `values` holds enumerators."""

    id: int
    kind: int
    name: str
    size: int = 0
    ref: int = 0
    vlen: int = 0
    kind_flag: bool = False
    members: tuple[Member, ...] = ()
    values: tuple[tuple[str, int], ...] = ()
    nelems: int = 0
    encoding: int = 0

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]


@dataclass(frozen=True)
class Field:
    """A flattened struct member: absolute byte offset, size, and bitfield position if any."""

    name: str
    offset: int
    size: int
    type_id: int
    c_type: str
    bit_offset: int | None = None
    bit_size: int | None = None


@dataclass(frozen=True)
class TypeShape:
    """What a type is once qualifiers (and typedefs, unless kept) are peeled: a base and depth."""

    base: str
    pointers: int


def _section_from_elf(data: bytes, path: str) -> bytes:
    """The contents of the `.BTF` section of an ELF file (32 or 64-bit, either byte order)."""
    if len(data) < 0x34:
        raise BtfError("ELF file too short for a header", path)
    is64 = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    try:
        if is64:
            (shoff,) = struct.unpack_from(order + "Q", data, 0x28)
            shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x3A)
            entry = order + "IIQQQQIIQQ"
        else:
            (shoff,) = struct.unpack_from(order + "I", data, 0x20)
            shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x2E)
            entry = order + "IIIIIIIIII"
        if shnum == 0 or shoff + shnum * shentsize > len(data) or shstrndx >= shnum:
            raise BtfError("ELF section headers lie past the end of the file", path)
        headers = [struct.unpack_from(entry, data, shoff + i * shentsize) for i in range(shnum)]
        names_at, names_size = headers[shstrndx][4], headers[shstrndx][5]
        names = data[names_at : names_at + names_size]
        for header in headers:
            name_end = names.find(b"\0", header[0])
            if names[header[0] : name_end] == b".BTF":
                offset, size = header[4], header[5]
                if offset + size > len(data):
                    raise BtfError(".BTF section lies past the end of the file", path)
                return data[offset : offset + size]
    except struct.error:
        raise BtfError("truncated ELF header", path) from None
    raise BtfError("ELF file has no .BTF section", path)


class Btf:
    """Parsed BTF: every type record indexed, decoded on demand, with layout and prototype helpers."""

    def __init__(self, data: bytes, path: str = "<bytes>"):
        self.path = path
        if data[:4] == b"\x7fELF":
            data = _section_from_elf(data, path)
        if len(data) < 24:
            raise BtfError(f"truncated: {len(data)} bytes is shorter than a BTF header" if data else "empty file", path)
        if struct.unpack_from("<H", data)[0] == MAGIC:
            self.order = "<"
        elif struct.unpack_from(">H", data)[0] == MAGIC:
            self.order = ">"
        else:
            raise BtfError(f"wrong magic 0x{data[0]:02x}{data[1]:02x}, expected BTF 0xeb9f", path)
        order = self.order
        _version, _flags, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(order + "BBIIIII", data, 2)
        if hdr_len < 24 or hdr_len > len(data):
            raise BtfError(f"header length {hdr_len} is impossible for a {len(data)}-byte file", path)
        body = len(data) - hdr_len
        if type_off + type_len > body or str_off + str_len > body:
            raise BtfError("header offsets point past the end of the file (truncated?)", path)
        self._types = memoryview(data)[hdr_len + type_off : hdr_len + type_off + type_len]
        self._strings = bytes(data[hdr_len + str_off : hdr_len + str_off + str_len])
        if self._strings and self._strings[-1] != 0:
            raise BtfError("string section does not end with a NUL byte", path)
        self._index()

    @classmethod
    def from_file(cls, path: Path | str = DEFAULT_BTF) -> Btf:
        shown = str(path)
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise BtfError("no such file", shown) from None
        except IsADirectoryError:
            raise BtfError("is a directory, expected a BTF file or vmlinux", shown) from None
        except OSError as error:
            raise BtfError(f"cannot read: {error.strerror}", shown) from None
        return cls(data, shown)

    def _index(self) -> None:
        """One pass over the type section: where each record starts, its kind and its name."""
        types = self._types
        end = len(types)
        header = struct.Struct(self.order + "III")
        unpack = header.unpack_from
        trailer = _TRAILER
        offsets = array("I", [0])  # type 0 is void
        kinds = bytearray(1)
        names = array("I", [0])
        infos = array("I", [0])
        sizes = array("I", [0])
        position = 0
        try:
            while position < end:
                name_off, info, size = unpack(types, position)
                kind = (info >> 24) & 0x1F
                shape = trailer.get(kind)
                if shape is None:
                    raise BtfError(f"type {len(kinds)} has unknown kind {kind}", self.path)
                offsets.append(position)
                kinds.append(kind)
                names.append(name_off)
                infos.append(info)
                sizes.append(size)
                position += 12 + shape[0] + shape[1] * (info & 0xFFFF)
        except struct.error:
            raise BtfError(
                f"type {len(kinds)} is truncated at byte {position} of the type section", self.path
            ) from None
        if position > end:
            raise BtfError(
                f"type {len(kinds) - 1} ({KIND_NAMES[kinds[-1]]}) claims vlen {infos[-1] & 0xFFFF}, "
                "which runs past the end of the type section",
                self.path,
            )
        self._offsets = offsets
        self._kinds = kinds
        self._names = names
        self._infos = infos
        self._sizes = sizes
        self._validate()

    def _trailer_words(self, kinds: frozenset[int], words: int, per_item: bool = True) -> array[int]:
        """The u32 words of every vlen item of `kinds` (or of the fixed trailer, `per_item`
        False: ARRAY), concatenated (C-speed bulk decode)."""
        types = self._types
        mask, fixed = (0xFFFF, 0) if per_item else (0, 1)
        pieces = [
            types[self._offsets[i] + 12 : self._offsets[i] + 12 + 4 * words * ((self._infos[i] & mask) | fixed)]
            for i in range(1, len(self._kinds))
            if self._kinds[i] in kinds
        ]
        values = array("I")
        values.frombytes(b"".join(pieces))
        if self.order != "<":
            values.byteswap()
        return values

    def _validate(self) -> None:
        """Check every reference in the type section at once, as libbpf's sanity checks do:
        member, parameter, element and referenced type ids exist, and every name offset lies
        in the string section. Loops in type chains are caught when a chain is followed."""
        count = len(self._kinds)
        string_end = len(self._strings)

        def check(values: Sequence[int], what: str, limit: int) -> None:
            if values and max(values) >= limit:
                bad = next(v for v in values if v >= limit)
                raise BtfError(f"{what} {bad} is out of range (limit {limit})", self.path)

        check(self._names, "type name offset", max(string_end, 1))
        refs = [self._sizes[i] for i in range(1, count) if self._kinds[i] in _REFERS]
        check(refs, "referenced type id", count)
        members = self._trailer_words(frozenset({STRUCT, UNION}), 3)
        check(members[0::3], "member name offset", max(string_end, 1))
        check(members[1::3], "member type id", count)
        params = self._trailer_words(frozenset({FUNC_PROTO}), 2)
        check(params[0::2], "parameter name offset", max(string_end, 1))
        check(params[1::2], "parameter type id", count)
        check(self._trailer_words(frozenset({ENUM}), 2)[0::2], "enumerator name offset", max(string_end, 1))
        check(self._trailer_words(frozenset({ENUM64}), 3)[0::3], "enumerator name offset", max(string_end, 1))
        check(self._trailer_words(frozenset({DATASEC}), 3)[0::3], "section variable type id", count)
        arrays = self._trailer_words(frozenset({ARRAY}), 3, per_item=False)
        check(arrays[0::3], "array element type id", count)
        check(arrays[1::3], "array index type id", count)

    # -- records ----------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Number of type ids, void (0) included."""
        return len(self._kinds)

    @cached_property
    def _string_table(self) -> dict[int, str]:
        """Every NUL-terminated string by its starting offset, decoded once."""
        table: dict[int, str] = {}
        offset = 0
        for raw in self._strings.split(b"\0"):
            table[offset] = raw.decode("utf-8", errors="replace")
            offset += len(raw) + 1
        return table

    def string(self, offset: int) -> str:
        found = self._string_table.get(offset)
        if found is not None:
            return found
        if offset >= len(self._strings) or offset < 0:
            raise BtfError(f"string offset {offset} is outside the {len(self._strings)}-byte string section", self.path)
        end = self._strings.find(b"\0", offset)
        if end < 0:
            raise BtfError(f"string at offset {offset} is not NUL-terminated", self.path)
        return self._strings[offset:end].decode("utf-8", errors="replace")

    def _check_id(self, type_id: int, referrer: int | None = None) -> None:
        if not 0 <= type_id < len(self._kinds):
            where = f"type {referrer} refers to" if referrer is not None else "asked for"
            raise BtfError(f"{where} type id {type_id}, past the last type {len(self._kinds) - 1}", self.path)

    def kind(self, type_id: int) -> int:
        self._check_id(type_id)
        return self._kinds[type_id]

    def name(self, type_id: int) -> str:
        self._check_id(type_id)
        return self.string(self._names[type_id]) if type_id else "void"

    def ref(self, type_id: int) -> int:
        """The type a PTR/TYPEDEF/qualifier/FUNC/VAR/DECL_TAG refers to (FUNC_PROTO: return)."""
        self._check_id(type_id)
        ref = self._sizes[type_id]
        self._check_id(ref, type_id)
        return ref

    def type(self, type_id: int) -> BtfType:
        """Decode one type record with its members, parameters or values."""
        count = len(self._kinds)
        if not 0 <= type_id < count:
            self._check_id(type_id)
        if type_id == 0:
            return BtfType(0, 0, "void")
        kind = self._kinds[type_id]
        info = self._infos[type_id]
        vlen = info & 0xFFFF
        kind_flag = info >= 0x80000000
        base = self._offsets[type_id] + 12
        value = self._sizes[type_id]
        strings = self._string_table
        name_off = self._names[type_id]
        name = (strings.get(name_off) or self.string(name_off)) if name_off else ""
        types = self._types
        order = self.order
        if kind in (STRUCT, UNION):
            members = []
            for member_name, member_type, offset in struct.iter_unpack(order + "III", types[base : base + 12 * vlen]):
                if member_type >= count:
                    self._check_id(member_type, type_id)
                text = (strings.get(member_name) or self.string(member_name)) if member_name else ""
                if kind_flag:
                    members.append(Member(text, member_type, offset & 0xFFFFFF, offset >> 24))
                else:
                    members.append(Member(text, member_type, offset, 0))
            return BtfType(type_id, kind, name, value, 0, vlen, kind_flag, tuple(members))
        if kind == FUNC_PROTO:
            if value >= count:
                self._check_id(value, type_id)
            params = []
            for param_name, param_type in struct.iter_unpack(order + "II", types[base : base + 8 * vlen]):
                if param_type >= count:
                    self._check_id(param_type, type_id)
                text = (strings.get(param_name) or self.string(param_name)) if param_name else ""
                params.append(Member(text, param_type))
            return BtfType(type_id, kind, name, 0, value, vlen, kind_flag, tuple(params))
        if kind in _REFERS:
            if value >= count:
                self._check_id(value, type_id)
            return BtfType(type_id, kind, name, 0, value, vlen, kind_flag)
        if kind == INT:
            (word,) = struct.unpack_from(order + "I", types, base)
            return BtfType(type_id, kind, name, value, 0, vlen, kind_flag, encoding=(word >> 24) & 0xF)
        if kind == ARRAY:
            elem, _index_type, nelems = struct.unpack_from(order + "III", types, base)
            self._check_id(elem, type_id)
            return BtfType(type_id, kind, name, 0, elem, vlen, kind_flag, nelems=nelems)
        if kind == ENUM:
            values = []
            for value_name, raw in struct.iter_unpack(order + "II", types[base : base + 8 * vlen]):
                number = raw - (1 << 32) if kind_flag and raw >= 1 << 31 else raw
                values.append((self.string(value_name), number))
            return BtfType(type_id, kind, name, value, 0, vlen, kind_flag, values=tuple(values))
        if kind == ENUM64:
            values = []
            for value_name, low, high in struct.iter_unpack(order + "III", types[base : base + 12 * vlen]):
                number = (high << 32) | low
                if kind_flag and number >= 1 << 63:
                    number -= 1 << 64
                values.append((self.string(value_name), number))
            return BtfType(type_id, kind, name, value, 0, vlen, kind_flag, values=tuple(values))
        if kind == DATASEC:
            entries = []
            for var_type, offset, size in struct.iter_unpack(order + "III", types[base : base + 12 * vlen]):
                self._check_id(var_type, type_id)
                entries.append(Member(self.name(var_type), var_type, offset * 8, size * 8))
            return BtfType(type_id, kind, name, value, 0, vlen, kind_flag, tuple(entries))
        sized = kind in (FLOAT,)
        return BtfType(type_id, kind, name, value if sized else 0, 0, vlen, kind_flag)

    def decode_all(self) -> list[BtfType]:
        """Every type record decoded (members, parameters, values): the full parse."""
        return [self.type(type_id) for type_id in range(len(self._kinds))]

    def ids(self, kind: int | None = None) -> Iterator[int]:
        """Every type id (of one kind), in order."""
        kinds = self._kinds
        if kind is None:
            yield from range(1, len(kinds))
        else:
            yield from (i for i in range(1, len(kinds)) if kinds[i] == kind)

    @cached_property
    def _by_name(self) -> dict[tuple[int, str], int]:
        index: dict[tuple[int, str], int] = {}
        strings = self._strings
        names = self._names
        kinds = self._kinds
        for type_id in range(1, len(kinds)):
            offset = names[type_id]
            if offset:
                name = strings[offset : strings.find(b"\0", offset)].decode("utf-8", errors="replace")
                index.setdefault((kinds[type_id], name), type_id)
        return index

    def find(self, kind: int, name: str) -> int | None:
        """The first type of `kind` named `name`, or None."""
        return self._by_name.get((kind, name))

    # -- resolution ----------------------------------------------------------------------

    def size_of(self, type_id: int) -> int:
        """sizeof() of a type, through typedefs, qualifiers and arrays (pointers are 8 bytes)."""
        elements = 1
        for _ in range(_MAX_CHAIN):
            kind = self.kind(type_id)
            if kind in (INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC):
                return elements * self._sizes[type_id]
            if kind == PTR:
                return elements * 8
            if kind == ARRAY:
                btf_type = self.type(type_id)
                elements *= btf_type.nelems
                type_id = btf_type.ref
                continue
            if kind in (TYPEDEF, *_QUALIFIERS, VAR, DECL_TAG):
                type_id = self.ref(type_id)
                continue
            return 0
        raise BtfError(f"type chain from {type_id} does not end: a type-id loop", self.path)

    def shape(self, type_id: int, keep: frozenset[str] = frozenset()) -> TypeShape:
        """The base type and pointer depth of a type: `struct page **` -> (struct page, 2).

        Qualifiers and typedefs are peeled; a typedef named in `keep` (netmem_ref, pgtable_t)
        is a base in its own right. Arrays count as one pointer level.
        """
        pointers = 0
        for _ in range(_MAX_CHAIN):
            kind = self.kind(type_id)
            if type_id == 0:
                return TypeShape("void", pointers)
            if kind == PTR:
                pointers += 1
                type_id = self.ref(type_id)
            elif kind == ARRAY:
                pointers += 1
                type_id = self.type(type_id).ref
            elif kind in _QUALIFIERS:
                type_id = self.ref(type_id)
            elif kind == TYPEDEF:
                name = self.name(type_id)
                if name in keep:
                    return TypeShape(name, pointers)
                type_id = self.ref(type_id)
            elif kind in (STRUCT, FWD):
                prefix = "union" if kind == FWD and self._infos[type_id] >> 31 else "struct"
                return TypeShape(f"{prefix} {self.name(type_id)}", pointers)
            elif kind == UNION:
                return TypeShape(f"union {self.name(type_id)}", pointers)
            elif kind in (ENUM, ENUM64):
                return TypeShape(f"enum {self.name(type_id)}", pointers)
            elif kind == FUNC_PROTO:
                return TypeShape("function", pointers)
            else:
                return TypeShape(self.name(type_id), pointers)
        raise BtfError(f"type chain from {type_id} does not end: a type-id loop", self.path)

    def c_type(self, type_id: int) -> str:
        """A readable C spelling: `struct list_head`, `struct page *`, `unsigned int[2]`."""
        parts: list[str] = []
        arrays = ""
        for _ in range(_MAX_CHAIN):
            kind = self.kind(type_id)
            if type_id == 0:
                stars = "".join(parts)
                return (f"void {stars}" if stars else "void") + arrays
            if kind == PTR:
                parts.insert(0, "*")
                type_id = self.ref(type_id)
            elif kind == ARRAY:
                btf_type = self.type(type_id)
                arrays += f"[{btf_type.nelems}]"
                type_id = btf_type.ref
            elif kind in _QUALIFIERS:
                type_id = self.ref(type_id)
            elif kind == FUNC_PROTO:
                return "void (*)(void)" if parts else "function"
            else:
                if kind in (STRUCT, UNION, ENUM, ENUM64):
                    base = f"{'union' if kind == UNION else 'enum' if kind in (ENUM, ENUM64) else 'struct'} "
                    base += self.name(type_id) or "(anon)"
                elif kind == FWD:
                    base = f"{'union' if self._infos[type_id] >> 31 else 'struct'} {self.name(type_id)}"
                else:
                    base = self.name(type_id)
                from ontology.cdecl import normalise_base

                base = normalise_base(base.split())
                stars = "".join(parts)
                return (f"{base} {stars}" if stars else base) + arrays
        raise BtfError(f"type chain from {type_id} does not end: a type-id loop", self.path)

    def struct_fields(self, name: str) -> list[Field]:
        """Members of struct `name`, anonymous structs/unions flattened, offsets absolute."""
        struct_id = self.find(STRUCT, name)
        if struct_id is None:
            raise BtfError(f"no struct {name!r}", self.path)
        out: list[Field] = []
        visited = [0]

        def walk(type_id: int, base_bits: int, depth: int) -> None:
            if depth > _MAX_CHAIN:
                raise BtfError(f"struct {name!r} nests anonymous members too deeply (a loop?)", self.path)
            members = self.type(type_id).members
            visited[0] += len(members)
            if visited[0] > _MAX_FIELDS:
                raise BtfError(f"struct {name!r} flattens to more than {_MAX_FIELDS} members (a loop?)", self.path)
            for member in members:
                bits = base_bits + member.bit_offset
                target = member.type_id
                target_kind = self.kind(target)
                if not member.name and target_kind in (STRUCT, UNION):
                    walk(target, bits, depth + 1)
                    continue
                size = self.size_of(target)
                c_type = self.c_type(target)
                if member.bit_size:
                    unit = max(size, 1)
                    offset = (bits // (unit * 8)) * unit
                    out.append(Field(member.name, offset, size, target, c_type, bits, member.bit_size))
                else:
                    out.append(Field(member.name, bits // 8, size, target, c_type))

        walk(struct_id, 0, 0)
        return out

    def enum_values(self, name: str) -> dict[str, int]:
        enum_id = self.find(ENUM, name) or self.find(ENUM64, name)
        if enum_id is None:
            raise BtfError(f"no enum {name!r}", self.path)
        return dict(self.type(enum_id).values)

    def prototype(self, function: str) -> BtfType | None:
        """The FUNC_PROTO of FUNC `function` (return in `ref`, parameters in `members`)."""
        func_id = self.find(FUNC, function)
        if func_id is None:
            return None
        proto_id = self.ref(func_id)
        if self.kind(proto_id) != FUNC_PROTO:
            raise BtfError(
                f"FUNC {function!r} refers to a {KIND_NAMES[self.kind(proto_id)]}, not a FUNC_PROTO", self.path
            )
        return self.type(proto_id)

    def function_names(self) -> list[str]:
        """Distinct names of every FUNC, sorted."""
        return sorted({self.name(i) for i in self.ids(FUNC)})
