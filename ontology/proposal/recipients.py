"""Who a proposal's cover letter goes to, from the kernel tree's MAINTAINERS.

What a linux-mm reviewer expects of an RFC cover letter: To the lists of the sections covering
the files that define the changed functions and structs (linux-mm for gup), Cc their maintainers and
reviewers and the catch-all list (linux-kernel); not the people of every subsystem that calls
the functions. Those subsystems are counted and named in the letter instead, and their lists are
Cc'd, most call sites first, while the Cc list is below `MAX_CC`. Sections rank as in
scripts/get_maintainer.pl: the most precise pattern first (mm/gup.c's GUP section before mm/'s).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ontology.maintainers import Index, Section
from ontology.proposal.kernel_impact import KernelImpact

MAX_CC = 24
"""Addresses on the Cc line at most; the letter says how many were left off."""

_ADDRESS = re.compile(r"<([^<>\s]+@[^<>\s]+)>\s*$")
_SPECIALS = set('()<>[]:;@\\,."')


@dataclass(frozen=True)
class Recipients:
    """To and Cc, and what the letter says about them."""

    to: list[str]
    cc: list[str]
    definers: list[tuple[str, list[str]]]
    """(section title, the changed functions' files it covers), in rank order."""
    callers: list[tuple[str, int]] = field(default_factory=list)
    """Other sections covering call sites: (title, call sites), most first."""
    left_off: int = 0
    undefined: list[str] = field(default_factory=list)
    """Changed functions and structs the tree defines nowhere (added by the proposal, or gone)."""


def address_of(entry: str) -> str:
    """The address of `Name <addr>` or of a bare `addr`, lower-cased: what makes two entries one."""
    match = _ADDRESS.search(entry)
    return (match.group(1) if match else entry.split()[0] if entry.split() else entry).lower()


def mailbox(entry: str) -> str:
    """`Name <addr>` as a header may carry it: a display name with `.` or `,` quoted."""
    match = _ADDRESS.search(entry)
    if match is None:
        return entry.strip()
    name = entry[: match.start()].strip().strip('"').replace("\\", "").replace('"', "")
    if not name:
        return f"<{match.group(1)}>"
    quoted = f'"{name}"' if _SPECIALS & set(name) else name
    return f"{quoted} <{match.group(1)}>"


def _ranked(index: Index, defined: Mapping[str, Sequence[str]]) -> list[tuple[Section, list[str]]]:
    """Sections covering a file that defines a changed function or struct, with those files: the
    section covering the most of the functions first (then of the structs), then the most
    precise (GUP's mm/gup.c before mm/)."""
    found: dict[int, tuple[set[str], int, set[str]]] = {}
    position = {id(section): number for number, section in enumerate(index.sections)}
    for name, paths in sorted(defined.items()):
        for path in paths:
            for depth, section in index.covering(path):
                names, best, covered = found.setdefault(position[id(section)], (set(), depth, set()))
                names.add(name)
                covered.add(path)
                found[position[id(section)]] = (names, max(best, depth), covered)

    def rank(item: tuple[int, tuple[set[str], int, set[str]]]) -> tuple[int, int, int, str]:
        number, (names, depth, _) = item
        functions = sum(1 for name in names if not name.startswith("struct "))
        return (-functions, -len(names), -depth, index.sections[number].title)

    order = sorted(found.items(), key=rank)
    return [(index.sections[number], sorted(covered)) for number, (_, _, covered) in order]


def _caller_sections(index: Index, impact: KernelImpact, skip: set[str]) -> Counter[str]:
    """Call sites per most precise section of each call site's file (not the catch-all),
    outside `skip`."""
    per_file = Counter(site.path for site in impact.sites)
    counts: Counter[str] = Counter()
    for path, sites in sorted(per_file.items()):
        matched = [(depth, s.title) for depth, s in index.covering(path) if not s.covers_everything]
        if not matched:
            continue
        best = max(depth for depth, _ in matched)
        for _, title in (m for m in matched if m[0] == best):
            if title not in skip:
                counts[title] += sites
    return counts


def derive_recipients(
    sections: Sequence[Section],
    defined: Mapping[str, Sequence[str]],
    functions: Sequence[str],
    impact: KernelImpact | None = None,
) -> Recipients:
    """To/Cc for the changed `functions` (and `struct NAME`s), given the files that define them
    (`defined`)."""
    index = Index(sections)
    ranked = _ranked(index, {name: defined[name] for name in functions if name in defined})
    to: list[str] = []
    people: list[str] = []
    lists: list[str] = []
    for section, _ in ranked:
        if section.covers_everything:
            lists.extend(section.lists)
            continue
        to.extend(section.lists)
        people.extend(section.maintainers + section.reviewers)
    callers: list[tuple[str, int]] = []
    if impact is not None:
        by_title = {s.title: s for s in sections}
        counts = _caller_sections(index, impact, {s.title for s, _ in ranked})
        callers = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        lists.extend(entry for title, _ in callers for entry in by_title[title].lists)
    seen: set[str] = set()
    unique_to = [entry for entry in to if not _seen(entry, seen)]
    cc = [mailbox(entry) for entry in people + lists if not _seen(entry, seen)]
    definers = [(section.title, covered) for section, covered in ranked if not section.covers_everything]
    undefined = sorted(set(functions) - set(defined))
    return Recipients(unique_to, cc[:MAX_CC], definers, callers, max(0, len(cc) - MAX_CC), undefined)


def _seen(entry: str, seen: set[str]) -> bool:
    address = address_of(entry)
    if address in seen:
        return True
    seen.add(address)
    return False
