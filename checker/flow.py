"""What a function knows of its descriptors' states, statement by statement (`memdesc check`).

mypy narrows a type only toward a refinement (`if PageTail(page):` makes `page` a TailPage); it
cannot say "not a tail page" after `if PageTail(page): return`, nor that a page from
`folio_page(folio, i)` may be a tail. This pass walks each function of a checked module in
order and keeps, per local variable:

- the states it is known to be in (a predicate tested true, a function's `ensures`),
- the states it is known not to be in (a predicate tested false, an `assert not ...`, an
  early `return` under a test, `ensures = ["not tail_page"]`, a refinement's `excludes`),
- the states it may be in by its origin (`may_be`: folio_page() may return a tail page, but
  not folio_page(folio, 0), the folio's first page: `may_be_unless_zero`).

With that it reports (`checker.rules.state`): a field read or written on a value that may be in
a state where the field means nothing (memdesc-field), and a call whose contract requires a
state its argument is, or may be, outside of (memdesc-narrow). A value known to be in a
refinement by its type is mypy's to see: the plugin reports those uses itself.

What it does not see, by design: values it cannot name (`page + k`, list elements, fields of
other objects), other functions' callers (a parameter is assumed to be what its function needs:
the call sites are checked against the callee's declared contract; only a model that
`@implement`s a kernel function starts with the states that function's callers may pass, its
`accepts` facts), loops beyond one pass (a state changed in a loop body is forgotten after it),
and anything another thread does. A call
that releases a descriptor (put_page(), folio_put()) ends what was known of it, but for what
its memory is (ZONE_DEVICE: `same_memory` facts), which conversions and folio->page also carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from mypy.nodes import (
    AssertStmt,
    AssignmentStmt,
    Block,
    BreakStmt,
    CallExpr,
    ContinueStmt,
    Expression,
    ForStmt,
    FuncDef,
    IfStmt,
    IntExpr,
    MemberExpr,
    NameExpr,
    Node,
    OperatorAssignmentStmt,
    RaiseStmt,
    ReturnStmt,
    Statement,
    TryStmt,
    UnaryExpr,
    WhileStmt,
    WithStmt,
)
from mypy.nodes import OpExpr as BinaryExpr
from mypy.types import Instance, Type, UnionType, get_proper_type

from checker import errorcodes as codes
from checker.facts import Facts
from checker.fullnames import TYPES_MODULE
from checker.rules import state as wording
from checker.rules.wording import a
from checker.tree import CHILDREN, walk
from ontology.stateref import split_state


@dataclass(frozen=True)
class Known:
    """What is known of one variable here: states it is in, is not in, and may be in by origin."""

    is_in: frozenset[str] = frozenset()
    not_in: frozenset[str] = frozenset()
    may_be: frozenset[str] = frozenset()
    origin: str = ""

    def excludes(self, state: str, facts: Facts) -> bool:
        """Known not to be in `state`: tested, ensured, or in a state that excludes it."""
        return state in self.not_in or any(state in facts.exclusions.get(s, ()) for s in self.is_in)

    def of_memory(self, facts: Facts, struct: str) -> Known:
        """What of this still holds of the same memory seen as a `struct`: after a release, or
        through a conversion or a descriptor field (folio->page). Only the states of the memory
        itself (`Facts.same_memory`: ZONE_DEVICE) do; what a value is used as does not."""

        def carried(states: frozenset[str]) -> frozenset[str]:
            return frozenset(t for s in states if s in facts.same_memory for t in facts.same_memory_in(s, struct))

        may_be = carried(self.may_be)
        return Known(carried(self.is_in), carried(self.not_in), may_be, self.origin if may_be else "")

    def merged(self, other: Known) -> Known:
        """Both at once: what a conversion's facts say of its result, and what it carries."""
        return Known(
            self.is_in | other.is_in,
            self.not_in | other.not_in,
            self.may_be | other.may_be,
            self.origin or other.origin,
        )


Env = dict[str, Known]


