"""The ontology's data schema: what one TOML entry may say, validated by pydantic.

Every table forbids unknown keys, so a typo in the data is an error, not a silently ignored
fact. Cross-references (parents, predicates, conversion ends, function parameter types) are
plain names here; `ontology.lint` checks that they resolve and `ontology.indexed` indexes them.

The data is untrusted input (people send each other ontology files), and names become Python
identifiers in the generated `ontology/types.py`. So every name is checked where it enters, by
an annotated type (`TypeName`, `Symbol`, `SourceId`, `CTypeText`...) whose pattern must match the
whole string (`re.fullmatch`: `$` would let a final newline through), and no string of any table
may hold a control character, a surrogate, a line separator or a bidi override.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,63}")
"""Descriptor type names are the kernel's, in snake case (page, folio, anon_folio, lru_mem)."""

SYMBOL_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
"""Function, predicate, field and page-type names are C identifiers (PageAnon, PGTY_slab, page_folio)."""

SOURCE_ID_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/+-]{0,127}")
"""Source ids (K-mm_types.h, proposal:gup-returns-folios, W8)."""

VERSION_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}")
"""Kernel versions and proposal ids (6.18, v6.19-rc1, W8-2025)."""

PATH_RE = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./+-]{0,255}")
"""Kernel source paths, headers and include file names (include/linux/mm_types.h)."""

C_TYPE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_ *\[\](),]{0,255}")
"""A C type as the data spells it (`struct page *`, `unsigned long [4]`): C tokens only."""

PROTOTYPE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_ *\[\](),.]{0,1023}")
"""A C prototype: C identifiers, pointers, brackets, commas and `...`, nothing that could end a
string or start a statement in what is generated from it."""

CONFIG_RE = re.compile(r"[A-Za-z0-9_ ()|&!=]{1,255}")
"""A Kconfig condition (CONFIG_MEMCG, CONFIG_64BIT && !CONFIG_X, CONFIG_ZSMALLOC=y)."""

RELEASE_RE = re.compile(r"[1-9][0-9]?\.[0-9]{1,2}")
STATE_RE = re.compile(r"(not )?[a-z_][a-z0-9_]{0,63}")
"""A state of a descriptor: a refinement (`tail_page`) or its complement (`not tail_page`)."""
"""A kernel release as mainline numbers them (5.16, 6.1, 7.3): what `since` and `until` hold."""

MAX_STRUCT_SIZE = 16 * 1024
"""Bytes a descriptor (or a field's offset and size) may span. The largest in the data is 256
(struct folio over four struct pages); 64 times that bounds `layout`, whose rows grow with a
struct's size, and refuses a size of 2**40 at load instead of eating memory."""

MAX_OVERLAY_PAGES = 64
"""Struct pages an overlay may span (and the highest `match_index`). Folio spans 4 today; lint
and `layout` loop over every spanned page, so `overlay_pages = 10**12` must be refused at load."""

MAX_REFINEMENT_DEPTH = 64
"""Refinement levels below a struct (the data has 3). The algorithms are iterative, but nested
output (`tree --json`) and readers of it recurse, so lint reports a deeper chain."""

_PROSE_CONTROLS = frozenset("\t\n\r")
"""The only control characters prose (summaries, notes) may hold: TOML multi-line strings."""

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def forbidden_character(text: str, allowed: frozenset[str] = _PROSE_CONTROLS) -> str | None:
    """The first character of `text` no ontology string may hold, or None: C0/C1 controls (but
    `allowed`), surrogates, line/paragraph separators (U+2028/2029) and bidi overrides."""
    for char in text:
        if char in allowed:
            continue
        if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in _BIDI_CONTROLS:
            return char
    return None


def check_text(value: Any) -> Any:
    """Reject a string (or a list of strings) holding a forbidden character."""
    for item in value if isinstance(value, list) else (value,):
        if isinstance(item, str):
            char = forbidden_character(item)
            if char is not None:
                raise ValueError(f"contains the control character U+{ord(char):04X}")
    return value


