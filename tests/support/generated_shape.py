"""The shape every generated `ontology/types.py` must have, whatever the data says.

`check_shape` walks the module's syntax tree and accepts only what the generator means to
write: imports of fixed modules, classes with a docstring and annotated attributes, the fact
table as literal decorator arguments, functions whose body is one call into `ontology.runtime`
with a string constant naming it. Data can then reach the module only as a string constant or
as an identifier (a name in a declaration), never as a statement, a call or an expression.
"""

from __future__ import annotations

import ast

IMPORTS = frozenset({"__future__", "collections.abc", "typing", "typing_extensions", "ontology"})
RUNTIME_CALLS = frozenset({"test", "call", "call_nullable", "call_any"})
CHECKED = frozenset({"int", "str", "bool"})
"""Builtin classes a runtime call may check a result against (besides the generated classes)."""


def check_shape(text: str) -> ast.Module:
    """Parse `text` and fail (AssertionError naming the line) on any statement or expression
    the generator never writes; return the tree."""
    tree = ast.parse(text)
    for node in tree.body:
        _statement(node)
    return tree


def _fail(node: ast.AST, what: str) -> AssertionError:
    return AssertionError(f"line {getattr(node, 'lineno', '?')}: {what}: {ast.unparse(node)[:200]!r}")


def _statement(node: ast.stmt) -> None:
    if isinstance(node, ast.Expr) and _is_str(node.value):
        return
    if isinstance(node, ast.ImportFrom):
        if node.module not in IMPORTS or node.level:
            raise _fail(node, "unexpected import")
        return
    if (  # if TYPE_CHECKING: <imports> (TypeIs, which costs an import of inspect at run time)
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
        and not node.orelse
    ):
        for inner in node.body:
            if not isinstance(inner, ast.ImportFrom):
                raise _fail(inner, "unexpected statement under TYPE_CHECKING")
            _statement(inner)
        return
    if isinstance(node, ast.ClassDef):
        _class(node)
        return
    if isinstance(node, ast.FunctionDef):
        _function(node)
        return
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        _assigned(node)
        return
    raise _fail(node, "unexpected statement")


def _is_str(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _assigned(node: ast.Assign) -> None:
    value = node.value
    if isinstance(value, ast.Name):  # a deprecated alias
        return
    if isinstance(value, ast.List) and all(_is_str(item) for item in value.elts):  # __all__
        return
    if (  # FACTS = _rt.facts_of(_OntologyFacts)
        isinstance(value, ast.Call)
        and _runtime_attr(value.func) == "facts_of"
        and not value.keywords
        and len(value.args) == 1
        and isinstance(value.args[0], ast.Name)
    ):
        return
    raise _fail(node, "unexpected assignment")


def _runtime_attr(node: ast.expr) -> str | None:
    """`x` for `_rt.x`, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "_rt":
        return node.attr
    return None


def _class(node: ast.ClassDef) -> None:
    for base in node.bases:
        if not (isinstance(base, ast.Name) or _runtime_attr(base) is not None):
            raise _fail(node, "unexpected base")
    if node.keywords:
        raise _fail(node, "unexpected class keyword")
    for decorator in node.decorator_list:
        if not (isinstance(decorator, ast.Call) and _runtime_attr(decorator.func) == "ontology_facts"):
            raise _fail(node, "unexpected decorator")
        if decorator.args:
            raise _fail(decorator, "positional decorator argument")
        for keyword in decorator.keywords:
            ast.literal_eval(keyword.value)  # raises on anything but a literal
    body = node.body
    if not (body and isinstance(body[0], ast.Expr) and _is_str(body[0].value)):
        raise _fail(node, "class without a docstring")
    for item in body[1:]:
        if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.value is None):
            raise _fail(item, "unexpected class member")
        _annotation(item.annotation)


def _annotation(node: ast.expr) -> None:
    """A type expression: names, `_rt.X`, `list[X]`, `X | None`, `Callable[..., object]`, `TypeIs[X]`."""
    if isinstance(node, ast.Name) or _runtime_attr(node) is not None:
        return
    if isinstance(node, ast.Constant) and (node.value is None or node.value is Ellipsis):
        return
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        _annotation(node.slice)
        return
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        _annotation(node.left)
        _annotation(node.right)
        return
    if isinstance(node, ast.Tuple):
        for item in node.elts:
            _annotation(item)
        return
    raise _fail(node, "unexpected annotation")


def _function(node: ast.FunctionDef) -> None:
    args = node.args
    if args.args or args.vararg or args.kwonlyargs or args.kwarg or args.defaults or args.kw_defaults:
        raise _fail(node, "parameters other than positional-only")
    if node.decorator_list:
        raise _fail(node, "decorated function")
    for arg in args.posonlyargs:
        if arg.annotation is None:
            raise _fail(node, "unannotated parameter")
        _annotation(arg.annotation)
    if node.returns is None:
        raise _fail(node, "no return annotation")
    _annotation(node.returns)
    body = node.body
    if not (len(body) == 2 and isinstance(body[0], ast.Expr) and _is_str(body[0].value)):
        raise _fail(node, "function body is not a docstring and one statement")
    statement = body[1]
    if not (isinstance(statement, (ast.Return, ast.Expr)) and isinstance(statement.value, ast.Call)):
        raise _fail(statement, "function body is not a runtime call")
    call = statement.value
    if _runtime_attr(call.func) not in RUNTIME_CALLS or call.keywords:
        raise _fail(call, "unexpected call")
    if not (call.args and _is_str(call.args[0])):
        raise _fail(call, "runtime call without its name")
    parameters = {arg.arg for arg in args.posonlyargs}
    for value in call.args[1:]:
        if isinstance(value, ast.Name) and (value.id in parameters or value.id in CHECKED or value.id[:1].isupper()):
            continue
        if isinstance(value, ast.Constant) and value.value is None:
            continue
        raise _fail(call, "unexpected runtime call argument")


def string_constants(tree: ast.Module) -> list[str]:
    """Every string constant of the module (docstrings, fact table cells, `__all__`)."""
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
