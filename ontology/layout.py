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


Arm = tuple[str | None, tuple[str, ...]]
"""A union arm's name (None for fields in no union) and its fields' labels in one word."""


@dataclass(frozen=True)
class LayoutRow:
    """One 8-byte word: its byte offset and, per column (descriptor), the fields living there,
    as a flat list (`cells`) and grouped by union arm (`arms`)."""

    word: int
    offset: int
    cells: tuple[tuple[str, ...], ...]
    arms: tuple[tuple[Arm, ...], ...] = ()

    def cell_lines(self, column: int) -> list[str]:
        """A cell as text: a field in no union alone on its line, an arm's fields on one line
        after the arm's name (`pagecache: lru, buddy_list`)."""
        return [
            f"{arm}: {', '.join(labels)}" if arm else label
            for arm, labels in self.arms[column]
            for label in ([", ".join(labels)] if arm else labels)
        ]


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
                    "arms": {
                        column: [{"arm": arm, "fields": list(labels)} for arm, labels in groups]
                        for column, groups in zip(self.columns, row.arms, strict=True)
                    },
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
        arms: list[tuple[Arm, ...]] = []
        for column in columns:
            size = onto.types[column].size or 0
            # An overlaid struct repeats: folio's words 8-15 lie over the second struct page.
            local = word % (size // WORD) if column in copies and size >= WORD else word
            here = [f for f in fields[column] if local in words_of(f)]
            here.sort(key=lambda f: (f.offset, f.bit_offset or 0, f.name))
            labels = [field_label(f) + (" (cont.)" if local > words_of(f).start else "") for f in here]
            cells.append(tuple(dict.fromkeys(labels)))
            overlaid = onto.types.get((onto.struct_of(column) or onto.types[column]).overlays or "")
            arm_of = {f.name: f.arm for f in onto.own_fields(overlaid.name)} if overlaid is not None else {}
            groups: dict[str | None, list[str]] = {}
            for fielddef, label in zip(here, labels, strict=True):
                used = arm_of.get(fielddef.matches or "") if fielddef.matches else None
                shown = f"{label} (= {used}: {fielddef.matches})" if used else label
                groups.setdefault(fielddef.arm, [])
                if shown not in groups[fielddef.arm]:
                    groups[fielddef.arm].append(shown)
            declared = [f.arm for f in fields[column]]  # arms in the order the struct declares them
            ordered = sorted(groups.items(), key=lambda item: -1 if item[0] is None else declared.index(item[0]))
            arms.append(tuple((arm, tuple(names)) for arm, names in ordered))
        rows.append(LayoutRow(word=word, offset=word * WORD, cells=tuple(cells), arms=tuple(arms)))
    return Layout(columns=tuple(columns), rows=tuple(rows))


def without_layout(onto: Ontology, names: list[str]) -> list[str]:
    """The types among `names` with no layout in the data: no fields and no size of their own or
    of a struct they refine (a proposed type such as lru_mem that only names a concept)."""
    sized = {name for name in names if onto.types[name].size or (onto.struct_of(name) or onto.types[name]).size}
    return [name for name in names if not onto.own_fields(name) and name not in sized]
