"""`memdesc propose check P --kernel-src DIR [--json] [-o FILE]` and the document's "Impact on the
kernel" section, on a small tree and proposal built here; each bad input is one line, exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from ontology.answermodels import validate
from ontology.proposal.impact_file import FIRST_LINE
from tests.ontology.proposal.test_kernel_scan import make_tree
from tests.support.proposals import write

runner = CliRunner()

OPERATIONS = """
[[operation]]
op = "retype_function"
function = ["pin_user_pages"]
from = "page"
to = "folio"
frees_with = "unpin_folios"

[[operation]]
op = "remove_function"
name = "unpin_user_page"
replaced_by = "unpin_folio"
"""
"""Changes pin_user_pages() and unpin_user_page(); the tree also calls unpin_user_pages(),
which the proposal leaves alone, so its calls must not be counted."""

SITES = [
    ("drivers/gpu/drm/driver.c", 11, "unpin_user_page"),
    ("include/linux/mm.h", 11, "unpin_user_page"),
    ("include/linux/mm.h", 14, "pin_user_pages"),
    ("mm/gup.c", 16, "unpin_user_page"),
    ("mm/gup.c", 22, "pin_user_pages"),
    ("mm/gup.c", 24, "unpin_user_page"),
    ("mm/gup.c", 25, "pin_user_pages"),
    ("rust/kernel/page.rs", 4, "pin_user_pages"),
    ("top.c", 1, "unpin_user_page"),
]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    """The proposal, its tree, and `propose check --kernel-src --json -o` run once (the model
    check under it runs mypy: slow)."""
    base = tmp_path_factory.mktemp("kernel")
    tree = make_tree(base / "linux-test")
    proposal = write(base, OPERATIONS, name="p.toml")
    stored = base / "p.impact.json"
    result = runner.invoke(
        app, ["propose", "check", str(proposal), "--kernel-src", str(tree), "--json", "-o", str(stored)]
    )
    assert result.exit_code in (0, 1), result.stderr
    return proposal, tree, json.loads(result.stdout)


def test_json_has_every_call_site_and_the_tables(checked: tuple[Path, Path, dict[str, object]]) -> None:
    _, _, answer = checked
    validate("propose check", json.dumps(answer))
    kernel = answer["kernel"]
    assert isinstance(kernel, dict)
    assert [(s["path"], s["line"], s["function"]) for s in kernel["sites"]] == SITES
    assert kernel["functions"] == ["pin_user_pages", "unpin_user_page"]
    assert (kernel["tree"], kernel["release"], kernel["total"]) == ("linux-test", "7.3.4", 9)
    assert kernel["per_function"] == {"pin_user_pages": 4, "unpin_user_page": 5}
    rows = [(row["subsystem"], row["sites"]) for row in kernel["per_subsystem"]]
    assert rows == [("mm", 4), ("include", 2), ("drivers", 1), ("rust", 1), ("top.c", 1)]
    assert {"subsystem": "include/linux", "sites": 2} in kernel["per_subsystem_2"]
    assert {"breaks", "counts", "baseline", "files"} <= set(answer)  # the model check still runs


def test_text_shows_the_three_tables(checked: tuple[Path, Path, dict[str, object]]) -> None:
    proposal, tree, _ = checked
    result = runner.invoke(app, ["propose", "check", str(proposal), "--kernel-src", str(tree)])
    assert result.exit_code in (0, 1), result.stderr
    text = result.stdout
    assert "9 call sites of 2 functions in 5 files of linux-test (Linux 7.3.4)" in text
    assert "pin_user_pages       4" in text and "unpin_user_page      5" in text
    assert "\nsubsystem  sites\nmm             4\ninclude        2\n" in text
    assert "include/linux             2" in text
    assert "under the proposed ontology" in text  # the model's report comes first, as before


def test_the_stored_file_feeds_the_document(checked: tuple[Path, Path, dict[str, object]]) -> None:
    proposal, _, _ = checked
    stored = proposal.with_name("p.impact.json")
    assert stored.read_text().split("\n", 1)[0] == FIRST_LINE
    result = runner.invoke(app, ["propose", "doc", str(proposal), "--no-check"])
    assert result.exit_code == 0, result.stderr
    section = result.stdout.split("## Impact on the kernel", 1)[1].split("\n## ", 1)[0]
    assert "9 call sites of 2 functions in 5 files of linux-test (Linux 7.3.4)" in section
    assert "| `pin_user_pages()` | 4 |" in section and "| `unpin_user_page()` | 5 |" in section
    assert "| `mm` | 4 |" in section and "| `include/linux` | 2 |" in section
    assert "p.impact.json" in section


def test_without_a_stored_file_the_document_says_not_scanned(tmp_path: Path) -> None:
    proposal = write(tmp_path, OPERATIONS, name="q.toml")
    result = runner.invoke(app, ["propose", "doc", str(proposal), "--no-check"])
    assert result.exit_code == 0, result.stderr
    section = result.stdout.split("## Impact on the kernel", 1)[1].split("\n## ", 1)[0]
    assert "Not scanned." in section and "--kernel-src DIR -o q.impact.json" in section


def one_line_error(args: list[str], *needles: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("memdesc: error: ")
    for needle in needles:
        assert needle in line


def test_a_missing_tree_is_one_line(tmp_path: Path) -> None:
    proposal = write(tmp_path, OPERATIONS)
    missing = tmp_path / "nowhere"
    one_line_error(["propose", "check", str(proposal), "--kernel-src", str(missing)], str(missing), "no such directory")


def test_a_directory_that_is_not_a_kernel_tree_is_one_line(tmp_path: Path) -> None:
    proposal = write(tmp_path, OPERATIONS)
    one_line_error(
        ["propose", "check", str(proposal), "--kernel-src", str(tmp_path)], str(tmp_path), "not a kernel source tree"
    )


def test_output_without_a_tree_is_one_line(tmp_path: Path) -> None:
    proposal = write(tmp_path, OPERATIONS)
    one_line_error(["propose", "check", str(proposal), "-o", str(tmp_path / "x.json")], "--kernel-src")
    assert not (tmp_path / "x.json").exists()


def test_output_refuses_a_file_memdesc_did_not_write(tmp_path: Path) -> None:
    proposal = write(tmp_path, OPERATIONS)
    tree = make_tree(tmp_path / "tree")
    mine = tmp_path / "notes.json"
    mine.write_text('{"mine": true}\n')
    one_line_error(["propose", "check", str(proposal), "--kernel-src", str(tree), "-o", str(mine)], str(mine))
    assert mine.read_text() == '{"mine": true}\n'


def stored_good(checked: tuple[Path, Path, dict[str, object]]) -> dict[str, object]:
    proposal, _, _ = checked
    data = json.loads(proposal.with_name("p.impact.json").read_text())
    assert isinstance(data, dict)
    return data


def _site(data: dict[str, object], **change: object) -> dict[str, object]:
    kernel = dict(data["kernel"])  # type: ignore[call-overload]
    kernel["sites"] = [{**kernel["sites"][0], **change}, *kernel["sites"][1:]]
    return {**data, "kernel": kernel}


BAD_STORED = {
    "not JSON": lambda d: "{",
    "a list": lambda d: [],
    "an unknown key": lambda d: {**d, "extra": 1},
    "no kernel": lambda d: {k: v for k, v in d.items() if k != "kernel"},
    "another generator": lambda d: {**d, "generator": "someone else"},
    "another schema version": lambda d: {**d, "schema_version": 2},
    "a line of zero": lambda d: _site(d, line=0),
    "a line as a string": lambda d: _site(d, line="3"),
    "a path with a newline": lambda d: _site(d, path="mm/gup.c\nx"),
    "a site of an unscanned function": lambda d: _site(d, function="put_page"),
    "a function that is no identifier": lambda d: _site(d, function="<script>"),
    "stale functions": lambda d: {**d, "kernel": {**d["kernel"], "functions": ["pin_user_pages"], "sites": []}},
}


@pytest.mark.parametrize("case", sorted(BAD_STORED))
def test_a_bad_stored_file_is_one_line_naming_it(
    case: str, checked: tuple[Path, Path, dict[str, object]], tmp_path: Path
) -> None:
    proposal = tmp_path / "p.toml"
    proposal.write_text(checked[0].read_text())
    content = BAD_STORED[case](stored_good(checked))
    stored = tmp_path / "p.impact.json"
    stored.write_text(content if isinstance(content, str) else json.dumps(content))
    one_line_error(["propose", "doc", str(proposal), "--no-check"], str(stored))


def test_a_stale_file_says_how_to_regenerate(checked: tuple[Path, Path, dict[str, object]], tmp_path: Path) -> None:
    proposal = tmp_path / "p.toml"
    proposal.write_text(checked[0].read_text())
    data = stored_good(checked)
    data["kernel"] = {**data["kernel"], "functions": ["pin_user_pages", "put_page"], "sites": []}  # type: ignore[dict-item]
    (tmp_path / "p.impact.json").write_text(json.dumps(data))
    one_line_error(
        ["propose", "doc", str(proposal), "--no-check"],
        "stale kernel impact (not scanned: unpin_user_page; no longer changed: put_page)",
        "--kernel-src DIR -o",
    )


def test_an_unreadable_file_in_the_tree_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As in the scanner's test, `open` fails for one file (the tests may run as root)."""
    from ontology.proposal import kernel_scan

    proposal = write(tmp_path, OPERATIONS)
    tree = make_tree(tmp_path / "tree")

    def refuse(path: str, mode: str = "r") -> object:
        if path.endswith("gup.c"):
            raise PermissionError(13, "Permission denied", path)
        return open(path, mode)  # handed to `with` by the scanner

    monkeypatch.setattr(kernel_scan, "open", refuse, raising=False)
    one_line_error(
        ["propose", "check", str(proposal), "--kernel-src", str(tree)], str(tree / "mm" / "gup.c"), "Permission denied"
    )
