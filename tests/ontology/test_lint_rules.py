"""Every lint rule, each with a fixture that breaks it, and the unusable-input cases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ontology.errors import InputError
from ontology.lint import Finding
from ontology.strict import lint_path
from tests.support.paths import MINI

Mutate = Callable[..., Path]


def rules(findings: list[Finding]) -> list[str]:
    return [finding.rule for finding in findings]


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_mini_fixture_is_clean() -> None:
    assert lint_path(MINI) == []


def test_schema_unknown_key_names_entry_and_line(mutate: Mutate) -> None:
    path = mutate(('summary = "A page frame."', 'summary = "A page frame."\ncolour = "blue"'))
    findings = lint_path(path)
    assert rules(findings) == ["schema"]
    assert "colour: unknown key" in findings[0].message
    assert findings[0].location.line == line_of(path, 'name = "page"') - 1


def test_schema_wrong_value_type(mutate: Mutate) -> None:
    path = mutate(("size = 64", 'size = "64"'))
    assert rules(lint_path(path)) == ["schema"]


def test_dangling_parent_suggests_close_match(mutate: Mutate) -> None:
    path = mutate(('parents = ["folio"]', 'parents = ["foilo"]'))
    findings = lint_path(path)
    assert "dangling-ref" in rules(findings)
    message = next(f.message for f in findings if f.rule == "dangling-ref")
    assert "'foilo'" in message and "did you mean 'folio'?" in message


def test_dangling_source_and_match_field(mutate: Mutate) -> None:
    path = mutate(
        ('matches = "mapping"', 'matches = "maping"'),
        ('summary = "A page frame."\nc_struct', 'summary = "A page frame."\nc_struct'),
    )
    path.write_text(
        path.read_text().replace(
            'source = "mm_types.h"\nfields = [\n  { name = "flags", offset = 0, size = 8, c_type = "unsigned long" },',
            'source = "mm_types.hh"\nfields = [\n  { name = "flags", offset = 0, size = 8, c_type = "unsigned long" },',
            1,
        )
    )
    findings = [f for f in lint_path(path) if f.rule == "dangling-ref"]
    messages = " ".join(f.message for f in findings)
    assert "field 'maping'" in messages and "did you mean 'mapping'?" in messages
    assert "source 'mm_types.hh'" in messages
    mapping_line = line_of(path, '"maping"')
    assert any(f.location.line == mapping_line for f in findings)


def test_refinement_cycle_names_every_member(mutate: Mutate) -> None:
    extra = """
[[type]]
name = "lru_mem"
kind = "proposed"
status = "proposed"
summary = "x"
parents = ["file_mem"]
source = "mm_types.h"

[[type]]
name = "file_mem"
kind = "proposed"
status = "proposed"
summary = "x"
parents = ["mappable"]
source = "mm_types.h"

