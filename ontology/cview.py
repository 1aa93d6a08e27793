"""C-level views of BTF types: what a record means to someone reading the kernel's headers.

`ontology.btf` reads the format; these functions answer C questions over it: sizeof(), the
base type and pointer depth a parameter points to (`shape`), a readable C spelling
(`c_type`), a struct's members flattened through anonymous structs and unions with absolute
offsets (`struct_fields`), enumerator values and a function's prototype. A type chain that
never ends (a type-id loop in malformed BTF) raises `BtfError` instead of hanging.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from ontology.btf import (
    ARRAY,
    CONST,
    DATASEC,
    DECL_TAG,
    ENUM,
    ENUM64,
    FLOAT,
    FUNC,
    FUNC_PROTO,
    FWD,
    INT,
    KIND_NAMES,
    PTR,
    RESTRICT,
    STRUCT,
    TYPE_TAG,
    TYPEDEF,
    UNION,
    VAR,
    VOLATILE,
    Btf,
    BtfError,
    BtfType,
    Member,
)
from ontology.cspelling import normalise_base

QUALIFIERS = frozenset({VOLATILE, CONST, RESTRICT, TYPE_TAG})
MAX_CHAIN = 64
"""No sane type chain (typedef of const of pointer...) is this deep; deeper means a loop."""
MAX_FIELDS = 1 << 16
"""No struct flattens to this many members; more means anonymous members fan out without end."""


class Field(NamedTuple):
    """A flattened struct member: absolute byte offset, size, and bitfield position if any."""

    name: str
    offset: int
    size: int
    type_id: int
    c_type: str
    bit_offset: int | None = None
    bit_size: int | None = None
    arm: tuple[int, int] | None = None
    """Where the member sits in its struct's outermost anonymous union: that union's type id
    and the index of the union member (an anonymous struct, or the member itself) holding it;
    None outside any anonymous union. Members with one `arm` are used together; members of
    different arms of one union share bytes and exclude each other."""


class TypeShape(NamedTuple):
    """What a type is once qualifiers (and typedefs, unless kept) are peeled: a base and depth.

    NamedTuples, not dataclasses, here and in `Field`: `dataclasses` (and `inspect`) would cost
    a cold `memdesc census` some 25 ms of imports."""

    base: str
    pointers: int


def _loop(btf: Btf, type_id: int) -> BtfError:
    return BtfError(f"type chain from {type_id} does not end: a type-id loop", btf.path)


def size_of(btf: Btf, type_id: int) -> int:
    """sizeof() of a type, through typedefs, qualifiers and arrays (pointers are 8 bytes)."""
    elements = 1
    for _ in range(MAX_CHAIN):
        kind = btf.kind(type_id)
        if kind in (INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC):
            return elements * btf.size(type_id)
        if kind == PTR:
            return elements * 8
        if kind == ARRAY:
            array_type = btf.type(type_id)
            elements *= array_type.nelems
            type_id = array_type.ref
            continue
        if kind in QUALIFIERS or kind in (TYPEDEF, VAR, DECL_TAG):
            type_id = btf.ref(type_id)
            continue
        return 0
    raise _loop(btf, type_id)


def _step(btf: Btf, type_id: int, keep: frozenset[str]) -> str | tuple[int, int]:
    """One link of a type chain as `shape` follows it: the base when `type_id` ends the chain,
    else (the type it leads to, 1 if it adds a pointer level else 0)."""
    kind = btf.kind(type_id)
    if type_id == 0:
        return "void"
    if kind == PTR:
        return btf.ref(type_id), 1
    if kind == ARRAY:
        return btf.type(type_id).ref, 1
    if kind in QUALIFIERS:
        return btf.ref(type_id), 0
    if kind == TYPEDEF:
        name = btf.name(type_id)
        return name if name in keep else (btf.ref(type_id), 0)
    if kind in (STRUCT, FWD):
        prefix = "union" if kind == FWD and btf.kind_flag(type_id) else "struct"
        return f"{prefix} {btf.name(type_id)}"
    if kind == UNION:
        return f"union {btf.name(type_id)}"
    if kind in (ENUM, ENUM64):
        return f"enum {btf.name(type_id)}"
    if kind == FUNC_PROTO:
        return "function"
    return btf.name(type_id)


def shape(btf: Btf, type_id: int, keep: frozenset[str] = frozenset()) -> TypeShape:
    """The base type and pointer depth of a type: `struct page **` -> (struct page, 2).

    Qualifiers and typedefs are peeled; a typedef named in `keep` (netmem_ref, pgtable_t)
    is a base in its own right. Arrays count as one pointer level.
    """
    pointers = 0
    for _ in range(MAX_CHAIN):
        step = _step(btf, type_id, keep)
        if isinstance(step, str):
            return TypeShape(step, pointers)
        type_id, more = step
        pointers += more
    raise _loop(btf, type_id)


def shapes(btf: Btf, type_ids: Iterable[int], keep: frozenset[str] = frozenset()) -> dict[int, TypeShape]:
    """`shape` of each of `type_ids`, for scans over thousands: chains share their tails
    (every `const struct page *` parameter ends at the same struct), so each type on a chain
    is followed once and what it resolves to remembered with its distance from the base.
    Answers and errors are `shape`'s: a chain `shape` would give up on (a loop, more than
    `MAX_CHAIN` links) raises `shape`'s own error for the first such id in `type_ids`."""
    known: dict[int, tuple[str, int, int]] = {}  # type id -> (base, pointer levels to it, links)
    out: dict[int, TypeShape] = {}
    for start in type_ids:
        walked: list[tuple[int, int]] = []  # (type id, pointer level it adds), up to a known type
        type_id = start
        try:
            while type_id not in known:
                step = _step(btf, type_id, keep)
                if isinstance(step, str):
                    known[type_id] = (step, 0, 1)
                    break
                if len(walked) == MAX_CHAIN - 1:  # one more link than `shape` follows
                    raise _loop(btf, start)
                walked.append((type_id, step[1]))
                type_id = step[0]
            base, pointers, links = known[type_id]
            for link_id, more in reversed(walked):
                pointers, links = pointers + more, links + 1
                if links > MAX_CHAIN:
                    raise _loop(btf, start)
                known[link_id] = (base, pointers, links)
        except BtfError:
            shape(btf, start, keep)  # raises the error `shape` gives for this id
            raise
        out[start] = TypeShape(base, pointers)  # the walk ended at `start`'s own entry
    return out


