"""`memdesc propose doc --format email`: a plain-text cover letter a linux-mm reviewer accepts.

Every line within 72 columns (a URL alone on its line excepted), ASCII only, no trailing
whitespace, the sections present, data shown as wrapped text, deterministic; the committed
letters of the worked proposals are what the command writes today; the kernel impact tables come
from a KernelImpact built here by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker.proposal_pipeline import proposal_email
from ontology.proposal.cover_letter import lore_url
from ontology.proposal.kernel_impact import CallSite, KernelImpact
from ontology.proposal.mailtext import WIDTH, ascii_text, header, table, wrap
from tests.support.mail import assert_mail_ready
from tests.support.paths import ROOT
from tests.support.proposals import HEADER, write

PROPOSALS = ROOT / "docs" / "proposals"
NAMES = ["buddy-descriptor", "gup-returns-folios", "lru-mem-2021", "memdesc-end-state"]
GUP = PROPOSALS / "gup-returns-folios.toml"
SECTIONS = ["Motivation", "The type hierarchy, before and after", "Changes", "Impact on the kernel", "Migration"]
SECTIONS += ["Drawbacks", "Alternatives", "Open questions"]


def _headers(text: str) -> str:
    return text.split("\n\n", 1)[0]


@pytest.mark.parametrize("name", NAMES)
def test_committed_letters_are_fresh_and_mail_ready(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    path = Path("docs/proposals") / f"{name}.toml"
    text = proposal_email(path)
    regenerate = f"memdesc propose doc docs/proposals/{name}.toml --format email -o docs/proposals/{name}.txt"
    assert (PROPOSALS / f"{name}.txt").read_text(encoding="utf-8") == text, f"stale; regenerate: {regenerate}"
    assert text == proposal_email(path)  # deterministic
    assert_mail_ready(text)
    head = _headers(text)
    assert head.startswith(f"X-Memdesc-Source: docs/proposals/{name}.toml\n")
    assert "\nFrom: *** YOUR NAME" in head and "\nTo: linux-mm@kvack.org" in head
    assert re.search(r"^Subject: \[RFC\] mm: \S", head, re.M)
    assert "\nCc:" not in head  # no kernel tree given
    for section in SECTIONS:
        assert f"\n\n{section}\n{'-' * len(section)}\n\n" in text, section
    assert not re.search(r"^\s*\|.*\|\s*$|\|---|[\u2500-\u257f]", text, re.M)  # no pipe tables, no box drawing
    assert "```" not in text and "<!--" not in text


def test_gup_letter_shows_the_trees_the_diff_and_references() -> None:
    text = (PROPOSALS / "gup-returns-folios.txt").read_text(encoding="utf-8")
    after = text.split("\nAfter:\n", 1)[1]
    assert "  page (struct, 64 B)\n  `-- folio (struct, 256 B, overlays page)\n" in after
    assert "taken by: get_user_page_fast_only(foliop)" in after
    assert re.search(r"^  retyped  get_user_pages\(\)\s+pages -> folios: struct page$", text, re.M)
    assert "Q1: Should the offsets be per entry" in text
    assert "(D21-fsdevel-204093 [4])" in text  # a cited source id gets its reference number
    assert re.search(r"^\[4\] D21-fsdevel-204093: 2021 folio debate", text, re.M)
    # the call sites come from the scan stored beside the proposal (gup-returns-folios.impact.json)
    assert re.search(r"^In linux-source-7\.3 \(Linux 7\.3\.4\), \d+ call sites in \d+ files call the$", text, re.M)


def test_kernel_impact_tables() -> None:
    sites = [CallSite(f"drivers/gpu/x{i}.c", i + 1, "get_user_pages") for i in range(5)]
    sites += [CallSite("mm/gup.c", 10, "pin_user_pages"), CallSite("io_uring/rsrc.c", 3, "pin_user_pages")]
    impact = KernelImpact(
        "linux-source-7.3 7.3.4-1", "7.3", ("get_user_pages", "pin_user_pages", "unpin_user_page"), tuple(sorted(sites))
    )
    text = proposal_email(GUP, kernel_impact=impact)
    assert_mail_ready(text)
    section = text.split("\nImpact on the kernel\n", 1)[1].split("\nMigration\n", 1)[0]
    assert "In linux-source-7.3 7.3.4-1 (Linux 7.3), 7 call sites in 7 files" in " ".join(section.split())
    assert re.search(r"^  get_user_pages\s+5$", section, re.M)
    assert re.search(r"^  unpin_user_page\s+0$", section, re.M)  # never called: still listed
    assert re.search(r"^  drivers\s+5\n  io_uring\s+1\n  mm\s+1$", section, re.M)
    assert re.search(r"^  drivers/gpu\s+5$", section, re.M)


def test_untrusted_text_is_only_wrapped_ascii(tmp_path: Path) -> None:
    title = 'title = "Folios f\u00fcr alle \u2014 <b>*bold*</b> `code` [x](http://e.org)"'
    long_word = "x" * 100
    body = HEADER.replace('title = "A test proposal"', title).replace(
        'summary = "What it changes."',
        f'summary = "Caf\u00e9 \u2192 {long_word} https://lore.kernel.org/all/{"a" * 80}@x/"',
    )
    path = write(tmp_path, '[[operation]]\nop = "remove"\ntype = "dmapool"\n', header=body)
    text = proposal_email(path)
    assert_mail_ready(text)
    unfolded = _headers(text).replace("\n ", " ")  # RFC 5322 folding undone
    assert "\nSubject: [RFC] mm: Folios fur alle -- <b>*bold*</b> `code` [x](http://e.org)\n" in unfolded + "\n"
    assert "\nCafe ->\n" in text and "\n" + "x" * WIDTH + "\n" in text  # the long word split at 72
    assert f"https://lore.kernel.org/all/{'a' * 80}@x/" in text  # a URL stays whole


def test_lkml_redirects_become_lore_links() -> None:
    assert lore_url("https://lkml.kernel.org/r/20250113131611.2554758-3-david@redhat.com") == (
        "https://lore.kernel.org/r/20250113131611.2554758-3-david@redhat.com"
    )
    assert lore_url("http://mail.spinics.net/lists/linux-fsdevel/msg204093.html").startswith("http://mail.spinics")


def test_text_helpers() -> None:
    assert ascii_text("Nuno S\u00e1\u00a0\u2018q\u2019 \u2026 a\tb\x07c") == "Nuno Sa 'q' ... a b c"
    assert ascii_text("\u4e2d") == "?"
    assert wrap("a " * 50, width=20, indent="  ")[1].startswith("  a")
    rows = [["retyped", "get_user_pages()", "pages: struct page ** -> struct folio **; frees_with put_page"]]
    lines = table(["change", "subject", "detail"], rows)
    assert all(len(line) <= WIDTH for line in lines) and len(lines) > 3  # the detail wrapped in its column
    stacked = table([f"h{i}" for i in range(12)], [[f"value{i}" for i in range(12)]])
    assert stacked[0] == "  h0:  value0"  # too many columns for 72: one `header: value` a line
    assert header("Cc", ["a <a@x>", "b <b@x>"]) == ["Cc: a <a@x>,", " b <b@x>"]


def test_letter_without_a_stored_scan_says_call_sites_were_not_counted(tmp_path: Path) -> None:
    copy = tmp_path / "gup-returns-folios.toml"  # no gup-returns-folios.impact.json beside it
    copy.write_text(GUP.read_text(encoding="utf-8"), encoding="utf-8")
    text = proposal_email(copy)
    assert "Call sites not counted." in text
    assert "call sites in" not in text
    assert "Call sites not counted." not in proposal_email(GUP)  # the stored scan is used
