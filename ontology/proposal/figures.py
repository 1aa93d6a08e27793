"""The figures of a proposal document: class diagrams, word layouts and memory cost.

Each takes the ontology before and after and the names of the affected types (what the typed
diff and the retyped functions mention) and returns Markdown lines. Everything is sorted, so
a document regenerates byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable

from ontology.docsite.diagrams import docs_diagram
from ontology.docsite.markdown import cell, diagram_text, fence, text
from ontology.exports import dot, mermaid
from ontology.indexed import Ontology, Signature
from ontology.layout import Layout, layout
from ontology.schema import FieldDef, TypeDef

PAGE_BYTES = 4096
MAX_MEMBERS = 16
"""Members listed per class in a diagram; the rest are counted."""


def _shape(sig: Signature | None) -> object:
    if sig is None:
        return None
    return (sig.returns, sig.returns_depth, tuple((p.name, p.type, p.depth) for p in sig.params))


def changed_functions(old: Ontology, new: Ontology) -> list[str]:
    """API functions added, removed, or whose descriptor types (parameters, return) differ."""
    names = set(old.functions) | set(new.functions)
    return sorted(n for n in names if _shape(old.readable_signature(n)) != _shape(new.readable_signature(n)))


def descriptor_uses(onto: Ontology, names: Iterable[str]) -> dict[str, list[str]]:
    """type -> `fn(param)` / `fn() type` members: where each function takes or returns the type."""
    uses: dict[str, list[str]] = {}
    for name in names:
        sig = onto.readable_signature(name)
        if sig is None:
            continue
        for param in sig.params:
            if param.type is not None:
                uses.setdefault(param.type, []).append(diagram_text(f"+{name}({param.name})"))
        if sig.returns is not None:
            uses.setdefault(sig.returns, []).append(diagram_text(f"+{name}() {sig.returns}"))
    return {t: sorted(set(members)) for t, members in uses.items()}


def changed_fields(old: Ontology, new: Ontology, name: str) -> set[str]:
    """Fields of `name` added, removed or moved (offset, size, bits, C type) by the proposal;
    a field that only loses its overlay partner (`matches`) has not moved."""
    if name not in old.types or name not in new.types:
        typedef = old.types.get(name) or new.types[name]
        return {f.name for f in typedef.fields}
    before = {f.name: _place(f) for f in old.types[name].fields}
    after = {f.name: _place(f) for f in new.types[name].fields}
    return {n for n in set(before) | set(after) if before.get(n) != after.get(n)}


def _place(fielddef: FieldDef) -> tuple[object, ...]:
    return (fielddef.offset, fielddef.size, fielddef.c_type, fielddef.bit_offset, fielddef.bit_size)


def _stereotype(typedef: TypeDef) -> str:
    words: list[str] = [typedef.kind]
    if typedef.size:
        words.append(f"{typedef.size} B")
    if typedef.status not in ("merged", typedef.kind):
        words.append(typedef.status)
    if typedef.overlays:
        words.append(f"over {diagram_text(typedef.overlays)}")
    return "<<" + ", ".join(words) + ">>"


def _member(c_type: str, name: str) -> str:
    return "+" + diagram_text(f"{c_type.replace('[', ' x').replace(']', '')} {name}")


def class_model(
    onto: Ontology, affected: list[str], fields: set[str], functions: list[str]
) -> tuple[list[mermaid.ClassBox], list[mermaid.Edge]]:
    """The class diagram of the affected types, their parents, fields that change, and the
    changed functions as members of the types they take or return: its classes (id `t_NAME`,
    name, the `<<stereotype>>` then members) and relations (`<|--` parent of, `..>` converts to)."""
    nodes = {n for n in affected if n in onto.types}
    nodes |= {p for n in list(nodes) for p in onto.types[n].parents if p in onto.types}
    uses = descriptor_uses(onto, functions)
    nodes |= {t for t in uses if t in onto.types}
    classes: list[mermaid.ClassBox] = []
    for name in sorted(nodes):
        typedef = onto.types[name]
        members = [_member(f.c_type, f.name) for f in typedef.fields if f"{name}.{f.name}" in fields]
        members += uses.get(name, [])
        if len(members) > MAX_MEMBERS:
            members = [*members[:MAX_MEMBERS], f"+{len(members) - MAX_MEMBERS} more"]
        classes.append((f"t_{name}", diagram_text(name), [_stereotype(typedef), *members]))
    relations: list[mermaid.Edge] = [
        (f"t_{parent}", f"t_{name}", "<|--", None)
        for name in sorted(nodes)
        for parent in onto.types[name].parents
        if parent in nodes
    ]
    edges: dict[tuple[str, str], list[str]] = {}
    for conversion in onto.conversions.values():
        ends = (conversion.source_type, conversion.target_type)
        if ends[0] in nodes and ends[1] in nodes and ends[0] != ends[1]:
            edges.setdefault(ends, []).append(conversion.name)
    for (source, target), names in sorted(edges.items()):
        names.sort()
        shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
        relations.append((f"t_{source}", f"t_{target}", "..>", diagram_text(shown)))
    return classes, relations


def class_diagram(onto: Ontology, affected: list[str], fields: set[str], functions: list[str]) -> list[str]:
    """`class_model` as a fenced Mermaid classDiagram (the source a code host renders)."""
    return fence(mermaid.class_diagram("BT", *class_model(onto, affected, fields, functions)), "mermaid")


def class_dot(onto: Ontology, affected: list[str], fields: set[str], functions: list[str], title: str) -> str:
    """`class_model` as DOT, rendered to the SVG the document shows: a box per class (stereotype,
    name, members), hollow arrows to parents, dashed arrows labelled with conversions."""
    classes, relations = class_model(onto, affected, fields, functions)
    nodes: list[tuple[str, dot.Attrs]] = [
        (node, {"shape": "box", "label": dot.html_label(shown, members[1:], members[0])})
        for node, shown, members in classes
    ]
    edges: list[tuple[str, str, dot.Attrs]] = []
    for source, target, arrow, label in relations:
        if arrow == "<|--":  # parent <|-- child: the child's arrow points at its parent
            edges.append((target, source, {"arrowhead": "empty"}))
        else:
            edges.append((source, target, {"style": "dashed", "label": dot.quote(label or "")}))
    return docs_diagram(title, nodes, edges, rankdir="BT")


def _layout_or_none(onto: Ontology, name: str) -> Layout | None:
    typedef = onto.types.get(name)
    if typedef is None or typedef.kind == "refinement":
        return None
    result = layout(onto, [name])
    return result if any(any(cell) for row in result.rows for cell in row.cells) else None


def _layout_table(result: Layout) -> list[str]:
    head = ["word", "offset", *(cell(column) for column in result.columns)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in result.rows:
        cells = ["<br>".join(cell(name) for name in names) or " " for names in row.cells]
        lines.append("| " + " | ".join([cell(row.word), cell(row.offset), *cells]) + " |")
    return lines


def _absent(onto: Ontology, name: str) -> str:
    if name in onto.types:
        return "(no layout: the type has no fields of its own)"
    target = onto.aliases.get(name)
    return f"(no such type: merged or renamed into {text(target)})" if target else "(no such type)"


def layout_section(old: Ontology, new: Ontology, affected: list[str]) -> list[str]:
    """Word tables before and after for each affected descriptor whose layout changes."""
    lines: list[str] = []
    for name in affected:
        before, after = _layout_or_none(old, name), _layout_or_none(new, name)
        if before == after:
            continue
        lines += ["", f"### {text(name)}", ""]
        for label, result, onto in (("Before", before, old), ("After", after, new)):
            lines.append(f"{label}:")
            lines.append("")
            lines += _layout_table(result) if result is not None else [_absent(onto, name)]
            lines.append("")
        lines.pop()
    return lines or ["", "No descriptor's word layout changes."]


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


def cost(nbytes: float) -> str:
    """`64 B = 1.56% of RAM, 16 GiB per TiB` for bytes spent per 4 KiB page."""
    return f"{_number(nbytes)} B = {nbytes / PAGE_BYTES:.2%} of RAM, {_number(nbytes * 1024 / PAGE_BYTES)} GiB per TiB"


def memmap_type(onto: Ontology) -> TypeDef | None:
    """The descriptor there is one of per 4 KiB page: the type of `struct page`."""
    return next((t for t in onto.types.values() if t.kind == "struct" and t.c_struct == "page"), None)


def _alternatives(onto: Ontology) -> list[TypeDef]:
    """Other struct page layouts the ontology records (the memdesc plan's 32- and 8-byte steps):
    proposed types with a size that overlay nothing, refine nothing and refer to descriptors."""
    found = [t for t in onto.types.values() if t.kind == "proposed" and t.size and not t.parents and t.refers_to]
    return [t for t in found if not t.overlays]


def _is_struct(onto: Ontology, name: str) -> bool:
    typedef = onto.types.get(name)
    return typedef is not None and typedef.kind == "struct"


def _placement(onto: Ontology, name: str, memmap: str | None) -> str:
    typedef = onto.types.get(name)
    if typedef is None:
        return "does not exist"
    struct = onto.struct_of(name) or typedef
    if memmap is not None and struct.overlays == memmap:
        pages = f"{struct.overlay_pages} page{'s' if struct.overlay_pages > 1 else ''}"
        return f"overlays struct page ({pages}): no memory of its own"
    if struct.size is None:
        return "no size recorded"
    return f"{struct.size} B per allocation, allocated separately: order 0 worst case {cost(struct.size)}"


def _size(typedef: TypeDef | None) -> str:
    return cost(typedef.size) if typedef is not None and typedef.size else "none"


def _comparison_rows(old: Ontology, new: Ontology) -> list[str]:
    """The other struct page layouts the ontology records, for comparison."""
    before = {t.name: t for t in _alternatives(old)}
    after = {t.name: t for t in _alternatives(new)}
    rows = []
    for name in sorted(set(before) | set(after)):
        status = (after.get(name) or before[name]).status
        sizes = f"{_size(before.get(name))} | {_size(after.get(name))}"
        rows.append(f"| for comparison: {cell(name)} ({cell(status)}) | {sizes} |")
    return rows


def _savings(old: Ontology, new: Ontology, page_old: TypeDef, page_new: TypeDef, structs: list[str]) -> list[str]:
    """What struct page alone saves, and the worst case of a page that needs its own descriptor."""
    if not page_old.size or not page_new.size:
        return []
    saved = page_old.size - page_new.size
    lines = ["", f"struct page alone {'saves' if saved > 0 else 'costs'} {cost(abs(saved))}."]
    moved = [new.types[n] for n in structs if _separate(old, new, n)]
    if moved:
        largest = max(moved, key=lambda t: (t.size or 0, t.name))
        total = page_new.size + (largest.size or 0)
        lines += [
            "",
            f"Worst case, a 4 KiB page that is an order-0 {text(largest.name)}: before {cost(page_old.size)}; "
            f"after {page_new.size} + {largest.size} = {cost(total)}.",
        ]
    return lines


def memory_section(old: Ontology, new: Ontology, affected: list[str]) -> list[str]:
    """Bytes per 4 KiB page of struct page and of each affected struct descriptor, before and after."""
    page_old, page_new = memmap_type(old), memmap_type(new)
    lines = ["", "| descriptor | before | after |", "|---|---|---|"]
    lines.append(f"| struct page (one per 4 KiB page) | {_size(page_old)} | {_size(page_new)} |")
    old_name = page_old.name if page_old else None
    new_name = page_new.name if page_new else None
    structs = [n for n in affected if n not in (old_name, new_name) and any(_is_struct(o, n) for o in (old, new))]
    for name in structs:
        before, after = _placement(old, name, old_name), _placement(new, name, new_name)
        if before != after:
            lines.append(f"| {cell(name)} | {cell(before)} | {cell(after)} |")
    if page_old is not None and page_new is not None and page_old.size != page_new.size:
        lines += _comparison_rows(old, new)
        lines += _savings(old, new, page_old, page_new, structs)
    return lines


def _separate(old: Ontology, new: Ontology, name: str) -> bool:
    """A struct that overlaid struct page before and is allocated on its own after."""
    before, after = old.types.get(name), new.types.get(name)
    return bool(before and after and before.overlays and not after.overlays and after.size)