def check_pattern(value: str, pattern: re.Pattern[str], what: str) -> str:
    """`value` if the whole of it matches `pattern` (never a prefix, never before a final newline)."""
    if not pattern.fullmatch(value):
        shown = repr(value) if len(value) <= 80 else f"{value[:60]!r}... ({len(value)} characters)"
        raise ValueError(f"{what} {shown} is not valid (expected {pattern.pattern})")
    return value


def _matching(pattern: re.Pattern[str], what: str) -> AfterValidator:
    return AfterValidator(lambda value: check_pattern(value, pattern, what))


TypeName = Annotated[str, _matching(NAME_RE, "type name")]
"""The name of a descriptor type being declared (it becomes a Python class name)."""
Symbol = Annotated[str, _matching(SYMBOL_RE, "name")]
"""A C identifier: a function, predicate, field, page type, or a reference to a type by name."""
SourceId = Annotated[str, _matching(SOURCE_ID_RE, "source id")]
Version = Annotated[str, _matching(VERSION_RE, "version")]
FilePath = Annotated[str, _matching(PATH_RE, "path")]
CTypeText = Annotated[str, _matching(C_TYPE_RE, "C type")]
PrototypeText = Annotated[str, _matching(PROTOTYPE_RE, "C prototype")]
Config = Annotated[str, _matching(CONFIG_RE, "config condition")]
Release = Annotated[str, _matching(RELEASE_RE, "release")]
StateRef = Annotated[str, _matching(STATE_RE, "state")]
"""A refinement's name, or `not ` and a refinement's name: the state of being outside it."""
Url = Annotated[str, _matching(re.compile(r"[!-~]{1,2048}"), "URL")]
"""A link: printable ASCII, no spaces."""

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
    "refcount",
    "size",
    "lock",
    "flags",
    "memmap",
]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
SourceKind = Literal["kernel", "btf", "url", "message-id", "ontology"]


class Strict(BaseModel):
    """Base for every table: unknown keys are errors, values are not coerced across types."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @field_validator("*")
    @classmethod
    def _no_controls(cls, value: Any) -> Any:
        return check_text(value)


class Source(Strict):
    """Where a fact comes from: a kernel file at a version, the running kernel's BTF, or a URL."""

    id: SourceId
    kind: SourceKind
    title: str
    version: Version | None = None
    path: FilePath | None = None
    url: Url | None = None
    commit: str | None = None
    note: str = ""

    @field_validator("commit")
    @classmethod
    def _commit_is_hex(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9a-f]{12,40}", value):
            raise ValueError(f"commit {value!r} is not a hex git hash")
        return value


class Dated(Strict):
    """When a fact holds: the releases, the configuration and the build it is true for.

    `since` is the first release it holds for and `until` the first it no longer does (either
    open-ended when absent). `since_source`/`until_source` cite what dates the boundary (the
    commit, or the kernel file at that release); a boundary cited by a BTF source only is bounded
    by evidence, not dated: the fact was first (or last) seen in that build's BTF. `config` is
    the Kconfig condition it needs; `module` the module whose split BTF carries it when that
    condition is a tristate built as a module. `build` marks a fact seen in one vendor build only
    (a BTF source id), never in mainline. A snapshot at a release (`ontology.releases`) keeps
    the facts that hold there, each with the change (`changes`) that was current then.
    """

    since: Release | None = None
    until: Release | None = None
    since_source: SourceId | None = None
    until_source: SourceId | None = None
    config: Config | None = None
    module: Symbol | None = None
    build: SourceId | None = None


class Change(Strict):
    """An earlier state of a fact: its values before release `until` (back to the previous
    change, or to the fact's `since`). `source` attests the earlier value or the commit that
    changed it. The keys a change may set are the fact's own; unset keys keep their value."""

    until: Release
    source: SourceId
    note: str = ""