[[type]]
name = "mappable"
kind = "proposed"
status = "proposed"
summary = "x"
parents = ["lru_mem"]
source = "mm_types.h"
"""
    findings = lint_path(mutate(append=extra))
    cycles = [f for f in findings if f.rule == "refinement-cycle"]
    assert len(cycles) == 1
    assert "file_mem -> mappable -> lru_mem -> file_mem" in cycles[0].message


def test_duplicate_type_name(mutate: Mutate) -> None:
    extra = '\n[[type]]\nname = "anon_folio"\nkind = "proposed"\nstatus = "proposed"\nsummary = "again"\nsource = "mm_types.h"\n'
    path = mutate(append=extra)
    findings = [f for f in lint_path(path) if f.rule == "duplicate-name"]
    assert len(findings) == 1
    assert findings[0].location.line == len(MINI.read_text().splitlines()) + 2
    assert "already defined at" in findings[0].message


def test_duplicate_across_function_namespaces(mutate: Mutate) -> None:
    extra = (
        '\n[[function]]\nname = "page_folio"\ncategory = "alloc"\n'
        'prototype = "struct folio *page_folio(const struct page *page)"\nsource = "mm_types.h"\n'
    )
    assert "duplicate-name" in rules(lint_path(mutate(append=extra)))


def test_duplicate_field(mutate: Mutate) -> None:
    path = mutate(('{ name = "_refcount", offset = 52', '{ name = "mapping", offset = 52'))
    assert "duplicate-name" in rules(lint_path(path))


def test_overlay_offset_contradicts_partner(mutate: Mutate) -> None:
    path = mutate(
        (
            '{ name = "mapping", offset = 24, size = 8, c_type = "struct address_space *", matches',
            '{ name = "mapping", offset = 32, size = 8, c_type = "struct address_space *", matches',
        )
    )
    findings = [f for f in lint_path(path) if f.rule == "overlay-mismatch"]
    assert len(findings) == 1
    assert "folio.mapping is at byte 32 but its match page.mapping is at byte 24" in findings[0].message


def test_overlay_tail_page_copy(mutate: Mutate) -> None:
    path = mutate(('{ name = "_head_1", offset = 72', '{ name = "_head_1", offset = 80'))
    message = next(f.message for f in lint_path(path) if f.rule == "overlay-mismatch")
    assert "page[1].compound_head is at byte 72" in message


def test_field_past_size(mutate: Mutate) -> None:
    path = mutate(('{ name = "_refcount", offset = 52, size = 4', '{ name = "_refcount", offset = 62, size = 4'))
    findings = [f for f in lint_path(path) if f.rule == "field-past-size"]
    assert len(findings) == 1 and "ends at byte 66" in findings[0].message
    assert findings[0].location.line == line_of(path, '"_refcount"')


def test_bitfield_outside_storage(mutate: Mutate) -> None:
    path = mutate(
        (
            '{ name = "_refcount", offset = 52, size = 4, c_type = "atomic_t" }',
            '{ name = "_refcount", offset = 52, size = 4, c_type = "unsigned int", bit_offset = 440, bit_size = 16 }',
        )
    )
    assert "field-past-size" in rules(lint_path(path))


def test_overlay_using_bit0_of_compound_head(mutate: Mutate) -> None:
    path = mutate(
        (
            '{ name = "lru", offset = 8, size = 16, c_type = "struct list_head", matches = "compound_head" }',
            '{ name = "counter", offset = 8, size = 4, c_type = "unsigned int" }',
        )
    )
    findings = [f for f in lint_path(path) if f.rule == "tail-marker-bit"]
    assert len(findings) == 1
    assert "folio.counter" in findings[0].message and "page.compound_head" in findings[0].message


def test_bit0_allowed_when_owner_keeps_it_clear(mutate: Mutate) -> None:
    path = mutate(
        (
            '{ name = "lru", offset = 8, size = 16, c_type = "struct list_head", matches = "compound_head" }',
            '{ name = "counter", offset = 8, size = 4, c_type = "unsigned int", keeps_bit0_clear = true }',
        )
    )
    assert "tail-marker-bit" not in rules(lint_path(path))


def test_conversion_ends_disagree_with_prototype(mutate: Mutate) -> None:
    path = mutate(
        (
            'prototype = "struct folio *page_folio(const struct page *page)"',
            'prototype = "struct page *page_folio(const struct folio *page)"',
        )
    )
    findings = [f for f in lint_path(path) if f.rule == "conversion-signature"]
    assert len(findings) == 2
    assert any("claims to return 'folio'" in f.message for f in findings)
    assert any("claims to take 'page'" in f.message for f in findings)


def test_function_param_override_must_refine(mutate: Mutate) -> None:
    path = mutate(('params = [{ name = "folio", type = "folio" }]', 'params = [{ name = "folio", type = "page" }]'))
    assert "conversion-signature" in rules(lint_path(path))


def test_unparseable_prototype(mutate: Mutate) -> None:
    path = mutate(('prototype = "void folio_put(struct folio *folio)"', 'prototype = "folio_put folio"'))
    assert "prototype" in rules(lint_path(path))


def test_prototype_names_another_function(mutate: Mutate) -> None:
    path = mutate(
        ('prototype = "void folio_put(struct folio *folio)"', 'prototype = "void folio_get(struct folio *folio)"')
    )
    assert "prototype" in rules(lint_path(path))


def test_refinement_without_predicate(mutate: Mutate) -> None:
    path = mutate(('predicate = "folio_test_anon"\nsource', "source"))
    assert "type-shape" in rules(lint_path(path))


def test_refinement_predicate_must_establish_it(mutate: Mutate) -> None:
    path = mutate(('establishes = "anon_folio"', 'establishes = "folio"'))
    found = rules(lint_path(path))
    assert found.count("refinement-predicate") == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"[[type]\nname = 1", "invalid TOML"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00", "binary data"),
        (b"\xff\xfe\xfa", "not UTF-8"),
        (b"a = " + b"[" * 50000 + b"]" * 50000, "nesting too deep"),
    ],
)
def test_unusable_input_is_one_error(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        lint_path(path)
    assert expected in str(caught.value)
    assert str(caught.value).startswith(str(path)) or "bad.toml" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        lint_path(tmp_path / "absent.toml")
    with pytest.raises(InputError, match="is a directory"):
        lint_path(tmp_path)


def test_invalid_toml_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[ontology]\nkernel = "6.18"\ntitle = "x"\n\n[[type]]\nname = = 3\n')
    with pytest.raises(InputError) as caught:
        lint_path(path)
    assert caught.value.line == 6


def test_missing_include(tmp_path: Path) -> None:
    path = tmp_path / "root.toml"
    path.write_text('[ontology]\nkernel = "6.18"\ntitle = "x"\ninclude = ["absent.toml"]\n')
    with pytest.raises(InputError, match=r"absent\.toml: no such file"):
        lint_path(path)
