"""Descriptors as views onto mem_map, with runtime classes that tell the truth.

A `Page`, `Folio`, `Slab`, `PtDesc`, `ZpDesc` or `NetmemDesc` in the model is a small view object:
a PFN and the mem_map it reads. Its fields are the ontology's: each field's byte offset (from
`ontology.types.FACTS`, the same facts `memdesc verify` checks against BTF) says which struct page
and which word it lives in, so `slab.slab_cache` really is the compound_head word of the slab's
first page, as SLAB_MATCH says.

Runtime classes follow state. A view's class is the most derived combination of the
refinements whose predicates hold (an anonymous large folio on the LRU is an instance of
AnonFolio, LargeFolio and LruFolio), recomputed whenever a word those predicates read changes.
Views are interned per (struct, PFN) while referenced, so every reference sees the change.

Runtime classes also carry the ontology's state facts, so the model checks at run time what the
checker's memdesc-field rule checks statically: a field that means nothing in a view's current
state (`mapping` of a tail page, `lru` of a slab page) raises `MeaninglessField` with the
ontology's reason. And a view dies with its descriptor: when the last reference is dropped and
the pages go back to the buddy allocator, every view of them still held is retired, and using
it (reading or writing a field, or passing it to a model function, which reads its PFN through
`pfn_of`) raises `UseAfterFree`, as KASAN reports a freed object's use. A view obtained afresh
(pfn_to_page() of the PFN) is a new view of whatever the page is now.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from model.memmap import COMPOUND_HEAD, FLAGS, MAPPING, PAGE_TYPE, MemMap, Slot
from ontology import types

V = TypeVar("V", bound="View")

STRUCT_PAGE_SIZE = 64
POINTER_ALIGN_BITS = 2
"""Object handles are stored shifted left by this, like 4-byte-aligned addresses: the low bits
stay free for tags (FOLIO_MAPPING_ANON/KSM in ->mapping, the tail bit in compound_head)."""

TRACKED_SLOTS: frozenset[Slot] = frozenset({FLAGS, COMPOUND_HEAD, MAPPING, PAGE_TYPE})
"""Words that refinement predicates read: writing one re-derives the runtime classes."""

_INTEGER_WORDS = ("int", "long", "short", "char", "unsigned", "atomic", "_t", "bool")


class UseAfterFree(Exception):
    """A view used after its descriptor's last reference was dropped (KASAN's use-after-free)."""


class MeaninglessField(Exception):
    """A field read or written in a state where it means nothing (memdesc-field, at run time)."""


def _meaningless_facts() -> dict[str, dict[str, str]]:
    """Refinement -> field -> reason: the ontology's `meaningless` state facts."""
    facts: dict[str, dict[str, str]] = {}
    for fact in types.FACTS.states:
        if fact.kind == "meaningless":
            facts.setdefault(fact.subject, {})[fact.item] = fact.reason
    return facts


MEANINGLESS = _meaningless_facts()


@dataclass(frozen=True)
class FieldSlot:
    """Where a descriptor field lives: which struct page of the descriptor, which word, how."""

    copy: int
    slot: Slot
    is_object: bool
    bit_shift: int = 0
    bit_mask: int = 0


def _is_object(c_type: str) -> bool:
    text = " ".join(c_type.split())
    if text.endswith("*"):
        return True
    if text.startswith("struct ") or text.startswith("union "):
        return True
    return not any(word in text for word in _INTEGER_WORDS)


def field_slots(type_name: str) -> dict[str, FieldSlot]:
    """Each field of `type_name` mapped to the mem_map slot its bytes occupy."""
    slots: dict[str, FieldSlot] = {}
    for fielddef in types.FACTS.types[type_name].fields:
        copy, within = divmod(fielddef.offset, STRUCT_PAGE_SIZE)
        word, byte = divmod(within, 8)
        half = 1 if byte >= 4 else 0
        shift = mask = 0
        if fielddef.bit_offset is not None and fielddef.bit_size is not None:
            base_bit = (copy * STRUCT_PAGE_SIZE + word * 8 + half * 4) * 8
            shift, mask = fielddef.bit_offset - base_bit, (1 << fielddef.bit_size) - 1
        slots[fielddef.name] = FieldSlot(copy, (word, half), _is_object(fielddef.c_type), shift, mask)
    return slots


