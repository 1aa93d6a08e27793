"""Bounded everything (issue 12, item 7): schema limits refuse absurd sizes at load, and the
hierarchy, prototype, tree and path algorithms stay linear (or capped) on hostile data."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from ontology.cdecl import PrototypeError, parse_prototype, split_function
from ontology.chains import Step, shortest_chains
from ontology.errors import InputError
from ontology.schema import MAX_OVERLAY_PAGES, MAX_REFINEMENT_DEPTH, MAX_STRUCT_SIZE
from ontology.strict import lint_path
from tests.support.btf_errors import time_limit
from tests.support.paths import MINI

SECONDS = 5.0
"""Generous: the machine is shared; the old code took minutes or never finished."""


def _refinement(name: str, parents: list[str], predicate: str | None = None) -> str:
    kind = "refinement" if predicate else "proposed"
    extra = f'predicate = "{predicate}"\n' if predicate else 'status = "proposed"\n'
    return (
        f'[[type]]\nname = "{name}"\nkind = "{kind}"\nsummary = "x"\n'
        f'parents = {json.dumps(parents)}\n{extra}source = "mm_types.h"\n'
    )


def _data(tmp_path: Path, *entries: str, base: str | None = None) -> Path:
    path = tmp_path / "data.toml"
    path.write_text("\n".join([base if base is not None else MINI.read_text(), *entries]))
    return path


def _cli(*args: str) -> tuple[int, str, str]:
    with time_limit(SECONDS):
        result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_prototype_split_is_linear_and_unchanged() -> None:
    """An 80 KB `a(a(a(...` hung the prototype regex; the linear split gives its answers."""
    with time_limit(SECONDS):
        assert split_function("a(" * 40_000) is None
        assert split_function("a" * 80_000 + ")") is None
        assert split_function("int " + "a(" * 40_000 + ")") == ("int ", "a", "a(" * 39_999)
        with pytest.raises(PrototypeError):
            parse_prototype("a(" * 40_000 + ")")
    old = re.compile(r"^(?P<ret>.*?)(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<params>.*)\)$", re.S)
    rng = random.Random(12)
    for _ in range(20_000):
        text = "".join(rng.choice("ab_9 ()*,") for _ in range(rng.randint(0, 12)))
        match = old.match(text)
        assert split_function(text) == (None if match is None else match.group("ret", "name", "params")), text


def test_absurd_sizes_are_refused_at_load(tmp_path: Path) -> None:
    """`overlay_pages = 10**12` hung lint; a struct of 2**40 bytes made `layout` eat memory."""
    base = MINI.read_text()
    cases = [
        ("overlay_pages = 2\n", f"overlay_pages = {10**12}\n", f"less than or equal to {MAX_OVERLAY_PAGES}"),
        ("size = 128\n", f"size = {2**40}\n", f"less than or equal to {MAX_STRUCT_SIZE}"),
        ("offset = 64, size = 8,", f"offset = {2**40}, size = 8,", f"less than or equal to {MAX_STRUCT_SIZE}"),
    ]
    for old, new, expected in cases:
        assert old in base
        path = _data(tmp_path, base=base.replace(old, new, 1))
        with time_limit(SECONDS):
            findings = lint_path(path)
        assert any(f.rule == "schema" and expected in f.message for f in findings), findings
        code, _, stderr = _cli("layout", "folio", "--data", str(path))
        assert code == 2 and stderr.count("\n") == 1 and "schema" in stderr


def test_types_that_all_refine_each_other_are_one_finding(tmp_path: Path) -> None:
    names = [f"t{i:02}" for i in range(14)]
    path = _data(tmp_path, *(_refinement(name, [n for n in names if n != name]) for name in names))
    with time_limit(SECONDS):
        cycles = [f for f in lint_path(path) if f.rule == "refinement-cycle"]
    assert [f.message for f in cycles] == ["types refine each other: t00 -> t01 -> t00"]
    code, _, stderr = _cli("tree", "--data", str(path))
    assert code == 2 and "refinement-cycle" in stderr and stderr.count("\n") == 1


def _chain(depth: int) -> list[str]:
    entries = []
    for i in range(depth):
        parent = "anon_folio" if i == 0 else f"c{i - 1}"
        entries.append(_refinement(f"c{i}", [parent]))
    return entries


def test_a_deep_chain_is_one_depth_finding_not_a_recursion_error(tmp_path: Path) -> None:
    """A 1,500-deep refinement chain raised RecursionError."""
    path = _data(tmp_path, *_chain(1500))
    with time_limit(SECONDS * 2):
        findings = lint_path(path)
    deep = [f for f in findings if f.rule == "refinement-depth"]
    assert len(deep) == 1 and f"more than {MAX_REFINEMENT_DEPTH}" in deep[0].message
    code, _, stderr = _cli("tree", "--json", "--data", str(path))
    assert code == 2 and "refinement-depth" in stderr and stderr.count("\n") == 1


def test_tree_draws_a_chain_at_the_depth_limit(tmp_path: Path) -> None:
    path = _data(tmp_path, *_chain(MAX_REFINEMENT_DEPTH - 2))
    code, stdout, _ = _cli("tree", "folio", "--data", str(path))
    # folio and the chain under it, below page (which folio overlays: its ancestor in the tree)
    assert code == 0 and len(stdout.splitlines()) == MAX_REFINEMENT_DEPTH + 1


def test_a_deep_diamond_shows_each_shared_subtree_once(tmp_path: Path) -> None:
    """Each level's two types refine both of the level above: 2**40 lines before."""
    entries, above = [], ["anon_folio"]
    for level in range(40):
        names = [f"d{level}_{w}" for w in range(2)]
        entries += [_refinement(name, above) for name in names]
        above = names
    path = _data(tmp_path, *entries)
    code, stdout, _ = _cli("tree", "folio", "--data", str(path))
    lines = stdout.splitlines()
    assert code == 0 and len(lines) == 1 + 2 + 2 + 4 * 39  # page, folio, anon_folio, then 4 lines a level
    assert sum(line.endswith("(shown above)") for line in lines) == 2 * 38
    assert any(line.endswith("d39_1 [proposed]") for line in lines)
    code, stdout, _ = _cli("tree", "folio", "--json", "--data", str(path))
    assert code == 0 and stdout.count('"shown_above": true') == 2 * 38


