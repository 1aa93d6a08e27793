"""Draft TOML entries for descriptor-typed BTF functions the ontology does not list yet.

`memdesc verify --draft` prints them, ready to curate: the prototype comes from BTF, the
category is a guess from the name (say so in review), and `source` cites the BTF source.
"""

from __future__ import annotations

import re

from ontology import cview
from ontology.btf import FUNC, FUNC_PROTO, Btf
from ontology.census import is_plumbing, take_census
from ontology.indexed import Ontology
from ontology.schema import CATEGORIES
from ontology.typegen.records import fact_table

CATEGORY_HINTS: tuple[tuple[str, str], ...] = (
    (r"gup|pin_user|unpin_|get_user_page", "gup"),
    (r"filemap|page_cache|pagecache|readahead|read_cache|mapping_|truncate", "pagecache"),
    (r"lru", "lru"),
    (r"rmap|anon_vma|page_vma_mapped|try_to_unmap|mkclean|referenced", "rmap"),
    (r"kmem_cache|kmalloc|kfree|slab|slub", "slab"),
    (r"pte|pmd|pud|p4d|pgd|pgtable|ptdesc|tlb", "pagetable"),
    (r"^zs_|zpdesc|zsmalloc|zspage", "zsmalloc"),
    (r"netmem|page_pool|net_iov|niov|skb", "netmem"),
    (r"hugetlb|huge_page|hugepage|hstate", "hugetlb"),
    (r"migrat|isolate|movable|compaction", "migrate"),
    (r"kmap|highmem|kunmap", "highmem"),
    (r"anon|fault|wp_page|swap", "anon"),
    (r"_ref_|refcount|ref_count|_try_get|get_page|put_page", "refcount"),
    (r"(^|_)(un)?lock|trylock|wait_on|_wait_", "lock"),
    (r"^_*(Set|Clear|Test(Set|Clear)?)?Page[A-Z]|^_*folio_(test|set|clear|mark)_", "flags"),
    (r"nr_pages|_order$|_size$|_shift$", "size"),
    (r"pfn|memmap|mem_map|memblock|section|_online|_offline|hotplug", "memmap"),
    (r"free|put|release|drop", "free"),
    (r"alloc|^new_|_new$|create", "alloc"),
)
"""First match wins; the result is a starting point for a human, not a fact."""

NO_GUESS = "TODO"
"""The category of a draft whose name suggests none: not a category, so `memdesc lint` refuses
the entry until someone chooses one (a guess such as "alloc" would pass review unnoticed)."""


def guess_category(name: str) -> str:
    for pattern, category in CATEGORY_HINTS:
        if re.search(pattern, name):
            return category
    return NO_GUESS


def _prototype(btf: Btf, public: str, symbol: str) -> str:
    proto = btf.type(btf.ref(btf.find(FUNC, symbol) or 0))
    assert proto.kind == FUNC_PROTO
    params = []
    for index, param in enumerate(proto.members):
        c_type = cview.c_type(btf, param.type_id)
        name = param.name or f"arg{index}"
        if c_type == "void (*)(void)":
            params.append(f"void (*{name})(void)")
        else:
            params.append(f"{c_type}{'' if c_type.endswith('*') else ' '}{name}")
    returns = cview.c_type(btf, proto.ref)
    gap = "" if returns.endswith("*") else " "
    return f"{returns}{gap}{public}({', '.join(params) or 'void'})"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def draft_entries(onto: Ontology, btf: Btf, limit: int | None = None) -> str:
    """TOML `[[function]]` entries for BTF functions mentioning a descriptor, not yet listed."""
    known: set[str] = set()
    for function in onto.functions.values():
        known.update(filter(None, (function.name, function.impl, f"{function.name}_noprof")))
    known.update(onto.conversions)
    known.update(onto.predicates)
    source = next((s.id for s in sorted(onto.sources.values(), key=lambda s: s.id) if s.kind == "btf"), "btf")
    census = take_census(fact_table(onto), btf)
    blocks = [
        f"# Drafted by `memdesc verify --draft` from {btf.path}: BTF functions that take or return a",
        "# memory descriptor and are not in the ontology. Prototypes are BTF's; categories are guessed",
        "# from the name (TODO where the name suggests none). Curate before adding: category, nullable,",
        "# frees_with, param refinements.",
    ]
    for symbol in sorted(census.mentions):
        if symbol in known or symbol.removesuffix("_noprof") in known or is_plumbing(symbol.removeprefix("do_")):
            continue  # tracepoint plumbing (`__traceiter_*`...) is no API to list
        public = symbol.removesuffix("_noprof")
        category = guess_category(public)
        lines = [""]
        if category == NO_GUESS:
            lines.append(f"# no category guessed from the name: choose one of {', '.join(CATEGORIES)}")
        lines += [
            "[[function]]",
            f"name = {_toml_string(public)}",
            f"category = {_toml_string(category)}",
            f"prototype = {_toml_string(_prototype(btf, public, symbol))}",
            'form = "function"',
        ]
        if public != symbol:
            lines.append(f"impl = {_toml_string(symbol)}")
        lines.append(f"source = {_toml_string(source)}")
        lines.append(
            f"notes = {_toml_string('Drafted from BTF; mentions ' + ', '.join(sorted(census.mentions[symbol])))}"
        )
        blocks.append("\n".join(lines))
        if limit is not None and len(blocks) - 4 >= limit:
            break
    return "\n".join(blocks) + "\n"
