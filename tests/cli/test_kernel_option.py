"""`--kernel X.Y` on the queries: answers for one release, "not there" as an answer (exit 1)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from tests.support.json_answers import payload
from tests.support.paths import HISTORY

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--data", str(HISTORY)])
    return result.exit_code, result.stdout, result.stderr


def test_show_answers_for_the_release_asked() -> None:
    code, out, _ = run("show", "page", "--kernel", "6.1")
    assert code == 0 and "Linux 6.1]" in out.splitlines()[0]
    assert "compound_head" in out and "compound_info" not in out
    code, out, _ = run("show", "page")
    assert code == 0 and "Linux 7.3]" in out.splitlines()[0] and "compound_info" in out


def test_a_full_version_names_its_release() -> None:
    assert run("show", "page", "--kernel", "6.1.192")[1] == run("show", "page", "--kernel", "6.1")[1]
    assert run("show", "page", "--kernel", "7.1.0-13-cloud-amd64")[1] == run("show", "page", "--kernel", "7.1")[1]


def test_a_type_not_yet_in_a_release_is_an_answer_not_an_error() -> None:
    code, out, err = run("show", "ptdesc", "--kernel", "6.1")
    assert (code, out, err) == (1, "type 'ptdesc' is not in Linux 6.1: since 6.6\n", "")
    code, out, _ = run("show", "ptdesc", "--kernel", "6.1", "--json")
    assert code == 1
    assert payload("show", out) == {
        "name": "ptdesc",
        "kernel": "6.1",
        "exists": False,
        "holds": [{"since": "6.6", "until": None}],
    }


@pytest.mark.parametrize("kernel", ["5.4", "8.0", "x", "6.1x", "6.1.192 "])
def test_an_uncovered_release_is_one_line_exit_2(kernel: str) -> None:
    code, out, err = run("show", "page", "--kernel", kernel)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("memdesc: error: ") and "not covered" in err


@pytest.mark.parametrize(
    ("args", "old", "new"),
    [
        (("functions",), "isolate_hugetlb", "folio_isolate_hugetlb"),
        (("list",), "page", "ptdesc"),
        (("layout", "folio"), "flags", "migrate_info"),
        (("export", "--format", "json"), "isolate_hugetlb", "folio_isolate_hugetlb"),
        (("tree",), "folio", "ptdesc"),
    ],
)
def test_every_query_takes_kernel(args: tuple[str, ...], old: str, new: str) -> None:
    code, at_61, _ = run(*args, "--kernel", "6.1")
    assert code == 0 and old in at_61 and new not in at_61
    code, newest, _ = run(*args)
    assert code == 0 and new in newest
