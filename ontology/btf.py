"""A pure-Python reader of BTF, the kernel's own type information: the format, as libbpf parses it.

Reads a raw BTF blob (`/sys/kernel/btf/vmlinux`) or the `.BTF` section of a vmlinux ELF, in
either byte order: the header, the string section and every type record (kind, name, size or
referenced type, and where its trailing members/params/values lie), with every reference
checked in bulk as libbpf's sanity checks do. The type section is held as one sequence of u32
words (a view of the file's bytes when their order is the machine's), so the index is one
pass and members are decoded only when a type is asked for.
Every malformed input raises `BtfError` (an `InputError`) naming the file and what is wrong:
no traceback, no hang, no unbounded allocation. What the types mean in C (layouts, spellings,
sizes) is `ontology.cview`'s job.

Format: include/uapi/linux/btf.h and Documentation/bpf/btf.rst.
"""

from __future__ import annotations

import mmap
import os
import struct
import sys
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, chain, compress, count
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from ontology.btferror import BtfError as BtfError  # re-exported: every caller catches it from here
from ontology.errors import InputError
from ontology.inputs import BTF_CAP, open_input, read_open

DEFAULT_BTF = Path("/sys/kernel/btf/vmlinux")
MAGIC = 0xEB9F

KIND_NAMES = (
    "UNKN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE",
    "CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG",
    "TYPE_TAG", "ENUM64",
)  # fmt: skip
INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT = range(1, 12)
FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64 = range(12, 20)

# u32 words after the 3-word record header: (fixed, per vlen item), by kind.
_TRAILER = {
    INT: (1, 0), PTR: (0, 0), ARRAY: (3, 0), STRUCT: (0, 3), UNION: (0, 3), ENUM: (0, 2),
    FWD: (0, 0), TYPEDEF: (0, 0), VOLATILE: (0, 0), CONST: (0, 0), RESTRICT: (0, 0), FUNC: (0, 0),
    FUNC_PROTO: (0, 2), VAR: (1, 0), DATASEC: (0, 3), FLOAT: (0, 0), DECL_TAG: (1, 0),
    TYPE_TAG: (0, 0), ENUM64: (0, 3),
}  # fmt: skip
_FIXED: tuple[int | None, ...] = tuple(3 + _TRAILER[k][0] if k in _TRAILER else None for k in range(32))
_PER_ITEM: tuple[int, ...] = tuple(_TRAILER[k][1] if k in _TRAILER else 0 for k in range(32))
REFERS = frozenset({PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, VAR, DECL_TAG, TYPE_TAG, FUNC_PROTO})
"""Kinds whose third header word is a type id (a FUNC_PROTO's is its return type)."""
SIZED = frozenset({INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC})
"""Kinds whose third header word is a size in bytes."""
_NATIVE = "<" if sys.byteorder == "little" else ">"
_GATHER_CHUNK = 8192
"""Records whose header words are gathered at once when indexing (see `Btf._index`)."""
_KIND_OF_TOP_BYTE = bytes(top & 0x1F for top in range(256))
"""An info word's top byte -> its kind (bits 24-28; bit 31 is the kind flag)."""


def gatherer(indexes: Sequence[int]) -> Callable[[Sequence[int]], Sequence[int]]:
    """`source[i]` for each of `indexes`, as one C-speed call per source (`itemgetter`, whose
    single index would give a value rather than a sequence, and which takes no empty list)."""
    if len(indexes) > 1:
        return itemgetter(*indexes)
    return lambda source: tuple(source[index] for index in indexes)


def kinds_mask(kinds: frozenset[int]) -> bytes:
    """A `bytes.translate` table turning a string of kinds into 1 for each of `kinds`, else 0."""
    return bytes(kind in kinds for kind in range(256))


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


BtfBlob = bytes | mmap.mmap
"""What `read_btf` gives: the bytes, or a read-only mapping of a large raw BTF file."""

MAP_FROM = 1 << 20
"""Raw BTF files this large are mapped, not read: a 5 MB kernel BTF read into memory costs
~1,300 page faults (more CPU than bpftool's whole dump); mapped, the page cache is used in
place and touched 16 pages per fault (fault-around): ~20."""


