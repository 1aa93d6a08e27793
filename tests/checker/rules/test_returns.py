"""memdesc-return: an @implement's signature against the declaration, return type first, then
each parameter in order."""

from __future__ import annotations

from checker.rules import returns
from checker.rules.returns import Shape

ALLOC_PAGES = Shape(params=(("gfp", None), ("order", None)), returns="Page | None")
FOLIO_ADD = Shape(params=(("folio", "AnonFolio"), ("page", "Page"), ("nr", None)), returns=None)


def test_signature_matching_has_no_problem() -> None:
    assert returns.signature_problems("alloc_pages", ALLOC_PAGES, ALLOC_PAGES) == []
    renamed = Shape(params=(("f", "AnonFolio"), ("p", "Page"), ("n", None)), returns=None)
    assert returns.signature_problems("folio_add", FOLIO_ADD, renamed) == []


def test_signature_return_differs() -> None:
    implemented = Shape(params=(("gfp", None), ("order", None)), returns="Folio | None")
    assert returns.signature_problems("alloc_pages", ALLOC_PAGES, implemented) == [
        'alloc_pages() must return "Page | None" as the ontology declares, not "Folio | None"'
    ]
    untyped = Shape(params=(("gfp", None), ("order", None)), returns=None)
    assert returns.signature_problems("alloc_pages", ALLOC_PAGES, untyped) == [
        'alloc_pages() must return "Page | None" as the ontology declares, not "no descriptor type"'
    ]


def test_signature_param_differs() -> None:
    implemented = Shape(params=(("f", "Folio"), ("p", None), ("nr", None)), returns=None)
    assert returns.signature_problems("folio_add", FOLIO_ADD, implemented) == [
        'folio_add() parameter 1 "f" must be "AnonFolio" as the ontology declares, not "Folio"',
        'folio_add() parameter 2 "p" must be "Page" as the ontology declares, not "no descriptor type"',
    ]


def test_signature_missing_param() -> None:
    implemented = Shape(params=(("folio", "AnonFolio"),), returns=None)
    assert returns.signature_problems("folio_add", FOLIO_ADD, implemented) == [
        'folio_add() is missing parameter 2 "page" of type "Page"',
        'folio_add() is missing parameter 3 "nr" (not a descriptor)',
    ]


def test_signature_wants_every_parameter_and_types_only_descriptors() -> None:
    # A parameter the prototype has and the implementation lacks is reported even where no
    # descriptor sits (gup's added `offsets`); what sits there is not compared; more is allowed.
    implemented = Shape(params=(("gfp", "Folio"),), returns="Page | None")
    assert returns.signature_problems("alloc_pages", ALLOC_PAGES, implemented) == [
        'alloc_pages() is missing parameter 2 "order" (not a descriptor)'
    ]
    nothing = Shape(params=(), returns="Page | None")
    assert returns.signature_problems("alloc_pages", ALLOC_PAGES, nothing) == [
        'alloc_pages() is missing parameters 1 "gfp", 2 "order" (not descriptors)'
    ]
    extra = Shape(params=(("folio", "AnonFolio"), ("page", "Page"), ("nr", "Slab"), ("more", "Page")), returns="Page")
    assert returns.signature_problems("folio_add", FOLIO_ADD, extra) == []


def test_signature_return_then_params_in_order() -> None:
    declared = Shape(params=(("page", "Page"), ("folio", "Folio")), returns="Slab")
    implemented = Shape(params=(("page", "Folio"),), returns="Page")
    assert returns.signature_problems("f", declared, implemented) == [
        'f() must return "Slab" as the ontology declares, not "Page"',
        'f() parameter 1 "page" must be "Page" as the ontology declares, not "Folio"',
        'f() is missing parameter 2 "folio" of type "Folio"',
    ]


def _refines(given: str, wanted: str) -> bool:
    return (given, wanted) in {("AnonFolio", "Folio"), ("KsmFolio", "AnonFolio"), ("KsmFolio", "Folio")}


def test_variance_narrower_returns_and_wider_parameters_are_safe() -> None:
    declared = Shape(params=(("folio", "AnonFolio"), ("page", "Page")), returns="Folio | None")
    implemented = Shape(params=(("folio", "Folio"), ("page", "Page")), returns="KsmFolio")
    assert returns.signature_problems("f", declared, implemented, _refines) == []
    assert returns.signature_problems("f", declared, implemented) != []  # without the hierarchy: only equal


def test_variance_wider_returns_and_narrower_parameters_are_not() -> None:
    declared = Shape(params=(("folio", "Folio"),), returns="AnonFolio")
    implemented = Shape(params=(("folio", "KsmFolio"),), returns="AnonFolio | None")
    assert returns.signature_problems("f", declared, implemented, _refines) == [
        'f() must return "AnonFolio" as the ontology declares, not "AnonFolio | None"',
        'f() parameter 1 "folio" must be "Folio" as the ontology declares, not "KsmFolio"',
    ]


def test_fits_unions_none_and_any() -> None:
    assert returns.fits("None", "Folio | None") and not returns.fits("Folio | None", "Folio")
    assert returns.fits("Any", "Folio") and returns.fits("Folio", "Any")
    assert not returns.fits(None, "Folio")
    assert returns.fits("AnonFolio | None", "Folio | None", _refines)


def test_a_parameter_inserted_before_the_last_is_named_by_what_is_lacking() -> None:
    """gup's proposal inserts `offsets` before `locked`: the model still has `locked`, so the
    lacking parameter is `offsets` (the one no implemented parameter is named like), not the last."""
    declared = Shape(params=(("mm", None), ("folios", "Folio"), ("offsets", None), ("locked", None)), returns=None)
    implemented = Shape(params=(("mm", None), ("pages", "Folio"), ("locked", None)), returns=None)
    assert returns.signature_problems("gup", declared, implemented) == [
        'gup() is missing parameter 3 "offsets" (not a descriptor)'
    ]
    renamed = Shape(params=(("a", None), ("b", "Folio"), ("c", None)), returns=None)  # names say nothing: the last
    assert returns.signature_problems("gup", declared, renamed) == ['gup() is missing parameter 4 "locked" (not a descriptor)']
