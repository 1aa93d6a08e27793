"""The checker's facts (checker.facts) as the plugin reads them from metadata: types by name and
class, conversions, predicates, functions, field owners, and the conversion chains between types."""

from __future__ import annotations

import subprocess
import sys

from checker.facts import Facts
from ontology.facttable import ConversionFact, FieldFact, TypeFact
from tests.support.checker_facts import FOLIO_FIELDS, METADATA, facts_without, field_rows


def test_from_metadata_indexes_types_by_name_and_class(facts: Facts) -> None:
    assert facts.kernel == "6.18"
    folio_fields = tuple(FieldFact(*row) for row in field_rows("folio", FOLIO_FIELDS))
    anon = TypeFact("anon_folio", "AnonFolio", "refinement", "folio", "folio_test_anon", "", folio_fields)
    assert facts.types["anon_folio"] == anon
    assert facts.by_class["AnonFolio"] is facts.types["anon_folio"]
    assert sorted(facts.types) == sorted(t[0] for t in METADATA["types"])
    assert sorted(facts.by_class) == sorted(t[1] for t in METADATA["types"])


def test_from_metadata_conversions_predicates_functions(facts: Facts) -> None:
    assert facts.conversions["page_folio"] == ConversionFact("page_folio", "page", "folio", False)
    assert facts.conversions["folio_get_nontail_page"].checked is True  # 1 in the metadata
    assert facts.conversions["page_rmappable_folio"].checked is False  # 0 in the metadata
    assert facts.predicates == {
        "folio_test_anon": ("folio", "anon_folio"),
        "PageHead": ("page", "head_page"),
        "folio_test_dirty": ("folio", ""),
    }
    assert facts.functions["put_page"] == ("free", "folio_put")
    assert facts.functions["alloc_pages"] == ("alloc", "")
    assert facts.parameters == {"page_folio": ("page",), "alloc_pages": ("gfp", "order")}


def test_from_metadata_of_nothing_is_empty() -> None:
    empty = Facts.from_metadata({})
    assert (empty.kernel, empty.types, empty.conversions, empty.predicates, empty.functions) == ("", {}, {}, {}, {})
    assert empty.parameters == {}


def test_is_api_covers_functions_conversions_and_predicates(facts: Facts) -> None:
    assert facts.is_api("alloc_pages")
    assert facts.is_api("page_folio")
    assert facts.is_api("folio_test_dirty")
    assert not facts.is_api("folio")  # a type, not a function
    assert not facts.is_api("my_helper")


def test_field_owners_are_structs_and_proposals_not_refinements(facts: Facts) -> None:
    assert facts.field_owners("mapping") == ["folio", "page"]
    assert facts.field_owners("flags") == ["folio", "page", "page_32b", "slab"]
    assert facts.field_owners("memdesc") == ["page_32b"]
    assert facts.field_owners("nope") == []


def test_conversion_prefers_the_kernel_naming(facts: Facts) -> None:
    # gup_folio_range_next and folio_get_nontail_page sort before page_folio; page_folio still wins.
    assert facts.conversions_between("page", "folio") == ["page_folio"]
    assert facts.conversions_between("folio", "page") == ["folio_page"]


def test_conversion_without_the_kernel_naming_prefers_unchecked() -> None:
    # folio_get_nontail_page (checked) sorts before gup_folio_range_next (unchecked).
    assert facts_without("page_folio").conversions_between("page", "folio") == ["gup_folio_range_next"]
    only_checked = facts_without("page_folio", "gup_folio_range_next")
    assert only_checked.conversions_between("page", "folio") == ["folio_get_nontail_page"]


def test_conversion_chain_of_two(facts: Facts) -> None:
    assert facts.conversions_between("page", "slab") == ["page_folio", "folio_slab"]
    assert facts.conversions_between("slab", "page") == ["slab_folio", "folio_page"]


def test_conversion_from_a_refinement_starts_from_its_struct(facts: Facts) -> None:
    assert facts.conversions_between("anon_folio", "page") == ["folio_page"]
    assert facts.conversions_between("ksm_folio", "slab") == ["folio_slab"]
    # A head page has its own conversion (page_rmappable_folio) but the kernel naming still wins,
    # whatever the alphabetical order of the refinement's and the struct's names.
    assert facts.conversions_between("head_page", "folio") == ["page_folio"]
    assert facts.conversions_between("head_page", "slab") == ["page_folio", "folio_slab"]


def test_conversion_from_a_refinement_uses_its_own_when_it_is_the_only_one() -> None:
    assert facts_without("page_folio", "gup_folio_range_next", "folio_get_nontail_page").conversions_between(
        "head_page", "folio"
    ) == ["page_rmappable_folio"]
    # ...and a plain page cannot use it.
    assert (
        facts_without("page_folio", "gup_folio_range_next", "folio_get_nontail_page").conversions_between(
            "page", "folio"
        )
        == []
    )


def test_no_conversion(facts: Facts) -> None:
    assert facts.conversions_between("netmem_desc", "page") == []
    assert facts.conversions_between("page", "netmem_desc") == []
    assert facts.conversions_between("unknown", "page") == []


def test_the_plugin_loads_without_pydantic() -> None:
    """mypy loads the plugin into every run: what it imports is the plugin's fixed cost, and
    pydantic (the data loader's) alone took 0.18 s of a 1 s check of the bundled model."""
    code = "import sys, checker.plugin; print('pydantic' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
