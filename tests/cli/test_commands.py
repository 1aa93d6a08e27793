"""Every CLI command, in text and --json, on the mini fixture and the bundled data."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from tests.support.json_answers import payload
from tests.support.paths import MINI

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str) -> object:
    code, out, err = run(*args, "--json")
    assert code == 0, err
    return payload(args[0], out)


def test_list_json_and_kind_filter() -> None:
    data = run_json("list", "--data", str(MINI))
    assert [t["name"] for t in data] == ["anon_folio", "folio", "page"]
    refinements = run_json("list", "--kind", "refinement", "--data", str(MINI))
    assert [t["name"] for t in refinements] == ["anon_folio"]


def test_list_text_is_a_plain_table() -> None:
    code, out, _ = run("list", "--data", str(MINI))
    assert code == 0
    assert out.splitlines()[0].split() == ["type", "kind", "status", "parents", "summary"]
    assert "\x1b[" not in out


def test_show_json_shape() -> None:
    info = run_json("show", "folio", "--data", str(MINI))
    assert isinstance(info, dict)
    assert info["name"] == "folio" and info["kind"] == "struct" and info["c_struct"] == "folio"
    assert info["parents"] == []
    assert {k: info["fields"][4][k] for k in ("name", "offset", "size")} == {"name": "_head_1", "offset": 72, "size": 8}
    assert {"name": "page_folio", "from": "page", "to": "folio", "checked": False} in info["conversions"]
    assert {"name": "folio_alloc", "category": "alloc", "roles": ["returns"]} in info["functions"]
    assert info["sources"][0]["id"] == "mm_types.h"


def test_show_refinement_owns_struct_fields_and_text() -> None:
    code, out, _ = run("show", "anon_folio", "--data", str(MINI))
    assert code == 0
    assert "anon_folio: refinement type (struct folio" in out
    assert "folio_test_anon" in out


def test_unknown_type_is_one_line_with_suggestion() -> None:
    code, out, err = run("show", "foilo", "--data", str(MINI))
    assert code == 2
    assert out == ""
    assert err.strip() == (
        "memdesc: error: unknown name 'foilo': no type, field, function, conversion, predicate or page type "
        "is called that in Linux 6.18 (did you mean 'folio' or 'folio_alloc'?)"
    )


def test_tree_json_and_text() -> None:
    nodes = run_json("tree", "--data", str(MINI))
    assert [n["name"] for n in nodes] == ["page"]  # folio overlays page: it hangs under it
    folio = nodes[0]["children"][0]
    assert (folio["name"], folio["relation"]) == ("folio", "overlays")
    assert folio["children"][0]["name"] == "anon_folio"
    _, out, _ = run("tree", "folio", "--data", str(MINI))
    assert out == "page [struct]\n└── folio [struct, overlays page]\n    └── anon_folio [refinement]\n"


def test_path_names_each_function() -> None:
    result = run_json("path", "anon_folio", "page", "--data", str(MINI))
    assert isinstance(result, dict)
    steps = result["paths"][0]
    assert [(s["from"], s["to"], s["function"]) for s in steps] == [
        ("anon_folio", "folio", None),
        ("folio", "page", "folio_page"),
    ]
    code, out, _ = run("path", "page", "folio", "--data", str(MINI))
    assert code == 0 and out.strip() == "page --page_folio()--> folio"


def test_path_none_explains_and_exits_1() -> None:
    code, out, _ = run("path", "page", "memdesc")  # a proposed type no conversion reaches
    assert code == 1
    assert out.startswith("no registered conversion chain leads from 'page' to 'memdesc'; from 'page' one can reach:")


def test_layout_json_words() -> None:
    result = run_json("layout", "folio", "--data", str(MINI))
    assert isinstance(result, dict)
    assert result["columns"] == ["page", "folio"]
    word1 = result["words"][1]
    assert word1["fields"] == {"page": ["compound_head"], "folio": ["lru"]}
    assert result["words"][9]["fields"]["page"] == ["compound_head"]
    assert result["words"][9]["fields"]["folio"] == ["_head_1"]


def test_functions_json_shape_and_filters() -> None:
    records = run_json("functions", "--data", str(MINI))
    assert isinstance(records, list)
    alloc = next(r for r in records if r["name"] == "folio_alloc")
    assert alloc["category"] == "alloc" and alloc["returns"] == "folio" and alloc["source"] == "mm_types.h"
    assert alloc["params"] == [
        {"name": "gfp", "type": None, "c_type": "gfp_t", "depth": 0},
        {"name": "order", "type": None, "c_type": "unsigned int", "depth": 0},
    ]
    taking = run_json("functions", "--takes", "folio", "--data", str(MINI))
    assert [r["name"] for r in taking] == ["folio_add_new_anon_rmap", "folio_put"]
    assert run_json("functions", "--category", "alloc", "--data", str(MINI)) == [alloc]
    code, _, err = run("functions", "--category", "aloc", "--data", str(MINI))
    assert code == 2 and "did you mean 'alloc'?" in err


@pytest.mark.parametrize("fmt", ["dot", "graphml", "mermaid", "json"])
def test_export_to_file_is_atomic_and_deterministic(tmp_path: Path, fmt: str) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert run("export", "--format", fmt, "-o", str(first), "--data", str(MINI))[0] == 0
    assert run("export", "--format", fmt, "-o", str(second), "--data", str(MINI))[0] == 0
    assert first.read_bytes() == second.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_export_unknown_format() -> None:
    code, _, err = run("export", "--format", "svg", "--data", str(MINI))
    assert code == 2 and "unknown format 'svg'" in err


def test_lint_exit_codes(tmp_path: Path, mutate) -> None:  # type: ignore[no-untyped-def]
    assert run("lint", str(MINI)) == (0, "", "")
    broken = mutate(('parents = ["folio"]', 'parents = ["foilo"]'))
    code, out, err = run("lint", str(broken))
    assert code == 1 and "dangling-ref" in out and err.strip() == "1 finding"
    findings = payload("lint", run("lint", str(broken), "--json")[1])
    assert findings[0]["rule"] == "dangling-ref" and findings[0]["line"] > 0
    code, out, err = run("lint", str(tmp_path))
    assert code == 2 and out == "" and err.count("\n") == 1


def test_bad_data_for_queries_is_exit_2(mutate) -> None:  # type: ignore[no-untyped-def]
    broken = mutate(('parents = ["folio"]', 'parents = ["foilo"]'))
    code, out, err = run("show", "folio", "--data", str(broken))
    assert code == 2 and out == "" and "dangling-ref" in err and err.count("\n") == 1


def test_every_command_help_starts_with_an_example() -> None:
    for command in ("list", "show", "tree", "path", "layout", "functions", "export", "lint", "generate"):
        code, out, _ = run(command, "--help")
        assert code == 0 and "Example: memdesc" in out, command


def test_bundled_show_folio_json(bundled) -> None:  # type: ignore[no-untyped-def]
    info = run_json("show", "folio")
    assert isinstance(info, dict)
    offsets = {f["name"]: f["offset"] for f in info["fields"]}
    assert offsets["_pincount"] == 92 and offsets["_deferred_list"] == 144 and offsets["_hugetlb_subpool"] == 208
    assert "anon_folio" in info["children"]


def test_tables_use_rich_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from memdesc import display

    plain = display.table(["a", "b"], [["1", "2"]])
    assert plain == "a  b\n-  -\n1  2\n"
    monkeypatch.setattr(display, "is_terminal", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    fancy = display.table(["a", "b"], [["1", "2"]])
    assert "┃" in fancy or "│" in fancy
    assert "\x1b[" not in fancy


def test_fast_path_show_matches_the_full_cli(tmp_path: Path) -> None:
    """`show` answered from the cache (no typer) prints exactly what the typer command prints."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "MEMDESC_CACHE_DIR": str(tmp_path / "cache")}
    full = runner.invoke(app, ["show", "folio", "--json"]).stdout
    for _ in range(2):  # the first run fills the cache, the second answers from it
        fast = subprocess.run(
            [sys.executable, "-m", "memdesc", "show", "folio", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert fast.stdout == full
    assert list((tmp_path / "cache").glob("*.json"))
    text = subprocess.run(
        [sys.executable, "-m", "memdesc", "show", "slab"], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert text == runner.invoke(app, ["show", "slab"]).stdout


def test_a_fast_path_miss_costs_one_computation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The console entry tries the fast path once: an unknown name computes `show` for every type
    once, then typer reports the name; nothing is computed twice, even with a cache that cannot
    be written (which would leave a second attempt nothing to read)."""
    import sys

    import ontology.queries
    from memdesc.entry import main

    calls: list[str] = []
    show_type = ontology.queries.show_type
    monkeypatch.setattr(ontology.queries, "show_type", lambda onto, name: calls.append(name) or show_type(onto, name))
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(tmp_path / "file" / "cache"))
    monkeypatch.setattr(sys, "argv", ["memdesc", "show", "no_such_type"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert sorted(set(calls)) == sorted(calls), "each type's answer computed once"
