"""The ontology facts in mypy's TypeInfo metadata: stored by the plugin, read by the plugin and the post-pass.

The generated `_OntologyFacts` class carries the facts as the literal arguments of its class
decorator. The plugin's class-decorator hook (`store_facts`) keeps them under `METADATA_KEY` in
the class's metadata, which mypy serializes with the module, so warm runs, dmypy and `-n N` read
the facts of the ontology.types being checked. `facts_of_node` reads them back as `Facts`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from mypy.nodes import (
    MDEF,
    CallExpr,
    Decorator,
    Expression,
    FuncDef,
    IntExpr,
    ListExpr,
    NameExpr,
    StrExpr,
    SymbolTableNode,
    TupleExpr,
    TypeInfo,
    UnaryExpr,
    Var,
)
from mypy.plugin import ClassDefContext
from mypy.types import LiteralType

from checker.facts import Facts
from checker.fullnames import FACTS_CLASS, FACTS_STAMP, METADATA_KEY, TYPES_MODULE

UNHASHED = "unhashed"
"""The stamp of a build that compares no symbols: not a hex digest, so no hash of facts equals it."""


def literal(expression: Expression) -> Any:
    """The value of a literal decorator argument (str, int, bool, None, nested tuples)."""
    read = _LITERALS.get(type(expression))
    if read is None:
        raise ValueError(f"not a literal: {type(expression).__name__}")
    return read(expression)


def _name_literal(expression: Any) -> Any:
    if expression.name not in _NAMED:
        raise ValueError("not a literal: NameExpr")
    return _NAMED[expression.name]


def _negative_literal(expression: Any) -> Any:
    if expression.op != "-":
        raise ValueError("not a literal: UnaryExpr")
    return -literal(expression.expr)


_NAMED = {"True": True, "False": False, "None": None}
_LITERALS: dict[type[Expression], Callable[[Any], Any]] = {
    StrExpr: attrgetter("value"),
    IntExpr: attrgetter("value"),
    NameExpr: _name_literal,
    TupleExpr: lambda expression: [literal(item) for item in expression.items],
    ListExpr: lambda expression: [literal(item) for item in expression.items],
    UnaryExpr: _negative_literal,
}
"""How each literal node is read, by its exact class: the fact table has ~4,700 nodes, read at
every cold start, and one dict lookup is cheaper than a chain of isinstance tests."""


def argument(name: str, expression: Expression) -> Any:
    """The literal value of the decorator argument `name`."""
    try:
        return literal(expression)
    except ValueError as error:
        raise ValueError(f"ontology_facts argument {name!r}: {error}") from None


def store_facts(ctx: ClassDefContext) -> bool:
    """Class decorator hook: keep the decorator's literal arguments in the class's metadata.

    Anything else (a name, a call, `**kwargs`, a malformed table) raises before anything is
    stored; the router's guard reports it at the decorator, and the class carries no facts."""
    reason = ctx.reason
    if isinstance(reason, CallExpr):
        values = {name: argument(name, arg) for name, arg in zip(reason.arg_names, reason.args, strict=True) if name}
        if ctx.cls.info.fullname == FACTS_CLASS:
            values["parameters"] = declared_parameters(ctx, values)
            parsed_facts(values)  # what the rules will read must parse
        ctx.cls.info.metadata[METADATA_KEY] = values
        if ctx.cls.info.fullname == FACTS_CLASS:
            stamp_facts(ctx, values)
    return True


def declared_parameters(ctx: ClassDefContext, values: dict[str, Any]) -> dict[str, list[str]]:
    """Parameter names of the declared functions, kept with the facts: they are positional-only,
    and mypy keeps no name for those in its cache (CallableType.arg_names has None, and a FuncDef
    read from the cache has no `arguments`), so a warm run could not name them otherwise."""
    names = {entry[0] for key in ("functions", "conversions", "predicates") for entry in values.get(key, ())}
    module = ctx.api.modules.get(TYPES_MODULE)
    symbols = module.names if module is not None else {}
    found: dict[str, list[str]] = {}
    for name in sorted(names):
        node = symbols.get(name)
        target = node.node if node is not None else None
        if isinstance(target, Decorator):
            target = target.func
        arguments = getattr(target, "arguments", None) if isinstance(target, FuncDef) else None
        if arguments:
            found[name] = [argument.variable.name for argument in arguments]
    return found


def stamp_facts(ctx: ClassDefContext, values: dict[str, Any]) -> None:
    """Make a change of the facts visible to dmypy, which compares symbols, not metadata.

    Fine-grained mode re-checks what depends on a changed symbol; TypeInfo metadata is not part
    of what it compares, so a new `replacement` or a renamed predicate would change nothing it
    sees. A member typed Literal[<hash of the facts>] does.

    Only fine-grained builds (dmypy, --cache-fine-grained) compare symbols, so only they hash
    the ~5,000 values; a one-shot build stamps UNHASHED, which no hash equals: a daemon that
    starts from such a build's cache sees the facts as changed and re-checks (safe), never the
    reverse.
    """
    options = ctx.api.options
    digest = UNHASHED
    if options.fine_grained_incremental or options.cache_fine_grained:
        # repr, not json.dumps: the same text for the same facts (the decorator's keyword order,
        # the parameters sorted by name) at a fraction of the cost.
        digest = hashlib.sha256(repr(values).encode()).hexdigest()[:16]
    info = ctx.cls.info
    var = Var(FACTS_STAMP, LiteralType(digest, ctx.api.named_type("builtins.str")))
    var.info = info
    var._fullname = f"{info.fullname}.{FACTS_STAMP}"
    var.is_classvar = True
    info.names[FACTS_STAMP] = SymbolTableNode(MDEF, var, plugin_generated=True)


def stored_facts(node: SymbolTableNode | None) -> dict[str, Any] | None:
    """The facts `store_facts` kept on the `_OntologyFacts` class `node` names; None when absent."""
    if node is None or not isinstance(node.node, TypeInfo):
        return None
    data = node.node.metadata.get(METADATA_KEY)
    return data or None


def facts_of_node(node: SymbolTableNode | None) -> Facts | None:
    """The stored facts of the `_OntologyFacts` class `node` names, parsed; None when absent."""
    data = stored_facts(node)
    return parsed_facts(data) if data is not None else None


_last_parsed: list[tuple[dict[str, Any], Facts]] = []
"""The last table `parsed_facts` parsed, with the dict it came from (kept alive, so `is` is safe)."""


def parsed_facts(data: dict[str, Any]) -> Facts:
    """`Facts.from_metadata(data)`, parsed once per stored table: `store_facts` parses the table it
    stores (a malformed one fails at the decorator), and the plugin then reads the same dict back."""
    if _last_parsed and _last_parsed[0][0] is data:
        return _last_parsed[0][1]
    facts = Facts.from_metadata(data)
    _last_parsed[:] = [(data, facts)]
    return facts