class FieldChange(Change):
    name: Symbol | None = None
    offset: int | None = Field(default=None, ge=0, le=MAX_STRUCT_SIZE)
    size: int | None = Field(default=None, ge=0, le=MAX_STRUCT_SIZE)
    c_type: CTypeText | None = None
    bit_offset: int | None = Field(default=None, ge=0, le=8 * MAX_STRUCT_SIZE)
    bit_size: int | None = Field(default=None, ge=1, le=8 * MAX_STRUCT_SIZE)
    matches: Symbol | None = None
    match_index: int | None = Field(default=None, ge=0, le=MAX_OVERLAY_PAGES)


class TypeChange(Change):
    size: int | None = Field(default=None, gt=0, le=MAX_STRUCT_SIZE)
    c_struct: Symbol | None = None
    header: FilePath | None = None
    overlay_pages: int | None = Field(default=None, ge=1, le=MAX_OVERLAY_PAGES)


class PageTypeChange(Change):
    name: Symbol | None = None
    value: int | None = Field(default=None, ge=0, le=255)


class PredicateChange(Change):
    name: Symbol | None = None
    prototype: PrototypeText | None = None
    form: Form | None = None


class ConversionChange(Change):
    name: Symbol | None = None
    prototype: PrototypeText | None = None
    form: Form | None = None
    checked: bool | None = None
    requires: list[StateRef] | None = None


class FunctionChange(Change):
    """An earlier state of a kernel function; `frees_with` and `replacement` name other functions
    by the names they had then (a renamed partner, or another one before the newer existed)."""

    name: Symbol | None = None
    prototype: PrototypeText | None = None
    impl: Symbol | None = None
    form: Form | None = None
    returns: Symbol | None = None
    nullable: bool | None = None
    err_ptr: bool | None = None
    frees_with: Symbol | None = None
    replacement: Symbol | None = None


class FieldDef(Dated):
    """One member of a descriptor: byte offset and size on 64-bit, and its struct page partner.

    `matches` names the member of the overlaid struct (the type's `overlays`, usually struct
    page) that this field must line up with: the kernel's FOLIO_MATCH / SLAB_MATCH /
    TABLE_MATCH / ZPDESC_MATCH / NETMEM_DESC_ASSERT_OFFSET asserts. `match_index` says which
    copy of the overlaid struct: folio's first tail pages are 1..3.
    `tail_marker` marks the word whose bit 0 flags a tail page (struct page's compound_head);
    `keeps_bit0_clear` records that an owner of that word guarantees bit 0 stays clear.
    """

    name: Symbol
    offset: int = Field(ge=0, le=MAX_STRUCT_SIZE)
    size: int = Field(ge=0, le=MAX_STRUCT_SIZE)
    c_type: CTypeText
    bit_offset: int | None = Field(default=None, ge=0, le=8 * MAX_STRUCT_SIZE)
    bit_size: int | None = Field(default=None, ge=1, le=8 * MAX_STRUCT_SIZE)
    matches: Symbol | None = None
    match_index: int = Field(default=0, ge=0, le=MAX_OVERLAY_PAGES)
    tail_marker: bool = False
    keeps_bit0_clear: bool = False
    arm: Symbol | None = None
    """The arm of a union of its struct that the field belongs to: fields of one arm are used
    together, fields of different arms of one union share bytes and exclude each other (struct
    page's five-word union: `pagecache`, `page_pool`, `tail`, `zone_device`, `rcu_head`).
    Named after the arm's comment in mm_types.h; the type's `layout_source` shows the arms."""
    doc: str = ""
    source: SourceId | None = None
    changes: list[FieldChange] = []


class Meaningless(Strict):
    """A field of a refinement's struct that holds nothing of that meaning in the refinement's
    state: on a tail page, `mapping` is not the page's mapping (it lives in the folio). `reason`
    is what the checker's message says; `source` the kernel file or commit that shows it."""

    field: Symbol
    reason: str = Field(min_length=1, max_length=400)
    source: SourceId


