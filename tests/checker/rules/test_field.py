"""memdesc-field: the message names the field's owners, or its refinement's struct."""

from __future__ import annotations

from checker.facts import Facts
from checker.rules import field


def test_field_message_names_the_owners(facts: Facts) -> None:
    assert (
        field.field_message(facts, "mapping", "slab") == '"mapping" is not a field of slab; it belongs to folio, page'
    )
    assert field.field_message(facts, "slab_cache", "page") == '"slab_cache" is not a field of page; it belongs to slab'


def test_field_message_on_a_refinement_names_its_struct(facts: Facts) -> None:
    assert field.field_message(facts, "slab_cache", "anon_folio") == (
        '"slab_cache" is not a field of anon_folio (a folio); it belongs to slab'
    )
    assert field.field_message(facts, "slab_cache", "head_page") == (
        '"slab_cache" is not a field of head_page (a page); it belongs to slab'
    )


def test_field_message_without_owner_or_known_receiver(facts: Facts) -> None:
    assert field.field_message(facts, "nope", "page") == '"nope" is not a field of page; no descriptor declares it'
    assert (
        field.field_message(facts, "memdesc", "widget") == '"memdesc" is not a field of widget; it belongs to page_32b'
    )
