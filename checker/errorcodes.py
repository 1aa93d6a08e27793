"""The checker's error codes and its rules: the one description of each rule.

Each rule has one error code, a sub-code of the umbrella `memdesc`: `# type: ignore[memdesc]` or
`--disable-error-code memdesc` covers them all, and each can be silenced alone
(`# type: ignore[memdesc-field]`). A code's description says the rule in one line; `RULES` adds
why it exists and what of it only `memdesc check` finds. mypy lists the descriptions, and the
rules page (docs/checker/rules.md) is generated from `RULES`: the rule modules, the README and
the guides point here rather than describe a rule again.
"""

from __future__ import annotations

from typing import NamedTuple

from mypy.errorcodes import ErrorCode

MEMDESC = ErrorCode("memdesc", "Memory descriptor ontology rules (memdesc)", "memdesc")
CONVERT = ErrorCode(
    "memdesc-convert", "A descriptor changes type only through a registered conversion", "memdesc", sub_code_of=MEMDESC
)
FIELD = ErrorCode("memdesc-field", "A descriptor field is used on a type that owns it", "memdesc", sub_code_of=MEMDESC)
RETURN = ErrorCode(
    "memdesc-return", "Kernel API functions have the ontology's descriptor types", "memdesc", sub_code_of=MEMDESC
)
NARROW = ErrorCode(
    "memdesc-narrow", "A refinement is established by its predicate before use", "memdesc", sub_code_of=MEMDESC
)
DEPRECATED = ErrorCode(
    "memdesc-deprecated",
    "Page-based API with a folio replacement (note)",
    "memdesc",
    default_enabled=False,
    sub_code_of=MEMDESC,
)
INTERNAL = ErrorCode("memdesc-internal", "The memdesc checker failed on this line", "memdesc", sub_code_of=MEMDESC)


class Rule(NamedTuple):
    """A checker rule: its code (whose description is the rule in one line) and its explanation.
    (A NamedTuple, not a frozen dataclass: the plugin imports this module at every mypy start.)"""

    code: ErrorCode
    why: str
    """What the rule protects, for a kernel developer."""
    check_only: str = ""
    """The findings of this rule that only `memdesc check` makes (its post-pass), if any."""


