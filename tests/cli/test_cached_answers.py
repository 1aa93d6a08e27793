"""Cached answers are fresh answers: byte for byte, wherever and however the inputs are named.

Each command the fast path answers from the cache (`show`, `verify`, `census`, `census
--against`) runs once fresh in the checkout, then again from another working directory with the
BTF and data spelled differently (the cache hits: the inputs are the same files), and that
output is compared with a `--no-cache` run (or, for `show`, a run with an empty cache) in that
same directory. Then the cache entries are damaged in every way a stale, truncated or edited
file can be, and each must be ignored and rewritten, never a traceback nor a different answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from ontology import BUNDLED_ROOT, answercache
from ontology.btf import DEFAULT_BTF
from tests.support.paths import ROOT

pytestmark = pytest.mark.skipif(not DEFAULT_BTF.exists(), reason="needs the running kernel's BTF")


@dataclass(frozen=True)
class Run:
    returncode: int | None
    stdout: str
    stderr: str


@pytest.fixture
def memdesc(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run the fast path in-process (what `memdesc ARGS` runs first) in `cwd` with cache `cache`."""
    from memdesc.fastpath import fast_path
    from ontology import strict

    def run(args: list[str], cwd: Path, cache: Path) -> Run:
        strict._bundled.cache_clear()  # each run is a new process: its locations are rendered for its cwd
        capsys.readouterr()
        with monkeypatch.context() as patch:
            patch.chdir(cwd)
            patch.setenv("MEMDESC_CACHE_DIR", str(cache))
            patch.setenv("NO_COLOR", "1")
            code = fast_path(args)
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    return run


@pytest.fixture(scope="module")
def spelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Another working directory, a symlink to the BTF and a copy of the data root's directory."""
    where = tmp_path_factory.mktemp("elsewhere")
    (where / "vmlinux").symlink_to(DEFAULT_BTF)
    data = where / "data"
    data.mkdir()
    for path in BUNDLED_ROOT.parent.glob("*.toml"):
        (data / path.name).write_bytes(path.read_bytes())
    return {"dir": where, "btf": Path("vmlinux"), "data": Path("data") / BUNDLED_ROOT.name}


