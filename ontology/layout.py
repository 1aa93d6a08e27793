"""Word layouts: which 8-byte words of struct page each descriptor's fields occupy.

A descriptor that overlays struct page (slab, ptdesc, zpdesc, netmem_desc, folio over four
pages) is shown word by word beside struct page's own members, which is how mm_types.h
documents the overlay and how reviewers reason about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ontology.indexed import Ontology
from ontology.schema import FieldDef

WORD = 8


def word_span(size: int, overlaid_size: int | None, pages: int) -> str:
    """`0-7` for a descriptor covering eight words; `0-31` for folio over four pages."""
    total = size if size else (overlaid_size or 0) * pages
    last = max(total - 1, 0) // WORD
    return f"0-{last}"


def words_of(fielddef: FieldDef) -> range:
    """The word indexes a field occupies (a 4-byte field in word 6 -> range(6, 7))."""
    first = fielddef.offset // WORD
    last = (fielddef.offset + max(fielddef.size, 1) - 1) // WORD
    return range(first, last + 1)


def field_label(fielddef: FieldDef) -> str:
    """A field as a layout cell shows it: name, plus its half of the word when it has one."""
    if fielddef.size < WORD and fielddef.bit_size is None:
        half = "lo" if fielddef.offset % WORD < WORD // 2 else "hi"
        return f"{fielddef.name} ({half})"
    if fielddef.bit_size is not None:
        return f"{fielddef.name}:{fielddef.bit_size}"
    return fielddef.name


@dataclass(frozen=True)
class LayoutRow:
    """One 8-byte word: its byte offset and, per column (descriptor), the fields living there."""

    word: int
    offset: int
    cells: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Layout:
    """Columns are descriptor type names; rows are words from 0 to the longest descriptor's end."""

    columns: tuple[str, ...]
    rows: tuple[LayoutRow, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "columns": list(self.columns),
            "words": [
                {
                    "word": row.word,
                    "offset": row.offset,
                    "fields": {column: list(cell) for column, cell in zip(self.columns, row.cells, strict=True)},
                }
                for row in self.rows
            ],
        }


def layout(onto: Ontology, names: list[str]) -> Layout:
    """The word-by-word layout of `names`, with the struct they overlay as the first column.

    The struct overlaid (struct page for every overlay today) is taken from the data, never
    assumed. A type without fields of its own (a refinement) shows its struct's fields.
    """
    columns: list[str] = []
    copies: dict[str, int] = {}
    for name in names:
        typedef = onto.types[name]
        struct = onto.struct_of(name) or typedef
        if struct.overlays:
            if struct.overlays not in columns:
                columns.append(struct.overlays)
            copies[struct.overlays] = max(copies.get(struct.overlays, 1), struct.overlay_pages)
        if name not in columns:
            columns.append(name)
    # A member that embeds a whole overlaid struct (folio's `page`, `__page_1`) covers every
    # word; the overlaid struct's own column already shows those words, so leave it out.
    embedded = {f"struct {onto.types[column].c_struct}" for column in copies}
    fields = {
        column: [f for f in onto.own_fields(column) if " ".join(f.c_type.split()) not in embedded] for column in columns
    }
    total_words = 0
    for column in columns:
        struct = onto.struct_of(column) or onto.types[column]
        size = onto.types[column].size or struct.size or 0
        end = max([f.offset + f.size for f in fields[column]] + [size]) * copies.get(column, 1)
        total_words = max(total_words, (end + WORD - 1) // WORD)
    rows: list[LayoutRow] = []
    for word in range(total_words):
        cells: list[tuple[str, ...]] = []
        for column in columns:
            size = onto.types[column].size or 0
            # An overlaid struct repeats: folio's words 8-15 lie over the second struct page.
            local = word % (size // WORD) if column in copies and size >= WORD else word
            here = [f for f in fields[column] if local in words_of(f)]
            here.sort(key=lambda f: (f.offset, f.bit_offset or 0, f.name))
            labels = (field_label(f) + (" (cont.)" if local > words_of(f).start else "") for f in here)
            cells.append(tuple(dict.fromkeys(labels)))
        rows.append(LayoutRow(word=word, offset=word * WORD, cells=tuple(cells)))
    return Layout(columns=tuple(columns), rows=tuple(rows))
