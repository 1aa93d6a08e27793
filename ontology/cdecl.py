"""A small parser for the C prototypes the ontology records.

It understands what kernel mm prototypes use: qualifiers, `struct X`, typedef names, pointers,
array parameters, unnamed parameters and function-pointer parameters. It is not a C compiler;
it exists so the descriptor types of a function are derived from its prototype (one source of
truth) and so lint can check a conversion's ends against its signature.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ontology.cspelling import BUILTIN_WORDS, QUALIFIER_WORDS
from ontology.cspelling import normalise_base as normalise_base  # re-exported: the parser's own spelling

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\*|\[[^\]]*\]")
_CALL = re.compile(r"(?<![A-Za-z0-9_])[0-9]*([A-Za-z_][A-Za-z0-9_]*)\s*\(")
"""A name and its opening parenthesis. Tried only at the start of a word (the lookbehind), so
scanning a prototype is linear: `^(.*?)(name)\\s*\\((.*)\\)$` backtracked quadratically, and an
80 KB `a(a(a(...` never finished."""
_FNPTR_NAME = re.compile(r"\(\s*\*\s*([A-Za-z_][A-Za-z0-9_]*)?\s*\)")


class PrototypeError(ValueError):
    """A prototype this parser cannot read; the message says what is wrong."""


@dataclass(frozen=True)
class CType:
    """A C type reduced to what the ontology needs: its base type and pointer depth."""

    base: str
    pointers: int = 0
    function_pointer: bool = False

    @property
    def text(self) -> str:
        """The normalised spelling: `struct page *`, `struct page **`, `unsigned int`."""
        if self.function_pointer:
            return "void (*)(void)"
        return self.base + (" " + "*" * self.pointers if self.pointers else "")

    @property
    def struct_name(self) -> str | None:
        """`page` for `struct page *`; None when the base is not a struct."""
        if self.base.startswith("struct "):
            return self.base.removeprefix("struct ")
        return None


@dataclass(frozen=True)
class CParam:
    name: str
    ctype: CType


@dataclass(frozen=True)
class Prototype:
    name: str
    returns: CType
    params: tuple[CParam, ...]


def parse_type(text: str) -> CType:
    """Parse a type without a declarator name: `const struct page *`, `gfp_t`."""
    ctype, name = _parse_declaration(text, allow_unnamed=True)
    if name is not None:
        # `parse_type("struct page *page")` would have named it; a bare type has no name.
        raise PrototypeError(f"expected a type, got a declaration of {name!r}: {text!r}")
    return ctype


def _parse_declaration(text: str, allow_unnamed: bool) -> tuple[CType, str | None]:
    text = text.strip()
    if "(" in text:
        match = _FNPTR_NAME.search(text)
        if match is None:
            raise PrototypeError(f"cannot read parameter {text!r}")
        return CType(base="void", pointers=1, function_pointer=True), match.group(1)
    tokens = _TOKEN.findall(text)
    leftover = _TOKEN.sub("", text).strip()
    if leftover:
        raise PrototypeError(f"unexpected {leftover!r} in {text!r}")
    words = [token for token in tokens if token[0] not in "*["]
    pointers = sum(1 for token in tokens if token == "*")
    arrays = sum(1 for token in tokens if token.startswith("["))
    type_words = [word for word in words if word not in QUALIFIER_WORDS]
    name: str | None = None
    if len(type_words) >= 2 and type_words[-1] not in BUILTIN_WORDS and type_words[-2] != "struct":
        name = type_words[-1]
        last = len(words) - 1 - words[::-1].index(name)
        words = words[:last] + words[last + 1 :]
    elif not allow_unnamed:
        raise PrototypeError(f"parameter {text!r} has no name")
    base = normalise_base(words)
    if not base:
        raise PrototypeError(f"parameter {text!r} has no type")
    if base.startswith("struct ") and len(base.split()) != 2:
        raise PrototypeError(f"cannot read struct type in {text!r}")
    return CType(base=base, pointers=pointers + arrays), name


def _split_params(text: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def split_function(text: str) -> tuple[str, str, str] | None:
    """`ret name(params)` as (text before the name, the name, the text inside the outer
    parentheses), or None when `text` does not end in `)` or has no `name(`. The name is the
    first word followed by `(`; linear time.

    >>> split_function("struct page *alloc_pages(gfp_t gfp, void (*cb)(int))")
    ('struct page *', 'alloc_pages', 'gfp_t gfp, void (*cb)(int)')
    """
    if not text.endswith(")"):
        return None
    match = _CALL.search(text)
    if match is None or match.end() > len(text) - 1:
        return None
    return text[: match.start(1)], match.group(1), text[match.end() : -1]


@functools.cache
def parse_prototype(text: str) -> Prototype:
    """Parse `struct folio *page_folio(const struct page *page)` into name, return, params.

    Unnamed parameters are called arg0, arg1...; `(void)` means no parameters.

    >>> parse_prototype("struct page *alloc_pages(gfp_t gfp, unsigned int order)").returns.text
    'struct page *'
    """
    parts = split_function(" ".join(text.strip().rstrip(";").split()))
    if parts is None:
        raise PrototypeError(f"not a function prototype: {text!r}")
    ret, function, params_text = parts
    returns, _ = _parse_declaration(ret, allow_unnamed=True)
    if not ret.strip():
        raise PrototypeError(f"prototype {text!r} has no return type")
    raw_params = _split_params(params_text)
    params: list[CParam] = []
    if raw_params not in ([""], ["void"]):
        for index, raw in enumerate(raw_params):
            if raw == "...":
                continue
            ctype, name = _parse_declaration(raw, allow_unnamed=True)
            params.append(CParam(name=name or f"arg{index}", ctype=ctype))
    return Prototype(name=function, returns=returns, params=tuple(params))
