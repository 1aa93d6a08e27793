"""Rewrite one declarator of a C prototype: the return type or one parameter's type.

`retype_function` changes the descriptor a parameter or the return points to while keeping
the pointer depth and the parameter's name: `struct page **pages` -> `struct folio **pages`.
The rest of the prototype is kept as written.
"""

from __future__ import annotations

import re

from ontology.cdecl import PrototypeError, parse_prototype, split_function

_LEADING_CONST = re.compile(r"^\s*const\b")


def split_params(text: str) -> list[str]:
    """Top-level comma-separated parameters (commas inside function-pointer types stay)."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


def declaration(old: str, name: str | None, base: str, pointers: int) -> str:
    """`const struct folio **pages`: the new declaration, keeping a leading const and the name."""
    const = "const " if _LEADING_CONST.match(old) else ""
    stars = "*" * max(pointers, 0)
    if name:
        return f"{const}{base} {stars}{name}"
    return f"{const}{base}{' ' + stars if stars else ''}"


def retype(prototype: str, slot: str, base: str, pointers: int) -> str:
    """The prototype with the return (`slot == "return"`) or parameter `slot` retyped to `base`."""
    text = " ".join(prototype.strip().rstrip(";").split())
    split = split_function(text)
    if split is None:
        raise PrototypeError(f"not a function prototype: {prototype!r}")
    ret, name, params = split
    if slot == "return":
        declared = declaration(ret, None, base, pointers)
        return f"{declared}{'' if declared.endswith('*') else ' '}{name}({params})"
    parts = split_params(params)
    positions = [index for index, part in enumerate(parts) if part not in ("...", "void", "")]
    for index, param in zip(positions, parse_prototype(text).params, strict=False):
        if param.name == slot:
            named = re.search(rf"\b{re.escape(param.name)}\b", parts[index]) is not None
            parts[index] = declaration(parts[index], param.name if named else None, base, pointers)
            return f"{ret}{name}({', '.join(parts)})"
    raise PrototypeError(f"{name}() has no parameter {slot!r}")


def declare(c_type: str, name: str) -> str:
    """`size_t *offsets` from the C type `size_t *` and the name: the name goes where C puts it
    (after the stars, before an array's brackets, inside a function pointer's `(*`)."""
    text = " ".join(c_type.split())
    if "(*" in text:
        return text.replace("(*", f"(*{name}", 1)
    if "[" in text:
        head, _, tail = text.partition("[")
        return f"{head.rstrip()} {name}[{tail}"
    return f"{text}{'' if text.endswith('*') else ' '}{name}"


def named_params(prototype: str) -> tuple[str, str, list[tuple[str, str]]]:
    """(return text, function name, [(parameter name, its declaration text)]) of a prototype;
    unnamed parameters are called arg0, arg1... as `parse_prototype` calls them."""
    text = " ".join(prototype.strip().rstrip(";").split())
    split = split_function(text)
    if split is None:
        raise PrototypeError(f"not a function prototype: {prototype!r}")
    ret, name, params = split
    parts = [part for part in split_params(params) if part not in ("void", "")]
    parsed = iter(parse_prototype(text).params)
    named = [("...", part) if part == "..." else (next(parsed).name, part) for part in parts]
    return ret, name, named


def assemble(ret: str, name: str, params: list[tuple[str, str]]) -> str:
    """The prototype text from `named_params`' parts (`(void)` when no parameter is left)."""
    body = ", ".join(text for _, text in params) or "void"
    return f"{ret}{name}({body})"
