"""The ontology's data schema: what one TOML entry may say, validated by pydantic.

Every table forbids unknown keys, so a typo in the data is an error, not a silently ignored
fact. Cross-references (parents, predicates, conversion ends, function parameter types) are
plain names here; `ontology.lint` checks that they resolve and `ontology.indexed` indexes them.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
"""Descriptor type names are the kernel's, in snake case (page, folio, anon_folio, lru_mem)."""

SYMBOL_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""Function, predicate and page-type names are C identifiers (PageAnon, PGTY_slab, page_folio)."""

Kind = Literal["struct", "refinement", "proposed", "handle"]
Status = Literal["merged", "proposed", "rejected", "removed"]
Form = Literal["function", "inline", "macro", "derived"]
Category = Literal[
    "alloc",
    "free",
    "pagecache",
    "anon",
    "lru",
    "rmap",
    "gup",
    "slab",
    "pagetable",
    "zsmalloc",
    "netmem",
    "hugetlb",
    "migrate",
    "highmem",
]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
SourceKind = Literal["kernel", "btf", "url", "message-id", "ontology"]


class Strict(BaseModel):
    """Base for every table: unknown keys are errors, values are not coerced across types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _check_pattern(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.match(value):
        raise ValueError(f"{what} {value!r} is not a valid name (expected {pattern.pattern})")
    return value


class Source(Strict):
    """Where a fact comes from: a kernel file at a version, the running kernel's BTF, or a URL."""

    id: str
    kind: SourceKind
    title: str
    version: str | None = None
    path: str | None = None
    url: str | None = None
    commit: str | None = None
    note: str = ""

    @field_validator("commit")
    @classmethod
    def _commit_is_hex(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9a-f]{12,40}", value):
            raise ValueError(f"commit {value!r} is not a hex git hash")
        return value


class FieldDef(Strict):
    """One member of a descriptor: byte offset and size on 64-bit, and its struct page partner.

    `matches` names the member of the overlaid struct (the type's `overlays`, usually struct
    page) that this field must line up with: the kernel's FOLIO_MATCH / SLAB_MATCH /
    TABLE_MATCH / ZPDESC_MATCH / NETMEM_DESC_ASSERT_OFFSET asserts. `match_index` says which
    copy of the overlaid struct: folio's first tail pages are 1..3.
    `tail_marker` marks the word whose bit 0 flags a tail page (struct page's compound_head);
    `keeps_bit0_clear` records that an owner of that word guarantees bit 0 stays clear.
    """

    name: str
    offset: int = Field(ge=0)
    size: int = Field(ge=0)
    c_type: str
    bit_offset: int | None = Field(default=None, ge=0)
    bit_size: int | None = Field(default=None, ge=1)
    matches: str | None = None
    match_index: int = Field(default=0, ge=0)
    tail_marker: bool = False
    keeps_bit0_clear: bool = False
    config: str | None = None
    doc: str = ""
    source: str | None = None


class TypeDef(Strict):
    """A descriptor type: a C struct, a refinement picked out by a predicate, or a proposal."""

    name: str
    kind: Kind
    summary: str
    c_struct: str | None = None
    c_type: str | None = None
    header: str | None = None
    size: int | None = Field(default=None, gt=0)
    overlays: str | None = None
    overlay_pages: int = Field(default=1, ge=1)
    parents: list[str] = []
    predicate: str | None = None
    refers_to: list[str] = []
    realized_by: str | None = None
    status: Status = "merged"
    since: str | None = None
    removed_in: str | None = None
    proposed_in: str | None = None
    source: str
    layout_source: str | None = None
    notes: str = ""
    fields: list[FieldDef] = []

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_pattern(value, NAME_RE, "type name")


class PageType(Strict):
    """A PGTY_* value held in the top byte of page->page_type, and the refinement it marks."""

    name: str
    value: int = Field(ge=0, le=255)
    marks: str | None = None
    predicate: str | None = None
    since: str | None = None
    source: str
    notes: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_pattern(value, SYMBOL_RE, "page type")


class PredicateDef(Strict):
    """A test on a descriptor; when it establishes a refinement, it narrows the type."""

    name: str
    takes: str
    establishes: str | None = None
    tests: str
    form: Form
    prototype: str | None = None
    config: str | None = None
    since: str | None = None
    source: str
    notes: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_pattern(value, SYMBOL_RE, "predicate")


class ConversionDef(Strict):
    """A function that turns one descriptor into another; `checked` ones may return NULL."""

    name: str
    source_type: str = Field(alias="from")
    target_type: str = Field(alias="to")
    checked: bool
    form: Form
    prototype: str
    since: str | None = None
    source: str
    notes: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_pattern(value, SYMBOL_RE, "conversion")


class ParamOverride(Strict):
    """A parameter whose descriptor type is narrower than its C type says (a folio that must be anon)."""

    name: str
    type: str


class FunctionDef(Strict):
    """A kernel API function with the descriptor types it takes and returns.

    `prototype` is the public C prototype in the base kernel; the descriptor types of the
    return value and parameters are derived from it (`ontology.cdecl`), except where `returns`
    or `params` narrow them to a refinement. `impl` is the symbol in BTF when the public name is
    an alloc_hooks() wrapper (alloc_pages -> alloc_pages_noprof).
    """

    name: str
    category: Category
    prototype: str
    form: Form = "function"
    impl: str | None = None
    returns: str | None = None
    nullable: bool = False
    params: list[ParamOverride] = []
    frees_with: str | None = None
    replacement: str | None = None
    since: str | None = None
    source: str
    notes: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_pattern(value, SYMBOL_RE, "function")


class TypedefDef(Strict):
    """A C typedef that stands for a descriptor pointer (x86 pgtable_t is struct page *)."""

    name: str
    means: str
    source: str
    notes: str = ""


class MemdescTag(Strict):
    """One value of the memdesc plan's 4-bit type tag in the shrunken struct page word."""

    value: int = Field(ge=0, le=15)
    name: str
    type: str | None = None
    source: str


class Meta(Strict):
    """The root file's header: which kernel the data describes and which files it includes."""

    kernel: str
    title: str
    include: list[str] = []


class OntologyFile(Strict):
    """One TOML file of the ontology; the root file's `ontology` table names the others."""

    ontology: Meta | None = None
    source: list[Source] = []
    type: list[TypeDef] = []
    page_type: list[PageType] = []
    predicate: list[PredicateDef] = []
    conversion: list[ConversionDef] = []
    function: list[FunctionDef] = []
    typedef: list[TypedefDef] = []
    memdesc_tag: list[MemdescTag] = []


SECTIONS: tuple[str, ...] = (
    "source",
    "type",
    "page_type",
    "predicate",
    "conversion",
    "function",
    "typedef",
    "memdesc_tag",
)
"""The array-of-tables sections an ontology file may hold, in the order they are indexed."""
