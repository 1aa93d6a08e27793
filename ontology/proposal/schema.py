"""What a proposal file may say: metadata, prose for reviewers, and typed operations.

A proposal is one TOML file:

    [proposal]                       # ProposalMeta keys + the prose keys of Proposal
    title = "gup() returns folios"
    authors = ["..."]
    status = "draft"                 # draft | posted | merged | rejected
    base_kernel = "7.3"
    links = ["https://lore.kernel.org/..."]
    summary = "..."
    motivation = "..."
    drawbacks = "..."
    alternatives = "..."
    open_questions = ["..."]
    migration = ["..."]

    [[source]]                       # optional: sources the operations cite (ontology.schema.Source)
    id = "W8"
    ...

    [[operation]]                    # applied in order; `op` picks the operation
    op = "retype_function"
    function = ["get_user_pages", "pin_user_pages"]
    param = "pages"
    to = "folio"

Every table forbids unknown keys, as the ontology's own schema does. Names are checked here with
the ontology schema's patterns (a name that becomes a type is a `TypeName`, every other name a C
identifier), and no string may hold a control character, since applying copies them into the
ontology unvalidated (`model_copy`); `ontology.proposal.apply` resolves them against the ontology
and reports what does not resolve as findings at the operation's line. An operation's `source` defaults to the proposal
itself (a source `proposal:<file stem>` that applying adds).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from ontology.schema import (
    MAX_OVERLAY_PAGES,
    MAX_STRUCT_SIZE,
    SYMBOL_RE,
    Category,
    CTypeText,
    FieldDef,
    FilePath,
    Form,
    Kind,
    ParamOverride,
    PrototypeText,
    Source,
    SourceId,
    Status,
    Symbol,
    TypeName,
    Url,
    Version,
    check_pattern,
    check_text,
)

_SYMBOL_OR_EMPTY = re.compile(f"(?:{SYMBOL_RE.pattern})?")
SymbolOrEmpty = Annotated[str, AfterValidator(lambda value: check_pattern(value, _SYMBOL_OR_EMPTY, "name"))]
"""A C identifier, or "" to clear the fact (`overlays = ""`)."""

ProposalStatus = Literal["draft", "posted", "merged", "rejected"]


class _Table(BaseModel):
    """Base of every proposal table: unknown keys are errors, values are not coerced.

    `line` is where the table starts in its file (set by `ontology.proposal.load`), so a
    finding about an operation can say `proposal.toml:42`; `key_line` is where one of its keys
    is written, for a finding about that key."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)
    _line: int | None = PrivateAttr(default=None)
    _keys: dict[str, int] = PrivateAttr(default_factory=dict)

    @property
    def line(self) -> int | None:
        return self._line

    def key_line(self, key: str | None) -> int | None:
        """The line of `key = ...` in this table, else the table's own line."""
        return self._keys.get(key, self._line) if key is not None else self._line

    @field_validator("*")
    @classmethod
    def _no_controls(cls, value: Any) -> Any:
        return check_text(value)


class ProposalMeta(_Table):
    """Who proposes what against which kernel, and where the discussion is."""

    title: str
    authors: list[str]
    status: ProposalStatus
    base_kernel: Version
    links: list[Url] = []


class ProposalSource(Source):
    """A `[[source]]` of the proposal: an ontology Source that remembers its line."""

    _line: int | None = PrivateAttr(default=None)

    @property
    def line(self) -> int | None:
        return self._line


class NewField(FieldDef):
    """A field a proposal adds: a FieldDef plus the fields it deliberately shares bytes with.

    `overlaps` names the union arms the field may overlap (struct page's lru and buddy_list);
    overlapping any other field of the descriptor is a `proposal-overlap` finding.
    """

    overlaps: list[Symbol] = Field(default_factory=list)


class _Op(_Table):
    """Common to operations: `reason`, one line on why, shown in the document."""

    reason: str = ""


class AddType(_Op):
    """A new descriptor type. A refinement names its predicate; if the predicate is not in the
    ontology it is created (taking the parent, establishing this type, testing `tests`).
    `status` defaults to "proposed" for kind "proposed" and "merged" otherwise (in the
    proposed ontology the type exists)."""

    op: Literal["add_type"]
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
    tests: str | None = None
    refers_to: list[Symbol] = []
    realized_by: Symbol | None = None
    status: Status | None = None
    since: Version | None = None
    source: SourceId | None = None
    notes: str = ""
    fields: list[NewField] = []


