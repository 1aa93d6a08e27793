"""The CLI's conventions (issue 15 item 6): `-h` everywhere, `--version`, every usage error one
line `memdesc: error: ...` with exit 2, help in words (no Python types), completion of option values.

Commands are listed from the typer app itself, so a new command is covered without being named.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from memdesc.app import app
from memdesc.completion import complete_category, complete_format, complete_kernel, complete_kind, complete_name
from tests.support.paths import MINI, ROOT

runner = CliRunner()

ROOT_TOML = ROOT / "ontology" / "data" / "ontology.toml"


def _paths() -> list[str]:
    """Every command and group by its full name ("" for memdesc itself, `propose diff`...)."""
    found: list[str] = []

    def walk(command: Any, prefix: str) -> None:
        found.append(prefix)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{prefix} {name}".strip())

    walk(typer.main.get_command(app), "")
    return found


COMMANDS = _paths()


def test_the_sweep_sees_every_command() -> None:
    assert {"", "show", "path", "propose", "propose diff", "btf extract", "verify"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_dash_h_is_help(command: str) -> None:
    short = runner.invoke(app, [*command.split(), "-h"])
    long = runner.invoke(app, [*command.split(), "--help"])
    assert short.exit_code == 0 and short.stdout == long.stdout
    assert short.stdout.startswith(f"Usage: memdesc {command}".rstrip() + " ")
    # help in words: no `<str>`, `<path>`, `<list[str]>` beside an option or argument
    assert not re.search(r"<[a-z\[\]|]+>", short.stdout), short.stdout
    # an example first (the description follows it)
    assert short.stdout.split("\n\n")[1].strip().startswith("Example: memdesc"), short.stdout


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert re.fullmatch(r"memdesc \d+\.\d+\.\d+\S* \(data: Linux 6\.1 to \d+\.\d+\)\n", result.stdout)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["show"], "memdesc: error: missing argument 'NAME' (see 'memdesc show -h')"),
        (["path", "page"], "memdesc: error: missing argument 'TO' (see 'memdesc path -h')"),
        (["list", "--bogus"], "memdesc: error: no such option: --bogus (see 'memdesc list -h')"),
        (["list", "--jsn"], "memdesc: error: no such option: --jsn (did you mean --json?) (see 'memdesc list -h')"),
        (["nosuch"], "memdesc: error: no such command 'nosuch' (see 'memdesc -h')"),
        (["list", "--kind"], "memdesc: error: option '--kind' requires an argument"),
        (["propose", "diff"], "memdesc: error: missing argument 'PROPOSAL' (see 'memdesc propose diff -h')"),
        (["show", "a", "b"], "memdesc: error: got unexpected extra argument(s) (b) (see 'memdesc show -h')"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str], line: str) -> None:
    result = runner.invoke(app, args)
    assert (result.exit_code, result.stderr, result.stdout) == (2, line + "\n", "")


def test_own_errors_keep_the_same_form() -> None:
    result = runner.invoke(app, ["show", "foilo", "--data", str(MINI)])
    assert result.exit_code == 2 and result.stderr == (
        "memdesc: error: unknown name 'foilo': no type, field, function, conversion, predicate or page type "
        "is called that in Linux 6.18 (did you mean 'folio' or 'folio_alloc'?)\n"
    )


def test_console_script_usage_error_is_one_line() -> None:
    """Through the real entry point (its fast path hands unusual arguments to typer)."""
    done = subprocess.run(
        [sys.executable, "-m", "memdesc", "show", "--jsonn", "folio"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "memdesc: error: no such option: --jsonn (did you mean --json?) (see 'memdesc show -h')"
    ]


def _context(**params: object) -> Any:
    class Context:
        pass

    context = Context()
    context.params = params  # type: ignore[attr-defined]
    return context


def test_option_values_complete() -> None:
    bundled = _context()
    assert complete_kernel(bundled, "6.1")[:3] == ["6.19", "6.18", "6.17"]
    assert "6.1" in complete_kernel(bundled, "6.1")
    assert complete_format(bundled, "") == ["dot", "graphml", "json", "mermaid"]
    assert {"alloc", "gup", "pagecache"} <= set(complete_category(bundled, ""))
    assert complete_category(bundled, "pa") == sorted(c for c in complete_category(bundled, "") if c.startswith("pa"))
    assert complete_kind(bundled, "") == ["handle", "proposed", "refinement", "struct"]
    mini = _context(data=MINI)
    assert complete_kind(mini, "") == ["refinement", "struct"]
    assert complete_category(mini, "") == ["alloc", "anon", "free"]


def test_show_completes_anything_it_answers_for() -> None:
    """`show` answers for fields, functions, predicates and page types: it completes them too."""
    bundled = _context()
    assert [name for name, _ in complete_name(bundled, "slab.sl")] == ["slab.slab_cache", "slab.slab_list", "slab.slabs"]
    assert ("filemap_lock_folio", "function") in complete_name(bundled, "filemap_lo")
    assert ("page_folio", "conversion") in complete_name(bundled, "page_fol")
    assert ("folio_test_anon", "predicate") in complete_name(bundled, "folio_test_an")
    assert ("PGTY_slab", "page type") in complete_name(bundled, "PGTY_s")
    assert "contiguous" in dict(complete_name(bundled, "foli"))["folio"]  # a type keeps its summary
    assert complete_name(bundled, "nosuch.") == [] and complete_name(bundled, "zzz") == []


def test_completion_through_the_shell_protocol() -> None:
    """What bash asks for (`memdesc functions --category al<TAB>`) through typer's own protocol."""
    env = {"_MEMDESC_COMPLETE": "complete_bash", "COMP_WORDS": "memdesc functions --category al", "COMP_CWORD": "3"}
    done = subprocess.run(
        [sys.executable, "-m", "memdesc"], capture_output=True, text=True, check=False, env={**_base_env(), **env}
    )
    assert done.stdout.split() == ["alloc"], done.stderr
    env["COMP_WORDS"], env["COMP_CWORD"] = "memdesc show --kernel 7.", "3"
    done = subprocess.run(
        [sys.executable, "-m", "memdesc"], capture_output=True, text=True, check=False, env={**_base_env(), **env}
    )
    assert done.stdout.split() == ["7.3", "7.2", "7.1", "7.0"], done.stderr


def _base_env() -> dict[str, str]:
    import os

    return {key: value for key, value in os.environ.items() if not key.startswith("_MEMDESC")}


def test_long_output_on_a_terminal_goes_through_the_pager(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from memdesc import display

    seen = tmp_path / "paged"
    monkeypatch.setenv("PAGER", f"cat > {seen}")
    monkeypatch.setenv("LINES", "10")
    monkeypatch.setattr(display, "is_terminal", lambda: True)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    long = "".join(f"line {n}\n" for n in range(50))
    assert display.page(long) and seen.read_text() == long
    assert not display.page("short\n")  # fits the terminal: printed as is
    monkeypatch.setattr(display, "is_terminal", lambda: False)
    assert display.pager() is None and not display.page(long)  # piped: never paged
    monkeypatch.setattr(display, "is_terminal", lambda: True)
    monkeypatch.setenv("PAGER", "")
    assert display.pager() is None
