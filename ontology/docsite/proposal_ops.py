"""The proposal format's reference page, generated from the pydantic schema itself.

Each operation's docstring and keys (with their types, defaults and whether they are required)
come from `ontology.proposal.schema`, so the page cannot describe a key the loader rejects.
"""

from __future__ import annotations

import inspect
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ontology.docsite.markdown import cell, code, table
from ontology.proposal import schema
from ontology.proposal.lint import LINT_RULES


def _type_text(annotation: Any) -> str:
    """A readable type without pipes, which would split a table cell: `"refinement" or "struct"`."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " or ".join(f'"{value}"' for value in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_text(arg) for arg in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _type_text(typing.get_args(annotation)[0])
    if origin is not None:
        args = ", ".join(_type_text(arg) for arg in typing.get_args(annotation))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    if annotation is type(None):
        return "None"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        return code(repr(info.default_factory()))  # type: ignore[call-arg]
    return code(repr(info.default))


def _keys(model: type[BaseModel], skip: set[str]) -> str:
    rows = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        key = info.alias or name
        rows.append([code(key), code(_type_text(info.annotation)), _default(info)])
    return table(["key", "type", "default"], rows)


def _doc(model: type[BaseModel]) -> str:
    return cell(inspect.cleandoc(model.__doc__ or "").replace("\n\n", "\n"))


def operations() -> list[type[BaseModel]]:
    """The operation models, in the order the schema's discriminated union lists them."""
    union = typing.get_args(schema.Operation)[0]
    return [arg for arg in typing.get_args(union) if isinstance(arg, type) and issubclass(arg, BaseModel)]


def proposal_operations_page() -> str:
    """Markdown: the `[proposal]` table's keys, then each `[[operation]]` with its keys."""
    out = ["# Proposal format\n"]
    out.append(
        "A proposal is a TOML file: one `[proposal]` table (metadata and prose), optional `[[source]]` "
        "tables (what its facts cite) and `[[operation]]` tables applied in order. "
        "Unknown keys are errors, reported with file:line. "
        "This page is generated from `ontology/proposal/schema.py`.\n"
    )
    out.append("## `[proposal]`\n")
    out.append(_doc(schema.ProposalMeta) + "\n")
    out.append(_keys(schema.ProposalMeta, set()))
    out.append("The prose keys sit in the same table:\n")
    out.append(_keys(schema.Proposal, {"meta", "sources", "operations"}))
    out.append("## `[[operation]]`\n")
    out.append(f"Every operation has `op` (its name) and an optional `reason`. {_doc(schema._Op)}\n")
    for model in operations():
        op_name = typing.get_args(model.model_fields["op"].annotation)[0]
        out.append(f"### {code(op_name)}\n")
        out.append(_doc(model) + "\n")
        out.append(_keys(model, {"op", "reason"}))
        if model is schema.SplitType:
            out.append("Each entry of `into`:\n")
            out.append(_keys(schema.SplitPart, set()))
        if model is schema.ChangeFunction:
            out.append("Each entry of `add_params`:\n")
            out.append(_keys(schema.NewParam, set()))
            out.append("Each entry of `retype_params`:\n")
            out.append(_keys(schema.ParamType, set()))
    out.append("## Lint\n")
    out.append(
        "`memdesc propose lint PROPOSAL` applies the proposal and reports, one line each at the TOML "
        "key concerned, what its prose and operations disagree on (exit 1 on findings, `--json`):\n"
    )
    out.append("\n".join(f"- {code(rule)}: {cell(text)}" for rule, text in LINT_RULES.items()) + "\n")
    out.append("## Field keys\n")
    out.append("`add_field`, `add_type.fields` and `split_type` parts' `add_fields` take these keys:\n")
    out.append(_keys(schema.NewField, set()))
    return "\n".join(out)
