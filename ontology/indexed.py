"""The validated ontology, indexed by name, with function signatures resolved to descriptor types.

`Ontology.from_load` never fails on dangling names: queries and lint both work from it, and
lint is what reports what does not resolve (`ontology.strict.load_ontology` refuses such data).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from ontology.cdecl import CType, PrototypeError, parse_prototype, parse_type
from ontology.hierarchy import ancestors
from ontology.loader import Entry, LoadResult, Location
from ontology.schema import (
    ConversionDef,
    FieldDef,
    FunctionDef,
    MemdescTag,
    PageType,
    PredicateDef,
    Source,
    TypeDef,
    TypedefDef,
)


@dataclass(frozen=True)
class Param:
    """A resolved parameter: its C type and, if it is one, its descriptor type and pointer depth."""

    name: str
    c_type: str
    type: str | None
    depth: int


@dataclass(frozen=True)
class Signature:
    """A function's descriptor types, derived from its prototype and narrowed by overrides."""

    name: str
    returns: str | None
    returns_c_type: str
    returns_depth: int
    params: tuple[Param, ...]


@dataclass
class Ontology:
    """All entries of one ontology, by name, each with the place it was written."""

    kernel: str
    title: str
    sources: dict[str, Source] = field(default_factory=dict)
    types: dict[str, TypeDef] = field(default_factory=dict)
    page_types: dict[str, PageType] = field(default_factory=dict)
    predicates: dict[str, PredicateDef] = field(default_factory=dict)
    conversions: dict[str, ConversionDef] = field(default_factory=dict)
    functions: dict[str, FunctionDef] = field(default_factory=dict)
    typedefs: dict[str, TypedefDef] = field(default_factory=dict)
    memdesc_tags: list[MemdescTag] = field(default_factory=list)
    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)
    duplicates: list[tuple[Entry, Entry]] = field(default_factory=list)
    load_result: LoadResult | None = None
    history: LoadResult | None = None
    """The versioned data this snapshot was cut from (`ontology.strict`), for what other
    releases say: when a fact absent here appeared or went."""
    aliases: dict[str, str] = field(default_factory=dict)
    """Deprecated type names and the type each now means (a proposal's rename or merge).
    Empty for data read from files: the data has no alias syntax, only proposals create them."""

    @classmethod
    def from_load(cls, result: LoadResult) -> Ontology:
        meta = result.meta
        onto = cls(kernel=meta.kernel if meta else "?", title=meta.title if meta else "", load_result=result)
        tables: dict[str, dict[str, object]] = {
            "source": onto.sources,  # type: ignore[dict-item]
            "type": onto.types,  # type: ignore[dict-item]
            "page_type": onto.page_types,  # type: ignore[dict-item]
            "predicate": onto.predicates,  # type: ignore[dict-item]
            "conversion": onto.conversions,  # type: ignore[dict-item]
            "function": onto.functions,  # type: ignore[dict-item]
            "typedef": onto.typedefs,  # type: ignore[dict-item]
        }
        for entry in result.entries:
            if entry.section == "memdesc_tag":
                onto.memdesc_tags.append(entry.item)
                continue
            name = entry.item.id if entry.section == "source" else entry.item.name
            key = (entry.section, name)
            if key in onto.entries:
                onto.duplicates.append((onto.entries[key], entry))
                continue
            onto.entries[key] = entry
            tables[entry.section][name] = entry.item
        onto.memdesc_tags.sort(key=lambda tag: tag.value)
        return onto

    # -- places --------------------------------------------------------------------------

    def location(self, section: str, name: str) -> Location:
        entry = self.entries.get((section, name))
        return entry.location if entry else Location("<unknown>")

    def field_location(self, type_name: str, field_name: str) -> Location:
        entry = self.entries.get(("type", type_name))
        return entry.member_location(field_name) if entry else Location("<unknown>")

    # -- types ---------------------------------------------------------------------------

    def struct_of(self, name: str) -> TypeDef | None:
        """The C struct a type is ultimately made of: itself, or the struct a refinement refines."""
        seen: set[str] = set()
        current = self.types.get(name)
        while current is not None and current.kind == "refinement" and current.name not in seen:
            seen.add(current.name)
            current = self.types.get(current.parents[0]) if current.parents else None
        return current

    def children(self, name: str) -> list[str]:
        return sorted(t.name for t in self.types.values() if name in t.parents)

    def is_a(self, name: str, ancestor: str) -> bool:
        """True when `name` is `ancestor` or refines it (directly or through other types)."""
        return name == ancestor or ancestor in ancestors(self.types, name)

    def own_fields(self, name: str) -> list[FieldDef]:
        """The fields a type's instances carry: a refinement owns its struct's fields."""
        struct = self.struct_of(name)
        typedef = self.types.get(name)
        if typedef is not None and typedef.fields:
            return list(typedef.fields)
        return list(struct.fields) if struct is not None else []

    def field_owners(self, field_name: str) -> list[str]:
        """The types that declare a field of this name (for "mapping is not a slab field")."""
        return sorted(t.name for t in self.types.values() if any(f.name == field_name for f in t.fields))

    def source_of_field(self, typedef: TypeDef, fielddef: FieldDef) -> str:
        return fielddef.source or typedef.layout_source or typedef.source

    # -- C types to descriptor types ------------------------------------------------------

    @cached_property
    def _by_c_name(self) -> dict[str, str]:
        """`struct page` -> page, `netmem_ref` -> netmem_ref: the types a C base type names."""
        names: dict[str, str] = {}
        for typedef in sorted(self.types.values(), key=lambda t: t.name):
            if typedef.kind == "struct" and typedef.c_struct:
                names.setdefault(f"struct {typedef.c_struct}", typedef.name)
            if typedef.kind == "handle" and typedef.c_type:
                names.setdefault(typedef.c_type, typedef.name)
        return names

    def descriptor_of(self, ctype: CType) -> tuple[str | None, int]:
        """The descriptor type and pointer depth a C type stands for, through typedefs.

        `struct page **` -> ("page", 2); `pgtable_t` -> ("page", 1); `gfp_t` -> (None, 0).
        """
        pointers = ctype.pointers
        base = ctype.base
        typedef = self.typedefs.get(base)
        if typedef is not None:
            try:
                meant = parse_type(typedef.means)
            except PrototypeError:
                return None, 0
            base, pointers = meant.base, meant.pointers + pointers
        name = self._by_c_name.get(base)
        if name is None:
            return None, 0
        if self.types[name].kind == "handle":
            return name, pointers + 1  # a handle is passed by value but refers like a pointer
        return name, pointers

    def signature_of(
        self, prototype: str, name: str, returns: str | None = None, overrides: dict[str, str] | None = None
    ) -> Signature:
        """Resolve a prototype to descriptor types; raises PrototypeError when unreadable."""
        parsed = parse_prototype(prototype)
        ret_type, ret_depth = self.descriptor_of(parsed.returns)
        params = []
        for param in parsed.params:
            ptype, depth = self.descriptor_of(param.ctype)
            if overrides and param.name in overrides:
                ptype = overrides[param.name]
            params.append(Param(param.name, param.ctype.text, ptype, depth))
        return Signature(
            name=name,
            returns=returns or ret_type,
            returns_c_type=parsed.returns.text,
            returns_depth=ret_depth,
            params=tuple(params),
        )

    def function_signature(self, function: FunctionDef) -> Signature:
        overrides = {param.name: param.type for param in function.params if param.type}
        return self.signature_of(function.prototype, function.name, function.returns, overrides)

    def readable_signature(self, name: str) -> Signature | None:
        """The signature of API function `name`, or None when there is no such function or its
        prototype does not parse (lint reports that; a proposal diff or figure just skips it)."""
        function = self.functions.get(name)
        if function is None:
            return None
        try:
            return self.function_signature(function)
        except PrototypeError:
            return None

    def all_callables(self) -> Iterator[tuple[str, str, str]]:
        """(kind, name, prototype) of every function the ontology knows, for signature checks."""
        for function in self.functions.values():
            yield "function", function.name, function.prototype
        for conversion in self.conversions.values():
            yield "conversion", conversion.name, conversion.prototype
        for predicate in self.predicates.values():
            if predicate.prototype:
                yield "predicate", predicate.name, predicate.prototype
