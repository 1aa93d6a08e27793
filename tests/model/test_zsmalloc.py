"""zsmalloc: zspages made of zpdescs."""

from __future__ import annotations

import pytest

from model import highmem as hm
from model import pageflags as pf
from model import slab as sl
from model import zsmalloc as zs
from model.machine import Machine, ModelError
from model.page_alloc import page_view, pfn_of
from model.views import UseAfterFree
from ontology import types as t
from tests.support.machine import free_pages


def test_zsmalloc_zspages_of_zpdescs(machine: Machine) -> None:
    start = free_pages(machine)
    pool = t.zs_create_pool("zram0")
    gfp = pf.GFP_KERNEL | pf.__GFP_HIGHMEM  # zram's pages may be highmem
    handles = [t.zs_malloc(pool, 700, gfp, 0) for _ in range(6)]  # a 720-byte class: object 5 spans pages
    for index, handle in enumerate(handles):
        zs.zs_obj_write(pool, handle, bytes([65 + index]) * 700)
    first, _ = zs.obj_to_location(hm.read_long(handles[0]))
    zspage = zs.get_zspage(first)
    chain = zs.zspage_zpdescs(zspage)
    assert isinstance(pool, zs.ZsPoolModel)
    size_class = pool.size_class[zspage.class_index]
    assert size_class.size == 720 and len(chain) == size_class.pages_per_zspage > 1
    assert all(isinstance(t.zpdesc_page(zp), t.ZsmallocPage) for zp in chain)
    assert all(isinstance(t.zpdesc_page(zp), t.HighmemPage) for zp in chain)
    assert all(zp.zspage is zspage for zp in chain) and t.get_next_zpdesc(chain[0]) is chain[1]
    assert machine.test_flag(pfn_of(chain[0]), pf.PG_private) and not machine.test_flag(pfn_of(chain[1]), pf.PG_private)
    assert zs.get_first_obj_offset(chain[1]) == 5 * 720 + 720 - 4096  # where object 6 starts in page 1
    assert machine.page_type(pfn_of(chain[1])) == pf.PGTY_zsmalloc
    assert zs.zs_read(pool, handles[5], 700) == b"F" * 700  # straddles, read through a local copy
    assert zs.zs_read(pool, handles[2], 3) == b"CCC" and hm.kmap_local_depth() == 0
    huge = t.zs_malloc(pool, 4000, gfp, 0)
    page_of_huge, _ = zs.obj_to_location(hm.read_long(huge))
    assert zs.get_zspage(page_of_huge).huge and t.get_next_zpdesc(page_of_huge) is None
    assert machine.mem.get_long(pfn_of(page_of_huge), 4) == huge | zs.OBJ_ALLOCATED_TAG
    assert zs.IS_ERR_VALUE(t.zs_malloc(pool, 5000, gfp, 0))
    for handle in [*handles, huge]:
        t.zs_free(pool, handle)
    with pytest.raises(ModelError, match="double or invalid free"):
        t.zs_free(pool, huge)
    assert zs.zs_get_total_pages(pool) == 0
    with pytest.raises(UseAfterFree):  # the zspage's pages were freed: its zpdescs died with them
        t.zpdesc_page(chain[0])
    assert not isinstance(page_view(chain[0].pfn), t.ZsmallocPage)  # the page, seen afresh
    t.zs_destroy_pool(pool)
    sl.shrink_all_caches()
    assert free_pages(machine) == start
