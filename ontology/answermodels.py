"""The shape of every `--json` answer, as pydantic models: the JSON Schema docs/reference/json.md
publishes, and what the tests validate each command's output against.

Every answer is an object carrying `schema_version` (`ontology.answerformat.SCHEMA_VERSION`)
and `command`; `ANSWERS` maps each command to its model. Models forbid keys they do not name,
so an answer that grows a key without its model (and the published schema) fails the tests.
Used by the tests and the docs generator only: the CLI prints answers without loading pydantic.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ontology.answerformat import LIST_KEYS, SCHEMA_VERSION


class Strict(BaseModel):
    """A record whose keys are all named: an unknown key is an error."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class Answer(Strict):
    """The envelope every `--json` answer has."""

    schema_version: Literal[1] = Field(description="Bumped on an incompatible change of any answer's shape.")
    command: str = Field(description="The command that answered, e.g. `show` or `propose check`.")


# -- records shared by several answers


class Source(Strict):
    id: str
    kind: str
    path: str | None
    title: str
    url: str | None
    version: str | None


class Event(Strict):
    """One event of a fact's history: when it appeared, changed or went."""

    release: str | None
    event: str
    subject: str
    detail: str
    source: str | None


class Also(Strict):
    what: str
    name: str


class Param(Strict):
    name: str
    c_type: str
    type: str | None
    depth: int


class ParamContract(Strict):
    """What a function's contract says of one parameter (`memdesc check` holds calls to it)."""

    param: str
    requires: list[str] = Field(description="States the argument must be known to be in ('not slab_page').")
    releases: bool = Field(description="The call drops the caller's reference on it.")
    accepts: list[str] = Field(description="States its callers may pass (put_page: zone_device_page).")


class FunctionFacts(Strict):
    """A kernel API function as `functions` lists it (and `show` describes it)."""

    name: str
    category: str
    form: str
    prototype: str
    params: list[Param]
    returns: str | None
    returns_c_type: str
    returns_array: bool
    nullable: bool
    err_ptr: bool
    err_ptr_source: str | None
    return_value: str
    contract: list[ParamContract]
    ensures: list[str] = Field(description="States the result is known to be in ('not tail_page').")
    may_be: list[str] = Field(description="States the result may be in although its type does not say so.")
    may_be_unless_zero: str | None = Field(description="The parameter whose value 0 voids may_be.")
    frees_with: str | None
    impl: str | None
    replacement: str | None
    notes: str
    source: str
    sources: list[Source]
    since: str | None
    until: str | None


class Shown(Strict):
    """What every `show` record has, whatever it describes."""

    kernel: str
    name: str
    notes: str
    sources: list[Source]
    since: str | None
    until: str | None
    history: list[Event]
    also: list[Also]


# -- show: one record per kind of thing, told apart by `what`


class TypeField(Strict):
    name: str
    c_type: str
    doc: str
    word: int
    offset: int
    size: int
    bit_offset: int | None
    bit_size: int | None
    config: str | None
    matches: str | None
    match_index: int
    source: str


class TypeConversion(Strict):
    name: str
    from_: str = Field(alias="from")
    to: str
    checked: bool


class TypeFunction(Strict):
    name: str
    category: str
    roles: list[str]


class TypePredicate(Strict):
    name: str
    takes: str
    tests: str
    establishes: str | None


class ShowType(Answer, Shown):
    what: Literal["type"]
    kind: str
    status: str
    summary: str
    c_struct: str | None
    header: str | None
    overlays: str | None
    predicate: str | None
    proposed_in: str | None
    realized_by: str | None
    size: int | None
    parents: list[str]
    ancestors: list[str]
    children: list[str]
    refinements: list[str]
    proposed_children: list[str]
    page_types: list[str]
    fields: list[TypeField]
    conversions: list[TypeConversion]
    functions: list[TypeFunction]
    predicates: list[TypePredicate]


class Meaningless(Strict):
    state: str
    reason: str


class ShowField(Answer, Shown):
    what: Literal["field"]
    type: str
    field: str
    c_struct: str | None
    c_type: str
    meaning: str
    meaningless_in: list[Meaningless]
    word: int
    offset: int
    size: int
    bit_offset: int | None
    bit_size: int | None
    config: str | None
    overlays: str | None
    matches: str | None
    match_index: int
    source: str


class ShowFunction(Answer, FunctionFacts, Shown):
    what: Literal["function"]


class ShowConversion(Answer, Shown):
    what: Literal["conversion"]
    from_: str = Field(alias="from")
    to: str
    form: str
    prototype: str
    checked: bool
    ensures: list[str]
    may_be: list[str]
    may_be_unless_zero: str | None = Field(
        description="The parameter whose value 0 voids may_be (folio_page's n: n = 0 is the folio's first page)."
    )
    source: str