def read_btf(path: Path | str) -> BtfBlob:
    """The BTF in a file: raw BTF (mapped when large, else one capped read), else whatever
    `ontology.kernelimage` unwraps (compressed BTF, a vmlinux or module ELF, a bzImage);
    BtfError if it is not a readable regular file (missing, a directory, a FIFO, a device, a
    symlink loop...). A mapped file must not be rewritten in place while it is in use (a
    file replaced by a rename, as package managers and editors do, is unaffected)."""
    shown = str(path)
    try:
        handle = open_input(path, "a BTF file or kernel image", shown)
    except InputError as error:
        raise BtfError(error.message, shown) from None
    try:
        if os.pread(handle, 2, 0) in (b"\x9f\xeb", b"\xeb\x9f"):  # raw BTF: no other module needed
            if MAP_FROM <= os.fstat(handle).st_size <= BTF_CAP:
                try:
                    return mmap.mmap(handle, 0, access=mmap.ACCESS_READ)
                except (OSError, ValueError):  # a file that cannot be mapped: read it
                    pass
            return read_open(handle, BTF_CAP, "a BTF file", shown)
        from ontology.kernelimage import load

        return load(path, shown, handle).btf
    except InputError as error:
        raise BtfError(error.message, shown) from None
    except OSError as error:
        raise BtfError(f"cannot read: {error.strerror or error}", shown) from None
    finally:
        os.close(handle)


