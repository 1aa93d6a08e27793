"""The page allocator's API and the page/folio conversions, on the current machine.

Names, parameters and descriptor types are the kernel's (include/linux/gfp.h, mm.h,
page-flags.h): `alloc_pages()` returns a `Page` (the head of a compound page with
__GFP_COMP), `folio_alloc()` a `Folio`, `page_folio()` converts any page, tail pages included,
to the folio that contains it. Each is registered as the implementation of the declaration in
`ontology.types`, whose wrapper checks the runtime class of what it returns.
"""

from __future__ import annotations

from collections.abc import Callable

from model import pageflags as pf
from model.arch import pfn_to_kaddr, virt_to_pfn
from model.machine import Machine, ModelError, Zone, current
from model.memmap import FLAGS, MAPPING, REFCOUNT
from model.views import FolioView, PageView, UseAfterFree, View, view_as
from ontology.runtime import implement
from ontology.types import Folio, Page, PageTail, VmAreaStruct


def page_view(pfn: int) -> PageView:
    return view_as(current().views, PageView, pfn)


def folio_view(pfn: int) -> FolioView:
    machine = current()
    if machine.compound_head_pfn(pfn) != pfn:
        raise ModelError(f"pfn {pfn} is a tail page; a folio starts at its head")
    return view_as(machine.views, FolioView, pfn)


def zonelist(gfp: int, machine: Machine) -> list[Zone]:
    """The zones a request may use, preferred first (highest allowed zone down to DMA32)."""
    if gfp & pf.__GFP_DMA32:
        allowed = ["DMA32"]
    elif gfp & pf.__GFP_HIGHMEM and gfp & pf.__GFP_MOVABLE:
        allowed = ["MOVABLE", "HIGHMEM", "NORMAL", "DMA32"]
    elif gfp & pf.__GFP_HIGHMEM:
        allowed = ["HIGHMEM", "NORMAL", "DMA32"]
    else:
        allowed = ["NORMAL", "DMA32"]
    return [zone for name in allowed for zone in machine.zones if zone.name == name]


def _alloc(gfp: int, order: int) -> int | None:
    """__alloc_pages(): the first zone in the zonelist with a block, prepared for use."""
    machine = current()
    if not 0 <= order <= pf.MAX_PAGE_ORDER:
        raise ModelError(f"order {order} is outside 0..{pf.MAX_PAGE_ORDER}")
    for zone in zonelist(gfp, machine):
        pfn = machine.rmqueue(zone, order)
        if pfn is not None:
            machine.set_refcount(pfn, 1)  # prep_new_page(): set_page_refcounted()
            if order and gfp & pf.__GFP_COMP:
                machine.prep_compound(pfn, order)
            if gfp & pf.__GFP_ZERO:
                for page in range(pfn, pfn + (1 << order)):
                    machine.contents.pop(page, None)
            return pfn
    return None


@implement
def alloc_pages(gfp: int, order: int) -> Page | None:
    """2^order pages; with __GFP_COMP a compound page whose head is returned. NULL if none."""
    pfn = _alloc(gfp, order)
    return None if pfn is None else page_view(pfn)


@implement
def __free_pages(page: Page, order: int) -> None:
    """Drop a reference; the last one frees the block (compound: its tails are undone first)."""
    pfn = pfn_of(page)
    machine = current()
    if machine.refcount(pfn) <= 0:
        raise ModelError(f"__free_pages on pfn {pfn} with refcount {machine.refcount(pfn)}: double free")
    if machine.refcount(pfn) == 1:
        machine.check_free([(pfn, order)])
    elif not machine.is_head(pfn):
        machine.check_free([(pfn + (1 << half), half) for half in reversed(range(order))])
    machine.set_refcount(pfn, machine.refcount(pfn) - 1)
    if machine.refcount(pfn) == 0:
        _free_frozen(pfn, order)
    elif not machine.is_head(pfn):
        # mm/page_alloc.c: a non-compound high-order page still referenced frees its tail halves.
        while order > 0:
            order -= 1
            _free_frozen(pfn + (1 << order), order)


def _free_frozen(pfn: int, order: int) -> None:
    """The last reference is gone: retire every view of the block, then give it back."""
    machine = current()
    machine.views.retire(pfn, 1 << order, f"after its last reference was dropped (pfn {pfn}, order {order} freed)")
    if machine.page_type(pfn) is not None:
        machine.set_page_type(pfn, None)  # free_pages_prepare(): reset the page_type (overlays _mapcount)
    if machine.is_head(pfn):
        machine.destroy_compound(pfn, order)
    for page in range(pfn, pfn + (1 << order)):
        if machine.mem.get(page, MAPPING) or machine.mem.get(page, FLAGS):
            # free_pages_prepare(): ->mapping = NULL, page->flags &= ~PAGE_FLAGS_CHECK_AT_PREP
            machine.mem.set(page, MAPPING, 0)
            machine.mem.set(page, FLAGS, 0)
            machine.views.changed(page)
        machine.mem.set(page, REFCOUNT, 0)
    machine.free_pages_to_zone(pfn, order)


