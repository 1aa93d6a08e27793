"""Page contents and the kernel's mappings of them: the direct map, kmap_local slots and pkmap.

Follows include/linux/highmem.h, highmem-internal.h and mm/highmem.c. A lowmem page is always
mapped in the direct map at page_address(); a highmem page has no permanent kernel address and
must be mapped for the moment it is touched:

- kmap_local_page() / kmap_local_folio() take a slot in a per-CPU stack of fixmap addresses
  (__kmap_local_pfn_prot: KM_MAX_IDX slots per CPU) and kunmap_local() must release them in
  the reverse order (kunmap_local_indexed WARNs otherwise). A lowmem page is not pushed: its
  direct-map address is returned and kunmap_local() of it does nothing, as in the kernel.
- kmap() / kunmap() use the pkmap area, refcounted per page (mm/highmem.c); kmap_atomic() is
  kmap_local with preemption off, sharing the same stack.

Page contents live in the machine's sparse `contents[pfn]` (zero until written).
`write_kernel()` and `read_kernel()` touch them through a kernel virtual address, resolved the
way the MMU would: the direct map for lowmem, an active kmap slot otherwise. Touching a highmem
page through the direct map is refused, which is the point of the HIGHMEM zone in the model.
x86-64 has no highmem; the model borrows x86-32's scheme, placed below x86-64's FIXADDR_TOP.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from model.arch import PAGE_MASK, PAGE_OFFSET, PAGE_SHIFT, PAGE_SIZE, pfn_to_kaddr, virt_to_pfn
from model.machine import ModelError, PerMachine, current
from model.page_alloc import folio_page, folio_put, page_view, pfn_of
from ontology.runtime import implement
from ontology.types import Folio, Page, VmAreaStruct

KM_MAX_IDX = 16
"""include/linux/highmem-internal.h: kmap_local slots per CPU (nesting depth)."""
FIXADDR_TOP = 0xFFFFFFFFFF7FF000
"""x86-64's fixmap top; slot `idx` of CPU `cpu` is __fix_to_virt(FIX_KMAP_BEGIN + idx + KM_MAX_IDX * cpu)."""
FIX_KMAP_BEGIN = 1
LAST_PKMAP = 512
PKMAP_BASE = 0xFFFFFFFFFE000000
"""The pkmap window for kmap(): LAST_PKMAP pages from here (x86-32 PAE's size)."""


@dataclass
class KmapState:
    """Per machine: each CPU's kmap_local stack of PFNs, and the pkmap slots with their counts."""

    local: dict[int, list[int]] = field(default_factory=dict)
    pkmap: dict[int, int] = field(default_factory=dict)
    """pkmap slot -> PFN."""
    pkmap_count: dict[int, tuple[int, int]] = field(default_factory=dict)
    """PFN -> (pkmap slot, kmap() count)."""


kmap_state = PerMachine(lambda machine: KmapState())
"""The kmap slots of a machine (the current one when called without one)."""


def is_highmem_pfn(pfn: int) -> bool:
    return current().zone_of(pfn).highmem


def _local_vaddr(cpu: int, idx: int) -> int:
    return FIXADDR_TOP - ((FIX_KMAP_BEGIN + idx + KM_MAX_IDX * cpu) << PAGE_SHIFT)


def _local_slot(addr: int) -> tuple[int, int] | None:
    """(cpu, idx) of a kmap_local fixmap address, or None outside the kmap_local range."""
    machine = current()
    lowest = _local_vaddr(machine.cpus - 1, KM_MAX_IDX - 1)
    if not lowest <= addr < _local_vaddr(0, 0) + PAGE_SIZE:
        return None
    return divmod(((FIXADDR_TOP - (addr & PAGE_MASK)) >> PAGE_SHIFT) - FIX_KMAP_BEGIN, KM_MAX_IDX)


def direct_map_pfn(addr: int) -> int | None:
    """The PFN a direct-map address falls in, or None if `addr` is outside the direct map."""
    pfn = virt_to_pfn(addr)
    return pfn if addr >= PAGE_OFFSET and pfn < current().nr_pages else None


