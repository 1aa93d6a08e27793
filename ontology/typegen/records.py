"""The declarations of `ontology/types.py`, built from an Ontology as plain records.

One record per class, deprecated alias and function, plus the fact table, each saying what to
declare (names, bases, annotations, which runtime check a body makes) and nothing about how it
is spelled: `ontology.typegen.emit` writes them out. Function types come from the ontology's
resolved signatures (`Ontology.signature_of`), so a prototype is read in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import networkx as nx

from ontology.cdecl import PrototypeError, parse_type
from ontology.facttable import (
    ConversionFact,
    FactTable,
    FieldFact,
    FunctionFact,
    PageTypeFact,
    PredicateFact,
    TypeFact,
)
from ontology.fingerprint import fingerprint
from ontology.indexed import Ontology, Param, Signature
from ontology.schema import FieldDef, TypeDef
from ontology.states import state_facts
from ontology.typegen.naming import Annotator, class_name, ctype_of, identifier

FIELDS_BASE = "_DescriptorFields"
"""Base of the root descriptor classes, declaring every field name of every descriptor as Any.

A field a type does not own (slab.mapping) then resolves to this class instead of failing
lookup, and the checker's attribute hook sees the access, reads and writes alike, and reports
memdesc-field naming the types that do own it."""
FACTS_CLASS = "_OntologyFacts"
"""The class whose decorator carries the fact table (see `ontology.facttable`)."""

RuntimeCall = Literal["test", "call", "call_nullable", "call_any"]
"""The `ontology.runtime` function a generated body calls: `test` evaluates a predicate,
`call`/`call_nullable` check the result's class, `call_any` returns what it gets."""


@dataclass(frozen=True)
class Attribute:
    """A class attribute or a parameter: its Python name and annotation."""

    name: str
    annotation: str


@dataclass(frozen=True)
class ClassDecl:
    name: str
    bases: tuple[str, ...]
    doc: str
    attributes: tuple[Attribute, ...]


@dataclass(frozen=True)
class AliasDecl:
    """`name = target_class`: a deprecated type name (a proposal's rename) that still checks."""

    name: str
    target_class: str
    target: str


@dataclass(frozen=True)
class FunctionDecl:
    """A predicate, conversion or API function; its body calls `runtime` on its implementation,
    checking the result is a `checks` (None: no class to check)."""

    name: str
    params: tuple[Attribute, ...]
    returns: str
    runtime: RuntimeCall
    checks: str | None
    doc: str


@dataclass(frozen=True)
class ModuleDecl:
    """Everything `ontology/types.py` declares, in the order it declares it (the kernel and the
    data's hash, which its header names, are the fact table's)."""

    kernel_classes: tuple[tuple[str, str], ...]
    """(C struct, class name) of the kernel objects descriptors point at, by class name."""
    field_names: tuple[str, ...]
    """Every descriptor field name, for FIELDS_BASE."""
    classes: tuple[ClassDecl, ...]
    aliases: tuple[AliasDecl, ...]
    functions: tuple[FunctionDecl, ...]
    facts: FactTable
    exported: tuple[str, ...]


def data_hash(onto: Ontology) -> str:
    """A hash of every data file the ontology was read from, for the header and caches."""
    return fingerprint(onto.load_result.files if onto.load_result else [])


def declare_module(onto: Ontology) -> ModuleDecl:
    """The declarations of the types module for `onto`."""
    annotator = Annotator(list(onto.types))
    # The annotator names kernel structs as it meets them: classes first, then functions.
    classes = tuple(_class_decl(onto, annotator, typedef) for typedef in _ordered_types(onto))
    functions = (
        *(_predicate_decl(onto, annotator, name) for name in sorted(onto.predicates)),
        *(_conversion_decl(onto, annotator, name) for name in sorted(onto.conversions)),
        *(_function_decl(onto, annotator, name) for name in sorted(onto.functions)),
    )
    aliases = tuple(AliasDecl(class_name(old), class_name(new), new) for old, new in _live_aliases(onto).items())
    kernel_classes = tuple(sorted(annotator.kernel_structs.items(), key=lambda item: item[1]))
    exported = sorted(
        [decl.name for decl in classes]
        + [alias.name for alias in aliases]
        + [cls for _, cls in kernel_classes]
        + [decl.name for decl in functions]
        + ["FACTS"]
    )
    return ModuleDecl(
        kernel_classes=kernel_classes,
        field_names=tuple(
            sorted({f.name for t in onto.types.values() for f in t.fields if not f.name.startswith("__")})
        ),
        classes=classes,
        aliases=aliases,
        functions=functions,
        facts=fact_table(onto),
        exported=tuple(exported),
    )