class OverlaidBy(Strict):
    """A descriptor whose fields occupy the words of a page in a refinement's state: a slab
    page's words are struct slab's (`pages = [0]`), a tail page's are those of the folio's
    second to fourth struct page (`pages = [1, 2, 3]`). `ontology.states` derives from it
    which of the page's own fields mean nothing in that state."""

    descriptor: Symbol
    pages: list[int] = Field(default=[0], min_length=1, max_length=MAX_OVERLAY_PAGES)
    source: SourceId


class TypeDef(Dated):
    """A descriptor type: a C struct, a refinement picked out by a predicate, or a proposal."""

    name: TypeName
    kind: Kind
    summary: str
    c_struct: Symbol | None = None
    c_type: CTypeText | None = None
    header: FilePath | None = None
    size: int | None = Field(default=None, gt=0, le=MAX_STRUCT_SIZE)
    overlays: Symbol | None = None
    overlay_pages: int = Field(default=1, ge=1, le=MAX_OVERLAY_PAGES)
    parents: list[Symbol] = []
    predicate: Symbol | None = None
    refers_to: list[Symbol] = []
    realized_by: Symbol | None = None
    status: Status = "merged"
    proposed_in: Version | None = None
    plan: bool = False
    """A proposed type of the memdesc plan (its source is the plan's), not of an earlier proposal."""
    source: SourceId
    layout_source: SourceId | None = None
    notes: str = ""
    fields: list[FieldDef] = []
    overlaid_by: list[OverlaidBy] = []
    meaningless: list[Meaningless] = []
    excludes: list[Symbol] = []
    """Refinements of the same struct no instance of this one can also be (head_page: tail_page)."""
    same_memory_as: list[Symbol] = []
    """Refinements of other structs that hold of exactly the same memory, a property of the
    memory itself rather than of its use (zone_device_page: zone_device_folio, from the zone
    bits every page of a ZONE_DEVICE range carries): it holds of every page of a folio and
    survives a release, so the checker carries it through conversions (page_folio(),
    folio->page) and past a put."""
    changes: list[TypeChange] = []


class PageType(Dated):
    """A PGTY_* value held in the top byte of page->page_type, and the refinement it marks."""

    name: Symbol
    value: int = Field(ge=0, le=255)
    marks: Symbol | None = None
    predicate: Symbol | None = None
    source: SourceId
    notes: str = ""
    changes: list[PageTypeChange] = []


class PredicateDef(Dated):
    """A test on a descriptor; when it establishes a refinement, it narrows the type."""

    name: Symbol
    takes: Symbol
    establishes: Symbol | None = None
    tests: str
    form: Form
    prototype: PrototypeText | None = None
    source: SourceId
    notes: str = ""
    changes: list[PredicateChange] = []


class ConversionDef(Dated):
    """A function that turns one descriptor into another; `checked` ones may return NULL.

    `requires` lists the states its argument must be in for the result to be the target (up to
    6.18 page_slab() was a cast valid only on a head or order-0 page: `not tail_page`); a
    checked conversion returns NULL otherwise (folio_get_nontail_page() on a tail page).
    `local_to` is the one file it can be called from when it is not public API: the .c file it
    is static in (mm/gup.c), or the subsystem-private header that defines it (mm/internal.h),
    as `local_source` shows.
    """

    name: Symbol
    source_type: Symbol = Field(alias="from")
    target_type: Symbol = Field(alias="to")
    checked: bool
    form: Form
    prototype: PrototypeText
    requires: list[StateRef] = []
    local_to: FilePath | None = None
    local_source: SourceId | None = None
    ensures: list[StateRef] = []
    """States the result is known to be in (compound_head: `not tail_page`)."""
    may_be: list[StateRef] = []
    """States the result may be in although its type does not say so (folio_page: `tail_page`)."""
    may_be_unless_zero: Symbol | None = None
    """The parameter whose value 0 voids `may_be`: folio_page(folio, 0) is &folio->page, the
    folio's first page, never a tail. A model's call voids it with a literal 0."""
    source: SourceId
    notes: str = ""
    changes: list[ConversionChange] = []


