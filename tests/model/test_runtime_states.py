"""Runtime states: the model raises where the kernel's KASAN and memdesc-field would complain.

A field that means nothing in a view's state (the ontology's `meaningless` facts) raises
MeaninglessField with the ontology's reason; a view whose descriptor's last reference was
dropped raises UseAfterFree, even once its pages are allocated again.
"""

from __future__ import annotations

import pytest

from model import pageflags as pf
from model import slab as sl
from model.machine import Machine
from model.memmap import FLAGS
from model.page_alloc import page_view, pfn_of
from model.views import MEANINGLESS, MeaninglessField, UseAfterFree
from ontology import types as t
from tests.support.machine import obj


def large_folio(order: int = 2) -> t.Folio:
    folio = t.folio_alloc(pf.GFP_KERNEL, order)
    assert folio is not None
    return folio


def test_a_tail_pages_mapping_raises_with_the_ontologys_reason(machine: Machine) -> None:
    folio = large_folio()
    head, tail = t.folio_page(folio, 0), t.folio_page(folio, 1)
    assert isinstance(tail, t.TailPage) and not isinstance(head, t.TailPage)
    assert head.mapping is None  # the head's word is the folio's mapping: meaningful
    reason = MEANINGLESS["tail_page"]["mapping"]
    with pytest.raises(MeaninglessField, match="read of ->mapping of a tail_page") as raised:
        _ = tail.mapping
    assert reason in str(raised.value)
    with pytest.raises(MeaninglessField, match="write of ->lru of a tail_page"):
        tail.lru = None
    assert tail.flags == machine.mem.get(pfn_of(tail), FLAGS)  # flags mean something on every page


def test_the_state_follows_the_page_when_the_folio_is_freed_and_reused(machine: Machine) -> None:
    folio = large_folio()
    tail_pfn = pfn_of(folio) + 1
    t.folio_put(folio)
    again = t.alloc_pages(pf.GFP_KERNEL, 0)
    while again is not None and pfn_of(again) != tail_pfn:  # until the old tail is handed out
        again = t.alloc_pages(pf.GFP_KERNEL, 0)
    assert again is not None and not isinstance(again, t.TailPage)
    assert again.mapping is None  # an order-0 page of its own: its mapping word means one again


def test_a_slab_pages_list_words_belong_to_the_slab(machine: Machine) -> None:
    cache = t.kmem_cache_create("runtime_states", 700, sl.KmemCacheArgs(), sl.SLAB_HWCACHE_ALIGN)
    assert isinstance(cache, sl.KmemCache)
    slab = sl.virt_to_slab(obj(t.kmem_cache_alloc(cache, pf.GFP_KERNEL)))
    assert slab is not None
    page = t.slab_page(slab)
    assert isinstance(page, t.SlabPage) and slab.slab_cache is cache  # the slab's own view works
    with pytest.raises(
        MeaninglessField, match="->lru of a slab_page: on a slab_page the bytes of page->lru hold slab->slab_list"
    ):
        _ = page.lru
    with pytest.raises(MeaninglessField, match="->mapping of a slab_page"):
        _ = page.mapping


def test_folio_mapping_of_a_slab_folio_is_none_as_in_mm_util_c(machine: Machine) -> None:
    """flush_dcache_page() may ask folio_mapping() of a slab folio (03e5ac2fc3bf): the model, as
    mm/util.c, tests folio_test_slab() before the mapping word, which is the slab's."""
    cache = t.kmem_cache_create("runtime_mapping", 700, sl.KmemCacheArgs(), sl.SLAB_HWCACHE_ALIGN)
    assert isinstance(cache, sl.KmemCache)
    slab = sl.virt_to_slab(obj(t.kmem_cache_alloc(cache, pf.GFP_KERNEL)))
    assert slab is not None
    folio = t.slab_folio(slab)
    assert t.folio_mapping(folio) is None
    with pytest.raises(MeaninglessField, match="->mapping of a slab_folio"):
        _ = folio.mapping


def test_a_folio_used_after_its_last_put_raises_even_when_its_pages_are_reused(machine: Machine) -> None:
    folio = large_folio(order=0)
    pfn = pfn_of(folio)
    t.folio_get(folio)
    t.folio_put(folio)
    assert folio.mapping is None  # one reference is still held: alive
    t.folio_put(folio)  # the last one
    with pytest.raises(UseAfterFree, match="read of ->mapping after its last reference was dropped"):
        _ = folio.mapping
    with pytest.raises(UseAfterFree):
        t.folio_get(folio)  # every model function reads the PFN through pfn_of()
    reused = t.folio_alloc(pf.GFP_KERNEL, 0)
    while reused is not None and pfn_of(reused) != pfn:
        reused = t.folio_alloc(pf.GFP_KERNEL, 0)
    assert reused is not None and reused is not folio  # a new view of the page's new life
    reused.mapping = None
    with pytest.raises(UseAfterFree):  # the stale view stays dead although the PFN lives again
        folio.mapping = None


def test_a_page_freed_by_free_pages_kills_every_view_of_its_block(machine: Machine) -> None:
    page = t.alloc_pages(pf.GFP_KERNEL, 1)
    assert page is not None
    second = page_view(pfn_of(page) + 1)
    t.__free_pages(page, 1)
    for dead in (page, second):
        with pytest.raises(UseAfterFree):
            _ = dead.flags
        assert isinstance(dead.pfn, int)  # its address is still a number (page_to_pfn is arithmetic)
    assert isinstance(page_view(page.pfn), t.BuddyPage)  # pfn_to_page() afresh: a free page
