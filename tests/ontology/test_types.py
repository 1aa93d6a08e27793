"""The generated ontology.types: current with the data, and telling mypy and Python the truth."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from mypy import api as mypy_api

from ontology import runtime
from ontology.indexed import Ontology
from ontology.typegen import TYPES_PATH, class_name, generate


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
        assert cls.__memdesc__.get("name") == typedef.name
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