def c_type(btf: Btf, type_id: int) -> str:
    """A readable C spelling: `struct list_head`, `struct page *`, `unsigned int[2]`."""
    parts: list[str] = []
    arrays = ""
    for _ in range(MAX_CHAIN):
        kind = btf.kind(type_id)
        if type_id == 0:
            stars = "".join(parts)
            return (f"void {stars}" if stars else "void") + arrays
        if kind == PTR:
            parts.insert(0, "*")
            type_id = btf.ref(type_id)
        elif kind == ARRAY:
            array_type = btf.type(type_id)
            arrays += f"[{array_type.nelems}]"
            type_id = array_type.ref
        elif kind in QUALIFIERS:
            type_id = btf.ref(type_id)
        elif kind == FUNC_PROTO:
            return "void (*)(void)" if parts else "function"
        else:
            if kind in (STRUCT, UNION, ENUM, ENUM64):
                base = f"{'union' if kind == UNION else 'enum' if kind in (ENUM, ENUM64) else 'struct'} "
                base += btf.name(type_id) or "(anon)"
            elif kind == FWD:
                base = f"{'union' if btf.kind_flag(type_id) else 'struct'} {btf.name(type_id)}"
            else:
                base = btf.name(type_id)
            base = normalise_base(base.split())
            stars = "".join(parts)
            return (f"{base} {stars}" if stars else base) + arrays
    raise _loop(btf, type_id)


def struct_fields(btf: Btf, name: str) -> list[Field]:
    """Members of struct `name`, anonymous structs/unions flattened, offsets absolute."""
    struct_id = btf.find(STRUCT, name)
    if struct_id is None:
        raise BtfError(f"no struct {name!r}", btf.path)
    out: list[Field] = []
    visited = [0]
    members_of: dict[int, tuple[Member, ...]] = {}
    spelled: dict[int, tuple[int, str]] = {}  # size and C spelling of each member type

    def walk(type_id: int, base_bits: int, depth: int, arm: tuple[int, int] | None) -> None:
        if depth > MAX_CHAIN:
            raise BtfError(f"struct {name!r} nests anonymous members too deeply (a loop?)", btf.path)
        members = members_of.get(type_id)
        if members is None:
            members = members_of[type_id] = btf.type(type_id).members
        visited[0] += len(members)
        if visited[0] > MAX_FIELDS:
            raise BtfError(f"struct {name!r} flattens to more than {MAX_FIELDS} members (a loop?)", btf.path)
        outermost_union = arm is None and depth > 0 and btf.kind(type_id) == UNION
        for index, member in enumerate(members):
            bits = base_bits + member.bit_offset
            target = member.type_id
            here = (type_id, index) if outermost_union else arm
            if not member.name and btf.kind(target) in (STRUCT, UNION):
                walk(target, bits, depth + 1, here)
                continue
            if target not in spelled:
                spelled[target] = (size_of(btf, target), c_type(btf, target))
            size, spelling = spelled[target]
            if member.bit_size:
                unit = max(size, 1)
                offset = (bits // (unit * 8)) * unit
                out.append(Field(member.name, offset, size, target, spelling, bits, member.bit_size, here))
            else:
                out.append(Field(member.name, bits // 8, size, target, spelling, arm=here))

    walk(struct_id, 0, 0, None)
    return out


def enum_values(btf: Btf, name: str) -> dict[str, int]:
    """The enumerators of enum `name` (ENUM, else ENUM64) and their values."""
    enum_id = btf.find(ENUM, name) or btf.find(ENUM64, name)
    if enum_id is None:
        raise BtfError(f"no enum {name!r}", btf.path)
    return dict(btf.type(enum_id).values)


def prototype(btf: Btf, function: str) -> BtfType | None:
    """The FUNC_PROTO of FUNC `function` (return in `ref`, parameters in `members`)."""
    func_id = btf.find(FUNC, function)
    if func_id is None:
        return None
    proto_id = btf.ref(func_id)
    if btf.kind(proto_id) != FUNC_PROTO:
        raise BtfError(f"FUNC {function!r} refers to a {KIND_NAMES[btf.kind(proto_id)]}, not a FUNC_PROTO", btf.path)
    return btf.type(proto_id)


def function_names(btf: Btf) -> list[str]:
    """Distinct names of every FUNC, sorted."""
    return sorted({btf.name(i) for i in btf.ids(FUNC)})