@implement
def __get_free_pages(gfp_mask: int, order: int) -> int:
    """The kernel virtual address of 2^order new lowmem pages, or 0. Never highmem."""
    pfn = _alloc(gfp_mask & ~pf.__GFP_HIGHMEM, order)
    return 0 if pfn is None else pfn_to_kaddr(pfn)


@implement
def free_pages(addr: int, order: int) -> None:
    if addr:
        page = virt_to_page(addr)
        # The address is one __get_free_pages() returned: never a tail page (free_pages_prepare()
        # asserts it with VM_BUG_ON_PAGE(PageTail(page))); the model says so where the checker sees it.
        assert not PageTail(page)
        __free_pages(page, order)


def virt_to_page(addr: int) -> Page:
    """The page of a direct-map address (highmem pages have no such address)."""
    pfn = virt_to_pfn(addr)
    machine = current()
    if not 0 <= pfn < machine.nr_pages or machine.zone_of(pfn).highmem:
        raise ModelError(f"{addr:#x} is not a direct-map address")
    return page_view(pfn)


def page_address(page: Page) -> int | None:
    """The direct-map address of a page, or None for highmem (kmap_local_page it instead)."""
    pfn = pfn_of(page)
    return None if current().zone_of(pfn).highmem else pfn_to_kaddr(pfn)


@implement
def split_page(page: Page, order: int) -> None:
    """Turn a non-compound high-order allocation into 2^order independent order-0 pages."""
    pfn = pfn_of(page)
    machine = current()
    if machine.is_head(pfn):
        raise ModelError("split_page() on a compound page; use split_folio()")
    for tail in range(pfn + 1, pfn + (1 << order)):
        machine.set_refcount(tail, 1)


@implement
def get_page(page: Page) -> None:
    folio_get(page_folio(page))


@implement
def put_page(page: Page) -> None:
    folio_put(page_folio(page))


@implement
def folio_get(folio: Folio) -> None:
    pfn = pfn_of(folio)
    machine = current()
    if machine.refcount(pfn) <= 0:
        raise ModelError(f"folio_get on pfn {pfn} with refcount {machine.refcount(pfn)}")
    machine.set_refcount(pfn, machine.refcount(pfn) + 1)


@implement
def folio_put(folio: Folio) -> None:
    """Drop a reference; the last one frees the folio (removing it from the LRU first)."""
    pfn = pfn_of(folio)
    machine = current()
    count = machine.refcount(pfn)
    if count <= 0:
        raise ModelError(f"folio_put on pfn {pfn} with refcount {count}: use after free")
    if count == 1:
        machine.check_free([(pfn, machine.order_of(pfn))])
    machine.set_refcount(pfn, count - 1)
    if count == 1:
        for hook in FREE_HOOKS:
            hook(pfn)
        _free_frozen(pfn, machine.order_of(pfn))


FREE_HOOKS: list[Callable[[int], None]] = []
"""Called with a folio's PFN before it is freed (the LRU removes it: __folio_put)."""


@implement
def folio_alloc(gfp: int, order: int) -> Folio | None:
    """A folio of 2^order pages (always compound when order > 0). NULL if none."""
    pfn = _alloc(gfp | pf.__GFP_COMP, order)
    if pfn is None:
        return None
    if order > 1:
        current().set_flag(pfn + 1, pf.PG_large_rmappable)
    return folio_view(pfn)


@implement
def vma_alloc_folio(gfp: int, order: int, vma: VmAreaStruct, addr: int) -> Folio | None:
    """folio_alloc() for a user address: the policy of `vma` would pick the node here."""
    return folio_alloc(gfp, order)


@implement
def page_folio(page: Page) -> Folio:
    """The folio containing `page`: its compound head, tail pages included."""
    return folio_view(current().compound_head_pfn(pfn_of(page)))


@implement
def folio_page(folio: Folio, n: int) -> Page:
    pfn = pfn_of(folio)
    if not 0 <= n < current().span(pfn):
        raise ModelError(f"folio_page({n}) past the end of a {current().span(pfn)}-page folio")
    return page_view(pfn + n)


def pfn_of(descriptor: object) -> int:
    """page_to_pfn() of any view: a Page, Folio, Slab, PtDesc... sits at a PFN (the model's
    analogue of a struct page address)."""
    pfn = getattr(descriptor, "pfn", None)
    if not isinstance(pfn, int):
        raise ModelError(f"{type(descriptor).__name__} is not a descriptor of this model")
    if isinstance(descriptor, View) and descriptor._freed is not None:
        raise UseAfterFree(f"{descriptor!r} used {descriptor._freed}")
    return pfn


def folio_nr_pages(folio: Folio) -> int:
    return current().span(pfn_of(folio))


def folio_ref_count(folio: Folio) -> int:
    return current().refcount(pfn_of(folio))