class ParamOverride(Strict):
    """What a function's contract says of one parameter beyond its C type.

    `type` narrows it to a refinement (a folio that must be anon); `requires` lists states the
    argument must be known to be in, refinements or complements (`not tail_page`: a head or
    order-0 page; `not slab_page`); `releases` says the call drops the caller's reference on
    it (put_page, folio_put, __free_pages): what was known of its state ends there, but for the
    states of the memory itself (`TypeDef.same_memory_as`).
    """

    name: Symbol
    type: Symbol | None = None
    requires: list[StateRef] = []
    releases: bool = False
    may_be: list[StateRef] = []
    """States the function's callers may pass (put_page() gets ZONE_DEVICE pages): a model
    implementing it must handle them."""


class FunctionDef(Dated):
    """A kernel API function with the descriptor types it takes and returns.

    `prototype` is the public C prototype in the base kernel; the descriptor types of the
    return value and parameters are derived from it (`ontology.cdecl`), except where `returns`
    or `params` narrow them to a refinement. `impl` is the symbol in BTF when the public name is
    an alloc_hooks() wrapper (alloc_pages -> alloc_pages_noprof).
    """

    name: Symbol
    category: Category
    prototype: PrototypeText
    form: Form = "function"
    impl: Symbol | None = None
    returns: Symbol | None = None
    nullable: bool = False
    """May return NULL instead of a descriptor (on a miss, or when an allocation fails)."""
    err_ptr: bool = False
    """May return an ERR_PTR() value instead of a descriptor: the caller tests IS_ERR(), and
    NULL tests miss the failure. Both may hold (ksm_might_need_to_copy)."""
    err_ptr_source: SourceId | None = None
    """What shows the ERR_PTR() return (the kernel file whose code returns it); required with
    `err_ptr`, so the return kind is a cited fact, not a note."""
    return_value: str = ""
    """What the returned value means, in words, where the C type does not say it: "the number of
    pages pinned (may be fewer than nr_pages), or -errno". Cited by `source`."""
    params: list[ParamOverride] = []
    frees_with: Symbol | None = None
    replacement: Symbol | None = None
    ensures: list[StateRef] = []
    """States the returned descriptor is known to be in (alloc_pages: `not tail_page`)."""
    may_be: list[StateRef] = []
    """States the returned descriptor may be in although its type does not say so
    (folio_page, nth_page: `tail_page`; virt_to_page: `slab_page`, `table_page`)."""
    may_be_unless_zero: Symbol | None = None
    """The parameter whose value 0 voids `may_be` (nth_page(page, 0) is the page itself)."""
    source: SourceId
    notes: str = ""
    changes: list[FunctionChange] = []

    @model_validator(mode="after")
    def _err_ptr_is_cited(self) -> FunctionDef:
        if self.err_ptr != (self.err_ptr_source is not None):
            raise ValueError("err_ptr and err_ptr_source go together: an ERR_PTR() return cites what shows it")
        return self


class TypedefDef(Dated):
    """A C typedef that stands for a descriptor pointer (x86 pgtable_t is struct page *)."""

    name: Symbol
    means: CTypeText
    source: SourceId
    notes: str = ""


class MemdescTag(Dated):
    """One value of the memdesc plan's 4-bit type tag in the shrunken struct page word."""

    value: int = Field(ge=0, le=15)
    name: Symbol
    type: Symbol | None = None
    source: SourceId


class Meta(Strict):
    """The root file's header: the releases the data describes, the newest (`kernel`, what
    queries answer for unless asked for another) last, and the files it includes."""

    kernel: Release
    releases: list[Release] = []
    title: str
    include: list[FilePath] = []


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
