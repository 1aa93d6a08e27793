"""The ontology being changed by a proposal: a working copy of its entries and their places.

Operations read and replace entries here; nothing of the original `Ontology` is mutated (its
entries are frozen pydantic models, and replacing one builds a new entry). Every entry an
operation creates or changes is placed at that operation's line, so lint findings about it
point into the proposal. Names are followed through two kinds of reference: by name (a
parent, a conversion's ends, a parameter narrowed to a refinement...) and by C name (a
prototype's `struct page *`, a handle's typedef), because both make a type part of the API.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ontology.indexed import Ontology
from ontology.loader import Entry, LoadResult, Location
from ontology.schema import TypeDef
from ontology.suggest import suggest
from ontology.tomlpos import EntryPositions

NAMED_SECTIONS = ("source", "type", "page_type", "predicate", "conversion", "function", "typedef")
CALLABLE_SECTIONS = ("function", "conversion", "predicate")


Problem = tuple[str, str] | tuple[str, str, str]
"""(rule, message), or (rule, message, key) for a problem with one key of the operation (its
line is reported instead of the operation's)."""


class Rejected(Exception):
    """An operation that cannot be applied: its problems; the state is rolled back."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(problem[1] for problem in problems))
        self.problems = problems


def _item_name(section: str, item: Any) -> str:
    return str(item.id if section == "source" else item.name)


def _map_type_names(section: str, item: Any, rename: Callable[[str], str]) -> Any:
    """`item` with every type name it mentions passed through `rename` (a new item if any changed)."""

    def one(name: str | None) -> str | None:
        return None if name is None else rename(name)

    update: dict[str, Any] = {}
    if section == "type":
        update = {
            "parents": [rename(p) for p in item.parents],
            "overlays": one(item.overlays),
            "realized_by": one(item.realized_by),
            "refers_to": [rename(r) for r in item.refers_to],
        }
    elif section == "predicate":
        update = {"takes": rename(item.takes), "establishes": one(item.establishes)}
    elif section == "conversion":
        update = {"source_type": rename(item.source_type), "target_type": rename(item.target_type)}
    elif section == "function":
        params = [param.model_copy(update={"type": one(param.type)}) for param in item.params]
        update = {"returns": one(item.returns), "params": params}
    elif section in ("page_type",):
        update = {"marks": one(item.marks)}
    elif section == "memdesc_tag":
        update = {"type": one(item.type)}
    changed = {key: value for key, value in update.items() if value != getattr(item, key)}
    return item.model_copy(update=changed) if changed else item


def c_pattern(c_name: str) -> re.Pattern[str]:
    """A regex finding a C type name in a prototype: `struct page` as a whole word, or a typedef."""
    if c_name.startswith("struct "):
        return re.compile(r"\bstruct\s+" + re.escape(c_name.removeprefix("struct ")) + r"\b")
    return re.compile(r"\b" + re.escape(c_name) + r"\b")


def replace_c_name(pattern: re.Pattern[str], new_c: str, text: str) -> str:
    """`text` with every match of `pattern` replaced by `new_c` taken literally.

    A function replacement, never a template: `\\1` or `\\g<0>` in data stays text and can
    never pull matched text into a prototype.
    """
    return pattern.sub(lambda _match: new_c, text)


def _c_texts(section: str, item: Any) -> list[tuple[str, str]]:
    """The C text fields of an entry: (key, text) for prototypes and typedef meanings."""
    if section in CALLABLE_SECTIONS and getattr(item, "prototype", None):
        return [("prototype", item.prototype)]
    if section == "typedef":
        return [("means", item.means)]
    return []


@dataclass
class State:
    """Entries by (section, name), memdesc tags, deprecated aliases and removed types' places."""

    base: Ontology
    shown_path: str
    entries: dict[tuple[str, str], Entry]
    tags: list[Entry]
    aliases: dict[str, str] = field(default_factory=dict)
    removed: dict[str, tuple[Location, str | None]] = field(default_factory=dict)
    """Types removed without a replacement: where, and their C name (checked at the end)."""
    location: Location = field(default_factory=lambda: Location("<proposal>"))
    """Where the operation being applied is written: entries it touches are placed there."""
    source_id: str = "proposal"
    """The source id facts cite when an operation names none: the proposal itself."""

    @classmethod
    def of(cls, onto: Ontology, shown_path: str) -> State:
        entries = dict(onto.entries)
        if onto.load_result is not None:
            tags = onto.load_result.of("memdesc_tag")
        else:
            where = Location("<unknown>")
            tags = [Entry("memdesc_tag", tag, where, EntryPositions(), 0) for tag in onto.memdesc_tags]
        return cls(onto, shown_path, entries, list(tags), dict(onto.aliases))

    # -- snapshots -----------------------------------------------------------------------

    def snapshot(self) -> tuple[Any, ...]:
        return dict(self.entries), list(self.tags), dict(self.aliases), dict(self.removed)

    def restore(self, saved: tuple[Any, ...]) -> None:
        self.entries, self.tags, self.aliases, self.removed = (type(part)(part) for part in saved)

    # -- reading -------------------------------------------------------------------------

    def section(self, section: str) -> dict[str, Any]:
        return {name: entry.item for (sec, name), entry in self.entries.items() if sec == section}

    @property
    def types(self) -> dict[str, TypeDef]:
        return self.section("type")

    def get(self, section: str, name: str) -> Any:
        entry = self.entries.get((section, name))
        return None if entry is None else entry.item

    def require(self, section: str, name: str, rule: str, what: str | None = None) -> Any:
        """The entry, or Rejected naming a close match (or the rename that took the name)."""
        item = self.get(section, name)
        if item is not None:
            return item
        what = what or section.replace("_", " ")
        if section == "type" and name in self.aliases:
            hint = f"; it was renamed to {self.aliases[name]!r}"
        elif section == "type" and name in self.removed:
            hint = f"; it was removed by the operation at {self.removed[name][0]}"
        else:
            hint = suggest(name, self.section(section))
        raise Rejected((rule, f"{what} {name!r} is not defined{hint}"))

    def type(self, name: str) -> TypeDef:
        typedef: TypeDef = self.require("type", name, "proposal-unknown-type", "type")
        return typedef

    def callable_kind(self, name: str) -> str | None:
        return next((section for section in CALLABLE_SECTIONS if (section, name) in self.entries), None)

    def c_name(self, name: str) -> str | None:
        """The C type a type's values have in prototypes: `struct folio` (structs), the handle's typedef."""
        typedef = self.get("type", name)
        if typedef is None:
            return None
        if typedef.kind == "struct" and typedef.c_struct:
            return f"struct {typedef.c_struct}"
        if typedef.kind == "handle" and typedef.c_type:
            return str(typedef.c_type)
        return None

    def struct_of(self, name: str) -> TypeDef | None:
        """The struct (or handle) a type is made of: itself, or what its refinement chain refines."""
        seen: set[str] = set()
        current = self.get("type", name)
        while current is not None and current.kind == "refinement" and current.name not in seen:
            seen.add(current.name)
            current = self.get("type", current.parents[0]) if current.parents else None
        return current if current is None or current.kind in ("struct", "handle") else None

    def ontology(self, files: Iterable[Path] = ()) -> Ontology:
        """An `Ontology` of the current entries (a new object; the base stays untouched)."""
        old = self.base.load_result
        result = LoadResult(
            root=old.root if old else Path(self.shown_path),
            meta=old.meta if old else None,
            entries=[*self.entries.values(), *self.tags],
            files=[*(old.files if old else []), *files],
            rejected=dict(old.rejected) if old else {},
        )
        onto = Ontology.from_load(result)
        if old is None:
            onto.kernel, onto.title = self.base.kernel, self.base.title
        onto.aliases = dict(self.aliases)
        return onto

    # -- writing -------------------------------------------------------------------------

    def put(self, section: str, item: Any, replacing: str | None = None) -> None:
        """Insert or replace an entry (at the same position when `replacing` names the old key)."""
        name = _item_name(section, item)
        entry = Entry(section, item, self.location, EntryPositions(), 0)
        old_key = (section, replacing if replacing is not None else name)
        if old_key in self.entries and old_key != (section, name):
            self.entries = {
                ((section, name) if key == old_key else key): (entry if key == old_key else value)
                for key, value in self.entries.items()
            }
        else:
            self.entries[(section, name)] = entry

    def delete(self, section: str, name: str) -> None:
        del self.entries[(section, name)]

    def references(self, name: str, c_name: str | None = None) -> list[str]:
        """Every place that names type `name` (or, in C, `c_name`), as `section entry (how)`."""
        found: list[str] = []
        pattern = c_pattern(c_name) if c_name else None
        for (section, entry_name), entry in sorted(self.entries.items()):
            hits: list[str] = []

            def probe(seen: str, hits: list[str] = hits) -> str:
                if seen == name:
                    hits.append(seen)
                return seen

            if not (section == "type" and entry_name == name):
                _map_type_names(section, entry.item, probe)
            if pattern is not None and not (section == "type" and entry_name == name):
                hits.extend(key for key, text in _c_texts(section, entry.item) if pattern.search(text))
            if hits:
                found.append(f"{section.replace('_', ' ')} {entry_name}")
        for tag in self.tags:
            if tag.item.type == name:
                found.append(f"memdesc tag {tag.item.value}")
        return found

    def rewrite(self, old: str, new: str, old_c: str | None = None, new_c: str | None = None) -> None:
        """Point every reference to type `old` at `new`; with C names, rewrite prototypes as well."""

        def rename(seen: str) -> str:
            return new if seen == old else seen

        pattern = c_pattern(old_c) if old_c and new_c and old_c != new_c else None
        for key, entry in list(self.entries.items()):
            item = _map_type_names(key[0], entry.item, rename)
            if pattern is not None and new_c is not None:
                update = {k: replace_c_name(pattern, new_c, text) for k, text in _c_texts(key[0], item)}
                changed = {k: v for k, v in update.items() if v != getattr(item, k)}
                item = item.model_copy(update=changed) if changed else item
            if item is not entry.item:
                self.put(key[0], item)
        self.tags = [
            Entry(t.section, _map_type_names("memdesc_tag", t.item, rename), self.location, EntryPositions(), 0)
            if t.item.type == old
            else t
            for t in self.tags
        ]
        self.aliases = {alias: (new if target == old else target) for alias, target in self.aliases.items()}
