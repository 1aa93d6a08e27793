"""The checker rules page (docs/checker/rules.md), generated from the error codes and the checked examples.

Each rule's code, one-line description and explanation come from `checker.errorcodes.RULES`
(the one place a rule is described); the registries the
rules enforce (conversions, folio replacements) from the facts the checker reads out of
`ontology.types`; the examples are the files under docs/checker/examples, and the messages shown
for them are the `# E: [code] message` / `# N: message` comments on their lines.
tests/docs/test_checker_examples.py runs `memdesc check` over that directory and requires the
reported messages to equal those comments, both ways, so the page shows what the checker prints.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from checker import errorcodes
from checker.facts import Facts
from checker.fullnames import FACTS_CLASS
from checker.run import Message, summary
from ontology.docsite.markdown import code, fence, link, text
from ontology.errors import InputError
from ontology.runtime import facts_of

EXAMPLES_DIR = Path("docs/checker/examples")
"""Where the examples live, relative to the checkout (and as `memdesc check` prints their paths)."""

_EXPECTATION = re.compile(r"\s*# (?P<kind>[EN]): (?P<text>.*?)(?=\s*# [EN]: |$)")
_ERROR = re.compile(r"\[(?P<code>[a-z0-9-]+)\] (?P<message>.+)")
_FIRST_EXPECTATION = re.compile(r"\s*# [EN]: ")
_TOOL_DIRECTIVE = re.compile(r"# (ruff|fmt): ")


@dataclass(frozen=True)
class Expected:
    """One message the checker must print for a line of an example."""

    line: int
    severity: str
    """"error" or "note" (mypy prints no code on notes)"""
    code: str | None
    message: str


@dataclass(frozen=True)
class Example:
    """An example file: its name, its text and the messages its comments expect."""

    name: str
    text: str
    expected: tuple[Expected, ...]

    @property
    def rule(self) -> str:
        """The rule the file illustrates, from its name: `convert_cast.py` -> `memdesc-convert`."""
        return "memdesc-" + self.name.split("_", 1)[0]

    def shown_source(self) -> str:
        """The text as the page shows it: each expectation comment cut to a short marker (the
        messages follow the code), and trailing linter directives dropped. Line numbers stay."""
        lines = self.text.splitlines()
        while lines and (not lines[-1].strip() or _TOOL_DIRECTIVE.match(lines[-1])):
            lines.pop()
        markers: dict[int, list[str]] = {}
        for item in self.expected:
            mark = f"{item.severity} [{item.code}]" if item.code else item.severity
            markers.setdefault(item.line, []).append(mark)
        shown = []
        for number, line in enumerate(lines, start=1):
            cut = _FIRST_EXPECTATION.search(line)
            if cut is not None:
                line = line[: cut.start()] + "  # " + ", ".join(markers[number])
            shown.append(line)
        return "\n".join(shown) + "\n"

    def messages(self) -> list[Message]:
        """The expected messages as `memdesc check` prints them, in its order."""
        path = (EXAMPLES_DIR / self.name).as_posix()
        found = [Message(path, e.line, None, e.severity, e.message, e.code) for e in self.expected]
        return sorted(found, key=lambda m: (m.line, m.severity != "error"))


def parse_expectations(name: str, text: str) -> tuple[Expected, ...]:
    """The `# E: [code] message` and `# N: message` comments of a file (several may share a line)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        start = _FIRST_EXPECTATION.search(line)
        if start is None:
            continue
        for match in _EXPECTATION.finditer(line, start.start()):
            if match["kind"] == "N":
                found.append(Expected(number, "note", None, match["text"]))
                continue
            error = _ERROR.fullmatch(match["text"])
            if error is None:
                raise InputError("write an expected error as `# E: [code] message`", name, number)
            found.append(Expected(number, "error", error["code"], error["message"]))
    return tuple(found)


def read_examples(directory: Path) -> list[Example]:
    """Every example under `directory`, sorted by name (so `x.py` comes before `x_fixed.py`)."""
    examples = []
    for path in sorted(directory.glob("*.py"), key=lambda p: p.name):
        text = path.read_text(encoding="utf-8")
        examples.append(Example(path.name, text, parse_expectations(path.name, text)))
    return examples


def checker_facts() -> Facts:
    """The facts the checker enforces, as recorded on the generated `_OntologyFacts` class."""
    module, name = FACTS_CLASS.rsplit(".", 1)
    return Facts.from_table(facts_of(getattr(importlib.import_module(module), name)))


