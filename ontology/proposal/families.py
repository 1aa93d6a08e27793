"""Function families: kernel API names that share a stem, read from the ontology's own names.

`unpin_user_page`, `unpin_user_pages`, `unpin_user_pages_dirty_lock` and
`unpin_user_page_range_dirty_lock` are one family: with a descriptor's plural spelled as the
descriptor (`pages` -> `page`, from the ontology's type names), the name of one is a prefix,
word by word, of the others'. No family list is kept anywhere: a proposal lint asks which
functions the ontology has and groups them by this rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from ontology.indexed import Ontology

MIN_STEM_WORDS = 2
"""A stem of one word (`folio`) would make every `folio_*` function one family."""


def stem(name: str, singulars: dict[str, str]) -> tuple[str, ...]:
    """The words of `name` with descriptor plurals made singular: `pin_user_pages_fast` ->
    (pin, user, page, fast)."""
    return tuple(singulars.get(word, word) for word in name.split("_") if word)


def singulars(onto: Ontology) -> dict[str, str]:
    """`pages` -> `page` for every type of the ontology (and its C struct name)."""
    names = set(onto.types) | {t.c_struct for t in onto.types.values() if t.c_struct}
    return {f"{name}s": name for name in names}


def related(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One stem starts the other, and the shorter has at least MIN_STEM_WORDS words."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= MIN_STEM_WORDS and long[: len(short)] == short


def families(names: Iterable[str], plural: dict[str, str]) -> list[list[str]]:
    """`names` grouped into families (connected by `related`), each sorted; families of one left out."""
    stems = {name: stem(name, plural) for name in sorted(set(names))}
    parent = {name: name for name in stems}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    ordered = sorted(stems, key=lambda n: (stems[n], n))
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if stems[second][: len(stems[first])] != stems[first]:
                break  # sorted by stem: no later name starts with this stem
            if related(stems[first], stems[second]):
                parent[root(second)] = root(first)
    groups: dict[str, list[str]] = {}
    for name in stems:
        groups.setdefault(root(name), []).append(name)
    return sorted(sorted(group) for group in groups.values() if len(group) > 1)


def family_name(members: Iterable[str], plural: dict[str, str]) -> str:
    """The stem the members share (`unpin_user_page`), for messages."""
    stems = [stem(name, plural) for name in members]
    common: list[str] = []
    for words in zip(*stems, strict=False):
        if len(set(words)) != 1:
            break
        common.append(words[0])
    return "_".join(common)
