"""What a proposal file may say: metadata, prose for reviewers, and typed operations.

A proposal is one TOML file:

    [proposal]                       # ProposalMeta keys + the prose keys of Proposal
    title = "gup() returns folios"
    authors = ["..."]
    status = "draft"                 # draft | posted | merged | rejected
    base_kernel = "6.18"
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

Every table forbids unknown keys, as the ontology's own schema does. Names are plain strings
here; `ontology.proposal.apply` resolves them against the ontology and reports what does not
resolve as findings at the operation's line. An operation's `source` defaults to the proposal
itself (a source `proposal:<file stem>` that applying adds).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from ontology.schema import Category, FieldDef, Form, Kind, ParamOverride, Source, Status

ProposalStatus = Literal["draft", "posted", "merged", "rejected"]


class _Table(BaseModel):
    """Base of every proposal table: unknown keys are errors, values are not coerced.

    `line` is where the table starts in its file (set by `ontology.proposal.load`), so a
    finding about an operation can say `proposal.toml:42`."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)
    _line: int | None = PrivateAttr(default=None)

    @property
    def line(self) -> int | None:
        return self._line


class ProposalMeta(_Table):
    """Who proposes what against which kernel, and where the discussion is."""

    title: str
    authors: list[str]
    status: ProposalStatus
    base_kernel: str
    links: list[str] = []


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

    overlaps: list[str] = Field(default_factory=list)


class _Op(_Table):
    """Common to operations: `reason`, one line on why, shown in the document."""

    reason: str = ""


class AddType(_Op):
    """A new descriptor type. A refinement names its predicate; if the predicate is not in the
    ontology it is created (taking the parent, establishing this type, testing `tests`).
    `status` defaults to "proposed" for kind "proposed" and "merged" otherwise (in the
    proposed ontology the type exists)."""

    op: Literal["add_type"]
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
    tests: str | None = None
    refers_to: list[str] = []
    realized_by: str | None = None
    status: Status | None = None
    since: str | None = None
    source: str | None = None
    notes: str = ""
    fields: list[NewField] = []


class SplitPart(_Table):
    """One type a split produces, told apart from its siblings by `predicate`.

    Refinement style: a new refinement of the split type. Struct style: a new struct that
    carries the named `fields` of the split type (all when omitted) at their offsets, plus
    `add_fields`; an existing refinement of the split type with this name is promoted to a
    struct. `takes` is what the predicate tests (default: the split type, or the struct it
    overlays when the split type does not survive)."""

    name: str
    summary: str | None = None
    predicate: str
    tests: str | None = None
    takes: str | None = None
    c_struct: str | None = None
    size: int | None = Field(default=None, gt=0)
    fields: list[str] | None = None
    add_fields: list[NewField] = []


class SplitType(_Op):
    """Split a type into refinements or into new structs. `keep` says whether the split type
    survives (default: yes for refinements, no for structs; references to a type that does
    not survive must be retyped by later operations, or are findings)."""

    op: Literal["split_type"]
    type: str
    style: Literal["refinement", "struct"] = "refinement"
    into: list[SplitPart] = Field(min_length=1)
    keep: bool | None = None
    source: str | None = None
    notes: str = ""


class MergeTypes(_Op):
    """Merge `types` into `into` (one of them, or a new type of the first one's kind): every
    reference is rewritten, fields are united (same name and place once; clashes are
    findings), the other types are removed."""

    op: Literal["merge_types"]
    types: list[str] = Field(min_length=2)
    into: str
    summary: str | None = None
    source: str | None = None
    notes: str = ""


class Reparent(_Op):
    """Give a type new parents (a refinement exactly one); a cycle is a finding naming its members."""

    op: Literal["reparent"]
    type: str
    parents: list[str]


class Rename(_Op):
    """Rename a type; every reference follows and the old name stays as a deprecated alias.
    `c_struct` renames the C struct as well (struct types)."""

    op: Literal["rename"]
    type: str
    to: str
    c_struct: str | None = None


class Remove(_Op):
    """Remove a type. References to it are rewritten to `replaced_by` when given, else each
    remaining reference is a finding."""

    op: Literal["remove"]
    type: str
    replaced_by: str | None = None


class UpdateType(_Op):
    """Change a type's facts in place: kind, size, summary, C names, overlay, status, predicate.

    `overlays = ""` makes a type stop overlaying a struct (and clears its fields' `matches`).
    Shrinking `size` below a field's end is a `proposal-past-size` finding: remove or move the
    field first."""

    op: Literal["update_type"]
    type: str
    kind: Kind | None = None
    summary: str | None = None
    size: int | None = Field(default=None, gt=0)
    c_struct: str | None = None
    c_type: str | None = None
    overlays: str | None = None
    status: Status | None = None
    predicate: str | None = None
    realized_by: str | None = None
    since: str | None = None
    notes: str | None = None


class AddField(_Op, NewField):
    """Add a field to a struct (not to a refinement: it owns its struct's fields). The keys of a
    field (name, offset, size, c_type, bit_offset, ...) sit in the operation itself."""

    op: Literal["add_field"]
    type: str


class MoveField(_Op):
    """Move a field to another offset (and size), or to another type with `to_type`."""

    op: Literal["move_field"]
    type: str
    field: str
    to_type: str | None = None
    offset: int | None = Field(default=None, ge=0)
    size: int | None = Field(default=None, ge=0)
    bit_offset: int | None = Field(default=None, ge=0)
    overlaps: list[str] = []


class RemoveField(_Op):
    """Remove a field; fields of other types that `matches` it are findings (clear them first)."""

    op: Literal["remove_field"]
    type: str
    field: str


class RetypeFunction(_Op):
    """Change the descriptor type of a parameter or the return value of API functions.

    `param` is a parameter name or "return"; omitted, every parameter and the return whose
    descriptor type is `from` change. The C prototype's struct is rewritten keeping the
    pointer depth (struct page ** -> struct folio **); retyping to a refinement writes its
    struct and narrows to the refinement."""

    op: Literal["retype_function"]
    function: str | list[str]
    param: str | None = None
    from_type: str | None = Field(default=None, alias="from")
    to: str
    nullable: bool | None = None
    frees_with: str | None = None


class AddFunction(_Op):
    """Add a kernel API function (FunctionDef keys; `source` defaults to the proposal)."""

    op: Literal["add_function"]
    name: str
    category: Category
    prototype: str
    form: Form = "function"
    returns: str | None = None
    nullable: bool = False
    params: list[ParamOverride] = []
    frees_with: str | None = None
    replacement: str | None = None
    source: str | None = None
    notes: str = ""


class RemoveFunction(_Op):
    """Remove a kernel API function; what names it as `frees_with`/`replacement` follows `replaced_by`."""

    op: Literal["remove_function"]
    name: str
    replaced_by: str | None = None


class AddConversion(_Op):
    """Register a conversion; without `prototype` one is written from the ends' C types
    (`struct folio *page_folio(const struct page *page)`). Ends that disagree with the
    prototype are a `proposal-conversion` finding."""

    op: Literal["add_conversion"]
    name: str
    source_type: str = Field(alias="from")
    target_type: str = Field(alias="to")
    checked: bool = False
    form: Form = "function"
    prototype: str | None = None
    source: str | None = None
    notes: str = ""


class RemoveConversion(_Op):
    """Unregister a conversion."""

    op: Literal["remove_conversion"]
    name: str


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
