"""The `memdesc check` post-pass: what no mypy hook can see.

mypy offers no hook for function definitions or for `typing.cast` (a CastExpr, not a call), so
after a cold build with the expression types exported, this pass walks each checked module's
tree and reports:
- casts that turn one descriptor into another (memdesc-convert) or into a refinement without
  its predicate (memdesc-narrow);
- functions outside the registry that take one descriptor type and return another
  (memdesc-convert);
- functions named like a kernel API function whose descriptor types differ from the
  ontology's declaration and which are not `@implement`ed (those the plugin checks itself);
- uses of descriptors in states where they mean nothing, and calls whose contract requires a
  state the argument may be outside of, from what each function tests (`checker.flow`).
"""

from __future__ import annotations

from dataclasses import dataclass

from mypy.nodes import (
    FUNC_NO_INFO,
    CallExpr,
    CastExpr,
    Decorator,
    Expression,
    FuncDef,
    MemberExpr,
    MypyFile,
    NameExpr,
    RefExpr,
    ReturnStmt,
    StrExpr,
    SymbolTableNode,
)
from mypy.subtypes import is_subtype
from mypy.types import CallableType, NoneType, Type, UnionType, get_proper_type

from checker import errorcodes as codes
from checker import flow
from checker.declarations import signature_of
from checker.facts import Facts
from checker.fullnames import FACTS_CLASS, IMPLEMENT, TYPES_MODULE
from checker.metadata import facts_of_node
from checker.rules import convert, narrow, returns
from checker.shapes import class_accepts, descriptor_of, shape_of
from checker.tree import walk


@dataclass(frozen=True, order=True)
class PostPassMessage:
    """An error the post-pass reports, before `checker.run` merges it with mypy's messages."""

    path: str
    line: int
    column: int
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: error: {self.message}  [{self.code}]"


def facts_of(files: dict[str, MypyFile]) -> Facts | None:
    """The facts the plugin stored while building `files`; None when ontology.types is not among them."""
    module = files.get(TYPES_MODULE)
    return facts_of_node(module.names.get(FACTS_CLASS.rsplit(".", 1)[1]) if module else None)


def declared_type(files: dict[str, MypyFile], name: str) -> CallableType | None:
    """The signature ontology.types declares for the kernel function `name`."""
    module = files.get(TYPES_MODULE)
    return signature_of(module.names.get(name) if module else None)


def _implemented_as(decorator: Decorator) -> str | None:
    """The name an `@implement` registers the function under (its own, or implement("name")'s;
    "" when not a literal); None when the function is not `@implement`ed."""
    for expression in decorator.decorators:
        callee = expression.callee if isinstance(expression, CallExpr) else expression
        if isinstance(callee, RefExpr) and callee.fullname == IMPLEMENT:
            if not isinstance(expression, CallExpr):
                return decorator.func.name
            argument = expression.args[0] if expression.args else None
            return argument.value if isinstance(argument, StrExpr) else ""
    return None


def check_module(
    path: str, tree: MypyFile, types: dict[Expression, Type], files: dict[str, MypyFile], facts: Facts
) -> list[PostPassMessage]:
    findings: list[PostPassMessage] = []
    implemented: dict[int, str] = {}
    for node in walk(tree.defs):
        if isinstance(node, Decorator):
            name = _implemented_as(node)
            if name is not None:
                implemented[id(node.func)] = name
    for node in walk(tree.defs):
        if isinstance(node, CastExpr):
            findings.extend(_check_cast(path, node, types, facts))
        elif isinstance(node, FuncDef) and isinstance(node.type, CallableType):
            findings.extend(_check_function(path, node, node.type, implemented.get(id(node)), files, facts))
        if isinstance(node, FuncDef):
            for found in flow.check_function(node, types, facts, implemented.get(id(node))):
                findings.append(PostPassMessage(path, found.line, found.column, found.message, found.code))
    return findings


