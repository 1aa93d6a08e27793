"""The recall of `memdesc check` on the bug corpus (tests/checker/bugs): which real kernel bugs
it reports, which it misses, which no type checker can see, and its false positives there and
on the correct functions (tests/checker/correct).

Each module of bugs/ is one bug: module constants COMMIT (the fixing commit, 12+ hex digits),
SUBJECT, FILE and CLASS, OUT_OF_REACH (why no type checker can see it, or ""), and the buggy
form's line marked `# expect: memdesc-<code>` (the checker must report it there),
`# missed: <reason>` (visible in principle, not reported) or `# out-of-reach: <reason>`.
Everything else, the fixed forms included, must be clean. In correct/, a line the checker
reports although the code is right, because it relies on a number or a caller's contract the
checker does not follow, is marked `# limit: memdesc-<code>: <why>`: the checker's known
limits, counted apart from false positives, and each must still be reported (a checker that
learns to follow it makes the mark go).

    python -m tests.checker.bug_recall      # prints the table, the recall and the run time
"""

from __future__ import annotations

import ast
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from checker.run import Message, check
from tests.support.paths import ROOT

HERE = Path(__file__).resolve().parent
BUGS = HERE / "bugs"
CORRECT = HERE / "correct"
CONFIG = ["--config-file", str(ROOT / "pyproject.toml")]
FIELDS = ("COMMIT", "SUBJECT", "FILE", "CLASS", "OUT_OF_REACH")
_MARK = re.compile(r"# (?P<kind>expect|missed|out-of-reach): (?P<text>.+)$")
_COMMIT = re.compile(r"[0-9a-f]{12,40}")
_LIMIT = re.compile(r"# limit: (?P<code>memdesc-[a-z]+): (?P<why>.+)$")


@dataclass(frozen=True)
class Bug:
    """One module of the corpus: its facts and its marked lines (line -> (kind, text))."""

    path: Path
    facts: dict[str, str]
    marks: dict[int, tuple[str, str]]

    @property
    def expected(self) -> set[tuple[int, str]]:
        return {(line, text) for line, (kind, text) in self.marks.items() if kind == "expect"}

    def status(self, reported: set[tuple[int, str]]) -> str:
        if self.facts["OUT_OF_REACH"]:
            return "out-of-reach"
        if self.expected and self.expected <= reported:
            return "seen"
        return "missed"

    def reason(self) -> str:
        if self.facts["OUT_OF_REACH"]:
            return self.facts["OUT_OF_REACH"]
        return "; ".join(text for kind, text in self.marks.values() if kind != "expect")


def read_bug(path: Path) -> Bug:
    """The module's constants (read from its syntax tree, never imported) and marked lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    facts: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in FIELDS and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                facts[name] = node.value.value
    marks: dict[int, tuple[str, str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _MARK.search(line)
        if match:
            marks[number] = (match["kind"], match["text"].strip())
    return Bug(path, facts, marks)


def bugs() -> list[Bug]:
    return [read_bug(path) for path in sorted(BUGS.glob("*.py")) if path.name != "__init__.py"]


@dataclass(frozen=True)
class Limit:
    """A correct line the checker reports, with the code it reports and why it cannot follow it."""

    path: Path
    line: int
    code: str
    why: str


def limits() -> list[Limit]:
    """The `# limit:` lines of correct/."""
    found = []
    for path in sorted(CORRECT.glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _LIMIT.search(line)
            if match:
                found.append(Limit(path.resolve(), number, match["code"], match["why"].strip()))
    return found


def run() -> tuple[list[Message], float]:
    """One `memdesc check` of both directories; its messages and wall time in seconds."""
    start = time.perf_counter()
    messages, _, _ = check([str(BUGS), str(CORRECT)], CONFIG)
    return messages, time.perf_counter() - start


def reported_in(messages: list[Message], path: Path) -> set[tuple[int, str]]:
    return {(m.line, m.code or "") for m in messages if Path(m.path).resolve() == path.resolve()}


def false_positives(messages: list[Message], corpus: list[Bug]) -> list[Message]:
    """Messages on no `# expect:` line of bugs/ (fixed forms included) nor `# limit:` line of correct/."""
    expected = {(bug.path.resolve(), line, code) for bug in corpus for line, code in bug.expected}
    expected |= {(limit.path, limit.line, limit.code) for limit in limits()}
    return [m for m in messages if (Path(m.path).resolve(), m.line, m.code or "") not in expected]


def correct_functions() -> int:
    """The functions of correct/: each transliterates one kernel function."""
    return sum(path.read_text(encoding="utf-8").count("\ndef ") for path in CORRECT.glob("*.py"))


def main() -> int:
    corpus = bugs()
    messages, seconds = run()
    rows = []
    for bug in corpus:
        status = bug.status(reported_in(messages, bug.path))
        rows.append((bug.path.stem, bug.facts["CLASS"], bug.facts["COMMIT"][:12], status, bug.reason()))
    print(f"{'bug':28} {'class':52} {'commit':12} {'status':12} reason")
    for row in rows:
        print(f"{row[0]:28} {row[1][:52]:52} {row[2]:12} {row[3]:12} {row[4]}")
    seen = sum(row[3] == "seen" for row in rows)
    visible = sum(row[3] != "out-of-reach" for row in rows)
    wrong = false_positives(messages, corpus)
    in_correct = [m for m in wrong if Path(m.path).resolve().is_relative_to(CORRECT)]
    print(f"recall: {seen}/{visible} visible bugs seen, {len(rows) - visible} out of reach, {len(rows)} in all")
    print(
        f"false positives: {len(wrong) - len(in_correct)} in bugs/ (fixed forms), "
        f"{len(in_correct)} in correct/ ({correct_functions()} functions)"
    )
    marked = limits()
    reported = {(Path(m.path).resolve(), m.line, m.code or "") for m in messages}
    shown = sum((limit.path, limit.line, limit.code) in reported for limit in marked)
    print(f"known limits: {shown} of {len(marked)} marked lines of correct/ reported")
    for limit in marked:
        print(f"  {limit.path.name}:{limit.line} [{limit.code}] {limit.why}")
    print(f"memdesc check bugs/ correct/: {len(messages)} messages in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
