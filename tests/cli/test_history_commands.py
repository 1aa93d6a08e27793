"""`memdesc diff OLD NEW` and `memdesc history NAME` on the small versioned fixture."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from memdesc.app import app
from tests.support.paths import HISTORY

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--data", str(HISTORY)])
    return result.exit_code, result.stdout, result.stderr


def test_diff_between_releases_reads_like_a_proposal_diff() -> None:
    code, out, _ = run("diff", "6.1", "7.3")
    assert code == 0
    assert out.splitlines() == [
        "Linux 6.1 -> 7.3",
        "created      ptdesc                   struct; struct ptdesc, 64 bytes; overlays page; 1 field",
        "field-added  folio.migrate_info       bytes 64-72, unsigned long",
        "renamed      isolate_hugetlb()        -> folio_isolate_hugetlb()",
        "renamed      page.compound_head       -> compound_info",
        "retyped      folio                    size 112 -> 128",
        "retyped      folio_isolate_hugetlb()  returns int -> bool",
    ]


def test_a_rename_with_a_new_prototype_is_one_rename_plus_its_retyping() -> None:
    changes = json.loads(run("diff", "6.12", "6.14", "--json")[1])
    assert changes["old"] == "6.12" and changes["new"] == "6.14"
    assert [(c["kind"], c["subject"], c["detail"]) for c in changes["changes"]] == [
        ("renamed", "isolate_hugetlb()", "-> folio_isolate_hugetlb()"),
        ("retyped", "folio_isolate_hugetlb()", "returns int -> bool"),  # a return type that names no descriptor
    ]


def test_diff_of_a_release_with_itself_is_empty_and_versions_name_releases() -> None:
    assert (
        run("diff", "7.1.13", "7.3")[1]
        == "Linux 7.1 -> 7.3\nfield-added  folio.migrate_info  bytes 64-72, unsigned long\n"
    )
    assert run("diff", "7.3", "7.3")[1] == "Linux 7.3 -> 7.3\nno changes\n"
    code, out, err = run("diff", "5.4", "7.3")
    assert code == 2 and out == "" and "not covered" in err


def test_history_of_a_field_under_its_former_name() -> None:
    record = json.loads(run("history", "page.compound_head", "--json")[1])
    assert record["releases"] == ["6.1", "7.3"]
    assert [(e["release"], e["event"], e["subject"], e["source"]) for e in record["events"]] == [
        ("6.1", "present", "page.compound_info", "commit-aaaaaaaaaaaa"),
        ("7.1", "renamed", "page.compound_info", "commit-aaaaaaaaaaaa"),
    ]
    assert record["events"][1]["detail"] == "name compound_head -> compound_info"


def test_history_of_a_type_includes_its_fields_and_vendor_facts() -> None:
    events = json.loads(run("history", "page", "--json")[1])["events"]
    assert ("vendor", "page.buddy_since", "only in build btf-vendor") in [
        (e["event"], e["subject"], e["detail"]) for e in events
    ]
    appeared = json.loads(run("history", "ptdesc", "--json")[1])["events"][0]
    assert (appeared["release"], appeared["event"]) == ("6.6", "appeared")


def test_history_of_an_unknown_name_is_one_line_with_a_suggestion() -> None:
    code, out, err = run("history", "ptdesk")
    assert code == 2 and out == ""
    assert (
        err == "memdesc: error: no type, field or function is called 'ptdesk' at any release (did you mean 'ptdesc'?)\n"
    )
