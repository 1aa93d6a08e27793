"""Fuzz: mutated model files never crash mypy or `memdesc check`.

Each case is a piece of a model or corpus file (its imports and a few consecutive top-level
definitions) with one to three seeded mutations: a literal or `@ontology_facts(...)` decorator
with names and calls where literals belong, deleted, duplicated or truncated lines, descriptor
class names swapped. Cases that Python itself cannot compile are replaced by the next one (mypy
stops at a syntax error before the plugin runs, and would stop the whole batch). All cases are
checked in ONE `memdesc check` build (mypy costs seconds per run): the property is no traceback,
no INTERNAL ERROR, no stop (exit status 0 or 1) and no rule failing (memdesc-internal) except on
the decorator arguments that are not literals, whatever the other messages. (Mutations stay out
of comments: `# mypy: enable-error-code=x` crashes mypy 2.4 itself, with or without the plugin.)
"""

from __future__ import annotations

import ast
import random
import re
import warnings
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path

from checker.run import check
from tests.support.paths import ROOT

CONFIG = ["--config-file", str(ROOT / "pyproject.toml")]
SEED = 12
CASES = 200
SOURCES = sorted([*(ROOT / "model").glob("*.py"), *(ROOT / "tests" / "checker" / "corpus").glob("*.py")])
DESCRIPTORS = ["Page", "Folio", "AnonFolio", "Slab", "PtDesc", "Zpdesc", "NetIov", "HeadPage", "TailPage", "Ptdesc"]
"""Class names to swap (some are not ontology types: a swap may also name nothing)."""
DECORATORS = [
    "@ontology_facts(kernel=x)",
    "@ontology_facts(kernel='6.18', types=((x, 'Page', 'struct', 'page', ''),))",
    "@ontology_facts(kernel='6.18', types=(('page',),), fields=f())",
    "@ontology_facts(**x)",
    "@ontology_facts(x, kernel=-x)",
    "@implement(x)",
    "@implement",
    "@implement()",
]
_LITERAL = re.compile(r"""(?<!['"])(?:'[^'\n\\]*'|"[^"\n\\]*")(?!['"])|\b\d+\b""")
"""A one-line string or an integer (not a docstring's quotes)."""
IMPORTS = "from ontology.runtime import implement, ontology_facts"

Mutation = Callable[[random.Random, list[str]], list[str]]


@cache
def statements(source: Path) -> tuple[list[str], list[list[str]]]:
    """A file's lines up to its last import, and its other top-level statements' lines."""
    text = source.read_text(encoding="utf-8")
    lines = text.splitlines()
    body = ast.parse(text).body
    imports = [node for node in body if isinstance(node, ast.Import | ast.ImportFrom)]
    rest = [node for node in body if not isinstance(node, ast.Import | ast.ImportFrom)]
    head = lines[: imports[-1].end_lineno or 0] if imports else []
    starts = [min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) for node in rest]
    return head, [lines[start - 1 : node.end_lineno] for start, node in zip(starts, rest, strict=True)]


def piece(rng: random.Random, source: Path) -> list[str]:
    """The file's imports and a window of up to four consecutive top-level statements."""
    head, rest = statements(source)
    kept = [*head, IMPORTS]
    if rest:
        start = rng.randrange(len(rest))
        for statement in rest[start : start + rng.randint(1, 4)]:
            kept.extend(["", "", *statement])
    return kept


def literal_to_name(rng: random.Random, lines: list[str]) -> list[str]:
    # Not in comments: `# mypy: enable-error-code=x` crashes mypy itself (KeyError in apply_changes).
    candidates = [(i, m) for i, line in enumerate(lines) if "#" not in line for m in _LITERAL.finditer(line)]
    if not candidates:
        return lines
    index, match = rng.choice(candidates)
    replacement = rng.choice(["x", "f()", "x.y", "-x", "(x,)"])
    line = lines[index]
    return [*lines[:index], line[: match.start()] + replacement + line[match.end() :], *lines[index + 1 :]]


def decorate(rng: random.Random, lines: list[str]) -> list[str]:
    targets = [i for i, line in enumerate(lines) if re.match(r"\s*(async def|def|class) ", line)]
    decorator = rng.choice(DECORATORS)
    if not targets:
        return [*lines, "", "", decorator, "class Added:", "    pass"]
    index = rng.choice(targets)
    indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
    return [*lines[:index], indent + decorator, *lines[index:]]


def delete_line(rng: random.Random, lines: list[str]) -> list[str]:
    index = rng.randrange(len(lines))
    return [*lines[:index], *lines[index + 1 :]]


def duplicate_line(rng: random.Random, lines: list[str]) -> list[str]:
    index = rng.randrange(len(lines))
    return [*lines[: index + 1], *lines[index:]]


def swap_descriptors(rng: random.Random, lines: list[str]) -> list[str]:
    old, new = rng.sample(DESCRIPTORS, 2)
    pattern = re.compile(rf"\b{old}\b")
    return [pattern.sub(new, line) for line in lines]


def truncate(rng: random.Random, lines: list[str]) -> list[str]:
    return lines[: rng.randrange(1, len(lines) + 1)]


MUTATIONS: list[Mutation] = [literal_to_name, decorate, delete_line, duplicate_line, swap_descriptors, truncate]


def mutants(seed: int, count: int) -> tuple[list[tuple[str, str]], Counter[str], int]:
    """`count` compilable mutants as (mutations applied, text); how often each mutation was used;
    how many candidates did not compile."""
    rng = random.Random(seed)
    found: list[tuple[str, str]] = []
    used: Counter[str] = Counter()
    rejected = 0
    while len(found) < count:
        lines = piece(rng, rng.choice(SOURCES))
        applied = [rng.choice(MUTATIONS) for _ in range(rng.randint(1, 3))]
        for mutation in applied:
            if lines:
                lines = mutation(rng, lines)
        text = "\n".join(lines) + "\n"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarning: '"x"(...)': a mutant may call a literal
                compile(text, "<mutant>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            rejected += 1
            continue
        found.append((" ".join(m.__name__ for m in applied), text))
        used.update(m.__name__ for m in applied)
    return found, used, rejected


def test_mutants_are_seeded_and_cover_every_mutation() -> None:
    first, used, _ = mutants(SEED, CASES)
    assert first == mutants(SEED, CASES)[0]
    assert set(used) == {m.__name__ for m in MUTATIONS}
    assert sum("ontology_facts(" in text for _, text in first if "decorate" in _) > 0


def test_mutated_models_never_crash_the_checker(tmp_path: Path) -> None:
    cases, _, _ = mutants(SEED, CASES)
    paths = []
    for number, (_, text) in enumerate(cases):
        path = tmp_path / f"mutant_{number:03}.py"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    messages, checked, status = check(paths, CONFIG)
    assert checked == CASES
    assert status in (0, 1), "\n".join(map(str, messages[:20]))
    crashed = [m for m in messages if "INTERNAL ERROR" in m.message or "Traceback" in m.message]
    assert not crashed, "\n".join(map(str, crashed))
    # The only memdesc-internal errors are the decorator arguments that are not literals: a rule
    # that fails on a mutant is a bug, even though the guard keeps mypy going.
    internal = [m for m in messages if m.code == "memdesc-internal"]
    assert all("ValueError: ontology_facts argument" in m.message for m in internal), "\n".join(map(str, internal))