def test_the_bundled_tree_has_no_shared_subtree() -> None:
    code, stdout, _ = _cli("tree")
    assert code == 0 and "(shown above)" not in stdout


def test_path_across_dense_structs_stops_at_the_cap() -> None:
    """30 layers of 3 types, each converting to all 3 of the next: 3**29 shortest chains."""
    steps = [Step("page", "s0_0", "p2s")]
    steps += [
        Step(f"s{level}_{a}", f"s{level + 1}_{b}", f"f{level}_{a}_{b}")
        for level in range(29)
        for a in range(3)
        for b in range(3)
    ]
    with time_limit(SECONDS):
        chains = shortest_chains(steps, ["page"], "s29_2", limit=1001)
    assert len(chains) == 1001 and all(len(chain) == 30 for chain in chains)
    assert [step.function for step in chains[0]][:3] == ["p2s", "f0_0_0", "f1_0_0"]
    assert chains == sorted(chains, key=lambda chain: [(s.target, s.function or "") for s in chain])


def test_path_command_says_too_many_paths(tmp_path: Path) -> None:
    entries = []
    names = [[f"s{level}_{w}" for w in range(3)] for level in range(20)]
    for name in (n for layer in names for n in layer):
        entries.append(
            f'[[type]]\nname = "{name}"\nkind = "struct"\nsummary = "x"\nc_struct = "{name}"\nsize = 8\n'
            'source = "mm_types.h"\nfields = [{ name = "w", offset = 0, size = 8, c_type = "unsigned long" }]\n'
        )
    links = [("page", "s0_0")] + [(a, b) for level in range(19) for a in names[level] for b in names[level + 1]]
    for a, b in links:
        entries.append(
            f'[[conversion]]\nname = "{a}_to_{b}"\nfrom = "{a}"\nto = "{b}"\nchecked = false\nform = "macro"\n'
            f'prototype = "struct {b} *{a}_to_{b}(const struct {a} *x)"\nsource = "mm_types.h"\n'
        )
    path = _data(tmp_path, *entries)
    code, stdout, _ = _cli("path", "page", "s19_2", "--data", str(path))
    lines = stdout.splitlines()
    assert code == 0 and len(lines) == 6
    assert lines[-1] == "too many paths: more than 1000 shortest chains (MAX_PATHS); showing the first 5"
    code, stdout, _ = _cli("path", "page", "folio")
    assert code == 0 and "too many" not in stdout


def test_tree_of_twenty_thousand_types_is_near_linear(tmp_path: Path) -> None:
    from ontology.queries import tree
    from ontology.strict import load_ontology

    entries = [_refinement(f"w{i}", ["anon_folio" if i < 100 else f"w{i // 100 - 1}"]) for i in range(20_000)]
    onto = load_ontology(_data(tmp_path, *entries))
    with time_limit(SECONDS):
        forest = tree(onto)
    count, stack = 0, list(forest)
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(node["children"])
    assert count == len(onto.types)


def test_a_bad_ontology_stays_one_error(tmp_path: Path) -> None:
    path = _data(tmp_path, base=MINI.read_text().replace("size = 128\n", f"size = {2**40}\n", 1))
    try:
        from ontology.strict import load_ontology

        load_ontology(path)
    except InputError as error:
        assert "\n" not in str(error)
    else:
        raise AssertionError("a 2**40-byte struct loaded")