RULES: tuple[Rule, ...] = (
    Rule(
        CONVERT,
        why=(
            "A `struct folio` is not an object of its own: it is the head page (and the three struct pages after "
            "it) read through another struct, just as `struct slab` and `struct ptdesc` are struct pages read "
            "differently. C lets any `struct page *` be cast to `struct folio *`, and that cast is wrong whenever "
            "the page is a tail page: the folio's fields would be read from the middle of a compound page. "
            "`page_folio()` is the cast done right: it follows `compound_head` (bit 0 set on a tail page) to the "
            "head first. Each registered conversion (`folio_page()`, `folio_slab()`, `page_ptdesc()`...) is such "
            "a cast with what it assumes written down: `page_rmappable_folio()` assumes a head page, a checked "
            "conversion such as `folio_get_nontail_page()` may return NULL.\n\n"
            "In a model, `Folio(page)`, `typing.cast(Folio, page)` and a helper that takes a page and returns a "
            "folio are all the bare cast. The checker asks for a registered conversion and names the shortest "
            "chain of them (`memdesc path page slab` prints the same). A helper outside the registry would also "
            "hide a conversion from `memdesc path` and from a proposal's impact check."
        ),
        check_only="`typing.cast` between descriptors and converting functions outside the registry",
    ),
    Rule(
        FIELD,
        why=(
            "The descriptors that overlay struct page name its words each in their own way (the `FOLIO_MATCH`, "
            "`SLAB_MATCH` and `TABLE_MATCH` asserts in the kernel pin the shared ones). In a slab, the word where a "
            "page or a folio keeps `->mapping` belongs to `slab_list` and the union around it: reading "
            "`->mapping` through a slab reads a list pointer. In C the "
            "mistake needs a cast; in a model every descriptor class accepts every field name (so that the "
            "checker, rather than mypy's `attr-defined`, reports it), and this rule says which types own the "
            "field. A refinement (`anon_folio`, `head_page`) has its struct's fields; the message names the "
            "struct in parentheses. `memdesc layout page slab` shows the words side by side.\n\n"
            "Which words mean anything also depends on the state a page is in: on a tail page word 1 is "
            "compound_head and the words after it hold the folio's second-page fields, so a tail page's "
            "`->mapping`, `->index` and `->lru` are not its own; on a slab page they are struct slab's. The "
            "ontology derives these from the layouts (a refinement's `overlaid_by`) and states the reasons "
            "(`meaningless`); the rule reports a field used on a descriptor whose type is such a state "
            "(`if PageTail(page): page.mapping`), and `memdesc check` also one that may be in it by its origin "
            "(`folio_page(folio, i)` may be a tail page) unless a test earlier in the function excludes it "
            "(`if PageTail(page): return`, `assert not PageTail(page)`)."
        ),
        check_only=(
            "fields of values that may be in such a state by their origin and are not excluded by a test "
            "(`checker.flow`)"
        ),
    ),
    Rule(
        RETURN,
        why=(
            "The ontology declares each kernel API function with the descriptor types of its C prototype "
            "(`memdesc verify` checks them against the kernel's BTF): `alloc_pages()` returns a `struct page *` "
            "that may be NULL, hence `Page | None`. A model's implementation stands for that function, so its "
            "callers are checked against the declaration; an implementation with other types would make the "
            "model run code the kernel cannot have. The kernel has one namespace: a model function named "
            "`folio_put` is the kernel's `folio_put`, registered with `@implement` or not. An implementation "
            "must take every parameter of the prototype (one the kernel or a proposal added, as 7.2 added "
            "`alloc_flags` to `allocate_slab()`, is reported) and may take more; the types at positions where "
            "the declaration has no descriptor (gfp flags, orders, addresses) are not checked."
        ),
        check_only=(
            "functions named like a kernel API function that are not `@implement`ed, and implementations "
            'registered under another name (`@implement("page_folio")`)'
        ),
    ),
    Rule(
        NARROW,
        why=(
            "A refinement is a state of a descriptor that the kernel tests with a predicate: `folio_test_anon()` "
            "reads the `FOLIO_MAPPING_ANON` bit of `->mapping`, `PageHead()` reads `PG_head`, "
            "`folio_test_hugetlb()` the page type. Functions that only make sense in one state take the "
            "refinement: `folio_add_anon_rmap_pte()` an `anon_folio`, `free_huge_folio()` a `hugetlb_folio`. "
            "The generated predicates return `TypeIs[...]`, so `if folio_test_anon(folio):` narrows `folio` to "
            "`AnonFolio` inside the branch: the test a kernel developer writes before such a call is what the "
            "type needs. A cast asserts the state without looking at the flags. At such a call the plugin "
            "accepts the plain struct (so mypy's own `arg-type` error does not fire) and reports this rule with "
            "the predicate to use. A value narrowed by either of two predicates is each of them in turn: after "
            "`if folio_test_hugetlb(folio) or folio_test_large(folio):` it may be a THP, which `folio_hstate()` "
            "must not get (the migration bug fixed by 30b0a105d9f7).\n\n"
            "Contracts can also require a state to be excluded: `page_rmappable_folio()` wants a head or order-0 "
            "page (`not tail_page`), `get_page()` and `put_page()` refuse slab pages (`not slab_page`). mypy narrows "
            "only toward a refinement, so these are checked by `memdesc check`, which follows what each function "
            "tests (`if PageSlab(page): return`), what the functions it calls ensure (`compound_head()` never "
            "returns a tail page) and where a value comes from (`virt_to_page()` may return a slab page). A call "
            "that releases the descriptor (`put_page()`, `folio_put()`) ends what was known of it, but for what "
            "its memory is (ZONE_DEVICE), which `page_folio()` and `folio->page` carry too. A parameter is "
            "taken to be what its function needs: its callers are checked against the function's contract when "
            "the ontology declares one; a model that `@implement`s a kernel function starts instead with what "
            "that function's callers may pass (`put_page()` gets ZONE_DEVICE pages, which the page allocator's "
            "frees must never get: the release_pages() bug fixed by c5d6c45e90c4)."
        ),
        check_only="`typing.cast` to a refinement; contracts that exclude a state (`not tail_page`)",
    ),
    Rule(
        DEPRECATED,
        why=(
            "The page-based API is being converted to folios: `lock_page(page)` amounts to "
            "`folio_lock(page_folio(page))`, `put_page(page)` to `folio_put(page_folio(page))`, each call "
            "looking up the folio again. New code takes the folio once and uses the folio API. The ontology "
            "records the replacement of each such function; this rule prints it as a note (notes do not fail "
            "the run). It is off by default: a model of today's kernel still calls the page-based API, and the "
            "note is advice, not an error."
        ),
    ),
    Rule(
        INTERNAL,
        why=(
            "An exception inside one of the plugin's callbacks becomes this error at the line being checked, "
            "instead of an INTERNAL ERROR that stops mypy. The message names the exception. It is a bug in "
            "the checker: please report it with the line; silencing it as below keeps a project checking "
            "meanwhile. No example here: a correct checker cannot be made to print it."
        ),
    ),
)


ALL = tuple(rule.code for rule in RULES)
"""The rules' codes, in the order the docs show them."""
