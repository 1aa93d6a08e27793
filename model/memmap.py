"""mem_map as a struct of arrays: one 4-byte column per struct page word the model uses.

The kernel's mem_map is an array of 64-byte struct pages. Modelling 4 Mi pages with a Python
object each would cost gigabytes, so the model keeps the words it needs as typed arrays indexed
by PFN and makes descriptors views onto them (`model.views`). A slot is `(word, half)`: word
0..7 of a struct page, half 0 for an 8-byte word or its low 4 bytes, 1 for its high 4 bytes.
Words the model rarely uses (the second word of a list_head, memcg_data, a large folio's
tail-page counters) live in a sparse dict. Pointers are stored as small integer handles into an
object table, as the kernel stores addresses: 0 is NULL.
"""

from __future__ import annotations

from array import array

Slot = tuple[int, int]
"""(word, half) within one struct page."""

FLAGS: Slot = (0, 0)
COMPOUND_HEAD: Slot = (1, 0)
MAPPING: Slot = (3, 0)
INDEX: Slot = (4, 0)
PRIVATE: Slot = (5, 0)
PAGE_TYPE: Slot = (6, 0)
"""page_type and _mapcount share this half-word (UINT_MAX / -1 when untyped and unmapped)."""
REFCOUNT: Slot = (6, 1)

COLUMN_TYPES: dict[Slot, str] = {
    FLAGS: "I",
    COMPOUND_HEAD: "I",
    MAPPING: "I",
    INDEX: "I",
    PRIVATE: "I",
    PAGE_TYPE: "i",
    REFCOUNT: "i",
}
"""The stored slots and their array type codes (4 bytes each: 28 bytes per page)."""

_INITIAL = {PAGE_TYPE: -1}


class MemMap:
    """The columns of struct page for `nr_pages` page frames, plus the pointer table."""

    def __init__(self, nr_pages: int):
        self.nr_pages = nr_pages
        self.columns: dict[Slot, array[int]] = {
            slot: array(code, [_INITIAL.get(slot, 0)]) * nr_pages for slot, code in COLUMN_TYPES.items()
        }
        self.sparse: dict[tuple[int, Slot], int] = {}
        self._objects: list[object] = [None]
        self._handles: dict[int, int] = {}

    def get(self, pfn: int, slot: Slot) -> int:
        column = self.columns.get(slot)
        if column is not None:
            return column[pfn]
        return self.sparse.get((pfn, slot), 0)

    def set(self, pfn: int, slot: Slot, value: int) -> None:
        column = self.columns.get(slot)
        if column is not None:
            column[pfn] = value
        elif value:
            self.sparse[(pfn, slot)] = value
        else:
            self.sparse.pop((pfn, slot), None)

    def get_long(self, pfn: int, word: int) -> int:
        """A full 64-bit word (pp_magic, zpdesc->handle): the low half at (word, 0), the high at (word, 1).

        The columns are 4 bytes wide, so a value that needs the upper half (a kernel address, a
        poison value) keeps it in the high half-word, sparse unless that half has a column.
        """
        return (self.get(pfn, (word, 1)) & 0xFFFFFFFF) << 32 | (self.get(pfn, (word, 0)) & 0xFFFFFFFF)

    def set_long(self, pfn: int, word: int, value: int) -> None:
        """Store a 64-bit word. Callers writing a tracked word must tell the view registry."""
        self.set(pfn, (word, 1), value >> 32 & 0xFFFFFFFF)
        self.set(pfn, (word, 0), value & 0xFFFFFFFF)

    def handle(self, obj: object) -> int:
        """The handle (the model's "address") of a kernel object; 0 for None."""
        if obj is None:
            return 0
        key = id(obj)
        found = self._handles.get(key)
        if found is None:
            found = len(self._objects)
            self._objects.append(obj)
            self._handles[key] = found
        return found

    def object(self, handle: int) -> object:
        return self._objects[handle]

    def bytes_per_page(self) -> float:
        """Memory of the modelled mem_map per page: the columns plus the sparse words in use."""
        column_bytes = sum(column.itemsize * len(column) for column in self.columns.values())
        sparse_bytes = 8 * 3 * len(self.sparse)  # key tuple and value, roughly, when in use
        return (column_bytes + sparse_bytes) / max(self.nr_pages, 1)