class Btf:
    """Parsed BTF: every type record indexed and its references checked, decoded on demand."""

    def __init__(self, data: BtfBlob, path: str = "<bytes>", base: Btf | None = None):
        """Parse `data` (raw BTF or an ELF file's `.BTF`). A module's BTF is split BTF: its type
        ids and string offsets continue those of the vmlinux BTF it was built against, `base`
        (libbpf's `btf__parse_split`); the result holds both, so module types resolve base ones."""
        self.path = path
        self.base = base
        if data[:4] == b"\x7fELF":
            data = _section_from_elf(bytes(data), path)
        if len(data) < 24:
            raise BtfError(f"truncated: {len(data)} bytes is shorter than a BTF header" if data else "empty file", path)
        if struct.unpack_from("<H", data)[0] == MAGIC:
            self.order = "<"
        elif struct.unpack_from(">H", data)[0] == MAGIC:
            self.order = ">"
        else:
            raise BtfError(f"wrong magic 0x{data[0]:02x}{data[1]:02x}, expected BTF 0xeb9f", path)
        _version, _flags, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(
            self.order + "BBIIIII", data, 2
        )
        if hdr_len < 24 or hdr_len > len(data):
            raise BtfError(f"header length {hdr_len} is impossible for a {len(data)}-byte file", path)
        body = len(data) - hdr_len
        if type_off + type_len > body or str_off + str_len > body:
            raise BtfError("header offsets point past the end of the file (truncated?)", path)
        types_at = hdr_len + type_off
        if not isinstance(data, (bytes, mmap.mmap)):  # the words below are a view: of bytes nobody changes
            data = bytes(data)
        with memoryview(data) as view:  # the strings copied once, not sliced then copied
            self._strings = bytes(view[hdr_len + str_off : hdr_len + str_off + str_len])
        if self._strings and self._strings[-1] != 0:
            raise BtfError("string section does not end with a NUL byte", path)
        type_words = memoryview(data)[types_at : types_at + type_len - type_len % 4]
        self._words: array[int] | memoryview
        if self.order == _NATIVE:  # the type section read in place: no 5 MB copy to fault in
            self._words = type_words.cast("I")
        else:
            self._words = array("I")
            self._words.frombytes(type_words)
            self._words.byteswap()
        if base is not None or self._strings[:1] not in (b"", b"\0"):
            type_len = self._join(base, type_len)
        self._decoded: dict[int, str] = {0: ""}
        self._by_name: dict[int, dict[bytes | None, int]] = {}
        self._expected: dict[int, set[bytes]] = {}
        """Per kind, the names `expect` was told of: `find` answers them from `_partial`."""
        self._partial: dict[int, dict[bytes, int]] = {}
        self._param_types = array("I")
        """Every FUNC_PROTO's parameter type ids, in type id order (set by `_validate`)."""
        self._index(type_len)
        self._validate()

    @classmethod
    def from_file(cls, path: Path | str = DEFAULT_BTF, base: Btf | None = None) -> Btf:
        return cls(read_btf(path), str(path), base)

    def _join(self, base: Btf | None, type_len: int) -> int:
        """Put `base`'s types and strings before this split BTF's, as its ids and offsets
        assume: one type section and one string section, indexed as one blob. Only a base
        BTF's strings start with the empty string (libbpf's `btf_parse_str_sec` checks it)."""
        if base is None:
            raise BtfError("split BTF (a module's): give the vmlinux BTF it continues too (--base-btf)", self.path)
        if self._strings[:1] == b"\0":
            raise BtfError(f"is complete BTF, not split BTF continuing {base.path}", self.path)
        if base.order != self.order:
            raise BtfError(f"byte order differs from its base {base.path}'s", self.path)
        words = array("I")
        words.frombytes(memoryview(base._words).cast("B"))
        words.frombytes(memoryview(self._words).cast("B"))
        self._words = words
        self._strings = base._strings + self._strings
        return 4 * len(base._words) + type_len

    def _index(self, end: int) -> None:
        """One pass over the type section: the word where each record starts, then its kind,
        name, info and size-or-type words, and the ids of each kind."""
        words = self._words
        after_name = words[1:]  # a record's info word is after_name[start]: no addition per record
        length: dict[int, int] = {}  # a record's length in words, by its info word (a plain dict)
        starts = array("I", [0])  # type 0 is void; an array: no int object kept per record
        append = starts.append
        stop = (end + 3) // 4
        position = 0
        while True:
            try:
                while position < stop:
                    append(position)
                    position += length[after_name[position]]
                break
            except IndexError:  # the header's second word lies past the end
                raise BtfError(
                    f"type {len(starts) - 1} is truncated at byte {4 * position} of the type section", self.path
                ) from None
            except KeyError:  # an info word not seen before: its length, once
                info = after_name[position]
                kind = info >> 24 & 0x1F
                fixed = _FIXED[kind]
                if fixed is None:  # no such kind (unless the header itself is cut short)
                    if 4 * position + 12 <= end:
                        raise BtfError(f"type {len(starts) - 1} has unknown kind {kind}", self.path) from None
                    break
                length[info] = fixed + _PER_ITEM[kind] * (info & 0xFFFF)
                position += length[info]
        if len(starts) > 1 and 4 * starts[-1] + 12 > end:
            raise BtfError(
                f"type {len(starts) - 1} is truncated at byte {4 * starts[-1]} of the type section", self.path
            )
        # Each record's name, info and size-or-type words, gathered at C speed into arrays, a
        # chunk of records at a time: the ints of a chunk are freed before the next chunk's are
        # made, so their memory is reused instead of faulted in (121,000 of them, three times).
        names, infos, sizes = array("I", [0]), array("I", [0]), array("I", [0])
        after_info = words[2:]
        for chunk in range(1, len(starts), _GATHER_CHUNK):
            at_starts = gatherer(starts[chunk : chunk + _GATHER_CHUNK])
            names.extend(at_starts(words))
            infos.extend(at_starts(after_name))
            sizes.extend(at_starts(after_info))
        # The kinds, at C speed: the top byte of each info word, masked to its five kind bits.
        top_bytes = infos.tobytes()[3::4] if _NATIVE == "<" else infos.tobytes()[0::4]
        kinds = top_bytes.translate(_KIND_OF_TOP_BYTE)
        if 4 * position > end:
            raise BtfError(
                f"type {len(starts) - 1} ({KIND_NAMES[kinds[-1]]}) claims vlen {infos[-1] & 0xFFFF}, "
                "which runs past the end of the type section",
                self.path,
            )
        # The ids of each kind in id order: one pass appending each id to its kind's list.
        by_kind: list[array[int]] = [array("I") for _ in KIND_NAMES]
        appends = [ids.append for ids in by_kind]
        for type_id, kind in enumerate(kinds[1:], 1):
            appends[kind](type_id)
        starts.append(position)  # where the last record ends: record i's trailer ends at starts[i + 1]
        self._starts = starts
        self._kinds = kinds
        self._infos = infos
        self._names = names
        self._sizes = sizes
        self._by_kind = by_kind

    def _trailers(self, kinds: Sequence[int], ends: Sequence[int]) -> array[int]:
        """The trailer words of every record of `kinds`, in type id order, concatenated: each
        record's words after its 3-word header up to where the next record starts (`ends`:
        `_starts` shifted by one), one C-speed slice per record."""
        by_kind = self._by_kind
        type_ids = (
            by_kind[kinds[0]] if len(kinds) == 1 else sorted(chain.from_iterable(map(by_kind.__getitem__, kinds)))
        )
        starts = self._starts
        raw = memoryview(self._words).cast("B")  # frombytes takes bytes: a slice is one copy, no int per word
        out = array("I")
        extend = out.frombytes
        for type_id in type_ids:
            extend(raw[4 * starts[type_id] + 12 : 4 * ends[type_id]])
        return out

    def _validate(self) -> None:
        """Check every reference in the type section at once, as libbpf's sanity checks do:
        member, parameter, element and referenced type ids exist, and every name offset lies
        in the string section. Loops in type chains are caught when a chain is followed."""
        count = len(self._kinds)
        string_limit = max(len(self._strings), 1)

        def check(values: Sequence[int], what: str, limit: int) -> None:
            if values and max(values) >= limit:
                bad = next(v for v in values if v >= limit)
                raise BtfError(f"{what} {bad} is out of range (limit {limit})", self.path)

        check(self._names, "type name offset", string_limit)
        sizes = self._sizes
        refers = kinds_mask(REFERS)
        if max(compress(sizes, self._kinds.translate(refers)), default=0) >= count:
            check(list(compress(sizes, self._kinds.translate(refers))), "referenced type id", count)
        ends = self._starts[1:]
        members = self._trailers((STRUCT, UNION), ends)
        check(members[0::3], "member name offset", string_limit)
        check(members[1::3], "member type id", count)
        params = self._trailers((FUNC_PROTO,), ends)
        self._param_types = params[1::2]
        check(params[0::2], "parameter name offset", string_limit)
        check(self._param_types, "parameter type id", count)
        check(self._trailers((ENUM,), ends)[0::2], "enumerator name offset", string_limit)
        check(self._trailers((ENUM64,), ends)[0::3], "enumerator name offset", string_limit)
        check(self._trailers((DATASEC,), ends)[0::3], "section variable type id", count)
        arrays = self._trailers((ARRAY,), ends)
        check(arrays[0::3], "array element type id", count)
        check(arrays[1::3], "array index type id", count)

    # -- records ----------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Number of type ids, void (0) included."""
        return len(self._kinds)

    def string(self, offset: int) -> str:
        """The NUL-terminated string at `offset` of the string section (decoded once)."""
        found = self._decoded.get(offset)
        if found is not None:
            return found
        strings = self._strings
        if offset >= len(strings) or offset < 0:
            raise BtfError(f"string offset {offset} is outside the {len(strings)}-byte string section", self.path)
        end = strings.find(b"\0", offset)
        if end < 0:
            raise BtfError(f"string at offset {offset} is not NUL-terminated", self.path)
        text = self._decoded[offset] = strings[offset:end].decode("utf-8", errors="replace")
        return text

    def _check_id(self, type_id: int, referrer: int | None = None) -> None:
        if not 0 <= type_id < len(self._kinds):
            where = f"type {referrer} refers to" if referrer is not None else "asked for"
            raise BtfError(f"{where} type id {type_id}, past the last type {len(self._kinds) - 1}", self.path)

    def kind(self, type_id: int) -> int:
        if not 0 <= type_id < len(self._kinds):
            self._check_id(type_id)
        return self._kinds[type_id]

    def kind_flag(self, type_id: int) -> bool:
        """Bit 31 of the info word: bitfield members, a union FWD, a signed enum."""
        self._check_id(type_id)
        return self._infos[type_id] >= 0x80000000

    def name(self, type_id: int) -> str:
        self._check_id(type_id)
        return self.string(self._names[type_id]) if type_id else "void"

    def ref(self, type_id: int) -> int:
        """The type a PTR/TYPEDEF/qualifier/FUNC/VAR/DECL_TAG refers to (FUNC_PROTO: return)."""
        if not 0 <= type_id < len(self._kinds):
            self._check_id(type_id)
        return self._sizes[type_id]

    def refs(self, kind: int) -> tuple[Sequence[int], list[int]]:
        """Every record of a referring `kind` (FUNC, PTR, ...) and, in the same order, the type
        each refers to: a bulk `ref` for scans over tens of thousands (checked when indexed)."""
        if kind not in REFERS:
            raise ValueError(f"{KIND_NAMES[kind]} records do not refer to a type")
        type_ids = self._by_kind[kind]
        return type_ids, list(map(self._sizes.__getitem__, type_ids))

    def size(self, type_id: int) -> int:
        """The byte size a sized kind (INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC) records; 0 for others."""
        return self._sizes[type_id] if self.kind(type_id) in SIZED else 0

    def signature_ids(self, proto_id: int) -> tuple[int, ...]:
        """A FUNC_PROTO's return type id then its parameter type ids, without decoding names."""
        if self.kind(proto_id) != FUNC_PROTO:
            raise BtfError(f"type {proto_id} is a {KIND_NAMES[self._kinds[proto_id]]}, not a FUNC_PROTO", self.path)
        start = self._starts[proto_id] + 3
        return (self._sizes[proto_id], *self._words[start + 1 : start + 2 * (self._infos[proto_id] & 0xFFFF) : 2])

    def all_parameter_type_ids(self) -> tuple[Sequence[int], list[int], array[int]]:
        """Every FUNC_PROTO's parameters at once, for scans over tens of thousands of them:
        (the prototypes in type id order, each one's parameter count, all their parameter
        type ids concatenated in that order), as the reference check gathered them."""
        protos = self._by_kind[FUNC_PROTO]
        infos = self._infos
        return protos, [infos[proto_id] & 0xFFFF for proto_id in protos], self._param_types

    def type(self, type_id: int) -> BtfType:
        """Decode one type record with its members, parameters or values."""
        self._check_id(type_id)
        if type_id == 0:
            return BtfType(0, 0, "void")
        kind = self._kinds[type_id]
        info = self._infos[type_id]
        vlen = info & 0xFFFF
        kind_flag = info >= 0x80000000
        base = self._starts[type_id] + 3
        value = self._sizes[type_id]
        name = self.string(self._names[type_id])
        words = self._words
        string = self.string
        if kind in (STRUCT, UNION):
            trailer = words[base : base + 3 * vlen]
            members = []
            for at in range(0, 3 * vlen, 3):
                offset = trailer[at + 2]
                text = string(trailer[at])
                if kind_flag:
                    members.append(Member(text, trailer[at + 1], offset & 0xFFFFFF, offset >> 24))
                else:
                    members.append(Member(text, trailer[at + 1], offset, 0))
            return BtfType(type_id, kind, name, value, 0, vlen, kind_flag, tuple(members))
        if kind == FUNC_PROTO:
            trailer = words[base : base + 2 * vlen]
            params = tuple(Member(string(trailer[at]), trailer[at + 1]) for at in range(0, 2 * vlen, 2))
            return BtfType(type_id, kind, name, 0, value, vlen, kind_flag, params)
        if kind in REFERS:
            return BtfType(type_id, kind, name, 0, value, vlen, kind_flag)
        if kind == INT:
            return BtfType(type_id, kind, name, value, 0, vlen, kind_flag, encoding=(words[base] >> 24) & 0xF)
        if kind == ARRAY:
            return BtfType(type_id, kind, name, 0, words[base], vlen, kind_flag, nelems=words[base + 2])
        if kind == ENUM:
            trailer = words[base : base + 2 * vlen]
            values = []
            for at in range(0, 2 * vlen, 2):
                raw = trailer[at + 1]
                values.append((string(trailer[at]), raw - (1 << 32) if kind_flag and raw >= 1 << 31 else raw))
            return BtfType(type_id, kind, name, value, 0, vlen, kind_flag, values=tuple(values))
        if kind == ENUM64:
            trailer = words[base : base + 3 * vlen]
            values = []
            for at in range(0, 3 * vlen, 3):
                number = (trailer[at + 2] << 32) | trailer[at + 1]
                if kind_flag and number >= 1 << 63:
                    number -= 1 << 64
                values.append((string(trailer[at]), number))
            return BtfType(type_id, kind, name, value, 0, vlen, kind_flag, values=tuple(values))
        if kind == DATASEC:
            trailer = words[base : base + 3 * vlen]
            entries = tuple(
                Member(self.name(trailer[at]), trailer[at], trailer[at + 1] * 8, trailer[at + 2] * 8)
                for at in range(0, 3 * vlen, 3)
            )
            return BtfType(type_id, kind, name, value, 0, vlen, kind_flag, entries)
        return BtfType(type_id, kind, name, value if kind == FLOAT else 0, 0, vlen, kind_flag)

    def decode_all(self) -> list[BtfType]:
        """Every type record decoded (members, parameters, values): the full parse."""
        return [self.type(type_id) for type_id in range(len(self._kinds))]

    def ids(self, kind: int | None = None) -> Iterator[int]:
        """Every type id (of one kind), in order."""
        if kind is None:
            yield from range(1, len(self._kinds))
        elif 0 <= kind < len(self._by_kind):
            yield from self._by_kind[kind]

    def _name_bytes(self, offsets: list[int]) -> list[bytes]:
        """The raw bytes of the string at each of `offsets` (in range: checked when indexed),
        an offset into the middle of a string included: one slice each, no decoding."""
        strings = self._strings
        end = strings.find
        return [strings[offset : end(b"\0", offset)] for offset in offsets]

    def find(self, kind: int, name: str) -> int | None:
        """The first type of `kind` named `name`, or None (anonymous types are not indexed).

        Names are matched as bytes: `name` in UTF-8 equals a BTF name exactly when the name
        decodes to it. A name with U+FFFD (or a lone surrogate) may be what an invalid byte
        decoded to, so it is looked up among the decoded names instead."""
        if not _plain(name):
            return self._decoded_index(kind).get(name)
        encoded = name.encode("utf-8")
        index = self._by_name.get(kind)
        if index is None:
            if encoded in self._expected.get(kind, ()):
                return self._partial[kind].get(encoded)
            index = self._full_index(kind)
        return index.get(encoded)

    def _named(self, kind: int) -> tuple[Sequence[int], list[int]]:
        """The ids of `kind` and, in the same order, the offsets of their names."""
        ids = self._by_kind[kind] if 0 <= kind < len(self._by_kind) else []
        return ids, list(gatherer(ids)(self._names))

    def _full_index(self, kind: int) -> dict[bytes | None, int]:
        """Every named type of `kind` by its name's bytes, the first of a name winning."""
        ids, offsets = self._named(kind)
        names: list[bytes | None] = list(self._name_bytes(offsets))
        if 0 in offsets:  # anonymous (offset 0) is not a name; a nonzero "" still is
            names = [None if offset == 0 else found for offset, found in zip(offsets, names, strict=True)]
        index = self._by_name[kind] = dict(zip(reversed(names), reversed(ids), strict=True))  # first wins
        index.pop(None, None)
        self._expected.pop(kind, None)
        self._partial.pop(kind, None)
        return index

    def expect(self, kind: int, names: Iterable[str]) -> None:
        """Say which names of `kind` are about to be looked up with `find`, so that only the
        records that may bear one are read: verify asks for ~1,000 FUNC names among ~53,000,
        and slicing every name costs more than the rest of its FUNC work. Each record's first
        four name bytes, gathered at C speed as one integer key, are matched against the wanted
        names' before any name is sliced (~4,000 records remain). `find` gives the same answers
        either way; names told of later (a second, different set) make the whole index, as a
        second pass would cost as much."""
        wanted = {name.encode("utf-8") for name in names if _plain(name)}
        if kind in self._by_name or not wanted or wanted <= self._expected.get(kind, set()):
            return
        if kind in self._expected:  # a second set of names: index them all
            self._full_index(kind)
            return
        ids, offsets = self._named(kind)
        strings = self._strings
        if len(offsets) > 1 and strings:
            # Each record's first `width` name bytes as one integer key, built at C speed: every
            # wanted name has that many (its own, then its terminating NUL when shorter).
            width, code = (4, "I") if min(map(len, wanted)) >= 3 else (2, "H")
            interleaved = bytearray(width * len(offsets))
            gather = gatherer(offsets)
            with memoryview(strings) as view:
                for depth in range(width):
                    try:  # the byte at offset + depth of every offset, from a view (no copy)
                        interleaved[depth::width] = bytes(gather(view[depth:]))
                    except IndexError:  # a name in the section's last bytes: pad a copy
                        interleaved[depth::width] = bytes(gather(strings[depth:] + bytes(depth)))
            keys = array(code, bytes(interleaved))
            prefixes = set(array(code, b"".join((name + bytes(width))[:width] for name in wanted)))
            maybe = list(map(prefixes.__contains__, keys))
            ids, offsets = list(compress(ids, maybe)), list(compress(offsets, maybe))
        found: dict[bytes, int] = {}
        for type_name, type_id in zip(self._name_bytes(offsets), ids, strict=True):
            if type_name in wanted and type_name not in found:  # the first of a name wins, as in find
                found[type_name] = type_id
        self._expected[kind], self._partial[kind] = wanted, found

    def _decoded_index(self, kind: int) -> dict[str, int]:
        """The first type of `kind` by decoded name: how names with invalid UTF-8 are matched."""
        index: dict[str, int] = {}
        names, string = self._names, self.string
        for type_id in self._by_kind[kind] if 0 <= kind < len(self._by_kind) else ():
            if names[type_id]:
                index.setdefault(string(names[type_id]), type_id)
        return index

    def find_enum_with(self, kind: int, names: set[str]) -> int | None:
        """The first enum of `kind` (ENUM or ENUM64) with an enumerator named one of `names`,
        or None: found from the enumerators' name offsets, without decoding every enum."""
        if kind not in (ENUM, ENUM64):
            raise ValueError(f"{KIND_NAMES[kind]} records have no enumerators")
        if not all(map(_plain, names)):  # perhaps what an invalid byte decoded to: compare decoded
            return next((i for i in self._by_kind[kind] if names & {n for n, _ in self.type(i).values}), None)
        enumerators = list(self._trailers((kind,), self._starts[1:])[0 :: _PER_ITEM[kind]])
        if not enumerators or not names:
            return None
        wanted = {name.encode("utf-8") for name in names}
        # Only enumerators whose first byte starts a wanted name are read: one C-speed gather.
        strings = self._strings
        initials = bytes(gatherer(enumerators)(strings))
        maybe = initials.translate(kinds_mask(frozenset(name[0] for name in wanted)))
        read = self._name_bytes(list(compress(enumerators, maybe)))
        first = next(compress(compress(count(), maybe), map(wanted.__contains__, read)), None)
        if first is None:
            return None
        ids, infos = self._by_kind[kind], self._infos
        ends = list(accumulate(infos[type_id] & 0xFFFF for type_id in ids))
        return ids[bisect_right(ends, first)]


def _plain(name: str) -> bool:
    """Whether `name` is looked up by its UTF-8 bytes: not empty (only an anonymous type has no
    name), no U+FFFD (what an invalid byte decodes to), no lone surrogate (not UTF-8 at all)."""
    if not name or "\ufffd" in name:
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