class View:
    """Attribute access onto mem_map. Subclasses pair this with an ontology descriptor class."""

    _slots: ClassVar[dict[str, FieldSlot]] = {}
    _struct: ClassVar[str] = ""
    _meaningless: ClassVar[dict[str, tuple[str, str]]] = {}
    """Field -> (refinement, reason): the fields that mean nothing in this class's state."""
    _freed: str | None = None
    """Why this view is dead (set when its pages were freed), or None while it is live."""
    _mem: MemMap
    pfn: int

    def __init__(self, mem: MemMap, pfn: int):
        object.__setattr__(self, "_mem", mem)
        object.__setattr__(self, "pfn", pfn)

    def _checked_slot(self, name: str, verb: str) -> FieldSlot:
        """The slot of field `name`, after the checks KASAN and memdesc-field would make."""
        cls = type(self)
        slot = cls._slots.get(name)
        if slot is None:
            raise AttributeError(f"{cls.__name__} has no field {name!r}")
        if self._freed is not None:
            raise UseAfterFree(f"{self!r}: {verb} ->{name} {self._freed}")
        state = cls._meaningless.get(name)
        if state is not None:
            refinement, reason = state
            raise MeaninglessField(f"{self!r}: {verb} ->{name} of a {refinement}: {reason}")
        return slot

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probe dunders: not fields
            raise AttributeError(name)
        slot = self._checked_slot(name, "read of")
        raw = self._mem.get(self.pfn + slot.copy, slot.slot)
        if slot.bit_mask:
            return (raw >> slot.bit_shift) & slot.bit_mask
        if slot.is_object:
            if raw & ((1 << POINTER_ALIGN_BITS) - 1):
                return None  # a tagged word (anon mapping): not a plain pointer
            return self._mem.object(raw >> POINTER_ALIGN_BITS)
        return raw

    def __setattr__(self, name: str, value: Any) -> None:
        slot = self._checked_slot(name, "write of")
        pfn = self.pfn + slot.copy
        if slot.bit_mask:
            raw = self._mem.get(pfn, slot.slot) & ~(slot.bit_mask << slot.bit_shift)
            value = raw | ((int(value) & slot.bit_mask) << slot.bit_shift)
        elif slot.is_object:
            value = self._mem.handle(value) << POINTER_ALIGN_BITS
        self._mem.set(pfn, slot.slot, value)
        if slot.slot in TRACKED_SLOTS:
            registry_of(self._mem).changed(pfn)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} pfn={self.pfn}>"


Predicate = Callable[[Any], bool]


