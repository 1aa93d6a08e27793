"""The generated ontology.types: current with the data, and telling mypy and Python the truth."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mypy import api as mypy_api

from ontology import runtime
from ontology.facttable import fact_lines, fact_rows, read_facts
from ontology.indexed import Ontology
from ontology.typegen import TYPES_PATH, generate
from ontology.typegen.naming import class_name
from ontology.typegen.records import fact_table


def test_types_module_is_current(bundled: Ontology) -> None:
    assert TYPES_PATH.read_text(encoding="utf-8") == generate(bundled), "stale: run `memdesc generate`"


def test_class_names() -> None:
    assert [class_name(n) for n in ("page", "ptdesc", "zpdesc", "netmem_desc", "net_iov", "anon_folio", "lru_mem")] == [
        "Page",
        "PtDesc",
        "ZpDesc",
        "NetmemDesc",
        "NetIov",
        "AnonFolio",
        "LruMem",
    ]


def test_struct_types_are_unrelated_and_refinements_subclass(bundled: Ontology) -> None:
    from ontology import types

    structs = [getattr(types, class_name(t.name)) for t in bundled.types.values() if t.kind == "struct"]
    for one in structs:
        for other in structs:
            assert one is other or not issubclass(one, other)
    for typedef in bundled.types.values():
        cls = getattr(types, class_name(typedef.name))
        assert types.FACTS.types[typedef.name].class_name == cls.__name__
        for parent in typedef.parents:
            assert issubclass(cls, getattr(types, class_name(parent)))
    assert issubclass(types.KsmFolio, types.AnonFolio)


def test_mypy_rejects_mixups_and_predicates_narrow(tmp_path: Path) -> None:
    model = tmp_path / "model_snippet.py"
    model.write_text(
        textwrap.dedent("""
        from ontology.types import AnonFolio, Folio, Page, Slab, folio_test_anon, page_folio

        def takes_folio(folio: Folio) -> None: ...
        def takes_anon(folio: AnonFolio) -> None: ...

        def mixup(page: Page, slab: Slab) -> None:
            takes_folio(page)
            takes_folio(slab)
            takes_folio(page_folio(page))

        def narrowing(folio: Folio) -> None:
            takes_anon(folio)
            if folio_test_anon(folio):
                takes_anon(folio)
                takes_folio(folio)
    """)
    )
    out, err, status = mypy_api.run(["--strict", "--no-incremental", "--show-error-codes", str(model)])
    errors = [line.split(": error: ")[0].rsplit(":", 1)[1] for line in out.splitlines() if ": error: " in line]
    assert status == 1, out + err
    assert errors == ["8", "9", "13"], out


def test_runtime_checks_declared_classes(bundled: Ontology) -> None:
    from ontology import types

    page = types.Page()
    saved = runtime.implementation("page_folio")
    runtime._IMPLEMENTATIONS.pop("page_folio", None)  # as before any model registers one
    try:
        with pytest.raises(runtime.UnboundKernelFunction, match="page_folio"):
            types.page_folio(page)
        runtime.implement("page_folio")(lambda p: types.Slab())
        with pytest.raises(runtime.RuntimeTypeError, match="returned Slab, declared Folio"):
            types.page_folio(page)
        runtime.implement("page_folio")(lambda p: types.Folio())
        assert isinstance(types.page_folio(page), types.Folio)
    finally:
        runtime._IMPLEMENTATIONS.pop("page_folio", None)
        if saved is not None:
            runtime.implement("page_folio")(saved)
    saved_test = runtime._IMPLEMENTATIONS.pop("folio_test_anon", None)
    try:  # without a model, a narrowing predicate is the class test itself
        assert types.folio_test_anon(types.AnonFolio()) is True
        assert types.folio_test_anon(types.Folio()) is False
    finally:
        if saved_test is not None:
            runtime.implement("folio_test_anon")(saved_test)


def test_facts_read_back_as_written(bundled: Ontology) -> None:
    from ontology import types

    table = fact_table(bundled)
    as_metadata = {key: [list(row) for row in rows] for key, rows in fact_rows(table).items()}  # mypy's lists
    assert read_facts({"kernel": table.kernel, "data_hash": table.data_hash, **as_metadata}) == table
    assert table == types.FACTS


def test_facts_are_written_once_one_a_line(bundled: Ontology) -> None:
    text = TYPES_PATH.read_text(encoding="utf-8")
    lines = fact_lines(fact_table(bundled), "_rt.ontology_facts")
    start = text.splitlines().index(lines[0])
    assert text.splitlines()[start : start + len(lines)] == lines
    assert text.count("@_rt.") == 1
    # Rows are short, except the states table's: its rows carry the sentence a message prints.
    assert max(len(line) for line in lines if '("meaningless", ' not in line) < 160
    assert max(len(line) for line in lines) < 200


def test_own_fields_are_carried_by_refinements(bundled: Ontology) -> None:
    from ontology import types

    for name in bundled.types:
        carried = [(f.name, f.offset, f.bit_offset, f.c_type) for f in types.FACTS.types[name].fields]
        assert carried == [(f.name, f.offset, f.bit_offset, f.c_type) for f in bundled.own_fields(name)], name
    assert {p.name: p.value for p in types.FACTS.page_types.values()} == {
        p.name: p.value for p in bundled.page_types.values()
    }


def test_model_imports_only_the_generated_contract() -> None:
    """`import model` needs ontology.types and its runtime, not the engine (pydantic, networkx, lint)."""
    roots = {"ontology", "pydantic", "networkx"}
    probe = f"import sys, model; print(*sorted(m for m in sys.modules if m.split('.')[0] in {roots!r}))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["ontology", "ontology.facttable", "ontology.runtime", "ontology.types"]
