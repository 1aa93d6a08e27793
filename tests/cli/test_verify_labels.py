"""`verify`'s text says in words what each agreement checked (issue 15: `4 parameter,
parameters, returns` and `pgtable_t: means` were the labels before)."""

from __future__ import annotations

from collections import Counter

from memdesc.btf_display import ASPECT_WORDS, agreement_line, verify_text


def test_a_function_agrees_on_its_prototype() -> None:
    aspects = Counter({"parameter": 4, "parameters": 1, "returns": 1})
    assert agreement_line("__alloc_pages (__alloc_pages_noprof)", aspects) == (
        "__alloc_pages() (as __alloc_pages_noprof()): prototype: 4 parameters by name and type, "
        "parameter count, return type"
    )
    assert agreement_line("__folio_put", Counter({"parameter": 1, "parameters": 1, "returns": 1})) == (
        "__folio_put(): prototype: parameter by name and type, parameter count, return type"
    )


def test_a_struct_and_a_typedef_read_as_words() -> None:
    struct = agreement_line("slab", Counter({"offset": 17, "c_type": 17, "matches": 4, "bits": 1}))
    assert struct == "slab: bitfield position, 17 field C types, 4 *_MATCH pairs, 17 field offsets"
    assert agreement_line("pgtable_t", Counter({"means": 1})) == "pgtable_t: what the typedef stands for"


def test_every_aspect_the_judges_use_has_words() -> None:
    """The aspects in a real answer (the bundled 6.18 kernel's) all have words: none prints raw."""
    from ontology.answercache import verify_answer
    from tests.support.paths import ROOT

    answer = verify_answer(ROOT / "ontology" / "kernels" / "linux-6.18.44.btf.xz", kernel="6.18")
    assert {fact["aspect"] for fact in answer["agreements"]} <= set(ASPECT_WORDS)
    text = verify_text(answer)
    assert "parameter, parameters" not in text and ": means" not in text
