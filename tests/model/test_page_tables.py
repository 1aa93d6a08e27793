"""Page tables: pagetable_ctor types the page and the dtor undoes it; a four-level table maps,
looks up, unmaps and frees."""

from __future__ import annotations

import pytest

from model import page_alloc as pa
from model import pageflags as pf
from model import pgtable as pg
from model.machine import Machine, ModelError
from model.page_alloc import pfn_of
from model.views import UseAfterFree
from ontology import types as t
from tests.support.machine import free_pages, page


def test_pagetable_ctor_types_the_page_and_dtor_undoes_it(machine: Machine) -> None:
    mm = pg.mm_alloc()
    pt = t.pagetable_alloc(pg.GFP_PGTABLE_USER, 0)
    assert isinstance(pt, t.PtDesc) and not isinstance(t.ptdesc_page(pt), t.TablePage)
    assert t.page_ptdesc(t.ptdesc_page(pt)) is pt and pfn_of(t.ptdesc_folio(pt)) == pfn_of(pt)
    before = pg.nr_pagetable()
    assert t.pagetable_pte_ctor(mm, pt)
    assert isinstance(t.ptdesc_page(pt), t.TablePage) and t.folio_test_pgtable(t.ptdesc_folio(pt))
    assert pg.nr_pagetable() == before + 1
    t.pagetable_dtor_free(pt)
    assert pg.nr_pagetable() == before
    with pytest.raises(UseAfterFree, match="after its last reference was dropped"):
        t.pagetable_dtor(pt)  # the table was freed: its ptdesc is dead, as KASAN would say
    assert mm.pgd is not None and isinstance(t.ptdesc_page(mm.pgd), t.TablePage) and mm.pgd.pt_mm is mm


def test_four_level_page_table_maps_looks_up_unmaps_and_frees(machine: Machine) -> None:
    start = free_pages(machine)
    mm = pg.mm_alloc()
    targets = [pfn_of(page(pf.GFP_HIGHUSER_MOVABLE)) for _ in range(4)]
    addresses = [0x400000, 0x401000, 0x7F0000200000, 0x7F0040000000]
    for addr, pfn, writable in zip(addresses, targets, (True, False, True, True), strict=True):
        pg.map_pte(mm, addr, pfn, writable)
    assert pg.lookup_pte(mm, 0x400ABC) == (targets[0], True)
    assert pg.lookup_pte(mm, 0x401000) == (targets[1], False)
    assert pg.lookup_pte(mm, 0x402000) is None and pg.lookup_pte(mm, 0x7F0000000000) is None
    # PGD, then PUD/PMD/PTE for 0x40xxxx (both pages), PUD/PMD/PTE for 0x7F00002xxxxx, and a
    # PMD/PTE for 0x7F004xxxxxxx, which shares that PUD table (same PGD entry, next PUD entry).
    assert pg.nr_pagetable() == 1 + 3 + 3 + 2
    assert mm.pgtables_bytes == 8 * 4096
    assert [entry[0] for entry in pg.mapped_ptes(mm)] == addresses
    with pytest.raises(ModelError, match="over a present PTE"):
        pg.map_pte(mm, 0x400000, targets[1], True)
    with pytest.raises(ModelError, match="not a user address"):
        pg.map_pte(mm, 1 << 47, targets[1], True)
    with pytest.raises(ModelError, match="still map 4 pages"):
        pg.free_pgtables(mm)
    pg.ptep_set_wrprotect(mm, 0x400000)
    assert pg.lookup_pte(mm, 0x400000) == (targets[0], False)
    tables = {pfn for pfn in pg.pgtable_state().tables if machine.page_type(pfn) == pf.PGTY_table}
    assert all(isinstance(pa.page_view(pfn), t.TablePage) for pfn in tables)
    for addr, pfn in zip(addresses, targets, strict=True):
        assert pg.unmap_pte(mm, addr) == (pfn, addr not in (0x400000, 0x401000))
    assert pg.unmap_pte(mm, 0x400000) is None
    pg.free_pgtables(mm)
    assert pg.nr_pagetable() == 1 and mm.pgtables_bytes == 0
    pg.mmdrop(mm)
    assert pg.nr_pagetable() == 0
    assert not any(isinstance(pa.page_view(pfn), t.TablePage) for pfn in tables)
    for pfn in targets:
        t.__free_pages(pa.page_view(pfn), 0)
    assert free_pages(machine) == start