class ViewRegistry:
    """Interned views of one mem_map and the classes their refinements give them."""

    def __init__(self, mem: MemMap, head_of: Callable[[int], int], span_of: Callable[[int], int]):
        self.mem = mem
        self.head_of = head_of
        self.span_of = span_of
        self._live: dict[int, dict[str, weakref.ref[View]]] = {}
        self._classes: dict[tuple[str, frozenset[str]], type[View]] = {}

    def view(self, struct: str, pfn: int) -> View:
        """The interned view of `struct` at `pfn`, created with its current class."""
        bucket = self._live.setdefault(pfn, {})
        ref = bucket.get(struct)
        existing = ref() if ref is not None else None
        if existing is not None:
            return existing
        view = _BASES[struct](self.mem, pfn)
        object.__setattr__(view, "__class__", self._class_for(struct, view))
        bucket[struct] = weakref.ref(view, self._forgetter(pfn, struct))
        return view

    def _forgetter(self, pfn: int, struct: str) -> Callable[[weakref.ref[View]], None]:
        def forget(_: weakref.ref[View]) -> None:
            self._forget(pfn, struct)

        return forget

    def _forget(self, pfn: int, struct: str) -> None:
        bucket = self._live.get(pfn)
        if bucket is not None:
            ref = bucket.get(struct)
            if ref is not None and ref() is None:
                del bucket[struct]
            if not bucket:
                del self._live[pfn]

    def _class_for(self, struct: str, view: View) -> type[View]:
        holding = frozenset(name for name, test in REFINEMENTS.get(struct, ()) if test(view))
        if not holding:
            return _BASES[struct]
        key = (struct, holding)
        cls = self._classes.get(key)
        if cls is None:
            bases = [_BASES[struct]]
            classes = [getattr(types, types.FACTS.types[name].class_name) for name in sorted(holding)]
            most_derived = [c for c in classes if not any(o is not c and issubclass(o, c) for o in classes)]
            label = "+".join(c.__name__ for c in most_derived) or _BASES[struct].__name__
            meaningless = {
                field: (refinement, reason)
                for refinement in sorted(holding, reverse=True)
                for field, reason in MEANINGLESS.get(refinement, {}).items()
            }
            namespace = {"_meaningless": meaningless}
            cls = type(f"{_BASES[struct].__name__}[{label}]", (*bases, *most_derived), namespace)
            self._classes[key] = cls
        return cls

    def retire(self, pfn: int, nr_pages: int, why: str) -> None:
        """The pages `pfn`..`pfn + nr_pages` were freed: every view of them still held is dead
        from now on (using it raises UseAfterFree), and the next view asked for is a new one."""
        if not self._live:
            return
        if nr_pages <= len(self._live):
            freed = [other for other in range(pfn, pfn + nr_pages) if other in self._live]
        else:
            freed = [other for other in self._live if pfn <= other < pfn + nr_pages]
        for other in freed:
            for ref in self._live.pop(other).values():
                view = ref()
                if view is not None:
                    object.__setattr__(view, "_freed", why)

    def changed(self, pfn: int) -> None:
        """A tracked word of `pfn` changed: re-derive the classes of live views it affects.

        That is the views at `pfn` and, since page-level tests such as PageSlab() read the
        folio, the views of every page of the compound page `pfn` belongs to.
        """
        if not self._live:
            return
        head = self.head_of(pfn)
        end = head + self.span_of(head)
        if end - head <= len(self._live):
            affected = [other for other in range(head, end) if other in self._live]
        else:
            affected = [other for other in self._live if head <= other < end]
        if not head <= pfn < end and pfn in self._live:
            affected.append(pfn)
        for other in affected:
            for struct, ref in list(self._live.get(other, {}).items()):
                view = ref()
                if view is not None:
                    object.__setattr__(view, "__class__", self._class_for(struct, view))


_REGISTRIES: weakref.WeakKeyDictionary[MemMap, ViewRegistry] = weakref.WeakKeyDictionary()


def attach_registry(registry: ViewRegistry) -> None:
    _REGISTRIES[registry.mem] = registry


def registry_of(mem: MemMap) -> ViewRegistry:
    return _REGISTRIES[mem]


# The view classes: one per descriptor struct the model stores in mem_map.


class PageView(View, types.Page):
    """struct page at a PFN."""


class FolioView(View, types.Folio):
    """struct folio at its head PFN (its fields span the head and first three tail pages)."""


class SlabView(View, types.Slab):
    """struct slab at the slab's first PFN."""


class PtDescView(View, types.PtDesc):
    """struct ptdesc at a page-table page's PFN."""


class ZpDescView(View, types.ZpDesc):
    """struct zpdesc at a zsmalloc page's PFN."""


class NetmemDescView(View, types.NetmemDesc):
    """struct netmem_desc at a page_pool page's PFN."""


_BASES: dict[str, type[View]] = {
    "page": PageView,
    "folio": FolioView,
    "slab": SlabView,
    "ptdesc": PtDescView,
    "zpdesc": ZpDescView,
    "netmem_desc": NetmemDescView,
}
for _name, _cls in _BASES.items():
    _cls._slots = field_slots(_name)
    _cls._struct = _name

REFINEMENTS: dict[str, list[tuple[str, Predicate]]] = {}
"""Per struct: (refinement name, bit-level predicate). Filled by `model.predicates`."""


def register_refinement(struct: str, refinement: str, test: Predicate) -> None:
    REFINEMENTS.setdefault(struct, []).append((refinement, test))


def view_as(registry: ViewRegistry, cls: type[V], pfn: int) -> V:
    """The interned view of the struct `cls` views, at `pfn`, typed as `cls`."""
    view = registry.view(cls._struct, pfn)
    if not isinstance(view, cls):
        raise TypeError(f"view of {cls._struct} at {pfn} is a {type(view).__name__}")
    return view
