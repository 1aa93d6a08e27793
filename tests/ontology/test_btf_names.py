"""Finding types and enums by name (`Btf.find`, `Btf.find_enum_with`): names are compared as
bytes, so these pin down what that must keep meaning: the first type wins, a string repeated at
another offset (BTF that was not deduplicated) or a name offset into the middle of a string
names its type all the same, anonymous types are not found, and a name that is not UTF-8 is
found by what it decodes to."""

from __future__ import annotations

import lzma
from pathlib import Path

import pytest

from ontology.btf import ENUM, ENUM64, FUNC, STRUCT, Btf
from tests.ontology.kernels import KERNELS, kernel_btf
from tests.support.btf_writer import BtfWriter


def _func_btf() -> tuple[Btf, dict[str, int]]:
    w = BtfWriter()
    proto = w.func_proto(0)
    ids = {
        "first": w.func("dup", proto),
        "again": w.func(w.strings.add_raw(b"dup"), proto),  # the same name at another offset
        "long": w.func("xdup_longer", proto),
        "suffix": w.func(w.strings.add("ydup_only") + 1, proto),  # "dup_only", inside "ydup_only"
        "invalid": w.func(w.strings.add_raw(b"bad\xff"), proto),
        "replacement": w.func("bad\ufffd", proto),  # valid UTF-8 that decodes to the same text
        "anonymous": w.struct(0, 8),
        "named": w.struct("dup", 8),
    }
    return Btf(w.to_bytes(), "names.btf"), ids


def test_the_first_of_equal_names_wins() -> None:
    btf, ids = _func_btf()
    assert btf.find(FUNC, "dup") == ids["first"]
    assert btf.find(STRUCT, "dup") == ids["named"]  # each kind has its own names


def test_a_name_inside_another_string_is_a_name() -> None:
    btf, ids = _func_btf()
    assert btf.find(FUNC, "dup_only") == ids["suffix"]
    assert btf.find(FUNC, "ydup_only") is None and btf.find(FUNC, "xdup_longer") == ids["long"]


def test_invalid_utf8_is_found_by_what_it_decodes_to() -> None:
    btf, ids = _func_btf()
    assert btf.find(FUNC, "bad\ufffd") == ids["invalid"]  # first of the two that decode alike
    assert btf.find(FUNC, "bad\udcff") is None  # a lone surrogate is never a BTF name


def test_anonymous_and_absent_names_are_not_found() -> None:
    btf, _ = _func_btf()
    assert btf.find(STRUCT, "") is None
    assert btf.find(FUNC, "nope") is None and btf.find(FUNC, "du") is None and btf.find(99, "dup") is None


@pytest.mark.parametrize("path", KERNELS[:1] + KERNELS[-1:], ids=lambda p: p.name)
def test_find_agrees_with_the_decoded_names_of_a_real_kernel(path: Path) -> None:
    btf = kernel_btf(path)
    for kind in (FUNC, STRUCT):
        first: dict[str, int] = {}
        for type_id in btf.ids(kind):
            if btf._names[type_id]:
                first.setdefault(btf.name(type_id), type_id)
        assert all(btf.find(kind, name) == type_id for name, type_id in first.items())


def test_find_enum_with_takes_the_first_enum_naming_one() -> None:
    w = BtfWriter()
    w.enum("first", [("PG_locked", 0), ("other", 1)])
    second = w.enum("pagetype", [("PGTY_buddy", 0xF0), ("PGTY_slab", 0xF5)])
    w.enum(0, [("PGTY_slab", 1)])
    inside = w.enum("inside", [(w.strings.add("xPGTY_table") + 1, 3)])
    wide = w.enum64("wide", [("PGTY_large", 1 << 40)])
    btf = Btf(w.to_bytes(), "enums.btf")
    assert btf.find_enum_with(ENUM, {"PGTY_slab", "PGTY_nope"}) == second
    assert btf.find_enum_with(ENUM, {"PGTY_table"}) == inside
    assert btf.find_enum_with(ENUM, {"PGTY_large"}) is None and btf.find_enum_with(ENUM64, {"PGTY_large"}) == wide
    assert btf.find_enum_with(ENUM, set()) is None and btf.find_enum_with(ENUM, {"nope"}) is None
    with pytest.raises(ValueError):
        btf.find_enum_with(STRUCT, {"PGTY_slab"})


def test_find_enum_with_matches_invalid_utf8_by_its_decoding() -> None:
    w = BtfWriter()
    enum = w.enum("odd", [(w.strings.add_raw(b"PG\xff"), 1)])
    assert Btf(w.to_bytes(), "odd.btf").find_enum_with(ENUM, {"PG\ufffd"}) == enum


ASKED = ["dup", "dup_only", "ydup_only", "xdup_longer", "du", "d", "nope", "bad\ufffd", "", "first"]


@pytest.mark.parametrize("kind", [FUNC, STRUCT])
def test_expected_names_are_found_as_without_expect(kind: int) -> None:
    """`expect` narrows the records it reads by their first name bytes: it must never change an
    answer, for short names (a NUL inside the key), names inside another string, duplicates."""
    plain, _ = _func_btf()
    for told in (ASKED, ["dup"], ["d", "du"], ["xdup_longer", "dup_only"]):
        btf, _ = _func_btf()
        btf.expect(kind, told)
        assert {name: btf.find(kind, name) for name in ASKED} == {name: plain.find(kind, name) for name in ASKED}


def test_a_second_set_of_expected_names_indexes_them_all() -> None:
    btf, ids = _func_btf()
    btf.expect(FUNC, ["dup"])
    assert btf.find(FUNC, "dup") == ids["first"] and FUNC not in btf._by_name  # answered from the partial index
    btf.expect(FUNC, ["dup"])  # nothing new: still partial
    assert FUNC not in btf._by_name
    btf.expect(FUNC, ["dup_only"])
    assert FUNC in btf._by_name and btf.find(FUNC, "dup_only") == ids["suffix"]


@pytest.mark.parametrize("path", KERNELS[-1:], ids=lambda p: p.name)
def test_expect_agrees_with_find_on_a_real_kernel(path: Path) -> None:
    btf = kernel_btf(path)
    names = [btf.name(i) for i in btf.ids(FUNC)]
    asked = names[::50] + [name + "_noprof" for name in names[::400]] + ["folio_put", "put_page", "nope_nope", "__x"]
    plain = kernel_btf(path)  # shared, indexed in full by now or by the find below
    told = Btf(lzma.decompress(path.read_bytes()), path.name)
    told.expect(FUNC, asked)
    assert FUNC not in told._by_name and told._partial[FUNC]
    assert [told.find(FUNC, name) for name in asked] == [plain.find(FUNC, name) for name in asked]


@pytest.mark.parametrize("names", [["a", "ab", "abc", "abcd", "abcde"], ["abcde", "abcd", "abc", "ab", "a"]])
def test_expect_finds_names_shorter_than_its_key(names: list[str]) -> None:
    """A one- or two-byte name is followed by its NUL and then the next string's bytes (or the
    end of the section, when it is the last string): the key must stop at the NUL, or such
    names are never found."""
    w = BtfWriter()
    proto = w.func_proto(0)
    ids = {name: w.func(name, proto) for name in names}
    for told in (["a"], ["ab"], ["abc"], ["a", "abcde"], names):
        btf = Btf(w.to_bytes(), "short.btf")
        btf.expect(FUNC, told)
        assert {name: btf.find(FUNC, name) for name in told} == {name: ids[name] for name in told}, told