_CLI_CAVEAT = ", if the configuration loads the plugin"
"""mypy checks the code names on its command line before it loads plugins named there."""

_POST_PASS_NOTE = (
    "`memdesc check` finds these in a post-pass after mypy's build; the same `# type: ignore[...]` comments "
    "and disabled codes silence them."
)


# -- rendering ------------------------------------------------------------------------------


def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def _conversions_table(facts: Facts) -> str:
    rows = [
        [code(f"{c.name}()"), code(c.source), code(c.target), "may return NULL" if c.checked else ""]
        for c in sorted(facts.conversions.values(), key=lambda c: (c.source, c.target, c.name))
    ]
    return f"The registered conversions (Linux {text(facts.kernel)}):\n\n" + _table(
        ["conversion", "from", "to", "checked"], rows
    )


def _replacements_table(facts: Facts) -> str:
    rows = [
        [code(f"{name}()"), code(f"{replacement}()")]
        for name, (_, replacement) in sorted(facts.functions.items())
        if replacement
    ]
    return f"The page-based functions it notes (Linux {text(facts.kernel)}):\n\n" + _table(
        ["function", "the kernel prefers"], rows
    )


_TABLES = {errorcodes.CONVERT.code: _conversions_table, errorcodes.DEPRECATED.code: _replacements_table}


def _silencing(rule: errorcodes.Rule) -> str:
    code = rule.code
    name = code.code
    lines = []
    if not code.default_enabled:
        lines.append(
            f'Off by default. Enable it with `enable_error_code = ["{name}"]` under `[tool.mypy]`, '
            f'with `# mypy: enable-error-code="{name}"` at the top of one file, or with '
            f"`--enable-error-code {name}` on mypy's command line{_CLI_CAVEAT}."
        )
    lines.append(
        f"Silence one line with `# type: ignore[{name}]`, one file with "
        f'`# mypy: disable-error-code="{name}"`, a project with `disable_error_code = ["{name}"]` under '
        f"`[tool.mypy]` (or `--disable-error-code {name}` on mypy's command line{_CLI_CAVEAT})."
    )
    if rule.check_only:
        lines.append(f"Plain mypy with the plugin reports all of this rule except {rule.check_only}. {_POST_PASS_NOTE}")
    return "\n\n".join(lines) + "\n"


def _example_section(example: Example) -> str:
    path = (EXAMPLES_DIR / example.name).as_posix()
    messages = example.messages()
    output = "\n".join([f"$ memdesc check {path}", *(str(m) for m in messages), summary(messages, 1)])
    # The heading links the file itself: MkDocs ships the examples beside the page.
    heading = f"### {link(code(example.name), quote(f'{EXAMPLES_DIR.name}/{example.name}'))}"
    source = "\n".join(fence(example.shown_source().removesuffix("\n").split("\n"), "python"))
    return f"{heading}\n\n{source}\n\n" + "\n".join(fence(output.split("\n"), "text")) + "\n"


def _rule_section(rule: errorcodes.Rule, examples: list[Example], facts: Facts) -> str:
    code = rule.code
    parts = [
        f"## {code.code}\n",
        f"**{code.description}.**\n",
        rule.why + "\n",
    ]
    table = _TABLES.get(code.code)
    if table is not None:
        parts.append(table(facts))
    parts.append(_silencing(rule))
    parts.extend(_example_section(example) for example in examples)
    return "\n".join(parts)


def _summary_table() -> str:
    rows = [
        [f"[`{code.code}`](#{code.code})", code.description, "yes" if code.default_enabled else "no"]
        for code in errorcodes.ALL
    ]
    return _table(["code", "rule", "on by default"], rows)


