"""Proposal lint: what a proposal says that its operations do not do (`memdesc propose lint`).

Three rules, each finding at the TOML key it is about:

- `proposal-half-converted`: an operation converts a function away from a descriptor (retypes
  it to another, or removes it) while a function of its family (`ontology.proposal.families`)
  still takes or returns that descriptor after the proposal: `unpin_user_page(s)` removed while
  `unpin_user_page_range_dirty_lock` still takes a page.
- `proposal-prose-untouched`: the summary, motivation or migration names a function (a known
  one, or any identifier written `name()`) that no operation touches, while one of its family
  is touched: the prose speaks of it, the diff forgot it.
- `proposal-prose-param`: the prose says "parameter `size_t *offsets`" (or argument) but no
  function an operation touches has a parameter of that name afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ontology.indexed import Ontology, Signature
from ontology.lint import Finding
from ontology.loader import Location, display_path
from ontology.proposal.families import families, family_name, singulars, stem
from ontology.proposal.schema import Proposal

LINT_RULES: dict[str, str] = {
    "proposal-half-converted": "an operation converts a function away from a descriptor (retypes it or removes "
    "it) while a function of its family still takes or returns that descriptor afterwards. A family is the "
    "ontology's functions that take or return the descriptor and whose names, with plurals of type names made "
    "singular, are word-prefixes of one another (the shorter at least two words): unpin_user_page, unpin_user_pages, "
    "unpin_user_pages_dirty_lock, unpin_user_page_range_dirty_lock.",
    "proposal-prose-untouched": "the summary, motivation or migration names a function (a known one, or any "
    "identifier written name()) that no operation touches, while a function of its family is touched.",
    "proposal-prose-param": "the prose says parameter `type name` (or argument) but no function an operation "
    "touches has a parameter of that name afterwards.",
}
"""Each rule and what it reports (the reference page lists them)."""

PROSE_FIELDS = ("summary", "motivation", "migration")
"""The prose keys whose function names must agree with the operations."""

_CALLED = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\(\)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PARAM = re.compile(r"\b(?:parameter|argument)s?\s+`([^`]+)`", re.IGNORECASE)
MAX_NAMED = 6
"""How many functions a finding names before saying how many more."""


def _listed(names: list[str]) -> str:
    shown = ", ".join(f"{name}()" for name in names[:MAX_NAMED])
    return shown + (f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")


def _descriptors(signature: Signature | None) -> set[str]:
    if signature is None:
        return set()
    return {t for t in [signature.returns, *(p.type for p in signature.params)] if t is not None}


def _touched(proposal: Proposal) -> dict[str, tuple[int, str]]:
    """Function names the operations are about -> (operation index, the key naming them)."""
    touched: dict[str, tuple[int, str]] = {}
    for index, operation in enumerate(proposal.operations):
        for key in ("function", "name"):
            value = getattr(operation, key, None)
            if key == "name" and operation.op not in ("add_function", "remove_function"):
                continue
            for name in [value] if isinstance(value, str) else value or []:
                touched.setdefault(name, (index, key))
    return touched


class _Linter:
    def __init__(self, proposal: Proposal, old: Ontology, new: Ontology, path: Path):
        self.proposal, self.old, self.new = proposal, old, new
        self.shown = display_path(path)
        self.plural = singulars(old)
        self.touched = _touched(proposal)

    def at_operation(self, index: int, key: str) -> Location:
        return Location(self.shown, self.proposal.operations[index].key_line(key))

    def at_prose(self, key: str) -> Location:
        return Location(self.shown, self.proposal.key_line(key))

    def now(self, descriptor: str) -> str:
        return descriptor if descriptor in self.new.types else self.new.aliases.get(descriptor, descriptor)

    def half_converted(self) -> Iterator[Finding]:
        takes = {name: _descriptors(self.old.readable_signature(name)) for name in self.old.functions}
        for descriptor in sorted({t for ts in takes.values() for t in ts}):
            users = [name for name, ts in takes.items() if descriptor in ts]
            kept = self.now(descriptor)
            for family in families(users, self.plural):
                converted = [
                    n for n in family if n in self.touched and kept not in _descriptors(self.new.readable_signature(n))
                ]
                left = [n for n in family if kept in _descriptors(self.new.readable_signature(n))]
                if not converted or not left:
                    continue
                index, key = min(self.touched[n] for n in converted)
                operation = self.proposal.operations[index].op
                yield Finding(
                    self.at_operation(index, key),
                    "proposal-half-converted",
                    f"{operation} {key}: family {family_name(family, self.plural)}* is half-converted: "
                    f"{_listed(converted)} no longer {'takes or returns' if len(converted) == 1 else 'take or return'} "
                    f"{descriptor}, "
                    f"{_listed(left)} still {'does' if len(left) == 1 else 'do'}",
                )

    def prose_texts(self) -> Iterator[tuple[str, str]]:
        for key in PROSE_FIELDS:
            value = getattr(self.proposal, key)
            yield key, " ".join(value) if isinstance(value, list) else value

    def prose_untouched(self) -> Iterator[Finding]:
        known = set(self.old.functions) | set(self.new.functions)
        touched_stems = {name: stem(name, self.plural) for name in self.touched}
        for key, text in self.prose_texts():
            named = set(_CALLED.findall(text)) | {w for w in _WORD.findall(text) if w in known}
            for name in sorted(named - set(self.touched)):
                siblings = sorted(
                    other for other, theirs in touched_stems.items() if families([name, other], self.plural)
                )
                if siblings:
                    yield Finding(
                        self.at_prose(key),
                        "proposal-prose-untouched",
                        f"[proposal] {key} names {name}(), which no operation touches, "
                        f"while its family is touched: {_listed(siblings)}",
                    )

    def prose_params(self) -> Iterator[Finding]:
        signatures = [self.new.readable_signature(name) for name in self.touched]
        params = {p.name for sig in signatures if sig is not None for p in sig.params}
        for key, text in self.prose_texts():
            for declaration in _PARAM.findall(text):
                words = _WORD.findall(declaration)
                if words and words[-1] not in params:
                    yield Finding(
                        self.at_prose(key),
                        "proposal-prose-param",
                        f"[proposal] {key} speaks of parameter `{declaration}`, "
                        f"but no function an operation touches has a parameter {words[-1]!r}",
                    )


def lint_proposal(proposal: Proposal, old: Ontology, new: Ontology, path: Path) -> list[Finding]:
    """Every proposal-lint finding, sorted by line, rule and message."""
    linter = _Linter(proposal, old, new, path)
    findings = [*linter.half_converted(), *linter.prose_untouched(), *linter.prose_params()]
    return sorted(set(findings), key=lambda f: (f.location.line or 0, f.rule, f.message))
