"""States of descriptors: which fields mean nothing in which state, and what calls require.

Which words of a `struct page` mean anything depends on what the page is right now: on a tail
page word 1 is compound_head and the words after it hold the folio's second-page fields; on a
slab page they are struct slab's. The ontology says so in its data, and this module turns that
into the facts the checker reads (one table, `state_facts`):

- **meaningless**: a field of a refinement's struct that holds nothing of its meaning in the
  refinement's state. Derived from the refinement's `overlaid_by` (a descriptor occupying the
  page's words there): a page field whose bytes are another descriptor's field, one that does
  not line up with it (`matches`, or the kernel's `__page_<name>` spelling of a kept page
  field), means nothing there. The refinement's explicit `meaningless` facts add fields and
  give the reason the message prints (they win over a derived reason).
- **excludes**: refinements no instance can be at once (head_page and tail_page); symmetric.
- **same_memory**: refinements of two structs that hold of the same memory (zone_device_page and
  zone_device_folio): a property of the memory, carried through conversions and past a release.
- **requires** / **releases**: a function parameter's contract (`not tail_page`: a head or
  order-0 page) and whether the call drops the caller's reference on it.
- **accepts**: a state a function's callers may pass in a parameter (put_page() gets ZONE_DEVICE
  pages): a model implementing the function starts with its parameter possibly in that state.
- **ensures** / **may_be**: what a function's or conversion's result is known to be, or may
  be although its type does not say so (folio_page() may return a tail page).
- **may_be_unless_zero**: the parameter whose value 0 voids the result's `may_be`
  (folio_page(folio, 0) is the folio's first page).

A state is a refinement's name, or `not ` and one (`STATE_RE` in `ontology.schema`).
"""

from __future__ import annotations

from collections.abc import Iterator

from ontology.facttable import StateFact
from ontology.indexed import Ontology
from ontology.schema import ConversionDef, FieldDef, FunctionDef, TypeDef


def _article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _overlaps(first: FieldDef, start: int, size: int) -> bool:
    return first.size > 0 and size > 0 and first.offset < start + size and start < first.offset + first.size


def _keeps(field: FieldDef, other: FieldDef, page: int) -> bool:
    """Whether `other` (a field of the overlaying descriptor, on its page `page`) is `field` kept
    under the descriptor's name: a `matches` pair on that page, or the kernel's spelling of a
    kept page field (`__page_type`, `__page_refcount`; the same name on the first page)."""
    if other.matches is not None:
        return other.matches == field.name and other.match_index == page
    if page != 0:
        return False
    return other.name in (field.name, "__page_" + field.name.lstrip("_"), "__" + field.name)


def derived_meaningless(onto: Ontology, refinement: TypeDef) -> dict[str, str]:
    """Field -> reason, for the fields of the refinement's struct that another descriptor's
    fields occupy in this state (its `overlaid_by`)."""
    struct = onto.struct_of(refinement.name)
    if struct is None or struct.size is None:
        return {}
    found: dict[str, str] = {}
    for over in refinement.overlaid_by:
        descriptor = onto.types.get(over.descriptor)
        if descriptor is None or descriptor.overlays not in (struct.name, struct.overlays):
            continue  # not at this release, or no longer overlaying it (a proposal moved it out)
        overlaid = onto.types.get(descriptor.overlays or "")
        unit = overlaid.size if overlaid is not None and overlaid.size else struct.size
        for page in over.pages:
            base = page * unit
            inside = [
                other
                for other in onto.own_fields(descriptor.name)
                if base <= other.offset and other.offset + other.size <= base + unit and other.size < unit
            ]  # a member that is a whole struct page (folio.page, __page_1) only contains the others
            for field in onto.own_fields(struct.name):
                if field.name in found or field.tail_marker or field.size >= unit or field.offset >= unit:
                    continue
                clash = next(
                    (o for o in inside if _overlaps(field, o.offset - base, o.size) and not _keeps(field, o, page)),
                    None,
                )
                if clash is not None:
                    where = f" (in the {descriptor.name}'s page {page})" if page else ""
                    found[field.name] = (
                        f"on {_article(refinement.name)} the bytes of {struct.name}->{field.name} hold "
                        f"{descriptor.name}->{clash.name}{where}"
                    )
    return found


def meaningless_fields(onto: Ontology, refinement: TypeDef) -> dict[str, str]:
    """Field -> reason: derived ones, then the refinement's own facts (their reason wins).
    Only fields the struct has at this snapshot's release."""
    struct = onto.struct_of(refinement.name)
    present = {f.name for f in onto.own_fields(struct.name)} if struct is not None else set()
    found = derived_meaningless(onto, refinement)
    for fact in refinement.meaningless:
        if fact.field in present:
            found[fact.field] = fact.reason
    return found


def state_facts(onto: Ontology) -> Iterator[StateFact]:
    """Every state fact of the snapshot, sorted within each kind (deterministic output)."""
    for typedef in sorted(onto.types.values(), key=lambda t: t.name):
        if typedef.kind != "refinement":
            continue
        for field, reason in sorted(meaningless_fields(onto, typedef).items()):
            yield StateFact("meaningless", typedef.name, field, "", reason)
    pairs = {
        tuple(sorted((typedef.name, other)))
        for typedef in onto.types.values()
        for other in typedef.excludes
        if other in onto.types
    }
    for first, second in sorted(pairs):
        yield StateFact("excludes", first, "", second, "")
    for typedef in sorted(onto.types.values(), key=lambda t: t.name):
        for other in sorted(typedef.same_memory_as):
            if typedef.kind == "refinement" and other in onto.types:
                yield StateFact("same_memory", typedef.name, "", other, "")
    for function in sorted(onto.functions.values(), key=lambda f: f.name):
        for param in function.params:
            for state in param.requires:
                yield StateFact("requires", function.name, param.name, state, "")
            if param.releases:
                yield StateFact("releases", function.name, param.name, "", "")
            for state in param.may_be:
                yield StateFact("accepts", function.name, param.name, state, "")
    results: dict[str, FunctionDef | ConversionDef] = {**onto.functions, **onto.conversions}
    for name, entry in sorted(results.items()):
        yield from (StateFact("ensures", name, "", state, "") for state in entry.ensures)
        yield from (StateFact("may_be", name, "", state, "") for state in entry.may_be)
        if entry.may_be and entry.may_be_unless_zero:
            yield StateFact("may_be_unless_zero", name, entry.may_be_unless_zero, "", "")
