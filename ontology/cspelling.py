"""How C type words are spelled the one way memdesc compares them: qualifiers dropped, integer
types in one spelling (`long unsigned int` -> `unsigned long`).

Shared by the prototype parser (`ontology.cdecl`) and BTF's C view (`ontology.cview`); kept
apart from the parser, whose dataclasses (and their `inspect` import) would cost a cold verify
or census some 40 ms.
"""

from __future__ import annotations

QUALIFIER_WORDS = frozenset(
    {
        "const",
        "volatile",
        "restrict",
        "__restrict",
        "__user",
        "__rcu",
        "__iomem",
        "__force",
        "__bitwise",
        "__must_check",
        "static",
        "inline",
        "extern",
        "__always_inline",
        "noinline",
        "__init",
    }
)
BUILTIN_WORDS = frozenset(
    {"void", "char", "short", "int", "long", "signed", "unsigned", "float", "double", "bool", "_Bool"}
)
SPELLINGS = {
    "long unsigned int": "unsigned long",
    "unsigned long int": "unsigned long",
    "long int": "long",
    "short unsigned int": "unsigned short",
    "unsigned short int": "unsigned short",
    "short int": "short",
    "long long unsigned int": "unsigned long long",
    "unsigned long long int": "unsigned long long",
    "long long int": "long long",
    "unsigned": "unsigned int",
    "signed int": "int",
    "_Bool": "bool",
}


def normalise_base(words: list[str]) -> str:
    """Join type words, dropping qualifiers and spelling integer types one way."""
    kept = [word for word in words if word not in QUALIFIER_WORDS]
    base = " ".join(kept)
    return SPELLINGS.get(base, base)