# -- classes --------------------------------------------------------------------------------


def _ordered_types(onto: Ontology) -> list[TypeDef]:
    """Parents before children (a class needs its bases), otherwise by name."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(onto.types)
    for typedef in onto.types.values():
        for parent in typedef.parents:
            graph.add_edge(parent, typedef.name)
    return [onto.types[name] for name in nx.lexicographical_topological_sort(graph)]


def _bases(onto: Ontology, typedef: TypeDef) -> tuple[str, ...]:
    """Direct parents minus those another parent already derives from (a consistent MRO)."""
    parents = sorted(typedef.parents)
    kept = [p for p in parents if not any(other != p and onto.is_a(other, p) for other in parents)]
    if kept:
        return tuple(class_name(p) for p in kept)
    return (FIELDS_BASE, "_rt.Handle") if typedef.kind == "handle" else (FIELDS_BASE,)


def _class_decl(onto: Ontology, annotator: Annotator, typedef: TypeDef) -> ClassDecl:
    struct = onto.struct_of(typedef.name)
    where = f"{typedef.kind} type"
    if struct is not None and struct.c_struct:
        where += f" over struct {struct.c_struct}"
    attributes: list[Attribute] = []
    seen: set[str] = set()
    for fielddef in sorted(typedef.fields, key=lambda f: (f.offset, f.bit_offset or 0, f.name)):
        if fielddef.name not in seen:
            seen.add(fielddef.name)
            attributes.append(Attribute(identifier(fielddef.name), _field_annotation(onto, annotator, fielddef)))
    return ClassDecl(
        name=class_name(typedef.name),
        bases=_bases(onto, typedef),
        doc=f"{typedef.name}: {typedef.summary} ({where}; source: {typedef.source})",
        attributes=tuple(attributes),
    )


def _field_annotation(onto: Ontology, annotator: Annotator, fielddef: FieldDef) -> str:
    text = fielddef.c_type
    array = "[" in text
    try:
        ctype = parse_type(re.sub(r"\[[^\]]*\]", "", text).strip())
    except PrototypeError:
        return "object"
    descriptor, depth = onto.descriptor_of(ctype)
    return annotator.annotation(ctype, descriptor, depth, nullable=True, array=array)


def _live_aliases(onto: Ontology) -> dict[str, str]:
    """Deprecated aliases whose target exists and whose name no type has taken back."""
    return {old: new for old, new in sorted(onto.aliases.items()) if new in onto.types and old not in onto.types}


# -- functions ------------------------------------------------------------------------------


def _params(annotator: Annotator, signature: Signature, narrowed: dict[str, str]) -> tuple[Attribute, ...]:
    """The parameters, positional-only; those in `narrowed` take that descriptor type as given."""
    params: list[Attribute] = []
    used: set[str] = set()
    for param in signature.params:
        name = identifier(param.name)
        while name in used:
            name += "_"
        used.add(name)
        if param.name in narrowed:
            annotation = class_name(narrowed[param.name])
        else:
            annotation = _value_annotation(annotator, param, nullable=False)
        params.append(Attribute(name, annotation))
    return tuple(params)


def _value_annotation(annotator: Annotator, param: Param, nullable: bool) -> str:
    return annotator.annotation(ctype_of(param.c_type), param.type, param.depth, nullable)


def _returning(annotator: Annotator, signature: Signature, nullable: bool) -> tuple[str, RuntimeCall, str | None]:
    """The return annotation, the runtime call and the class it checks, typed and checked at run
    time where we can."""
    if signature.returns is not None:
        cls = class_name(signature.returns)
        if signature.returns_depth >= 2:
            return f"list[{cls}]", "call_any", None
        return (f"{cls} | None", "call_nullable", cls) if nullable else (cls, "call", cls)
    returned = Param("", signature.returns_c_type, None, signature.returns_depth)
    annotation = _value_annotation(annotator, returned, nullable)
    if annotation in ("None", "object"):
        return annotation, "call_any", None
    if _PLAIN_CLASS.fullmatch(annotation):
        return annotation, "call", annotation
    bare = annotation.removesuffix(" | None")
    if bare != annotation and _PLAIN_CLASS.fullmatch(bare):
        return annotation, "call_nullable", bare
    return annotation, "call_any", None


_PLAIN_CLASS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _predicate_decl(onto: Ontology, annotator: Annotator, name: str) -> FunctionDecl:
    predicate = onto.predicates[name]
    prototype = predicate.prototype or f"bool {predicate.name}(const struct {predicate.takes} *arg)"
    signature = onto.signature_of(prototype, predicate.name)
    # The predicate's subject is its `takes` type, even where the C parameter is wider.
    narrowed = {signature.params[0].name: predicate.takes} if signature.params else {}
    refinement = class_name(predicate.establishes) if predicate.establishes else None
    return FunctionDecl(
        name=predicate.name,
        params=_params(annotator, signature, narrowed),
        returns=f"TypeIs[{refinement}]" if refinement else "bool",
        runtime="test",
        checks=refinement,
        doc=f"{predicate.tests} (source: {predicate.source})",
    )


def _conversion_decl(onto: Ontology, annotator: Annotator, name: str) -> FunctionDecl:
    conversion = onto.conversions[name]
    signature = onto.signature_of(conversion.prototype, conversion.name, returns=conversion.target_type)
    first = next((p.name for p in signature.params if p.type is not None), None)
    narrowed = {first: conversion.source_type} if first else {}
    params = _params(annotator, signature, narrowed)
    returns, runtime, checks = _returning(annotator, signature, conversion.checked)
    doc = f"Convert {conversion.source_type} to {conversion.target_type}"
    doc += " (checked: may return None)." if conversion.checked else " (trusting cast)."
    return FunctionDecl(conversion.name, params, returns, runtime, checks, f"{doc} {conversion.notes}".strip())


def _function_decl(onto: Ontology, annotator: Annotator, name: str) -> FunctionDecl:
    function = onto.functions[name]
    signature = onto.function_signature(function)
    params = _params(annotator, signature, {param.name: param.type for param in function.params if param.type})
    returns, runtime, checks = _returning(annotator, signature, function.nullable)
    doc = f"{function.prototype} [{function.category}; source: {function.source}]"
    return FunctionDecl(function.name, params, returns, runtime, checks, doc)


# -- facts ----------------------------------------------------------------------------------


def _c_name(typedef: TypeDef) -> str:
    """What BTF calls a type: a struct's tag, a handle's typedef, else ""."""
    if typedef.kind == "struct":
        return typedef.c_struct or ""
    if typedef.kind == "handle":
        return typedef.c_type or ""
    return ""


def fact_table(onto: Ontology) -> FactTable:
    """The facts models and the checker read from the generated module, each kind by name."""
    types: dict[str, TypeFact] = {}
    for typedef in sorted(onto.types.values(), key=lambda t: t.name):
        struct = (onto.struct_of(typedef.name) or typedef).name
        owner = typedef.name if typedef.fields else struct
        fields = tuple(
            FieldFact(owner, f.name, f.offset, f.size, f.bit_offset, f.bit_size, f.c_type)
            for f in onto.own_fields(typedef.name)
        )
        predicate = typedef.predicate or ""
        types[typedef.name] = TypeFact(
            typedef.name, class_name(typedef.name), typedef.kind, struct, predicate, _c_name(typedef), fields
        )
    return FactTable(
        kernel=onto.kernel,
        data_hash=data_hash(onto),
        types=types,
        page_types={
            p.name: PageTypeFact(p.name, p.value, p.marks or "")
            for p in sorted(onto.page_types.values(), key=lambda p: p.name)
        },
        predicates={
            p.name: PredicateFact(p.name, p.takes, p.establishes or "")
            for p in sorted(onto.predicates.values(), key=lambda p: p.name)
        },
        conversions={
            c.name: ConversionFact(c.name, c.source_type, c.target_type, c.checked)
            for c in sorted(onto.conversions.values(), key=lambda c: c.name)
        },
        functions={
            f.name: FunctionFact(f.name, f.category, f.replacement or "", f.impl or "")
            for f in sorted(onto.functions.values(), key=lambda f: f.name)
        },
        states=tuple(state_facts(onto)),
    )
