"""Who a cover letter goes to: the definitions of the changed functions found in a kernel tree,
and To/Cc from its MAINTAINERS. The tree is a tiny one built here (tests never read a real one):
for gup, To linux-mm and Cc the GUP section's people first, the catch-all's list but not its
maintainer, the callers' lists but not their people, and a capped Cc line."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.proposal_pipeline import proposal_email
from ontology.maintainers import parse_maintainers
from ontology.proposal import recipients as recipients_module
from ontology.proposal.definers import definitions_in, find_definitions
from ontology.proposal.kernel_impact import CallSite, KernelImpact
from ontology.proposal.recipients import derive_recipients, mailbox
from tests.support.mail import assert_mail_ready
from tests.support.paths import ROOT

GUP = ROOT / "docs" / "proposals" / "gup-returns-folios.toml"

MAINTAINERS = """\
MEMORY MANAGEMENT
M:	Andrew Morton <akpm@linux-foundation.org>
L:	linux-mm@kvack.org
F:	mm/

MEMORY MANAGEMENT - GUP (GET USER PAGES)
M:	David Hildenbrand <david@kernel.org>
R:	John Hubbard <jhubbard@nvidia.com>
R:	Nuno S\u00e1 <nuno@example.org>
L:	linux-mm@kvack.org
F:	mm/gup.c
X:	mm/gup_test.c

MEMORY MANAGEMENT - CORE
M:	Mike Rapoport <rppt@kernel.org>
R:	Liam R. Howlett <liam@infradead.org>
L:	linux-mm@kvack.org
F:	include/linux/mm*.h

DRM DRIVERS
M:	Dave Airlie <airlied@gmail.com>
L:	dri-devel@lists.freedesktop.org
F:	drivers/gpu/

RDMA
M:	Jason Gunthorpe <jgg@nvidia.com>
L:	linux-rdma@vger.kernel.org
F:	drivers/infiniband/

THE REST
M:	Linus Torvalds <torvalds@linux-foundation.org>
L:	linux-kernel@vger.kernel.org
F:	*
F:	*/
"""

GUP_C = b"""\
static long __get_user_pages(struct mm_struct *mm, unsigned long start)
{
	return get_user_pages_fast(start, 1, 0, NULL);
}

long get_user_pages(unsigned long start, unsigned long nr_pages,
		unsigned int gup_flags, struct page **pages)
{
	return 0;
}
EXPORT_SYMBOL(get_user_pages);

void unpin_user_page(struct page *page)
{
}

int __must_check pin_user_pages_fast(unsigned long start, int nr_pages,
		unsigned int gup_flags, struct page **pages) __attribute__((cold))
{
	return 0;
}
"""

MM_H = b"""\
long get_user_pages(unsigned long start, unsigned long nr_pages,
		unsigned int gup_flags, struct page **pages);
