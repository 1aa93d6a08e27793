"""Bad input never crashes mypy, and mypy's own failures are failures.

The plugin's class decorator hook stores the facts outside any rule: a variable, a call or a
malformed table in `@ontology_facts(...)` was an INTERNAL ERROR that stopped mypy. Now it is a
memdesc-internal error at the decorator, in a model and in an ontology.types alike. And when mypy
stops before checking (a missing file, two files of one module name, a file that is not UTF-8),
`memdesc check` prints mypy's messages and fails with 2, where it used to print "Success".
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from mypy.nodes import MypyFile
from mypy.options import Options

from checker import incremental
from checker.plugin import MemdescPlugin
from checker.run import check, main, package_dir
from ontology.strict import load_ontology

NEWEST = load_ontology().kernel
"""The release ontology/types.py describes (its facts class names it as a literal)."""

CONFIG = ["--config-file", str(Path(__file__).resolve().parents[2] / "pyproject.toml")]

MODEL = """from ontology.runtime import ontology_facts

x = "6.18"


@ontology_facts(kernel=x)
class Named:
    pass


@ontology_facts(kernel="6.18", types=(("page",),), fields=f())
class Called:
    pass


def f() -> tuple[()]:
    return ()
"""


def lines(messages: Sequence[object]) -> list[str]:
    return [str(message) for message in messages]


def test_a_non_literal_facts_argument_is_an_error_at_the_decorator(tmp_path: Path) -> None:
    model = tmp_path / "model_facts.py"
    model.write_text(MODEL)
    messages, _, status = check([str(model)], CONFIG)
    internal = [m for m in messages if m.code == "memdesc-internal"]
    assert [(m.line, m.message) for m in internal] == [
        (6, "memdesc checker internal error: ValueError: ontology_facts argument 'kernel': not a literal: NameExpr"),
        (11, "memdesc checker internal error: ValueError: ontology_facts argument 'fields': not a literal: CallExpr"),
    ], lines(messages)
    assert status == 1


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            f'    kernel="{NEWEST}",\n',
            "    kernel=KERNEL,\n",
            "ontology_facts argument 'kernel': not a literal: NameExpr",
        ),
        ("    types=(\n", '    types=(("broken",),\n', "ValueError: not enough values to unpack"),
    ],
)
def test_a_bad_facts_class_in_ontology_types_is_an_error_not_a_crash(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    package = tmp_path / "ontology"
    shutil.copytree(package_dir("ontology"), package, ignore=shutil.ignore_patterns("__pycache__", "data"))
    types = package / "types.py"
    text = types.read_text(encoding="utf-8")
    assert text.count(old) == 1
    types.write_text(
        text.replace(old, new).replace("\nclass AddressSpace", 'KERNEL = "7.3"\n\n\nclass AddressSpace', 1)
    )
    decorator = text.splitlines().index("@_rt.ontology_facts(") + 1 + 2  # KERNEL and a blank line come first
    user = tmp_path / "user.py"
    user.write_text(
        "from ontology.types import Page, page_folio\n\n\ndef f(page: Page) -> None:\n    page_folio(page)\n"
    )
    # ontology.types named as a source: imported, its errors are silenced (`checker.run`).
    messages, _, status = check([str(types), str(user)], CONFIG, search_first=[str(tmp_path)])
    internal = [m for m in messages if m.code == "memdesc-internal"]
    assert len(internal) == 1 and internal[0].line == decorator, lines(messages)
    assert expected in internal[0].message
    assert status == 1


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, ["{missing}: error: Cannot read file: No such file or directory"]),
        ({"a/dup.py": b"x = 1\n", "b/dup.py": b"y = 1\n"}, ['b/dup.py: error: Duplicate module named "dup"']),
        ({"latin.py": b'x = "\xff"\n'}, ["latin.py: error: Cannot decode file: 'utf-8' codec can't decode byte 0xff"]),
    ],
    ids=["missing", "duplicate-module", "not-utf-8"],
)
def test_mypy_failing_before_checking_is_a_failure(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, bytes],
    expected: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(content)
    paths = list(files) or ["missing.py"]
    assert main(paths, as_json=False) == 2
    out = capsys.readouterr().out.splitlines()
    for line in expected:
        wanted = line.format(missing="missing.py")
        assert any(printed.startswith(wanted) for printed in out), out
    assert out[-1] == "Found 1 error in 1 file (errors prevented further checking)"
    assert not any(printed.startswith("Success") for printed in out)


def test_a_syntax_error_stops_the_check_as_in_mypy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "syntax.py").write_text("def f(:\n")
    assert main(["syntax.py"], as_json=False) == 2
    assert capsys.readouterr().out.splitlines()[-1] == "Found 2 errors in 1 file (errors prevented further checking)"


def test_a_failure_reading_the_imports_makes_a_module_depend_on_the_ontology(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(file: MypyFile) -> bool:
        raise AttributeError("imports")

    monkeypatch.setattr(incremental, "imports_runtime", broken)
    plugin = MemdescPlugin(Options())
    file = MypyFile([], [])
    file._fullname = "user"
    assert plugin.get_additional_deps(file) == [(10, "ontology.types", -1)]