def resolve(addr: int) -> tuple[int, int, bool]:
    """(pfn, offset in the page, whether the next page follows in the same mapping) of `addr`.

    The direct map is one mapping over lowmem; a kmap slot maps a single page.
    """
    machine = current()
    pfn = direct_map_pfn(addr)
    if pfn is not None:
        if machine.zone_of(pfn).highmem:
            raise ModelError(
                f"{addr:#x}: pfn {pfn} is a highmem page: highmem page has no permanent kernel mapping; "
                "use kmap_local_page"
            )
        return pfn, addr & ~PAGE_MASK, True
    state = kmap_state(machine)
    slot = _local_slot(addr)
    if slot is not None:
        cpu, idx = slot
        stack = state.local.get(cpu, [])
        if idx >= len(stack):
            raise ModelError(f"{addr:#x} is a kmap_local slot that is not mapped (CPU {cpu} slot {idx})")
        return stack[idx], addr & ~PAGE_MASK, False
    if PKMAP_BASE <= addr < PKMAP_BASE + (LAST_PKMAP << PAGE_SHIFT):
        mapped = state.pkmap.get((addr - PKMAP_BASE) >> PAGE_SHIFT)
        if mapped is None:
            raise ModelError(f"{addr:#x} is a pkmap address that is not mapped")
        return mapped, addr & ~PAGE_MASK, False
    raise ModelError(f"{addr:#x} is not a mapped kernel address")


# -- contents by PFN: what the model's own paths (page cache, faults, swap) use directly ------


def page_bytes(pfn: int) -> bytearray:
    """The contents of page `pfn` (kmap_local_page + a 4 KiB view); never-written pages are zero."""
    contents = current().contents
    found = contents.get(pfn)
    if found is None:
        found = contents[pfn] = bytearray(PAGE_SIZE)
    return found


def copy_page_contents(dst: int, src: int) -> None:
    """copy_highpage(): page `src`'s bytes into page `dst`."""
    current().contents[dst] = bytearray(page_bytes(src))


def zero_page_contents(pfn: int) -> None:
    """clear_highpage()."""
    current().contents.pop(pfn, None)


# -- contents through kernel addresses -------------------------------------------------------


def _pieces(addr: int, n: int) -> list[tuple[int, int, int]]:
    """(pfn, offset, length) pieces of an n-byte access at `addr`, page by page."""
    pieces: list[tuple[int, int, int]] = []
    done = 0
    while done < n:
        pfn, offset, contiguous = resolve(addr + done)
        chunk = min(n - done, PAGE_SIZE - offset)
        if not contiguous and chunk < n - done:
            raise ModelError(f"{n}-byte access at {addr:#x} runs past the end of a one-page kmap mapping")
        pieces.append((pfn, offset, chunk))
        done += chunk
    return pieces


def write_kernel(addr: int, data: bytes) -> None:
    """memcpy(addr, data, len(data)) through a kernel virtual address."""
    done = 0
    for pfn, offset, chunk in _pieces(addr, len(data)):
        page_bytes(pfn)[offset : offset + chunk] = data[done : done + chunk]
        done += chunk


def read_kernel(addr: int, n: int) -> bytes:
    """The `n` bytes at a kernel virtual address (zero where nothing was written)."""
    contents = current().contents
    out = bytearray()
    for pfn, offset, chunk in _pieces(addr, n):
        page = contents.get(pfn)
        out += page[offset : offset + chunk] if page is not None else bytes(chunk)
    return bytes(out)


def read_long(addr: int) -> int:
    return int.from_bytes(read_kernel(addr, 8), "little")