class ShowPredicate(Answer, Shown):
    what: Literal["predicate"]
    form: str
    prototype: str
    takes: str
    tests: str
    establishes: str | None
    source: str


class ShowPageType(Answer, Shown):
    what: Literal["page_type"]
    value: int
    marks: str | None
    predicate: str | None
    source: str


class ShowTypedef(Answer, Shown):
    what: Literal["typedef"]
    means: str
    source: str


class Span(Strict):
    since: str | None
    until: str | None


class NotInRelease(Answer):
    """A name the data holds, but not at the release asked for (`--kernel`): exit 1."""

    name: str
    kernel: str
    exists: Literal[False]
    holds: list[Span]
    called: str | None = Field(None, description="What it is called at that release, when it had another name.")


Show = Annotated[
    ShowType | ShowField | ShowFunction | ShowConversion | ShowPredicate | ShowPageType | ShowTypedef,
    Field(discriminator="what"),
]


class ShowAnswer(BaseModel):
    """`show NAME`: the record of what NAME names, by its kind (`what`)."""

    model_config = ConfigDict(strict=True)
    answer: Show


# -- the other queries


class TypeRow(Strict):
    name: str
    kind: str
    status: str
    parents: list[str]
    summary: str
    c_struct: str | None


class ListAnswer(Answer):
    types: list[TypeRow]


class TreeNode(Strict):
    name: str
    kind: str
    status: str
    era: str | None
    relation: str | None
    overlays: str | None
    children: list[TreeNode]


class TreeAnswer(Answer):
    tree: list[TreeNode]


class Requirement(Strict):
    state: str
    judged: Literal["holds", "unknown", "violated"] = Field(description="What the chain so far says of the state.")


class Step(Strict):
    kind: Literal["conversion", "test", "is-a"]
    function: str | None = Field(description="The conversion or predicate; null for an is-a step (no call).")
    from_: str = Field(alias="from")
    to: str
    checked: bool
    requires: list[Requirement]
    local_to: str | None
    local_source: str | None


class PathAnswer(Answer):
    from_: str = Field(alias="from")
    to: str
    paths: list[list[Step]]
    reason: str | None = Field(None, description="Why there is no chain, or that the path to itself is empty.")
    too_many: str | None = Field(None, description="Set when more chains exist than are shown.")


class Arm(Strict):
    arm: str | None
    fields: list[str]


class Word(Strict):
    word: int
    offset: int
    fields: dict[str, list[str]]
    arms: dict[str, list[Arm]]


class LayoutAnswer(Answer):
    columns: list[str]
    words: list[Word]


class FunctionsAnswer(Answer):
    functions: list[FunctionFacts]


class HistoryAnswer(Answer):
    name: str
    releases: list[str]
    events: list[Event]


class Change(Strict):
    kind: str
    subject: str
    detail: str


class DiffAnswer(Answer):
    old: str
    new: str
    changes: list[Change]


class Finding(Strict):
    path: str
    line: int | None
    rule: str
    message: str


class LintAnswer(Answer):
    findings: list[Finding]


class Message(Strict):
    """One message of the type checker, as mypy reports it."""

    path: str
    line: int = Field(description="0 for a message about a whole file.")
    column: int | None
    severity: str
    code: str | None
    message: str


class CheckAnswer(Answer):
    messages: list[Message]


# -- BTF: verify and census


class VerifiedFact(Strict):
    subject: str
    item: str | None
    aspect: str
    claim: Any
    btf: Any
    location: str
    note: str


class Undecidable(Strict):
    subject: str
    kind: str
    form: str
    reason: str
    location: str


class VerifyAnswer(Answer):
    kernel: str
    release: str
    release_from: str | None = None
    btf: str
    decided: int
    agreements: list[VerifiedFact]
    mismatches: list[VerifiedFact]
    undecidable: list[Undecidable]


class Renamed(Strict):
    old: str
    new: str


class CountChange(Strict):
    old: int
    new: int
    delta: int


class Moved(Strict):
    from_: str = Field(alias="from")
    to: str
    in_place: list[str]
    renamed: list[Renamed]


class Comparison(Strict):
    """`census --against OLD`: how the counts moved from the older BTF to this one."""

    old: str
    new: str
    counts: dict[str, CountChange]
    moved: Moved
    added: list[str]
    removed: list[str]


class CensusAnswer(Answer):
    btf: str
    functions: int
    counts: dict[str, int]
    by_category: dict[str, dict[str, int]]
    by_prefix: dict[str, dict[str, int]]
    against: Comparison | None = None


class TrendConversion(Strict):
    old: str
    new: str
    page_to_folio: int
    in_place: list[str]
    renamed: list[Renamed]


