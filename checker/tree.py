"""Walking mypy's syntax trees: the child attributes of its nodes, in source order."""

from __future__ import annotations

from collections.abc import Iterator

from mypy.nodes import Node

CHILDREN = (
    "defs", "body", "else_body", "finally_body", "handlers", "func", "decorators", "expr", "exprs",
    "lvalues", "rvalue", "lvalue", "callee", "args", "analyzed", "items", "left", "right", "operands",
    "cond", "if_expr", "else_expr", "index", "base", "target", "value", "values", "keys",
    "left_expr", "sequences", "condlists", "generator", "begin_index", "end_index", "stride",
    "msg", "from_expr",
)  # fmt: skip
"""Attributes of mypy AST nodes that hold child nodes (references such as NameExpr.node are not)."""


def walk(node: object, depth: int = 0) -> Iterator[Node]:
    """Every node under `node` in source order (bounded depth: generated code can nest deeply)."""
    if depth > 200:
        return
    if isinstance(node, Node):
        yield node
        for name in CHILDREN:
            child = getattr(node, name, None)
            if isinstance(child, Node | list | tuple):
                yield from walk(child, depth + 1)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from walk(item, depth + 1)