REACH = (
    "## What the checker can and cannot see\n\n"
    "The state rules (a field that means nothing in a state, a contract that requires or excludes one) "
    "follow each function's own code, statement by statement: the tests it makes (`if PageTail(page): "
    "return`, `assert not folio_test_slab(folio)`, `and`/`or`/`not`, early returns), what the functions "
    "it calls ensure (`compound_head()` never returns a tail page) and where a value comes from "
    "(`virt_to_page()` may return a slab or page-table page, `folio_page()` a tail page). A state so "
    "established is kept only while nothing could have changed it: a call that releases the descriptor "
    "(`put_page()`, `folio_put()`, `__free_pages()`) ends it, and an assignment to the variable starts "
    "afresh.\n\n"
    "Out of reach, by construction:\n\n"
    "- **Races.** A state tested under one lock and used after another thread could change it "
    "(a folio split between `folio_test_large()` and its use, a page freed under a speculative "
    "reference) looks established. The checker sees one thread's code, not the memory model.\n"
    "- **Values.** Which page `page + k`, `nth_page(page, k)` or `pfn_to_page(pfn)` is depends on "
    "numbers the checker does not track: such a page is taken to be whatever its origin may be (a tail "
    "page, for `nth_page()`), never known to be a head. The one number it reads is a literal 0 where the "
    "data says 0 voids the origin (`may_be_unless_zero`): `folio_page(folio, 0)` is the folio's first "
    "page. So correct code that relies on a number is reported: `split_page()` setting the refcount of "
    "`page + i` in a non-compound allocation (never a tail), `free_pages()` freeing an address its "
    "caller got from `__get_free_pages()`. The corpus of correct kernel functions marks such lines as "
    "the checker's known limits (`# limit:` in tests/checker/correct).\n"
    "- **State kept in memory.** A state tested, then stored in a structure and read back elsewhere "
    "(a folio put on a list after `folio_test_anon()`) is not remembered: only local variables carry "
    "states. A parameter is taken to satisfy its own function's contract; its callers are checked "
    "against that contract. Only a model that `@implement`s a kernel function starts with what that "
    "function's callers may pass (its `accepts` facts: `put_page()` gets ZONE_DEVICE pages).\n"
    "- **Reference counts.** They are not counted: a put ends what was known of the descriptor (except "
    "what its memory is: ZONE_DEVICE), but a "
    "use after the *last* put (a use-after-free) cannot be told from a use after one of many.\n\n"
    "The model's runtime covers what the static rules cannot: its views carry the same state facts, "
    "so reading a field that means nothing in the page's current state raises `MeaninglessField` with "
    "the same reason, and a view used after its descriptor's last reference was dropped raises "
    "`UseAfterFree`, as KASAN would, even once the pages are allocated again (`model/views.py`, "
    "tested in `tests/model/test_runtime_states.py` and the stateful tests).\n\n"
)
"""What the static state rules follow, what is out of their reach, and what the model's runtime adds."""


def rules_page(root: Path) -> str:
    """The Markdown of docs/checker/rules.md for the checkout at `root`.

    Raises InputError for an example whose name matches no rule or whose comments are malformed.
    """
    examples = read_examples(root / EXAMPLES_DIR)
    by_rule: dict[str, list[Example]] = {code.code: [] for code in errorcodes.ALL}
    for example in examples:
        if example.rule not in by_rule:
            raise InputError(f"the name should start with a rule ({', '.join(sorted(by_rule))})", example.name)
        by_rule[example.rule].append(example)
    facts = checker_facts()
    umbrella = errorcodes.MEMDESC.code
    intro = (
        "# Checker rules and error codes\n\n"
        '`memdesc check` (and mypy itself, with `plugins = ["checker.plugin"]`) checks a model against the '
        "ontology and reports each problem with one of these error codes. How to write a model that passes: "
        "[Writing a model](../guide/writing-a-model.md); the command's options: [CLI](../reference/cli.md).\n\n"
        + _summary_table()
        + f'\nAll are sub-codes of `{umbrella}`: `disable_error_code = ["{umbrella}"]` turns them all off, '
        f"and `# type: ignore[{umbrella}]` silences any of them on a line (with `warn_unused_ignores`, part "
        "of `strict`, mypy then asks for the narrower code). Each can be enabled or silenced alone as shown "
        "below. "
        "`memdesc check` takes no mypy options: it reads mypy's configuration as mypy does (`[tool.mypy]` "
        "in pyproject.toml, mypy.ini, setup.cfg).\n\n"
        + REACH
        + "## The examples\n\n"
        f"Every example below is a file in `{EXAMPLES_DIR.as_posix()}/`, a small model as a kernel developer "
        "would write it; `*_fixed.py` is the same code written so that nothing is reported. In the files, each "
        "line the checker must flag ends with the message it prints: `# E: [code] message` for an error, "
        "`# N: message` for a note (mypy prints no code on notes). Here those comments are cut to a marker and "
        "the messages follow the code. `tests/docs/test_checker_examples.py` runs `memdesc check` over the "
        "directory and fails unless the messages it prints are exactly those comments, so the output shown is "
        "the checker's own. To see it yourself, from the repository root:\n\n"
        f"```text\n$ memdesc check {EXAMPLES_DIR.as_posix()}\n```\n"
    )
    sections = [_rule_section(rule, by_rule[rule.code.code], facts) for rule in errorcodes.RULES]
    return intro + "\n" + "\n".join(sections)