class SplitPart(_Table):
    """One type a split produces, told apart from its siblings by `predicate`.

    Refinement style: a new refinement of the split type. Struct style: a new struct that
    carries the named `fields` of the split type (all when omitted) at their offsets, plus
    `add_fields`; an existing refinement of the split type with this name is promoted to a
    struct. `takes` is what the predicate tests (default: the split type, or the struct it
    overlays when the split type does not survive)."""

    name: TypeName
    summary: str | None = None
    predicate: Symbol
    tests: str | None = None
    takes: Symbol | None = None
    c_struct: Symbol | None = None
    size: int | None = Field(default=None, gt=0, le=MAX_STRUCT_SIZE)
    fields: list[Symbol] | None = None
    add_fields: list[NewField] = []


class SplitType(_Op):
    """Split a type into refinements or into new structs. `keep` says whether the split type
    survives (default: yes for refinements, no for structs; references to a type that does
    not survive must be retyped by later operations, or are findings)."""

    op: Literal["split_type"]
    type: Symbol
    style: Literal["refinement", "struct"] = "refinement"
    into: list[SplitPart] = Field(min_length=1)
    keep: bool | None = None
    source: SourceId | None = None
    notes: str = ""


class MergeTypes(_Op):
    """Merge `types` into `into` (one of them, or a new type of the first one's kind): every
    reference is rewritten, fields are united (same name and place once; clashes are
    findings), the other types are removed."""

    op: Literal["merge_types"]
    types: list[Symbol] = Field(min_length=2)
    into: TypeName
    summary: str | None = None
    source: SourceId | None = None
    notes: str = ""


class Reparent(_Op):
    """Give a type new parents (a refinement exactly one); a cycle is a finding naming its members."""

    op: Literal["reparent"]
    type: Symbol
    parents: list[Symbol]


class Rename(_Op):
    """Rename a type; every reference follows and the old name stays as a deprecated alias.
    `c_struct` renames the C struct as well (struct types)."""

    op: Literal["rename"]
    type: Symbol
    to: TypeName
    c_struct: Symbol | None = None


class Remove(_Op):
    """Remove a type. References to it are rewritten to `replaced_by` when given, else each
    remaining reference is a finding."""

    op: Literal["remove"]
    type: Symbol
    replaced_by: Symbol | None = None


class UpdateType(_Op):
    """Change a type's facts in place: kind, size, summary, C names, overlay, status, predicate.

    `overlays = ""` makes a type stop overlaying a struct (and clears its fields' `matches`).
    Shrinking `size` below a field's end is a `proposal-past-size` finding: remove or move the
    field first."""

    op: Literal["update_type"]
    type: Symbol
    kind: Kind | None = None
    summary: str | None = None
    size: int | None = Field(default=None, gt=0, le=MAX_STRUCT_SIZE)
    c_struct: Symbol | None = None
    c_type: CTypeText | None = None
    overlays: SymbolOrEmpty | None = None
    status: Status | None = None
    predicate: Symbol | None = None
    realized_by: Symbol | None = None
    since: Version | None = None
    notes: str | None = None


class AddField(_Op, NewField):
    """Add a field to a struct (not to a refinement: it owns its struct's fields). The keys of a
    field (name, offset, size, c_type, bit_offset, ...) sit in the operation itself."""

    op: Literal["add_field"]
    type: Symbol


class MoveField(_Op):
    """Move a field to another offset (and size), or to another type with `to_type`."""

    op: Literal["move_field"]
    type: Symbol
    field: Symbol
    to_type: Symbol | None = None
    offset: int | None = Field(default=None, ge=0, le=MAX_STRUCT_SIZE)
    size: int | None = Field(default=None, ge=0, le=MAX_STRUCT_SIZE)
    bit_offset: int | None = Field(default=None, ge=0, le=8 * MAX_STRUCT_SIZE)
    overlaps: list[Symbol] = []


class RemoveField(_Op):
    """Remove a field; fields of other types that `matches` it are findings (clear them first)."""

    op: Literal["remove_field"]
    type: Symbol
    field: Symbol


class RetypeFunction(_Op):
    """Change the descriptor type of a parameter or the return value of API functions.

    `param` is a parameter name or "return"; omitted, every parameter and the return whose
    descriptor type is `from` change. The C prototype's struct is rewritten keeping the
    pointer depth (struct page ** -> struct folio **); retyping to a refinement writes its
    struct and narrows to the refinement."""

    op: Literal["retype_function"]
    function: Symbol | list[Symbol]
    param: Symbol | None = None
    from_type: Symbol | None = Field(default=None, alias="from")
    to: Symbol
    nullable: bool | None = None
    frees_with: Symbol | None = None


