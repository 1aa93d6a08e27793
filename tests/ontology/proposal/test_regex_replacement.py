"""Proposal data used in a regex substitution is always literal text, never a template (issue 12)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from ontology.proposal.state import c_pattern, replace_c_name
from ontology.schema import CTypeText, Symbol

TEMPLATES = ["\\g<0>", "\\1", "\\", "a\\nb"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_replacement_is_literal(template: str) -> None:
    """`\\g<0>` in a new C name is written as is; it never copies the matched text back."""
    text = "struct page *f(struct page *p)"
    new_c = f"struct {template}"
    assert replace_c_name(c_pattern("struct page"), new_c, text) == f"{new_c} *f({new_c} *p)"


@pytest.mark.parametrize("template", TEMPLATES)
def test_schema_keeps_backslashes_out_of_c_names(template: str) -> None:
    """Every C name a proposal can rename to (c_struct, a handle's c_type) refuses a backslash."""
    for annotated in (Symbol, CTypeText):
        with pytest.raises(ValidationError):
            TypeAdapter(annotated).validate_python(f"x{template}")
