"""Fuzzing the BTF reader: random, mutated and well-formed-but-odd blobs raise nothing but `BtfError`."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    PTR,
    RESTRICT,
    STRUCT,
    TYPEDEF,
    UNION,
    VAR,
    VOLATILE,
    Btf,
    BtfError,
)
from ontology.cview import c_type, enum_values, function_names, prototype, shape, size_of, struct_fields
from tests.support.btf_errors import check_message, time_limit
from tests.support.btf_sample import SAMPLE_BE, SAMPLE_LE
from tests.support.btf_writer import BtfWriter, elf_wrap

FUZZ = settings(max_examples=200, deadline=2000, database=None, suppress_health_check=[HealthCheck.too_slow])


def attempt(action: Callable[[], object]) -> None:
    try:
        action()
    except BtfError as error:
        check_message(error, "fuzz")


def exercise(data: bytes) -> None:
    """Everything a caller may ask either works or raises a one-line BtfError, promptly."""
    with time_limit(2.0):
        try:
            btf = Btf(data, "fuzz")
        except BtfError as error:
            check_message(error, "fuzz")
            return
        for type_id in range(btf.count):
            for action in (btf.type, btf.name, *(partial(view, btf) for view in (shape, size_of, c_type))):
                attempt(lambda action=action, type_id=type_id: action(type_id))  # type: ignore[misc]
            attempt(lambda type_id=type_id: shape(btf, type_id, keep=frozenset({"A", "t"})))  # type: ignore[misc]
        for type_id in btf.ids(STRUCT):
            attempt(lambda type_id=type_id: struct_fields(btf, btf.name(type_id)))  # type: ignore[misc]
        for type_id in (*btf.ids(ENUM), *btf.ids(ENUM64)):
            attempt(lambda type_id=type_id: enum_values(btf, btf.name(type_id)))  # type: ignore[misc]
        for type_id in btf.ids(FUNC):
            attempt(lambda type_id=type_id: prototype(btf, btf.name(type_id)))  # type: ignore[misc]
        attempt(lambda: function_names(btf))
        attempt(btf.decode_all)


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=512),
        st.binary(max_size=512).map(lambda tail: b"\x9f\xeb\x01\x00" + tail),
        st.binary(max_size=512).map(lambda tail: b"\xeb\x9f\x01\x00\x00\x00\x00\x18" + tail),
        st.binary(max_size=512).map(lambda tail: b"\x7fELF\x02\x01\x01\x00" + tail),
    )
)
def test_fuzz_random_bytes(data: bytes) -> None:
    exercise(data)


MUTATION_BASES = (SAMPLE_LE, SAMPLE_BE, elf_wrap(SAMPLE_LE), elf_wrap(SAMPLE_BE, ">"))


@FUZZ
@given(
    base=st.sampled_from(MUTATION_BASES),
    flips=st.lists(
        st.tuples(st.integers(0, 1 << 16), st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFF]) | st.integers(0, 255)),
        max_size=8,
    ),
    cut=st.none() | st.integers(0, 1 << 16),
)
def test_fuzz_mutated_sample(base: bytes, flips: list[tuple[int, int]], cut: int | None) -> None:
    data = bytearray(base)
    for position, value in flips:
        data[position % len(data)] = value
    if cut is not None:
        del data[cut % (len(data) + 1) :]
    exercise(bytes(data))


NAMES = st.sampled_from(["", "", "A", "t", "page", "folio", "x y"])


@st.composite
def random_writers(draw: st.DrawFn) -> tuple[BtfWriter, str]:
    """A well-formed blob: every id and string offset in range, but any shape (loops too)."""
    count = draw(st.integers(1, 24))
    ids = st.integers(0, count)
    w = BtfWriter()
    for _ in range(count):
        kind = draw(st.integers(1, 19))
        name = draw(NAMES)
        if kind == INT:
            w.int_(name, draw(st.sampled_from([1, 2, 4, 8, 16])), draw(st.sampled_from([0, 1, 2, 4])))
        elif kind == PTR:
            w.ptr(draw(ids))
        elif kind == ARRAY:
            w.array(draw(ids), draw(st.integers(0, 0xFFFFFFFF)), draw(ids))
        elif kind in (STRUCT, UNION):
            bitfields = draw(st.booleans())
            member = st.tuples(NAMES, ids, st.integers(0, 0xFFFFFF), st.integers(0, 255 if bitfields else 0))
            members = draw(st.lists(member, max_size=5))
            make = w.struct if kind == STRUCT else w.union
            make(name, draw(st.integers(0, 0xFFFFFFFF)), members, kind_flag=bitfields)
        elif kind == ENUM:
            values = draw(st.lists(st.tuples(NAMES, st.integers(-(1 << 31), (1 << 32) - 1)), max_size=4))
            w.enum(name, values, signed=draw(st.booleans()))
        elif kind == ENUM64:
            values = draw(st.lists(st.tuples(NAMES, st.integers(-(1 << 63), (1 << 64) - 1)), max_size=4))
            w.enum64(name, values, signed=draw(st.booleans()))
        elif kind == FWD:
            w.fwd(name, draw(st.booleans()))
        elif kind == TYPEDEF:
            w.typedef(name, draw(ids))
        elif kind == VOLATILE:
            w.volatile(draw(ids))
        elif kind == CONST:
            w.const(draw(ids))
        elif kind == RESTRICT:
            w.restrict(draw(ids))
        elif kind == FUNC:
            w.func(name, draw(ids), draw(st.integers(0, 2)))
        elif kind == FUNC_PROTO:
            w.func_proto(draw(ids), draw(st.lists(st.tuples(NAMES, ids), max_size=4)))
        elif kind == VAR:
            w.var(name, draw(ids), draw(st.integers(0, 2)))
        elif kind == DATASEC:
            entries = st.tuples(ids, st.integers(0, 0xFFFFFFFF), st.integers(0, 0xFFFFFFFF))
            w.datasec(name, draw(st.integers(0, 0xFFFFFFFF)), draw(st.lists(entries, max_size=3)))
        elif kind == FLOAT:
            w.float_(name, draw(st.sampled_from([2, 4, 8, 12, 16])))
        elif kind == DECL_TAG:
            w.decl_tag(name, draw(ids), draw(st.integers(-1, 4)))
        else:
            w.type_tag(name, draw(ids))
    return w, draw(st.sampled_from(["<", ">"]))


@FUZZ
@given(random_writers())
def test_fuzz_well_formed_blobs(built: tuple[BtfWriter, str]) -> None:
    w, order = built
    data = w.to_bytes(order)
    exercise(data)
    btf = Btf(data, "fuzz")  # well-formed: it must parse
    assert btf.count == w.next_id
    assert btf.decode_all() == Btf(w.to_bytes("<" if order == ">" else ">"), "fuzz").decode_all()
    exercise(elf_wrap(data, order))
