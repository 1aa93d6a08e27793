"""The census scan's shortcuts give the plain scan's answers and errors: `cview.shapes` (each
type chain followed once) is `cview.shape` per id, and `take_census` (all prototypes' types
resolved at once, unused ones included) is a function-by-function scan of the used ones."""

from __future__ import annotations

import gc
from itertools import chain
from pathlib import Path

import pytest
from hypothesis import given

from ontology.answercache import census_answer
from ontology.btf import FUNC, Btf, BtfError
from ontology.census import Census, descriptor_names, take_census
from ontology.cview import MAX_CHAIN, TypeShape, shape, shapes
from ontology.facttable import FactTable
from ontology.types import FACTS
from tests.ontology.test_btf_fuzz import FUZZ, random_writers
from tests.support.btf_sample import IDS, SAMPLE_LE
from tests.support.btf_writer import BtfWriter

KEEPS: tuple[frozenset[str], ...] = (frozenset(), frozenset({"A", "t", "pgtable_t", "netmem_ref"}))


def one_by_one(btf: Btf, type_ids: list[int], keep: frozenset[str]) -> dict[int, TypeShape] | str:
    """`shape` of each id in order, or the message of the first error."""
    try:
        return {type_id: shape(btf, type_id, keep) for type_id in type_ids}
    except BtfError as error:
        return str(error)


def at_once(btf: Btf, type_ids: list[int], keep: frozenset[str]) -> dict[int, TypeShape] | str:
    try:
        return shapes(btf, type_ids, keep)
    except BtfError as error:
        return str(error)


def plain_census(facts: FactTable, btf: Btf) -> Census | str:
    """The census as a reader would write it: each function's prototype, each of its types
    through `shape`; the error is the first met in signature order of the used prototypes."""
    structs, handles = descriptor_names(facts)
    keep = frozenset(handles)

    def signature(proto_id: int) -> tuple[int, ...]:  # a FUNC_PROTO's return and parameters (any record's)
        record = btf.type(proto_id)
        return (record.ref, *(member.type_id for member in record.members))

    def mentioned(type_id: int) -> str:
        found = shape(btf, type_id, keep)
        if found.base in handles:
            return handles[found.base]
        if found.pointers >= 1 and found.base.startswith("struct "):
            return structs.get(found.base.removeprefix("struct "), "")
        return ""

    census = Census(btf.path, sorted(structs.values()) + sorted(handles.values()), {})
    try:
        for type_id in chain.from_iterable(signature(btf.ref(func)) for func in btf.ids(FUNC)):
            mentioned(type_id)
    except BtfError as error:
        return str(error)
    for func_id in btf.ids(FUNC):
        names = frozenset(filter(None, map(mentioned, signature(btf.ref(func_id)))))
        if names:
            name = btf.name(func_id)
            census.mentions[name] = census.mentions.get(name, frozenset()) | names
    return census


def scanned(facts: FactTable, btf: Btf) -> Census | str:
    try:
        return take_census(facts, btf)
    except BtfError as error:
        return str(error)


@pytest.mark.parametrize("keep", KEEPS)
def test_shapes_of_the_sample_are_shape_per_id(keep: frozenset[str]) -> None:
    btf = Btf(SAMPLE_LE, "sample")
    every = list(range(btf.count))
    for order in (every, every[::-1], [IDS["page_ptr_ptr"], *every]):  # tails met first, last, shared
        assert at_once(btf, order, keep) == one_by_one(btf, order, keep)
        assert list(shapes(btf, order, keep)) == list(dict.fromkeys(order))


def chain_of(links: int) -> tuple[Btf, int, int]:
    """A BTF whose last type is `links` types from an int (CONSTs over PTRs): (btf, top, middle)."""
    w = BtfWriter()
    type_id = w.int_("int", 4)
    ids = [type_id]
    for link in range(links - 1):
        type_id = w.ptr(type_id) if link % 2 else w.const(type_id)
        ids.append(type_id)
    return Btf(w.to_bytes(), "chain.btf"), ids[-1], ids[len(ids) // 2]


@pytest.mark.parametrize("links", [MAX_CHAIN - 1, MAX_CHAIN, MAX_CHAIN + 1, 2 * MAX_CHAIN])
def test_chain_limit_is_shapes_too_whatever_was_resolved_first(links: int) -> None:
    btf, top, middle = chain_of(links)
    alone = one_by_one(btf, [top], frozenset())
    assert isinstance(alone, str) == (links > MAX_CHAIN)
    assert at_once(btf, [top], frozenset()) == alone
    # The middle resolved first: the top's chain then ends at a known type, its length still counted.
    assert at_once(btf, [middle, top], frozenset()) == one_by_one(btf, [middle, top], frozenset())


@FUZZ
@given(random_writers())
def test_fuzz_shapes_match_shape(built: tuple[BtfWriter, str]) -> None:
    w, order = built
    btf = Btf(w.to_bytes(order), "fuzz")
    every = list(range(btf.count))
    for keep in KEEPS:
        assert at_once(btf, every, keep) == one_by_one(btf, every, keep)
        assert at_once(btf, every[::-1], keep) == one_by_one(btf, every[::-1], keep)


def loop_writer(used: bool) -> BtfWriter:
    """Functions taking a `struct page *` and an int; a prototype whose parameter is a typedef
    loop, used by a function or not."""
    w = BtfWriter()
    page = w.struct("page", 64)
    page_ptr = w.ptr(page)
    integer = w.int_("int", 4)
    takes_page = w.func_proto(integer, [("page", page_ptr)])
    w.func("put_page", takes_page)
    w.func("get_page", takes_page)
    w.func("count", w.func_proto(integer, [("n", integer)]))
    a = w.typedef("A", w.next_id + 1)
    w.typedef("B", a)
    looped = w.func_proto(integer, [("x", a)])
    if used:
        w.func("looped", looped)
    return w


def loop_behind(used: bool) -> Btf:
    return Btf(loop_writer(used).to_bytes(), "loop.btf")


def test_a_loop_only_unused_prototypes_mention_is_no_error() -> None:
    census = take_census(FACTS, loop_behind(used=False))
    assert census == plain_census(FACTS, loop_behind(used=False))
    assert census.mentions == {"put_page": frozenset({"page"}), "get_page": frozenset({"page"})}


def test_a_loop_a_used_prototype_mentions_is_the_plain_scans_error() -> None:
    message = plain_census(FACTS, loop_behind(used=True))
    assert isinstance(message, str) and "does not end" in message
    assert scanned(FACTS, loop_behind(used=True)) == message


@FUZZ
@given(random_writers())
def test_fuzz_census_is_the_plain_scan(built: tuple[BtfWriter, str]) -> None:
    w, order = built
    btf = Btf(w.to_bytes(order), "fuzz")
    assert scanned(FACTS, btf) == plain_census(FACTS, btf)


def test_census_resumes_the_garbage_collector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The census pauses collection while it parses and scans, and resumes it, error or not."""
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(tmp_path / "cache"))
    good, looped = tmp_path / "good.btf", tmp_path / "looped.btf"
    good.write_bytes(SAMPLE_LE)
    looped.write_bytes(loop_writer(used=True).to_bytes())
    assert gc.isenabled()
    assert census_answer(good, use_cache=False)["functions"] >= 0
    assert gc.isenabled()
    with pytest.raises(BtfError, match="does not end"):
        census_answer(looped, use_cache=False)
    assert gc.isenabled()