class NewParam(_Table):
    """A parameter `change_function` adds: its name and C type, placed after the parameter
    `after` names (default: last)."""

    name: Symbol
    c_type: CTypeText
    after: Symbol | None = None


class ParamType(_Table):
    """A parameter `change_function` gives another C type (any type, not only a descriptor)
    or another name (`new_name`: a `struct folio **pages` becomes `folios`), or both."""

    name: Symbol
    c_type: CTypeText | None = None
    new_name: Symbol | None = None


class ChangeFunction(_Op):
    """Change what API functions take and give back beyond their descriptor types: add, remove
    and retype parameters by name, change the return's C type, and state what the returned
    value means (`return_value`, "the number of folios filled, or -errno") and how failure is
    reported (`nullable`: NULL, `err_ptr`: an ERR_PTR() value; the proposal is its source).

    Retypes apply first, then removals, then additions, so `after` may name a parameter that
    is kept. A parameter name the function does not have is a finding at the key's line."""

    op: Literal["change_function"]
    function: Symbol | list[Symbol]
    add_params: list[NewParam] = []
    remove_params: list[Symbol] = []
    retype_params: list[ParamType] = []
    return_type: CTypeText | None = None
    return_value: str | None = None
    nullable: bool | None = None
    err_ptr: bool | None = None


class AddFunction(_Op):
    """Add a kernel API function (FunctionDef keys; `source` defaults to the proposal)."""

    op: Literal["add_function"]
    name: Symbol
    category: Category
    prototype: PrototypeText
    form: Form = "function"
    returns: Symbol | None = None
    nullable: bool = False
    params: list[ParamOverride] = []
    frees_with: Symbol | None = None
    replacement: Symbol | None = None
    source: SourceId | None = None
    notes: str = ""


class RemoveFunction(_Op):
    """Remove a kernel API function; what names it as `frees_with`/`replacement` follows `replaced_by`."""

    op: Literal["remove_function"]
    name: Symbol
    replaced_by: Symbol | None = None


class AddConversion(_Op):
    """Register a conversion; without `prototype` one is written from the ends' C types
    (`struct folio *page_folio(const struct page *page)`). Ends that disagree with the
    prototype are a `proposal-conversion` finding."""

    op: Literal["add_conversion"]
    name: Symbol
    source_type: Symbol = Field(alias="from")
    target_type: Symbol = Field(alias="to")
    checked: bool = False
    form: Form = "function"
    prototype: PrototypeText | None = None
    source: SourceId | None = None
    notes: str = ""


class RemoveConversion(_Op):
    """Unregister a conversion."""

    op: Literal["remove_conversion"]
    name: Symbol


Operation = Annotated[
    AddType
    | SplitType
    | MergeTypes
    | Reparent
    | Rename
    | Remove
    | UpdateType
    | AddField
    | MoveField
    | RemoveField
    | RetypeFunction
    | ChangeFunction
    | AddFunction
    | RemoveFunction
    | AddConversion
    | RemoveConversion,
    Field(discriminator="op"),
]
"""One typed operation, picked by its `op` key."""

OPERATION_MODELS: dict[str, type[_Op]] = {
    model.model_fields["op"].annotation.__args__[0]: model  # type: ignore[union-attr]
    for model in (
        AddType,
        SplitType,
        MergeTypes,
        Reparent,
        Rename,
        Remove,
        UpdateType,
        AddField,
        MoveField,
        RemoveField,
        RetypeFunction,
        ChangeFunction,
        AddFunction,
        RemoveFunction,
        AddConversion,
        RemoveConversion,
    )
}
"""Operation models by their `op` name (for messages and validation one operation at a time)."""


class Proposal(_Table):
    """A whole proposal: metadata, the prose reviewers read, sources and the operations."""

    meta: ProposalMeta
    summary: str
    motivation: str = ""
    drawbacks: str = ""
    alternatives: str = ""
    open_questions: list[str] = []
    migration: list[str] = []
    sources: list[ProposalSource] = []
    operations: list[Operation] = []


PROSE_KEYS: tuple[str, ...] = tuple(
    name for name in Proposal.model_fields if name not in ("meta", "sources", "operations")
)
"""Keys of the `[proposal]` table that are Proposal's prose rather than ProposalMeta."""