def _join(envs: list[Env]) -> Env:
    """What holds after branches meet: known facts common to all, possible states of any."""
    if not envs:
        return {}
    names = set(envs[0]).intersection(*envs[1:])
    joined: Env = {}
    for name in names:
        states = [env[name] for env in envs]
        joined[name] = Known(
            is_in=frozenset.intersection(*(k.is_in for k in states)),
            not_in=frozenset.intersection(*(k.not_in for k in states)),
            may_be=frozenset.union(*(k.may_be for k in states)),
            origin=next((k.origin for k in states if k.origin), ""),
        )
    for env in envs:  # a variable assigned in one branch only may carry that branch's origin
        for name, known in env.items():
            if name not in joined and known.may_be:
                joined[name] = Known(may_be=known.may_be, origin=known.origin)
    return joined


@dataclass
class FlowFinding:
    line: int
    column: int
    message: str
    code: str


@dataclass
class FunctionFlow:
    """One function's walk: the facts, the exported expression types, the findings so far."""

    facts: Facts
    types: dict[Expression, Type]
    findings: list[FlowFinding] = field(default_factory=list)

    # -- names and types ---------------------------------------------------------------------

    def callee_name(self, call: CallExpr) -> str | None:
        """The kernel name a call is to: a function of ontology.types, or a model function
        named like one (the kernel has one namespace)."""
        callee = call.callee
        if not isinstance(callee, NameExpr | MemberExpr):
            return None
        name: str = callee.name
        if callee.fullname == f"{TYPES_MODULE}.{name}" or self.facts.is_api(name):
            return name
        return None

    def static_states(self, expression: Expression) -> frozenset[str]:
        """The refinements an expression's type says it is in (its class and their bases)."""
        typ = self.types.get(expression)
        proper = get_proper_type(typ) if typ is not None else None
        if isinstance(proper, UnionType):
            return frozenset()
        if not isinstance(proper, Instance):
            return frozenset()
        found = set()
        for base in proper.type.mro:
            if base.module_name == TYPES_MODULE:
                fact = self.facts.by_class.get(base.name)
                if fact is not None and fact.kind == "refinement":
                    found.add(fact.name)
        return frozenset(found)

    def struct_of(self, expression: Expression) -> str | None:
        typ = self.types.get(expression)
        proper = get_proper_type(typ) if typ is not None else None
        if not isinstance(proper, Instance):
            return None
        for base in proper.type.mro:
            if base.module_name == TYPES_MODULE and base.name in self.facts.by_class:
                return self.facts.by_class[base.name].struct
        return None

    def known(self, expression: Expression, env: Env) -> Known:
        """What is known of an expression's value: a variable's state, a call's result, or a
        descriptor field of a descriptor (folio->page: the same memory)."""
        if isinstance(expression, NameExpr):
            return env.get(expression.name, Known())
        if isinstance(expression, CallExpr):
            return self.result_of(expression, env)
        if isinstance(expression, MemberExpr):
            struct = self.struct_of(expression)
            if struct is not None and self.struct_of(expression.expr) is not None:
                return self.known(expression.expr, env).of_memory(self.facts, struct)
        return Known()

    def result_of(self, call: CallExpr, env: Env) -> Known:
        """A call's result: what its function ensures, and what it may be; a conversion's
        result also keeps what its argument's memory is (page_folio() of a ZONE_DEVICE page)."""
        name = self.callee_name(call)
        if name is None:
            return Known()
        is_in: set[str] = set()
        not_in: set[str] = set()
        for state in self.facts.ensures.get(name, ()):
            negated, refinement = split_state(state)
            (not_in if negated else is_in).add(refinement)
        may_be = frozenset(self.facts.may_be.get(name, ())) if not self.voided_at_zero(call, name) else frozenset()
        result = Known(frozenset(is_in), frozenset(not_in), may_be, f"{name}()" if may_be else "")
        struct = self.struct_of(call)
        if name in self.facts.conversions and call.args and struct is not None:
            result = result.merged(self.known(call.args[0], env).of_memory(self.facts, struct))
        return result

    def voided_at_zero(self, call: CallExpr, name: str) -> bool:
        """Whether the call passes a literal 0 as the parameter that voids its function's
        `may_be` (folio_page(folio, 0): the first page, not a tail)."""
        parameter = self.facts.may_be_unless_zero.get(name)
        if parameter is None:
            return False
        for bound, argument in self.bound_arguments(call, name):
            if bound == parameter:
                return isinstance(argument, IntExpr) and argument.value == 0
        return False

    def bound_arguments(self, call: CallExpr, name: str) -> list[tuple[str, Expression]]:
        """(parameter, argument) of each argument of a call to kernel function `name`: by
        keyword, else by position against its declared parameters ("" past them)."""
        parameters = self.facts.parameters.get(name, ())
        return [
            (call.arg_names[index] or (parameters[index] if index < len(parameters) else ""), argument)
            for index, argument in enumerate(call.args)
        ]

    # -- statements --------------------------------------------------------------------------

    def block(self, statements: Iterable[Statement], env: Env) -> bool:
        """Walk statements in order, updating `env`; True when the block always leaves
        (return, raise, break, continue), so that what follows it holds only otherwise."""
        return any(self.statement(statement, env) for statement in statements)

    def statement(self, statement: Statement, env: Env) -> bool:
        if isinstance(statement, ReturnStmt):
            if statement.expr is not None:
                self.scan(statement.expr, env)
            return True
        if isinstance(statement, RaiseStmt | BreakStmt | ContinueStmt):
            return True
        if isinstance(statement, AssertStmt):
            self.scan(statement.expr, env)
            self.assume(statement.expr, True, env)
            return False
        if isinstance(statement, AssignmentStmt):
            self.scan(statement.rvalue, env)
            for target in statement.lvalues:
                self.assign(target, statement.rvalue, env)
            return False
        if isinstance(statement, OperatorAssignmentStmt):
            self.scan(statement.rvalue, env)
            self.assign(statement.lvalue, None, env)
            return False
        if isinstance(statement, IfStmt):
            return self.if_statement(statement, env)
        if isinstance(statement, WhileStmt | ForStmt):
            return self.loop(statement, env)
        if isinstance(statement, WithStmt):
            for expression in statement.expr:
                self.scan(expression, env)
            return self.block(statement.body.body, env)
        if isinstance(statement, TryStmt):
            return self.try_statement(statement, env)
        if isinstance(statement, Block):
            return self.block(statement.body, env)
        if isinstance(statement, FuncDef):
            return False  # a nested function is walked on its own
        for expression in _expressions(statement):
            self.scan(expression, env)
        return False

    def assign(self, target: Expression, value: Expression | None, env: Env) -> None:
        if isinstance(target, NameExpr):
            env[target.name] = self.known(value, env) if value is not None else Known()
        elif isinstance(target, MemberExpr):
            self.check_field(target, env)

    def if_statement(self, statement: IfStmt, env: Env) -> bool:
        outcomes: list[Env] = []
        current = env
        for condition, body in zip(statement.expr, statement.body, strict=True):
            self.scan(condition, current)
            taken, skipped = dict(current), dict(current)
            self.assume(condition, True, taken)
            self.assume(condition, False, skipped)
            if not self.block(body.body, taken):
                outcomes.append(taken)
            current = skipped
        if statement.else_body is None or not self.block(statement.else_body.body, current):
            outcomes.append(current)
        env.clear()
        env.update(_join(outcomes))
        return not outcomes

    def loop(self, statement: WhileStmt | ForStmt, env: Env) -> bool:
        self.scan(statement.expr, env)
        body = dict(env)
        for name in _assigned(statement.body):
            body.pop(name, None)  # what the previous iteration left there is not known
        if isinstance(statement, ForStmt) and isinstance(statement.index, NameExpr):
            body[statement.index.name] = Known()
        if isinstance(statement, WhileStmt):
            self.assume(statement.expr, True, body)
        self.block(statement.body.body, body)
        after = _join([env, body])
        if statement.else_body is not None:
            self.block(statement.else_body.body, after)
        env.clear()
        env.update(after)
        return False

    def try_statement(self, statement: TryStmt, env: Env) -> bool:
        body = dict(env)
        left = self.block(statement.body.body, body)
        outcomes = [] if left else [body]
        for handler in statement.handlers:
            caught = _join([env, body])
            if not self.block(handler.body, caught):
                outcomes.append(caught)
        if statement.else_body is not None and not left and self.block(statement.else_body.body, body):
            outcomes.remove(body)
        after = _join(outcomes) if outcomes else {}
        if statement.finally_body is not None:
            self.block(statement.finally_body.body, after)
        env.clear()
        env.update(after)
        return not outcomes

    # -- conditions --------------------------------------------------------------------------

    def assume(self, condition: Expression, truth: bool, env: Env) -> None:
        """Record in `env` what `condition` being `truth` says of the variables it tests."""
        if isinstance(condition, UnaryExpr) and condition.op == "not":
            self.assume(condition.expr, not truth, env)
        elif isinstance(condition, BinaryExpr) and condition.op in ("and", "or"):
            if (condition.op == "and") == truth:  # both sides hold (and) / both fail (or)
                self.assume(condition.left, truth, env)
                self.assume(condition.right, truth, env)
        elif isinstance(condition, CallExpr) and condition.args and isinstance(condition.args[0], NameExpr):
            name = self.callee_name(condition)
            predicate = self.facts.predicates.get(name or "")
            if predicate is None or not predicate[1]:
                return
            variable, state = condition.args[0].name, predicate[1]
            known = env.get(variable, Known())
            if truth:
                exclusions = self.facts.exclusions.get(state, frozenset())
                env[variable] = replace(known, is_in=known.is_in | {state}, not_in=known.not_in | exclusions)
            else:
                env[variable] = replace(known, not_in=known.not_in | {state})

    # -- expressions -------------------------------------------------------------------------

    def scan(self, expression: Expression, env: Env) -> None:
        """Check every field use and call in `expression`, inner ones first (arguments are
        evaluated before the call), and apply what the calls release."""
        for node in _postorder(expression):
            if isinstance(node, MemberExpr):
                self.check_field(node, env)
            elif isinstance(node, CallExpr):
                self.check_call(node, env)

    def check_field(self, member: MemberExpr, env: Env) -> None:
        receiver = member.expr
        struct = self.struct_of(receiver)
        if struct is None:
            return
        states = self.facts.meaningless_by_struct.get(struct, {}).get(member.name, ())
        if not states:
            return
        static = self.static_states(receiver)
        if any(member.name in self.facts.meaningless.get(s, {}) for s in static):
            return  # the plugin reports a field of a refinement's type
        known = self.known(receiver, env)
        shown = receiver.name if isinstance(receiver, NameExpr) else "it"
        for state in states:
            reason = self.facts.meaningless[state][member.name]
            if state in known.is_in:
                self.report(member, wording.meaningless_message(member.name, state, reason), codes.FIELD.code)
                return
            if (
                state in known.may_be
                and not known.excludes(state, self.facts)
                and not self._static_excludes(static, state)
            ):
                message = wording.possibly_meaningless_message(
                    self.facts, member.name, state, reason, shown, known.origin or "a call"
                )
                self.report(member, message, codes.FIELD.code)
                return

    def _static_excludes(self, static: frozenset[str], state: str) -> bool:
        return any(state in self.facts.exclusions.get(s, ()) for s in static)

    def check_call(self, call: CallExpr, env: Env) -> None:
        name = self.callee_name(call)
        if name is None:
            return
        contract = self.facts.requires.get(name, {})
        released = self.facts.releases.get(name, frozenset())
        if not contract and not released:
            return
        bound = self.bound_arguments(call, name)
        for parameter, argument in bound:
            for required in contract.get(parameter, ()):
                self.check_requirement(call, name, parameter, required, argument, env)
        for parameter, argument in bound:  # after every check: arguments are passed before the call
            if parameter in released and isinstance(argument, NameExpr):
                struct = self.struct_of(argument)
                before = env.get(argument.name, Known())
                kept = before.of_memory(self.facts, struct) if struct is not None else Known()
                env[argument.name] = kept if kept.origin else replace(kept, origin=f"{name}() released it")

    def check_requirement(
        self, call: CallExpr, callee: str, parameter: str, required: str, argument: Expression, env: Env
    ) -> None:
        negated, state = split_state(required)
        static = self.static_states(argument)
        known = self.known(argument, env)
        shown = _shown(argument, parameter)
        why = ""
        if negated:
            if state in static or state in known.is_in:
                why = f"is {a(state)}"
            elif (
                state in known.may_be
                and not known.excludes(state, self.facts)
                and not self._static_excludes(static, state)
            ):
                why = f"may be {a(state)} (it comes from {known.origin or 'a call'})"
        elif state not in static and state not in known.is_in:
            why = f"is not known to be {a(state)}"
        if why:
            message = wording.contract_message(self.facts, callee, parameter, required, shown, why)
            self.report(call, message, codes.NARROW.code)

    def report(self, node: Node, message: str, code: str) -> None:
        self.findings.append(FlowFinding(node.line, node.column, message, code))