def write_long(addr: int, value: int) -> None:
    write_kernel(addr, (value & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little"))


# -- kmap_local ------------------------------------------------------------------------------


def kmap_local_pfn(pfn: int) -> int:
    """__kmap_local_pfn_prot() / __kmap_local_page_prot(): lowmem is its direct map, highmem a new slot."""
    machine = current()
    if not machine.zone_of(pfn).highmem:
        return pfn_to_kaddr(pfn)
    stack = kmap_state(machine).local.setdefault(machine.cpu, [])
    if len(stack) >= KM_MAX_IDX:
        raise ModelError(f"kmap_local: CPU {machine.cpu} has all {KM_MAX_IDX} slots in use (BUG_ON idx >= KM_MAX_IDX)")
    stack.append(pfn)
    return _local_vaddr(machine.cpu, len(stack) - 1)


@implement
def kmap_local_page(page: Page) -> int:
    """A temporary kernel address of `page`, valid until the matching kunmap_local()."""
    return kmap_local_pfn(pfn_of(page))


@implement
def kmap_local_folio(folio: Folio, offset: int) -> int:
    """kmap_local_page(folio_page(folio, offset / PAGE_SIZE)) + offset % PAGE_SIZE."""
    return kmap_local_page(folio_page(folio, offset // PAGE_SIZE)) + offset % PAGE_SIZE


@implement
def kunmap_local(addr: object) -> None:
    """kunmap_local_indexed(): release the top slot of this CPU; a lowmem address is a no-op."""
    if not isinstance(addr, int):
        raise ModelError(f"kunmap_local({addr!r}): not a kernel address")
    machine = current()
    slot = _local_slot(addr)
    if slot is None:
        if direct_map_pfn(addr) is None:
            raise ModelError(f"kunmap_local({addr:#x}): neither a kmap_local slot nor a lowmem address")
        return
    stack = kmap_state(machine).local.get(machine.cpu, [])
    if not stack:
        raise ModelError(f"kunmap_local({addr:#x}): CPU {machine.cpu} has no kmap_local mapping")
    top = _local_vaddr(machine.cpu, len(stack) - 1)
    if addr & PAGE_MASK != top:
        raise ModelError(
            f"kunmap_local({addr:#x}) out of order: the last kmap_local on CPU {machine.cpu} is {top:#x} "
            "(kmap_local mappings are released in reverse order)"
        )
    stack.pop()


def kmap_local_depth(cpu: int | None = None) -> int:
    """How many kmap_local slots the CPU has in use (for tests)."""
    machine = current()
    return len(kmap_state(machine).local.get(machine.cpu if cpu is None else cpu, []))


@implement
def kmap_atomic(page: Page) -> int:
    """Deprecated: kmap_local_page() with preemption and page faults disabled."""
    return kmap_local_page(page)


@implement
def kunmap_atomic(addr: object) -> None:
    kunmap_local(addr)


# -- kmap (pkmap) ----------------------------------------------------------------------------


@implement
def kmap(page: Page) -> int:
    """A pkmap address of a highmem page, counted per page (kmap_high); lowmem: page_address()."""
    pfn = pfn_of(page)
    if not is_highmem_pfn(pfn):
        return pfn_to_kaddr(pfn)
    state = kmap_state()
    slot, count = state.pkmap_count.get(pfn, (-1, 0))
    if count == 0:
        slot = next((i for i in range(LAST_PKMAP) if i not in state.pkmap), -1)
        if slot < 0:
            raise ModelError("kmap: all pkmap slots in use (kmap_high would sleep forever here)")
        state.pkmap[slot] = pfn
    state.pkmap_count[pfn] = (slot, count + 1)
    return PKMAP_BASE + (slot << PAGE_SHIFT)


@implement
def kunmap(page: Page) -> None:
    """kunmap_high(): drop a kmap() count; BUG if the highmem page is not kmapped."""
    pfn = pfn_of(page)
    if not is_highmem_pfn(pfn):
        return
    state = kmap_state()
    slot, count = state.pkmap_count.get(pfn, (-1, 0))
    if count == 0:
        raise ModelError(f"kunmap: highmem pfn {pfn} is not kmapped")
    if count == 1:
        del state.pkmap_count[pfn]
        del state.pkmap[slot]
    else:
        state.pkmap_count[pfn] = (slot, count - 1)


@implement
def kmap_to_page(addr: object) -> Page:
    """The page a kmap, kmap_local or direct-map address maps."""
    if not isinstance(addr, int):
        raise ModelError(f"kmap_to_page({addr!r}): not a kernel address")
    pfn, _, _ = resolve(addr)
    return page_view(pfn)


# -- helpers on contents (highmem.h), each through kmap_local like the kernel's ---------------


def _memset(addr: int, length: int) -> None:
    if length > 0:
        write_kernel(addr, bytes(length))


def _memcpy(dst: int, src: int, length: int) -> None:
    if length > 0:
        write_kernel(dst, read_kernel(src, length))


@implement
def folio_test_highmem(folio: Folio) -> bool:
    return is_highmem_pfn(pfn_of(folio))


def _folio_size(folio: Folio) -> int:
    return current().span(pfn_of(folio)) << PAGE_SHIFT


def _chunk(folio: Folio, offset: int, length: int) -> int:
    """A highmem folio is mapped one page at a time: the bytes left in this page, at most."""
    if folio_test_highmem(folio):
        return min(length, PAGE_SIZE - offset % PAGE_SIZE)
    return length


@implement
def clear_highpage(page: Page) -> None:
    kaddr = kmap_local_page(page)
    _memset(kaddr, PAGE_SIZE)
    kunmap_local(kaddr)


@implement
def clear_user_highpage(page: Page, vaddr: int) -> None:
    clear_highpage(page)


@implement
def copy_highpage(to: Page, from_: Page) -> None:
    vfrom = kmap_local_page(from_)
    vto = kmap_local_page(to)
    _memcpy(vto, vfrom, PAGE_SIZE)
    kunmap_local(vto)
    kunmap_local(vfrom)


@implement
def copy_user_highpage(to: Page, from_: Page, vaddr: int, vma: VmAreaStruct) -> None:
    copy_highpage(to, from_)


@implement
def memcpy_page(dst_page: Page, dst_off: int, src_page: Page, src_off: int, length: int) -> None:
    if dst_off + length > PAGE_SIZE or src_off + length > PAGE_SIZE:
        raise ModelError(f"memcpy_page: {length} bytes at {dst_off}/{src_off} cross the page (VM_BUG_ON)")
    dst = kmap_local_page(dst_page)
    src = kmap_local_page(src_page)
    _memcpy(dst + dst_off, src + src_off, length)
    kunmap_local(src)
    kunmap_local(dst)


@implement
def memzero_page(page: Page, offset: int, length: int) -> None:
    if offset + length > PAGE_SIZE:
        raise ModelError(f"memzero_page: {length} bytes at {offset} cross the page (VM_BUG_ON)")
    addr = kmap_local_page(page)
    _memset(addr + offset, length)
    kunmap_local(addr)


def memcpy_from_page(to: int, page: Page, offset: int, length: int) -> None:
    """highmem.h memcpy_from_page() with `to` a kernel address (the ontology does not declare it)."""
    if offset + length > PAGE_SIZE:
        raise ModelError(f"memcpy_from_page: {length} bytes at {offset} cross the page (VM_BUG_ON)")
    src = kmap_local_page(page)
    _memcpy(to, src + offset, length)
    kunmap_local(src)


@implement
def zero_user_segments(page: Page, start1: int, end1: int, start2: int, end2: int) -> None:
    """mm/highmem.c: zero two ranges of a (compound) page, kmapping one subpage at a time."""
    machine = current()
    pfn = pfn_of(page)
    size = machine.span(pfn) << PAGE_SHIFT
    if end1 > size or end2 > size:
        raise ModelError(f"zero_user_segments: range ends {end1}/{end2} past the {size}-byte page (BUG_ON)")
    for start, end in ((start1, end1), (start2, end2)):
        while start < end:
            kaddr = kmap_local_pfn(pfn + start // PAGE_SIZE)
            chunk = min(end - start, PAGE_SIZE - start % PAGE_SIZE)
            _memset(kaddr + start % PAGE_SIZE, chunk)
            kunmap_local(kaddr)
            start += chunk


@implement
def folio_zero_segments(folio: Folio, start1: int, xend1: int, start2: int, xend2: int) -> None:
    zero_user_segments(folio_page(folio, 0), start1, xend1, start2, xend2)


@implement
def folio_zero_segment(folio: Folio, start: int, xend: int) -> None:
    zero_user_segments(folio_page(folio, 0), start, xend, 0, 0)


@implement
def folio_zero_range(folio: Folio, start: int, length: int) -> None:
    zero_user_segments(folio_page(folio, 0), start, start + length, 0, 0)


@implement
def memcpy_folio(dst_folio: Folio, dst_off: int, src_folio: Folio, src_off: int, length: int) -> None:
    if dst_off + length > _folio_size(dst_folio) or src_off + length > _folio_size(src_folio):
        raise ModelError("memcpy_folio: range past the end of a folio (VM_BUG_ON)")
    while length > 0:
        dst = kmap_local_folio(dst_folio, dst_off)
        src = kmap_local_folio(src_folio, src_off)
        chunk = _chunk(src_folio, src_off, _chunk(dst_folio, dst_off, length))
        _memcpy(dst, src, chunk)
        kunmap_local(src)
        kunmap_local(dst)
        dst_off, src_off, length = dst_off + chunk, src_off + chunk, length - chunk


def _c_bytes(from_: str, length: int) -> bytes:
    """A `const char *` argument: the model passes C buffers as str, one character per byte."""
    data = from_.encode("latin-1")
    if length > len(data):
        raise ModelError(f"source buffer has {len(data)} bytes, {length} requested")
    return data[:length]


@implement
def memcpy_to_folio(folio: Folio, offset: int, from_: str, length: int) -> None:
    data = _c_bytes(from_, length)
    if offset + length > _folio_size(folio):
        raise ModelError("memcpy_to_folio: range past the end of the folio (VM_BUG_ON)")
    done = 0
    while done < length:
        to = kmap_local_folio(folio, offset + done)
        chunk = _chunk(folio, offset + done, length - done)
        write_kernel(to, data[done : done + chunk])
        kunmap_local(to)
        done += chunk


@implement
def folio_zero_tail(folio: Folio, offset: int, kaddr: object) -> int:
    """Zero from `offset` (mapped at `kaddr`) to the end; returns the address still mapped."""
    if not isinstance(kaddr, int):
        raise ModelError(f"folio_zero_tail({kaddr!r}): not a kernel address")
    length = _folio_size(folio) - offset
    if folio_test_highmem(folio):
        most = PAGE_SIZE - offset % PAGE_SIZE
        while length > most:
            _memset(kaddr, most)
            kunmap_local(kaddr)
            length, offset, most = length - most, offset + most, PAGE_SIZE
            kaddr = kmap_local_folio(folio, offset)
    _memset(kaddr, length)
    return kaddr


@implement
def folio_fill_tail(folio: Folio, offset: int, from_: str, length: int) -> None:
    """Copy `length` bytes to `offset` and zero the rest of the folio."""
    data = _c_bytes(from_, length)
    if offset + length > _folio_size(folio):
        raise ModelError("folio_fill_tail: range past the end of the folio (VM_BUG_ON)")
    to = kmap_local_folio(folio, offset)
    done = 0
    if folio_test_highmem(folio):
        most = PAGE_SIZE - offset % PAGE_SIZE
        while length - done > most:
            write_kernel(to, data[done : done + most])
            kunmap_local(to)
            done, most = done + most, PAGE_SIZE
            to = kmap_local_folio(folio, offset + done)
    write_kernel(to, data[done:])
    to = folio_zero_tail(folio, offset + length, to + length - done)
    kunmap_local(to)


@implement
def folio_release_kmap(folio: Folio, addr: object) -> None:
    """kunmap_local(addr) then folio_put(folio)."""
    kunmap_local(addr)
    folio_put(folio)


def read_folio(folio: Folio, offset: int, length: int) -> bytes:
    """memcpy_from_folio() into a Python buffer (the ontology declares its `to` as a str)."""
    if offset + length > _folio_size(folio):
        raise ModelError("read past the end of the folio")
    out = bytearray()
    while len(out) < length:
        src = kmap_local_folio(folio, offset + len(out))
        chunk = _chunk(folio, offset + len(out), length - len(out))
        out += read_kernel(src, chunk)
        kunmap_local(src)
    return bytes(out)
