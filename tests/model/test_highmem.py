"""kmap and page contents: lowmem at its direct-map address, per-CPU kmap_local slots unmapped in
reverse, highmem readable only through a kmap, the copy and zero helpers page by page."""

from __future__ import annotations

import pytest

from model import highmem as hm
from model import page_alloc as pa
from model import pageflags as pf
from model.arch import pfn_to_kaddr
from model.machine import Machine, ModelError
from model.page_alloc import pfn_of
from ontology import types as t
from tests.support.machine import obj, page


def folio(gfp: int, order: int) -> t.Folio:
    allocated = pa.folio_alloc(gfp, order)
    assert allocated is not None
    return allocated


def test_kmap_local_of_lowmem_is_its_direct_map_address(machine: Machine) -> None:
    low = page()
    addr = t.kmap_local_page(low)
    assert addr == pa.page_address(low)
    assert hm.kmap_local_depth() == 0
    hm.write_kernel(obj(addr) + 10, b"lowmem")
    t.kunmap_local(addr)  # a no-op for a lowmem address
    assert hm.read_kernel(obj(addr) + 10, 6) == b"lowmem"
    assert not isinstance(low, t.HighmemPage)


def test_kmap_local_slots_stack_per_cpu_and_unmap_in_reverse(machine: Machine) -> None:
    high1, high2 = page(pf.GFP_HIGHUSER), page(pf.GFP_HIGHUSER)
    assert isinstance(high1, t.HighmemPage) and pa.page_address(high1) is None
    a1 = obj(t.kmap_local_page(high1))
    a2 = obj(t.kmap_local_page(high2))
    assert a1 != a2 and hm.kmap_local_depth() == 2
    assert t.kmap_to_page(a2 + 100) is high2
    with pytest.raises(ModelError, match="out of order"):
        t.kunmap_local(a1)
    t.kunmap_local(a2 + 123)  # any address inside the mapped page
    t.kunmap_local(a1)
    assert hm.kmap_local_depth() == 0
    machine.cpu = 1
    b1 = obj(t.kmap_local_page(high1))
    assert b1 != a1  # another CPU's slots
    machine.cpu = 0
    with pytest.raises(ModelError, match="no kmap_local mapping"):
        t.kunmap_local(b1)
    machine.cpu = 1
    t.kunmap_local(b1)
    for _ in range(hm.KM_MAX_IDX):
        t.kmap_local_page(high1)
    with pytest.raises(ModelError, match="slots in use"):
        t.kmap_local_page(high1)


def test_highmem_contents_only_through_a_kmap(machine: Machine) -> None:
    high = page(pf.GFP_HIGHUSER)
    direct = pfn_to_kaddr(pfn_of(high))
    with pytest.raises(ModelError, match="highmem page has no permanent kernel mapping; use kmap_local_page"):
        hm.write_kernel(direct, b"x")
    addr = obj(t.kmap_local_page(high))
    hm.write_kernel(addr, b"highmem")
    with pytest.raises(ModelError, match="one-page kmap"):
        hm.write_kernel(addr + 4090, b"0123456789")
    t.kunmap_local(addr)
    with pytest.raises(ModelError, match="not mapped"):
        hm.read_kernel(addr, 7)
    again = obj(t.kmap_local_page(high))
    assert hm.read_kernel(again, 7) == b"highmem"
    t.kunmap_local(again)
    pkmap = obj(t.kmap(high))
    assert t.kmap(high) == pkmap and hm.read_kernel(pkmap, 7) == b"highmem"
    t.kunmap(high)
    t.kunmap(high)
    with pytest.raises(ModelError, match="not kmapped"):
        t.kunmap(high)


def test_highmem_helpers_copy_and_zero_page_by_page(machine: Machine) -> None:
    low, high = page(), page(pf.GFP_HIGHUSER)
    hm.write_kernel(obj(pa.page_address(low)), b"A" * 4096)
    t.copy_highpage(high, low)
    t.memzero_page(high, 10, 20)
    t.memcpy_page(low, 0, high, 5, 10)
    assert hm.read_kernel(obj(pa.page_address(low)), 12) == b"AAAAA" + bytes(5) + b"AA"
    big = folio(pf.GFP_HIGHUSER, 2)
    assert t.folio_test_highmem(big)
    t.memcpy_to_folio(big, 4000, "x" * 300, 300)  # crosses into the second page: two kmaps
    assert hm.read_folio(big, 3998, 304) == b"\0\0" + b"x" * 300 + b"\0\0"
    other = folio(pf.GFP_KERNEL, 2)
    t.memcpy_folio(other, 8000, big, 4000, 300)
    t.folio_zero_range(big, 4100, 8000)
    assert hm.read_folio(big, 4000, 100) == b"x" * 100 and hm.read_folio(big, 4100, 200) == bytes(200)
    assert hm.read_folio(other, 8000, 300) == b"x" * 300
    last = obj(t.kmap_local_folio(big, 16383))
    hm.write_kernel(last, b"!")
    t.kunmap_local(last)
    t.folio_fill_tail(big, 16370, "tail", 4)  # copies, then zeroes to the end of the folio
    assert hm.read_folio(big, 16368, 16) == bytes(2) + b"tail" + bytes(10)
    t.clear_highpage(t.folio_page(other, 1))
    assert hm.read_folio(other, 8000, 300) == bytes(192) + b"x" * 108
    assert hm.kmap_local_depth() == 0


def test_folio_fill_tail_to_the_very_end_of_a_highmem_folio(machine: Machine) -> None:
    """highmem.h's folio_fill_tail() hands kunmap_local() to + len: one past the mapped page when
    the copy ends the folio, which kunmap_local_indexed() masks into another slot or out of range."""
    big = folio(pf.GFP_HIGHUSER, 1)
    with pytest.raises(ModelError, match="kunmap_local"):
        t.folio_fill_tail(big, 8188, "tail", 4)
