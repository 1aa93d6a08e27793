"""The MAINTAINERS parser: sections, F/X globs and directories as get_maintainer.pl reads them,
N regexes, the catch-all section, and one-line errors for an unusable file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ontology.errors import InputError
from ontology.maintainers import Index, Section, compile_pattern, parse_maintainers, read_maintainers

TEXT = """\
List of maintainers
===================

	M: *Mail* patches to: FullName <address@domain>
	F: *Files* and directories wildcard patterns.

Maintainers List
----------------

MEMORY MANAGEMENT
M:	Andrew Morton <akpm@linux-foundation.org>
L:	linux-mm@kvack.org
S:	Maintained
F:	mm/
F:	tools/mm/

MEMORY MANAGEMENT - GUP (GET USER PAGES)
M:	David Hildenbrand <david@kernel.org>
R:	Liam R. Howlett <liam@infradead.org>
L:	linux-mm@kvack.org
F:	mm/gup.c
X:	mm/gup_test.c

NET DRIVERS
L:	netdev@vger.kernel.org (moderated for non-subscribers)
F:	drivers/net/*
F:	*/netfoo/*
F:	drivers/irq-gic*.[ch]

TEGRA
N:	[^a-z]tegra

THE REST
M:	Linus Torvalds <torvalds@linux-foundation.org>
L:	linux-kernel@vger.kernel.org
F:	*
F:	*/
"""


def _sections() -> dict[str, Section]:
    return {s.title: s for s in parse_maintainers(TEXT, "MAINTAINERS")}


def _covering(path: str) -> list[str]:
    return sorted(s.title for s in parse_maintainers(TEXT, "MAINTAINERS") if s.depth(path) is not None)


def test_sections_and_entries() -> None:
    sections = parse_maintainers(TEXT, "MAINTAINERS")
    assert [s.title for s in sections] == [
        "MEMORY MANAGEMENT",
        "MEMORY MANAGEMENT - GUP (GET USER PAGES)",
        "NET DRIVERS",
        "TEGRA",
        "THE REST",
    ]
    gup = sections[1]
    assert gup.line == 17
    assert gup.maintainers == ["David Hildenbrand <david@kernel.org>"]
    assert gup.reviewers == ["Liam R. Howlett <liam@infradead.org>"]
    assert sections[2].lists == ["netdev@vger.kernel.org"]  # the note after the address dropped


def test_directory_patterns_cover_everything_below() -> None:
    assert _covering("mm/gup.c") == ["MEMORY MANAGEMENT", "MEMORY MANAGEMENT - GUP (GET USER PAGES)", "THE REST"]
    assert _covering("mm/damon/core.c") == ["MEMORY MANAGEMENT", "THE REST"]
    assert _covering("tools/mm/page-types.c") == ["MEMORY MANAGEMENT", "THE REST"]
    assert _covering("tools/mmx/a.c") == ["THE REST"]


def test_exclusions_win_over_file_patterns() -> None:
    assert "MEMORY MANAGEMENT - GUP (GET USER PAGES)" not in _covering("mm/gup_test.c")
    assert "MEMORY MANAGEMENT" in _covering("mm/gup_test.c")


def test_globs_stay_at_their_depth_and_classes_match() -> None:
    assert "NET DRIVERS" in _covering("drivers/net/loopback.c")
    assert "NET DRIVERS" not in _covering("drivers/net/ethernet/intel/e1000.c")  # `*` is not recursive
    assert "NET DRIVERS" in _covering("fs/netfoo/a.c")  # `*/netfoo/*`
    assert "NET DRIVERS" not in _covering("fs/x/netfoo/a.c")
    assert "NET DRIVERS" in _covering("drivers/irq-gic-v3.c")
    assert "NET DRIVERS" in _covering("drivers/irq-gic.h")
    assert "NET DRIVERS" not in _covering("drivers/irq-gic-v3.S")
    assert "MEMORY MANAGEMENT - GUP (GET USER PAGES)" not in _covering("mm/gup.cc")  # anchored


def test_name_regexes_search_the_path() -> None:
    assert "TEGRA" in _covering("drivers/gpu/host1x/tegra.c")
    assert "TEGRA" not in _covering("arch/arm/integrator.c")  # [^a-z]tegra


def test_the_most_precise_pattern_ranks_first() -> None:
    sections = _sections()
    gup, mm, rest = (sections[t] for t in ("MEMORY MANAGEMENT - GUP (GET USER PAGES)", "MEMORY MANAGEMENT", "THE REST"))
    assert (gup.depth("mm/gup.c"), mm.depth("mm/gup.c"), rest.depth("mm/gup.c")) == (2, 1, -1)
    assert [s.title for s in parse_maintainers(TEXT, "M") if s.covers_everything] == ["THE REST"]


def test_a_pattern_naming_a_directory_of_the_tree_covers_it(tmp_path: Path) -> None:
    (tmp_path / "mm").mkdir()
    (tmp_path / "MAINTAINERS").write_text("MM\nF:\tmm\nF:\tlib/x.c\n", encoding="utf-8")
    (section,) = read_maintainers(tmp_path)
    assert section.depth("mm/gup.c") is not None
    assert compile_pattern("mm").regex.match("mm/gup.c") is None  # not a directory: a file named mm


def test_an_entry_before_any_title_is_an_error_at_its_line() -> None:
    with pytest.raises(InputError, match=r"^MAINTAINERS:3: F: entry outside a section"):
        parse_maintainers("intro\n\nF:\tmm/\n", "MAINTAINERS")


def test_a_bad_name_regex_is_an_error_at_its_line() -> None:
    with pytest.raises(InputError, match=r"^MAINTAINERS:2: N: pattern '\(unclosed' does not compile"):
        parse_maintainers("X86\nN:\t(unclosed\n", "MAINTAINERS")


def test_a_tree_without_maintainers_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no MAINTAINERS file"):
        read_maintainers(tmp_path)


def test_the_index_finds_what_trying_every_section_finds() -> None:
    sections = parse_maintainers(TEXT, "MAINTAINERS")
    index = Index(sections)
    paths = ["mm/gup.c", "mm/gup_test.c", "mm/damon/core.c", "tools/mm/a.c", "drivers/net/x.c", "fs/netfoo/a.c"]
    paths += ["drivers/irq-gic.h", "drivers/gpu/host1x/tegra.c", "Makefile", "arch/arm/integrator.c"]
    for path in paths:
        brute = [(s.depth(path), s.title) for s in sections if s.depth(path) is not None]
        assert [(depth, s.title) for depth, s in index.covering(path)] == brute, path
