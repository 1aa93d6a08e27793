"""Names are validated where they enter: every name in the data and in proposals must match its
pattern in full (never up to a final newline), and no string may hold a control character.

Issue 12, item 1: a field name holding a newline and a statement passed lint and became code in
`ontology/types.py`; a type, predicate or kernel name ending in a newline passed `$`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from ontology.errors import InputError
from ontology.proposal.load import load_proposal
from ontology.strict import lint_path, load_ontology
from tests.support.paths import FIXTURES
from tests.support.proposals import HEADER, write

MINI = (FIXTURES / "mini.toml").read_text(encoding="utf-8")

INJECTED_FIELD = 'zz: int\\n    import os; os.system(\\"echo pwned\\")\\n    yy'

HOSTILE_DATA: dict[str, tuple[str, str]] = {
    "field name with a statement": ('name = "_refcount"', f'name = "{INJECTED_FIELD}"'),
    "type name ending in a newline": ('name = "anon_folio"', 'name = "anon_folio\\n"'),
    "predicate name ending in a newline": ('name = "folio_test_anon"', 'name = "folio_test_anon\\n"'),
    "kernel ending in a newline": ('kernel = "6.18"', 'kernel = "6.18\\n"'),
    "kernel closing the docstring": ('kernel = "6.18"', 'kernel = "6.18\\"\\"\\"; import os"'),
    "c_struct with a newline": ('c_struct = "folio"', 'c_struct = "folio\\nimport os"'),
    "source id with a newline": ('source = "mm_types.h"\nfields', 'source = "mm_types.h\\n"\nfields'),
    "function name with a space": ('name = "folio_put"', 'name = "folio_put x"'),
    "field c_type with a quote": ('c_type = "atomic_t"', 'c_type = "atomic_t\\""'),
    "prototype with a newline": (
        'prototype = "void folio_put(struct folio *folio)"',
        'prototype = "void folio_put(struct folio *folio)\\n"',
    ),
    "NUL in a summary": ('summary = "A page frame."', 'summary = "A page\\u0000 frame."'),
    "escape in a summary": ('summary = "A page frame."', 'summary = "A page\\u001b[2J frame."'),
    "C1 control in notes": ('summary = "A page frame."', 'summary = "A page frame."\nnotes = "x\\u0085y"'),
    "line separator in a name": ('name = "folio_put"', 'name = "folio_put\\u2028"'),
    "line separator in a summary": ('summary = "A page frame."', 'summary = "A page\\u2029frame."'),
    "bidi override in a summary": ('summary = "A page frame."', 'summary = "A page \\u202e frame."'),
}


def _hostile(tmp_path: Path, old: str, new: str) -> Path:
    assert old in MINI
    path = tmp_path / "ontology.toml"
    path.write_text(MINI.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(HOSTILE_DATA))
def test_hostile_data_is_a_schema_error_with_its_line(tmp_path: Path, case: str) -> None:
    path = _hostile(tmp_path, *HOSTILE_DATA[case])
    findings = lint_path(path)
    schema = [f for f in findings if f.rule == "schema"]
    assert schema, [str(f) for f in findings]
    assert schema[0].location.path == str(path) and schema[0].location.line is not None
    assert all(str(f).isprintable() for f in findings), [str(f) for f in findings]
    with pytest.raises(InputError):
        load_ontology(path)
    result = CliRunner().invoke(app, ["lint", str(path)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{path}:" in result.output and "Traceback" not in result.output
    exported = CliRunner().invoke(app, ["export", "--data", str(path)])
    assert exported.exit_code == 2 and exported.stdout == "", exported.output
    assert exported.stderr.startswith(f"memdesc: error: {path}:") and exported.stderr.count("\n") == 1


def test_the_mini_fixture_itself_is_clean() -> None:
    assert lint_path(FIXTURES / "mini.toml") == []


def test_generate_refuses_rather_than_runs_an_injected_field(tmp_path: Path) -> None:
    """The reproduction of item 1: the generator never sees the field name."""
    path = _hostile(tmp_path, *HOSTILE_DATA["field name with a statement"])
    with pytest.raises(InputError, match=r"fields\.3\.name"):
        load_ontology(path)


def test_prose_may_hold_newlines_tabs_quotes_and_unicode(tmp_path: Path) -> None:
    path = _hostile(
        tmp_path, 'summary = "A page frame."', 'summary = "A \\"page\\"\\n\\tframe \'\'\' \\\\ ünïcødé \\U0001d518."'
    )
    assert lint_path(path) == []


HOSTILE_OPERATIONS: dict[str, str] = {
    "rename to a name with a newline": 'op = "rename"\ntype = "slab"\nto = "slab2\\n"\n',
    "rename c_struct with a backslash": 'op = "rename"\ntype = "slab"\nto = "slab2"\nc_struct = "s\\\\g<0>"\n',
    "add_field with a statement": (
        f'op = "add_field"\ntype = "page"\nname = "{INJECTED_FIELD}"\noffset = 8\nsize = 8\nc_type = "long"\n'
    ),
    "add_type with an upper-case name": 'op = "add_type"\nname = "Bad"\nkind = "struct"\nsummary = "x"\n',
    "add_function with a quote in its prototype": (
        'op = "add_function"\nname = "f"\ncategory = "alloc"\nprototype = "void f(void)\\"; import os"\n'
    ),
    "retype_function with a NUL": 'op = "retype_function"\nfunction = "put_page\\u0000"\nto = "folio"\n',
    "reason with an escape": 'op = "remove"\ntype = "slab"\nreason = "\\u001b[31m"\n',
}


@pytest.mark.parametrize("case", sorted(HOSTILE_OPERATIONS))
def test_hostile_proposal_operation_is_a_schema_finding(tmp_path: Path, case: str) -> None:
    path = write(tmp_path, "[[operation]]\n" + HOSTILE_OPERATIONS[case])
    proposal, findings = load_proposal(path)
    assert proposal is None and findings, case
    assert findings[0].location.path == str(path) and findings[0].location.line is not None


def test_hostile_proposal_header_is_a_schema_finding(tmp_path: Path) -> None:
    path = write(tmp_path, "", header=HEADER.replace('base_kernel = "7.3"', 'base_kernel = "7.3\\n"'))
    proposal, findings = load_proposal(path)
    assert proposal is None and findings


def test_clearing_an_overlay_with_an_empty_name_still_works(tmp_path: Path) -> None:
    path = write(tmp_path, '[[operation]]\nop = "update_type"\ntype = "slab"\noverlays = ""\n')
    proposal, findings = load_proposal(path)
    assert proposal is not None and not findings
