"""How the CLI displays answers: JSON for scripts, aligned text for pipes and mails, rich on a TTY.

Text output contains no escape codes unless stdout is a terminal and NO_COLOR is unset, so it
pastes cleanly into a mail or a document. Under NO_COLOR (https://no-color.org) a terminal still
gets rich's box-drawn tables, but no colour and no bold either. An answer taller than the
terminal goes through $PAGER (default `less -FRX`), never when stdout is piped.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any


def dumps(data: Any) -> str:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def dumps_answer(command: str, data: Any) -> str:
    """A `--json` answer of `command`, in the envelope every one has (`ontology.answerformat`)."""
    from ontology.answerformat import envelope

    return dumps(envelope(command, data))


def emit(text: str) -> None:
    """Print an answer: through a pager when it is longer than the terminal (`pager`), else as is."""
    text = text if text.endswith("\n") or not text else text + "\n"
    if not page(text):
        sys.stdout.write(text)


def pager() -> str | None:
    """The pager command for a long answer on a terminal: $PAGER (empty or `cat`: none), else `less`
    (-F quits when the text fits, -R passes colour, -X leaves it on the screen, as git runs it).
    None unless the session is interactive (stdout and stdin terminals: a pager reads keys):
    piped output is never paged."""
    if not (is_terminal() and sys.stdin.isatty()):
        return None
    command = os.environ.get("PAGER", "less")
    return None if command.strip() in ("", "cat") else command


def page(text: str) -> bool:
    """Show `text` through the pager when it is taller than the terminal; False if it was not paged
    (no pager, short text, or a pager that cannot be started). shutil and subprocess are
    imported only for a terminal session: piped answers (the common case) skip their ~5 ms."""
    command = pager()
    if command is None:
        return False
    import shutil
    import subprocess

    if text.count("\n") < shutil.get_terminal_size().lines:
        return False
    sys.stdout.flush()
    environment = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}
    try:
        # $PAGER is a shell command line, run as git and man run it
        process = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=environment)
    except OSError:
        return False
    assert process.stdin is not None
    try:
        process.stdin.write(text.encode())
        process.stdin.close()
    except BrokenPipeError:  # the reader quit the pager early
        pass
    process.wait()
    return True


def is_terminal() -> bool:
    return sys.stdout.isatty()


def no_color() -> bool:
    """NO_COLOR is set to a non-empty value: no ANSI styling anywhere, even on a terminal."""
    return bool(os.environ.get("NO_COLOR"))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], title: str | None = None) -> str:
    """A table: rich on a terminal, otherwise columns separated by two spaces.

    A cell may hold several lines; multi-line rows are separated by a blank line so that
    each row reads as one block when pasted into a mail.
    """
    cells = [["" if cell is None else str(cell) for cell in row] for row in rows]
    if is_terminal():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        rich_table = Table(*headers, title=title, show_lines=any("\n" in c for row in cells for c in row))
        for row in cells:
            rich_table.add_row(*(Text(cell) for cell in row))  # Text: a C type's [] is not rich markup
        # The terminal decision is ours (is_terminal), not rich's; NO_COLOR drops every style,
        # where rich's own no_color would still print bold.
        console = Console(force_terminal=True, color_system=None if no_color() else "auto")
        with console.capture() as capture:
            console.print(rich_table)
        return capture.get()
    widths = [len(h) for h in headers]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max([widths[index], *(len(line) for line in cell.split("\n"))])
    multiline = any("\n" in cell for row in cells for cell in row)
    lines = [title] if title else []
    lines.append("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for number, row in enumerate(cells):
        if multiline and number:
            lines.append("")
        split = [cell.split("\n") for cell in row]
        for depth in range(max(len(part) for part in split)):
            parts = [part[depth] if depth < len(part) else "" for part in split]
            lines.append("  ".join(c.ljust(w) for c, w in zip(parts, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def tree_text(nodes: list[dict[str, Any]]) -> str:
    """The refinement forest drawn with box characters, one type a line; a subtree already drawn
    is one line marked "(shown above)". Iterative: a deep hierarchy draws without recursion."""
    lines: list[str] = []
    # (node, prefix of its line, last among its siblings, a root)
    stack: list[tuple[dict[str, Any], str, bool, bool]] = [(node, "", True, True) for node in reversed(nodes)]
    while stack:
        node, prefix, last, root = stack.pop()
        connector = "" if root else ("└── " if last else "├── ")
        shared = " (shown above)" if node.get("shown_above") else ""
        label = node["kind"] + (", memdesc plan" if node.get("era") == "plan" else "")
        label += f", overlays {node['overlays']}" if node.get("relation") == "overlays" else ""
        lines.append(f"{prefix}{connector}{node['name']} [{label}]{shared}")
        child_prefix = prefix if root else prefix + ("    " if last else "│   ")
        children = node["children"]
        stack.extend(
            (child, child_prefix, index == len(children) - 1, False)
            for index, child in reversed(list(enumerate(children)))
        )
    return "\n".join(lines) + "\n"


def show_text(info: dict[str, Any]) -> str:
    """`memdesc show` as text: a header, the family, then fields, predicates, conversions, API."""
    size = f", {info['size']} bytes" if info["size"] else ""
    c_struct = f"struct {info['c_struct']}" if info["c_struct"] else "no C struct"
    since = f", since {info['since']}" if info["since"] else ""
    until = f", until {info['until']}" if info["until"] else ""
    when = f"{info['status']}{since}{until}; Linux {info['kernel']}"
    out = [f"{info['name']}: {info['kind']} type ({c_struct}{size}) [{when}]", f"  {info['summary']}"]
    family = [
        ("parents", info["parents"]),
        ("ancestors", info["ancestors"] if info["ancestors"] != info["parents"] else []),
        ("refinements", info["refinements"]),
        ("proposed under it", info["proposed_children"]),
    ]
    for label, names in family:
        if names:
            out.append(f"  {label}: {', '.join(names)}")
    for label, key in (
        ("overlays", "overlays"),
        ("predicate", "predicate"),
        ("realized by", "realized_by"),
        ("proposed in", "proposed_in"),
    ):
        if info[key]:
            out.append(f"  {label}: {info[key]}")
    if info["page_types"]:
        out.append(f"  page types: {', '.join(info['page_types'])}")
    text = "\n".join(out) + "\n"
    if info["fields"]:
        rows = []
        for f in info["fields"]:
            bits = f" bits {f['bit_offset']}+{f['bit_size']}" if f["bit_size"] else ""
            match = ""
            if f["matches"]:
                match = f["matches"] + (f" (page {f['match_index']})" if f["match_index"] else "")
            rows.append([f["word"], f["offset"], f["size"], f["name"] + bits, f["c_type"], match, f["config"] or ""])
        text += "\n" + table(["word", "offset", "size", "field", "c type", "matches", "config"], rows)
        meanings = [f"  {f['name']}: {f['doc']}" for f in info["fields"] if f.get("doc")]
        if meanings:
            text += "\nfield meanings:\n" + "\n".join(meanings) + "\n"
    if info["predicates"]:
        rows = [[p["name"], p["takes"], p["establishes"] or "", p["tests"]] for p in info["predicates"]]
        text += "\n" + table(["predicate", "takes", "establishes", "tests"], rows)
    if info["conversions"]:
        rows = [[c["name"], c["from"], c["to"], "checked" if c["checked"] else "trusting"] for c in info["conversions"]]
        text += "\n" + table(["conversion", "from", "to", "kind"], rows)
    if info["functions"]:
        rows = [[f["name"], f["category"], ", ".join(f["roles"])] for f in info["functions"]]
        text += "\n" + table(["function", "category", "role"], rows)
    if info["sources"]:
        text += "\nsources:\n"
        for source in info["sources"]:
            where = source.get("url") or " ".join(
                part
                for part in (f"Linux {source.get('version')}" if source.get("version") else None, source.get("path"))
                if part
            )
            text += f"  [{source['id']}] {source.get('title', '')}: {where}\n"
    if info["notes"]:
        text += f"\nnotes: {info['notes']}\n"
    return text