def _check_cast(path: str, node: CastExpr, types: dict[Expression, Type], facts: Facts) -> list[PostPassMessage]:
    target = descriptor_of(node.type, facts)
    source_type = types.get(node.expr)
    source = descriptor_of(source_type, facts) if source_type is not None else None
    if target is None or source is None or source_type is None or target.name == source.name:
        return []
    if is_subtype(source_type, node.type):
        return []  # a widening cast (ksm_folio to anon_folio, a model's FolioView to Folio)
    if target.struct != source.struct:
        message = convert.cast_message(facts, target.name, source.name)
        return [PostPassMessage(path, node.line, node.column, message, codes.CONVERT.code)]
    if target.kind == "refinement":
        shown = node.expr.name if isinstance(node.expr, NameExpr) else "it"
        message = narrow.cast_message(facts, target.name, source.name, shown)
        return [PostPassMessage(path, node.line, node.column, message, codes.NARROW.code)]
    return []


def _check_function(
    path: str,
    node: FuncDef,
    signature: CallableType,
    implemented_as: str | None,
    files: dict[str, MypyFile],
    facts: Facts,
) -> list[PostPassMessage]:
    if node.info is not FUNC_NO_INFO or (node.name.startswith("__") and node.name.endswith("__")):
        return []  # methods are not kernel functions
    # A bare @implement is checked by the plugin; implement("page_folio") only here.
    name = implemented_as if implemented_as and implemented_as != node.name else node.name
    if facts.is_api(name):
        declared = declared_type(files, name)
        if declared is None or implemented_as == node.name:
            return []
        accepts = class_accepts(lambda fullname: _types_symbol(files, fullname))
        problems = returns.signature_problems(name, shape_of(declared, facts), shape_of(signature, facts), accepts)
        return [PostPassMessage(path, node.line, node.column, problem, codes.RETURN.code) for problem in problems]
    taken = [descriptor_of(_without_none(arg), facts) for arg in signature.arg_types]
    produced = descriptor_of(_without_none(signature.ret_type), facts)
    if produced is None:
        return []
    if any(source is not None and source.struct == produced.struct for source in taken):
        return []  # works within one struct (takes a folio, returns a folio)
    if _converts_by_registered_calls(node, facts):
        return []  # `return page_folio(page)`: the conversion is the registered one it calls
    for source in taken:
        if source is not None and convert.converts_between(facts, source.name, produced.name):
            message = convert.unregistered_function_message(facts, node.name, source.name, produced.name)
            return [PostPassMessage(path, node.line, node.column, message, codes.CONVERT.code)]
    return []


def _converts_by_registered_calls(node: FuncDef, facts: Facts) -> bool:
    """Whether every `return` of a function returns None or the result of a registered
    conversion called right there (`return page_folio(page)`): such a helper converts only
    through the registry and is no conversion of its own. One `return` of anything else (a
    constructor, a cast, a variable) and it is judged as a conversion."""
    results = [n.expr for n in walk(node.body.body) if isinstance(n, ReturnStmt) and n.expr is not None]
    calls = [r for r in results if not (isinstance(r, NameExpr) and r.fullname == "builtins.None")]
    return bool(calls) and all(
        isinstance(r, CallExpr) and isinstance(r.callee, NameExpr | MemberExpr) and r.callee.name in facts.conversions
        for r in calls
    )


def _types_symbol(files: dict[str, MypyFile], fullname: str) -> SymbolTableNode | None:
    """A name of ontology.types, from the build's own module table."""
    module = files.get(TYPES_MODULE)
    return module.names.get(fullname.rpartition(".")[2]) if module is not None else None


def _without_none(typ: Type) -> Type:
    """`Folio | None` as `Folio`: a checked conversion may return NULL."""
    proper = get_proper_type(typ)
    if isinstance(proper, UnionType):
        items = [item for item in proper.items if not isinstance(get_proper_type(item), NoneType)]
        if len(items) == 1:
            return items[0]
    return typ