static inline struct page *get_user_page_vma_remote(struct mm_struct *mm,
		unsigned long addr, int gup_flags, struct vm_area_struct **vmap)
{
	return NULL;
}
#define unpin_user_pages(p, n) unpin_folios((p), (n))
struct page;
struct folio {
	struct page page;
};
"""


def _tree(tmp_path: Path) -> Path:
    for path, data in {
        "MAINTAINERS": MAINTAINERS.encode(),
        "Makefile": b"VERSION = 7\nPATCHLEVEL = 3\nSUBLEVEL = 4\nEXTRAVERSION =\n",
        "Kconfig": b"mainmenu \"Linux Kernel Configuration\"\n",
        "mm/gup.c": GUP_C,
        "mm/gup_test.c": b"long get_user_pages_fast(unsigned long start)\n{\n}\n",
        "include/linux/mm.h": MM_H,
        "drivers/gpu/drm/x.c": b"static void f(void)\n{\n\tget_user_pages(0, 1, 0, NULL);\n}\n",
        "drivers/infiniband/umem.c": b"int g(void)\n{\n\treturn pin_user_pages_fast(0, 1, 0, NULL);\n}\n",
    }.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    return tmp_path


def test_definitions_not_prototypes_nor_calls() -> None:
    names = ["get_user_pages", "get_user_pages_fast", "unpin_user_page", "pin_user_pages_fast", "__get_user_pages"]
    assert definitions_in(GUP_C, names) == {
        "get_user_pages",
        "unpin_user_page",
        "pin_user_pages_fast",
        "__get_user_pages",
    }
    names = ["get_user_pages", "get_user_page_vma_remote", "unpin_user_pages", "struct page", "struct folio"]
    assert definitions_in(MM_H, names) == {"get_user_page_vma_remote", "unpin_user_pages", "struct folio"}


def test_find_definitions_reads_mm_and_include_then_the_rest(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    found = find_definitions(root, ["get_user_pages", "get_user_pages_fast", "get_user_page_vma_remote", "f", "nope"])
    assert found == {
        "f": ["drivers/gpu/drm/x.c"],
        "get_user_page_vma_remote": ["include/linux/mm.h"],
        "get_user_pages": ["mm/gup.c"],
        "get_user_pages_fast": ["mm/gup_test.c"],
    }


def test_recipients_from_the_definers_sections(tmp_path: Path) -> None:
    sections = parse_maintainers(MAINTAINERS, "MAINTAINERS")
    defined = {"get_user_pages": ["mm/gup.c"], "unpin_user_page": ["mm/gup.c"], "gup_x": ["include/linux/mm.h"]}
    chosen = derive_recipients(sections, defined, ["get_user_pages", "unpin_user_page", "gup_x", "new_fn"])
    assert chosen.to == ["linux-mm@kvack.org"]
    assert chosen.cc == [
        "David Hildenbrand <david@kernel.org>",  # GUP covers two of the functions, and most precisely
        "John Hubbard <jhubbard@nvidia.com>",
        "Nuno S\u00e1 <nuno@example.org>",
        "Andrew Morton <akpm@linux-foundation.org>",
        "Mike Rapoport <rppt@kernel.org>",
        '"Liam R. Howlett" <liam@infradead.org>',
        "linux-kernel@vger.kernel.org",  # the catch-all's list, not Linus
    ]
    assert [title for title, _ in chosen.definers] == [
        "MEMORY MANAGEMENT - GUP (GET USER PAGES)",
        "MEMORY MANAGEMENT",
        "MEMORY MANAGEMENT - CORE",
    ]
    assert chosen.undefined == ["new_fn"]


def test_callers_sections_are_counted_and_their_lists_cc_d_up_to_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sections = parse_maintainers(MAINTAINERS, "MAINTAINERS")
    sites = [CallSite(f"drivers/gpu/drm/x{i}.c", 3, "get_user_pages") for i in range(3)]
    sites += [CallSite("drivers/infiniband/umem.c", 3, "pin_user_pages_fast"), CallSite("mm/gup.c", 3, "x")]
    impact = KernelImpact("t", "7.3", ("get_user_pages", "pin_user_pages_fast"), tuple(sorted(sites)))
    chosen = derive_recipients(sections, {"get_user_pages": ["mm/gup.c"]}, ["get_user_pages"], impact)
    assert chosen.callers == [("DRM DRIVERS", 3), ("RDMA", 1)]  # mm/gup.c's own sections are not callers
    assert chosen.cc[-2:] == ["dri-devel@lists.freedesktop.org", "linux-rdma@vger.kernel.org"]
    assert not any("airlied" in entry or "jgg" in entry for entry in chosen.cc)
    monkeypatch.setattr(recipients_module, "MAX_CC", 3)
    capped = derive_recipients(sections, {"get_user_pages": ["mm/gup.c"]}, ["get_user_pages"], impact)
    assert len(capped.cc) == 3 and capped.left_off == len(chosen.cc) - 3


def test_mailbox_quotes_specials() -> None:
    assert mailbox("Liam R. Howlett <liam@infradead.org>") == '"Liam R. Howlett" <liam@infradead.org>'
    assert mailbox('"Doe, J" <j@x.org>') == '"Doe, J" <j@x.org>'
    assert mailbox("list@x.org") == "list@x.org"


def test_the_letter_from_a_tree(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    text = proposal_email(GUP, kernel_src=root)
    assert_mail_ready(text)
    # the call sites are counted in the same tree, not read from the scan stored beside GUP
    assert f"In {root.name} (Linux 7.3.4), 3 call sites in 3 files call the 15 changed" in " ".join(text.split())
    head = text.split("\n\n", 1)[0]
    assert "\nTo: linux-mm@kvack.org\n" in head
    # mm/ covers get_user_pages_fast() in mm/gup_test.c too, which GUP's X: leaves out: mm/ first
    assert "\nCc: Andrew Morton <akpm@linux-foundation.org>,\n David Hildenbrand <david@kernel.org>,\n" in head
    assert " John Hubbard <jhubbard@nvidia.com>,\n Nuno Sa <nuno@example.org>," in head  # ASCII in headers
    assert "torvalds" not in head and " linux-kernel@vger.kernel.org" in head
    recipients = " ".join(text.split("\nRecipients\n", 1)[1].split("\nReferences\n", 1)[0].split())
    assert f"From the MAINTAINERS file of {root.name}:" in recipients
    assert (
        "MEMORY MANAGEMENT (mm/gup.c, mm/gup_test.c); MEMORY MANAGEMENT - GUP (GET USER PAGES) (mm/gup.c)" in recipients
    )
    assert "MEMORY MANAGEMENT - CORE (include/linux/mm.h)" in recipients  # also struct folio's file
    assert "Defined nowhere in the tree: get_user_page_fast_only," in recipients
    assert "struct page," in recipients and "struct folio" not in recipients.split("Defined nowhere")[1]