class TrendKernel(Strict):
    release: str
    version: str
    functions: int
    counts: dict[str, int | None]


class TrendAnswer(Answer):
    all: bool
    descriptors: list[str]
    kernels: list[TrendKernel]
    conversions: list[TrendConversion]


# -- proposals


class ProposalFinding(Strict):
    path: str
    line: int | None
    rule: str
    message: str


class ProposeDiffAnswer(Answer):
    changes: list[Change]
    findings: list[ProposalFinding]


class Break(Strict):
    path: str
    line: int | None
    code: str = ""
    message: str


class CallSite(Strict):
    path: str = Field(description="Relative to the kernel tree's root.")
    line: int
    function: str


class SubsystemSites(Strict):
    subsystem: str = Field(description="`drivers`, or `drivers/gpu`; a file at the top counts under its name.")
    sites: int


class KernelImpact(Strict):
    """The call sites of the changed functions in a kernel tree (`--kernel-src`)."""

    tree: str = Field(description="The tree's directory name, e.g. `linux-source-7.3`.")
    release: str = Field(description="From the tree's Makefile, e.g. `7.3.4`.")
    functions: list[str] = Field(description="Every function the proposal changes, sorted.")
    total: int
    per_function: dict[str, int] = Field(description="Call sites per function (0 when never called).")
    per_subsystem: list[SubsystemSites] = Field(description="Per top-level directory, largest first.")
    per_subsystem_2: list[SubsystemSites] = Field(description="Per second-level directory, largest first.")
    sites: list[CallSite] = Field(description="Every call site, sorted by path and line.")


class ProposeCheckAnswer(Answer):
    breaks: list[Break]
    counts: dict[str, int]
    baseline: int
    files: int
    kernel: KernelImpact | None = Field(default=None, description="Only with `--kernel-src`.")


ANSWERS: dict[str, type[BaseModel]] = {
    "check": CheckAnswer,
    "census": CensusAnswer,
    "census --trend": TrendAnswer,
    "diff": DiffAnswer,
    "functions": FunctionsAnswer,
    "history": HistoryAnswer,
    "layout": LayoutAnswer,
    "lint": LintAnswer,
    "list": ListAnswer,
    "path": PathAnswer,
    "propose check": ProposeCheckAnswer,
    "propose diff": ProposeDiffAnswer,
    "show": ShowAnswer,
    "tree": TreeAnswer,
    "verify": VerifyAnswer,
}
"""Each command's answer; a command given `--kernel` may answer `NotInRelease` instead."""


def validate(command: str, text: str) -> BaseModel:
    """`text` (a `--json` answer of `command`) checked against its model; ValidationError if not."""
    data = json.loads(text)
    if isinstance(data, dict) and data.get("exists") is False:
        return NotInRelease.model_validate(data)
    model = ANSWERS[command]
    if model is ShowAnswer:
        return ShowAnswer.model_validate({"answer": data})
    return model.model_validate_json(text)


def schema(command: str) -> dict[str, Any]:
    """The JSON Schema of `command`'s answer."""
    model = ANSWERS[command]
    if model is ShowAnswer:
        whole = ShowAnswer.model_json_schema()
        answer: dict[str, Any] = whole["properties"]["answer"]
        return {**answer, "$defs": whole["$defs"]}
    return model.model_json_schema()


def schemas_page() -> str:
    """docs/reference/json.md: the envelope, then each command's JSON Schema (sorted, stable)."""
    wrapped = ", ".join(f"`{command}` under `{key}`" for command, key in sorted(LIST_KEYS.items()))
    lines = [
        "# JSON output",
        "",
        "Every `--json` answer is one JSON object with two keys besides its own:",
        f"`schema_version` (now {SCHEMA_VERSION}), bumped on any incompatible change of an answer's",
        "shape (a key removed, renamed or retyped, a meaning changed), not for a key added; and",
        "`command`, the command that answered. Answers that are lists are under one key:",
        f"{wrapped}. Keys are sorted.",
        "",
        "A name asked for at a release that does not hold it (`--kernel`) is answered, with exit",
        "status 1, by `exists: false` and the releases that hold it (schema *not in release*).",
        "",
        "The schemas below are generated from the models in `ontology/answermodels.py`, and the",
        "tests validate each command's output against them. They forbid keys they do not name, so",
        "they describe this version exactly; a script should ignore keys it does not know.",
        "",
    ]
    entries = [(command, schema(command)) for command in sorted(ANSWERS)]
    entries.append(("not in release", NotInRelease.model_json_schema()))
    for command, body in entries:
        lines += [f"## {command}", "", "```json", json.dumps(body, indent=2, sort_keys=True), "```", ""]
    return "\n".join(lines)
