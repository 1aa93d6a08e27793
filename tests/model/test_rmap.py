"""Reverse mapping: a folio's rmap walk lists each VMA that maps it, at the folio's address."""

from __future__ import annotations

from model import anon, mm, rmap
from model.machine import Machine
from model.pgtable import lookup_pte
from ontology import types
from tests.support.machine import BASE, PAGE, folio_at


def test_rmap_walk_lists_the_vmas(machine: Machine) -> None:
    parent = mm.new_mm()
    vma = mm.mmap_anon(parent, BASE, 2 * PAGE, writable=True)
    anon.user_write(parent, BASE + PAGE, b"shared")
    folio = folio_at(parent, BASE + PAGE)
    child = anon.fork_mm(parent)
    child_vma = mm.vma_lookup(child, BASE)
    assert rmap.rmap_mappings(folio) == [(vma, BASE + PAGE), (child_vma, BASE + PAGE)]
    seen: list[tuple[object, int]] = []

    def one(walked: types.Folio, area: mm.VmAreaStruct, address: int, arg: object) -> bool:
        seen.append((area, address))
        return True

    types.rmap_walk(folio, rmap.RmapWalkControl(one))
    assert seen == [(vma, BASE + PAGE), (child_vma, BASE + PAGE)]  # each VMA at the folio's address
    anon.user_write(child, BASE + PAGE, b"C")
    assert rmap.rmap_mappings(folio) == [(vma, BASE + PAGE)]  # the child's VMA maps its copy now
    types.try_to_unmap(folio, 0)  # anon memory with no swap slot has nowhere to go: it stays
    assert lookup_pte(parent, BASE + PAGE) is not None and types.folio_mapped(folio)
    anon.mmput(child)
    anon.mmput(parent)