COMMANDS = [
    ["census"],
    ["census", "--json"],
    ["census", "--against", "{btf}"],
    ["verify"],
    ["verify", "--json"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("with_data", [False, True], ids=["bundled", "data"])
def test_cached_equals_fresh_elsewhere(  # type: ignore[no-untyped-def]
    command: list[str], with_data: bool, spelled: dict[str, Path], tmp_path: Path, memdesc
) -> None:
    cache = tmp_path / "cache"
    here = [arg.replace("{btf}", str(DEFAULT_BTF)) for arg in command] + ["--btf", str(DEFAULT_BTF)]
    there = [arg.replace("{btf}", str(spelled["btf"])) for arg in command] + ["--btf", str(spelled["btf"])]
    if with_data:
        here += ["--data", str(BUNDLED_ROOT)]
        there += ["--data", str(spelled["data"])]
    first = memdesc(here, ROOT, cache)
    assert first.returncode in (0, 1), first.stderr
    assert list(cache.iterdir()), "the first run caches its answer"
    cached = memdesc(there, spelled["dir"], cache)
    fresh = memdesc([*there, "--no-cache"], spelled["dir"], tmp_path / "empty")
    assert (cached.returncode, cached.stderr) == (fresh.returncode, fresh.stderr)
    assert cached.stdout == fresh.stdout
    again = memdesc(here, ROOT, cache)
    assert again.stdout == first.stdout


def test_cached_show_equals_fresh(tmp_path: Path, memdesc) -> None:  # type: ignore[no-untyped-def]
    for args in (["show", "folio"], ["show", "folio", "--json"]):
        fresh = memdesc(args, ROOT, tmp_path / "cache")
        cached = memdesc(args, tmp_path, tmp_path / "cache")
        assert fresh.returncode == cached.returncode == 0, fresh.stderr
        assert cached.stdout == fresh.stdout


def _damaged(entry: str) -> list[str]:
    """Ways an entry goes wrong: wrong JSON types, missing keys, wrong value types, truncation,
    binary junk, and entries of the right shape that this run did not produce."""
    parsed = json.loads(entry)
    payload = json.loads(parsed["payload"])
    forged = {**payload, "kernel": "forged"} if "kernel" in payload else {**payload, "functions": 1}
    if "kernel" in payload or "functions" in payload:
        shapes = [{**payload, key: None} for key in payload]
        shapes += [{k: v for k, v in payload.items() if k != key} for key in payload]
    else:  # show: every type's answer
        shapes = [{"folio": 1}, {"folio": []}]
    return [
        "",
        entry[: len(entry) // 2],
        "\x00\xff\xfe garbage",
        "[]",
        "null",
        "42",
        '"text"',
        json.dumps({**parsed, "payload": 7}),
        json.dumps({**parsed, "payload": "[1, 2]"}),
        json.dumps({**parsed, "format": "2"}),
        json.dumps({key: value for key, value in parsed.items() if key != "seal"}),
        json.dumps(payload),  # the bare answer, as the first format stored it
        json.dumps({**parsed, "payload": json.dumps(forged)}),  # right shape, not sealed for it
        *(json.dumps({**parsed, "payload": json.dumps(bad)}) for bad in shapes),
        "[" * 100_000,
    ]


SHAPES = {"census": answercache.census_shape, "verify": answercache.verify_shape, "show": answercache.show_shape}


@pytest.mark.parametrize("command", [["census"], ["verify"], ["show", "folio"]], ids=" ".join)
def test_a_damaged_entry_is_ignored_and_rewritten(  # type: ignore[no-untyped-def]
    command: list[str], tmp_path: Path, memdesc, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    args = command if command[0] == "show" else [*command, "--btf", str(DEFAULT_BTF)]
    fresh = memdesc(args, ROOT, cache)
    entries = sorted(cache.iterdir())
    if command[0] == "show":  # the entry holding the types' answers (others hold the index and buckets)
        entries = [path for path in entries if "folio" in json.loads(json.loads(path.read_text())["payload"])]
    (entry_path,) = entries
    good = entry_path.read_text(encoding="utf-8")
    inputs = json.loads(good)["inputs"]
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(cache))
    damages = _damaged(good)
    for damage in damages:  # every damage is a miss...
        entry_path.write_bytes(damage.encode("utf-8", "surrogateescape"))
        assert answercache.load_answer(inputs, SHAPES[command[0]]) is None, damage[:200]
    for damage in damages[1:3] + damages[12:13]:  # ...and the command then answers afresh and rewrites it
        entry_path.write_bytes(damage.encode("utf-8", "surrogateescape"))
        result = memdesc(args, ROOT, cache)
        assert (result.returncode, result.stdout, result.stderr) == (fresh.returncode, fresh.stdout, ""), damage[:200]
        assert entry_path.read_text(encoding="utf-8") == good, "rewritten with the fresh answer"


@pytest.mark.parametrize("command", ["census", "verify"])
def test_errors_name_the_path_as_given(command: str, tmp_path: Path, memdesc) -> None:  # type: ignore[no-untyped-def]
    """`--data /tmp/x/nope.toml` run in /tmp/x says `/tmp/x/nope.toml`, not `nope.toml`."""
    missing = tmp_path / "nope.toml"
    result = memdesc([command, "--data", str(missing)], tmp_path, tmp_path / "cache")
    assert (result.returncode, result.stderr) == (2, f"memdesc: error: {missing}: no such file\n")


def test_the_cache_renders_paths_as_the_loader_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ontology.loader import display_path

    (tmp_path / "sub").mkdir()
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    paths = [
        BUNDLED_ROOT,
        BUNDLED_ROOT.parent / "x.toml",
        tmp_path / "a.toml",
        Path("sub/../a.toml"),
        tmp_path / "loop",
    ]
    for cwd in (ROOT, BUNDLED_ROOT.parent, tmp_path, tmp_path / "sub"):
        monkeypatch.chdir(cwd)
        assert [answercache.shown_path(path) for path in paths] == [display_path(path) for path in paths]