def _shown(argument: Expression, parameter: str) -> str:
    """How a message names an argument: a variable or a variable's field (folio.page), else
    the parameter it is passed as."""
    if isinstance(argument, NameExpr):
        return argument.name
    if isinstance(argument, MemberExpr) and isinstance(argument.expr, NameExpr):
        return f"{argument.expr.name}.{argument.name}"
    return parameter


def _postorder(node: object, depth: int = 0) -> Iterator[Node]:
    """Expression nodes under `node`, children before parents (bounded depth)."""
    if depth > 200:
        return
    if isinstance(node, list | tuple):
        for item in node:
            yield from _postorder(item, depth + 1)
        return
    if not isinstance(node, Node) or isinstance(node, FuncDef | Block):
        return
    for name in CHILDREN:
        child = getattr(node, name, None)
        if isinstance(child, Node | list | tuple):
            yield from _postorder(child, depth + 1)
    yield node


def _expressions(statement: Statement) -> Iterator[Expression]:
    for name in ("expr", "rvalue", "lvalue"):
        child = getattr(statement, name, None)
        if isinstance(child, Expression):
            yield child


def _assigned(block: Block) -> set[str]:
    """Names assigned anywhere in `block` (a loop body): their state at the loop's start is unknown."""
    names: set[str] = set()
    for node in walk(block.body):
        if isinstance(node, AssignmentStmt):
            names.update(t.name for t in node.lvalues if isinstance(t, NameExpr))
        elif isinstance(node, OperatorAssignmentStmt) and isinstance(node.lvalue, NameExpr):
            names.add(node.lvalue.name)
        elif isinstance(node, ForStmt) and isinstance(node.index, NameExpr):
            names.add(node.index.name)
    return names


def callers_pass(function: FuncDef, implements: str | None, facts: Facts) -> Env:
    """What a model implementing kernel function `implements` knows of its parameters at entry:
    the states the kernel's callers may pass in them (put_page() gets ZONE_DEVICE pages), by
    position against the declared parameters. Nothing for a function that implements none."""
    contract = facts.accepts.get(implements or "", {})
    if not contract or implements is None:
        return {}
    declared = facts.parameters.get(implements, ())
    env: Env = {}
    for index, argument in enumerate(function.arguments):
        parameter = declared[index] if index < len(declared) else argument.variable.name
        states = contract.get(parameter, ())
        if states:
            env[argument.variable.name] = Known(may_be=frozenset(states), origin=f"a caller of {implements}()")
    return env


def check_function(
    function: FuncDef, types: dict[Expression, Type], facts: Facts, implements: str | None = None
) -> list[FlowFinding]:
    """The state findings in one function's body; `implements` is the kernel function an
    `@implement` says it is (its parameters start as what that function's callers pass)."""
    flow = FunctionFlow(facts, types)
    flow.block(function.body.body, callers_pass(function, implements, facts))
    return flow.findings
