"""A proposal's impact on a kernel tree as text: the terminal's tables and the document's section.

Both show the same three tables of a `KernelImpact`: call sites per changed function, per
top-level directory, per second-level directory. The terminal lists every row; the document
lists the first `TOP_SUBSYSTEMS` second-level rows and sums the rest into one, so the page stays
readable for a function called from hundreds of directories. The file:line lists are in JSON.
"""

from __future__ import annotations

from ontology.docsite.markdown import cell, code
from ontology.proposal.kernel_impact import KernelImpact

TOP_SUBSYSTEMS = 15
"""Second-level directories the document lists before summing the rest."""


def _plural(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def summary(impact: KernelImpact) -> str:
    """`238 call sites of 14 functions in 150 files of linux-source-7.3 (Linux 7.3.4)`."""
    return (
        f"{_plural(len(impact.sites), 'call site')} of {_plural(len(impact.functions), 'function')} "
        f"in {_plural(len(impact.files()), 'file')} of {impact.tree} (Linux {impact.release})"
    )


def top(counts: dict[str, int], limit: int) -> list[tuple[str, int]]:
    """The first `limit` rows of `counts` (already largest first) and, if any are left, one
    `(N others)` row summing them."""
    rows = list(counts.items())
    if len(rows) <= limit:
        return rows
    rest = rows[limit:]
    return [*rows[:limit], (f"({len(rest)} others)", sum(n for _, n in rest))]


def _columns(title: str, rows: list[tuple[str, int]]) -> list[str]:
    width = max([len(title), *(len(name) for name, _ in rows)])
    return [f"{title:<{width}}  sites", *(f"{name:<{width}}  {n:>5}" for name, n in rows)]


def kernel_text(impact: KernelImpact) -> str:
    """The terminal's report: the summary, then the three tables in full."""
    lines = [summary(impact), ""]
    lines += _columns("function", list(impact.per_function().items()))
    for depth, title in ((1, "subsystem"), (2, "subsystem (2 levels)")):
        lines += ["", *_columns(title, list(impact.per_subsystem(depth).items()))]
    return "\n".join(lines) + "\n"


def _table(title: str, rows: list[tuple[str, int]]) -> list[str]:
    """A Markdown table of names (as code, but the `(N others)` row) and their call sites."""
    lines = [f"| {title} | call sites |", "|---|---:|"]
    return lines + [f"| {cell(name) if name.startswith('(') else code(name)} | {n} |" for name, n in rows]


def kernel_section(impact: KernelImpact | None, name: str, impact_name: str) -> list[str]:
    """The document's "Impact on the kernel" section (its lines after the heading); `name` is the
    proposal file and `impact_name` its stored impact file, as shown."""
    if impact is None:
        command = code(f"memdesc propose check {name} --kernel-src DIR -o {impact_name}")
        return ["", f"Not scanned. Run {command} on a kernel source tree to count the callers."]
    functions = [(f"{n}()", count) for n, count in impact.per_function().items()]
    lines = [
        "",
        f"Callers of the functions this proposal changes: {cell(summary(impact))}. "
        "Definitions, declarations, comments, strings and member calls (`->name(`) are not counted; "
        f"calls made through a macro count once, at the macro. Every file:line is in {code(impact_name)}.",
        "",
        *_table("function", functions),
        "",
        *_table("subsystem", list(impact.per_subsystem(1).items())),
        "",
        *_table("subsystem (2 levels)", top(impact.per_subsystem(2), TOP_SUBSYSTEMS)),
    ]
    return lines
