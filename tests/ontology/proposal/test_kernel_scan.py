"""The kernel call-site scanner on a small tree built here: exact counts, and what is not a call.

Each file holds calls beside the things that look like one (definitions, prototypes, comments,
strings, `#define`, member calls), so a wrong rule changes an exact count.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ontology.errors import InputError
from ontology.proposal.kernel_impact import CallSite
from ontology.proposal.kernel_scan import anchors, is_call, kernel_release, scan_text, scan_tree

NAMES = ("pin_user_pages", "unpin_user_page", "unpin_user_pages")

MAKEFILE = "# SPDX-License-Identifier: GPL-2.0\nVERSION = 7\nPATCHLEVEL = 3\nSUBLEVEL = 4\nEXTRAVERSION =\n"

GUP_C = """\
// SPDX: pin_user_pages() in a comment
#include <linux/mm.h>
/* unpin_user_pages(pages, n) in a block comment,
 * over two lines: unpin_user_page(p) */
long pin_user_pages(unsigned long start, unsigned long nr_pages,
\t\t    unsigned int gup_flags, struct page **pages)
{
\treturn __gup(start, nr_pages, gup_flags, pages);
}
EXPORT_SYMBOL(pin_user_pages);

void unpin_user_pages(struct page **pages, unsigned long npages)
{
\tunsigned long i;
\tfor (i = 0; i < npages; i++)
\t\tunpin_user_page(pages[i]);
}

static int test(void)
{
\tpr_info("pin_user_pages(%d) failed\\n", 3);
\tif (pin_user_pages (0, 1, 0, NULL) < 0)
\t\treturn -1;
\telse unpin_user_page(NULL);
\treturn pin_user_pages(0, 1, 0, NULL) +
\t\t*unpin_user_pages_ptr(1);
}
"""
"""Calls at lines 16 (unpin_user_page), 22 (pin_user_pages with a space), 24 (after `else`),
25 (after `return`); a definition at 5 and 12, comments at 1 and 3-4, a string at 21."""

MM_H = """\
#ifndef _MM_H
#define _MM_H
struct page *pin_user_pages(unsigned long start, unsigned long nr_pages,
\t\t\t    unsigned int gup_flags, struct page **pages);
void unpin_user_pages(struct page **pages, unsigned long npages);
static inline void
unpin_user_page(struct page *page)
{
}
#define unpin_user_page(p) do_unpin(p)
#define unpin_one(p) unpin_user_page(p)
static inline long pin_one(unsigned long a)
{
\treturn pin_user_pages(a, 1, 0, (void *)0);
}
#endif
"""
"""Calls at 11 (a macro body calling it) and 14; prototypes at 3 and 5, a definition at 7 (its
type on the line before), `#define` of the name itself at 10."""

DRIVER_C = """\
#include <linux/mm.h>
struct ops { void (*unpin_user_page)(struct page *); };
static void f(struct ops *ops, struct ops o, struct page *p)
{
\tops->unpin_user_page(p);
\to.unpin_user_page(p);
\tops -> unpin_user_page(p);
\tchar c = 'x'; char *s = "unpin_user_page(p)";
\tmy_unpin_user_page(p);
\tunpin_user_page_x(p);
\t(void)unpin_user_page(p);
\tx = !unpin_user_pages(&p,
\t\t\t1);
}
"""
"""Calls at 11 (after a cast) and 12; member calls at 5-7, a string at 8, longer names at 9-10."""

RUST_RS = """\
// bindings::pin_user_pages(0) in a comment
fn pin_user_pages(x: u32) -> u32 { x }
fn f() {
    unsafe { bindings::pin_user_pages(0, 1, 0, core::ptr::null_mut()) };
    pin_user_pages(3);
}
"""
"""One call at 4: Rust calls the C function through `bindings::`; its own `pin_user_pages` is not it."""


def make_tree(root: Path) -> Path:
    files = {
        "Makefile": MAKEFILE,
        "Kbuild": "obj-y += mm/\n",
        "mm/gup.c": GUP_C,
        "include/linux/mm.h": MM_H,
        "drivers/gpu/drm/driver.c": DRIVER_C,
        "drivers/misc/other.c": "int x;\n",
        "rust/kernel/page.rs": RUST_RS,
        "Documentation/notes.txt": "pin_user_pages(0, 1, 0, NULL);\n",
        "top.c": "void g(void) { unpin_user_page(0); }\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


EXPECTED = [
    CallSite("drivers/gpu/drm/driver.c", 11, "unpin_user_page"),
    CallSite("drivers/gpu/drm/driver.c", 12, "unpin_user_pages"),
    CallSite("include/linux/mm.h", 11, "unpin_user_page"),
    CallSite("include/linux/mm.h", 14, "pin_user_pages"),
    CallSite("mm/gup.c", 16, "unpin_user_page"),
    CallSite("mm/gup.c", 22, "pin_user_pages"),
    CallSite("mm/gup.c", 24, "unpin_user_page"),
    CallSite("mm/gup.c", 25, "pin_user_pages"),
    CallSite("rust/kernel/page.rs", 4, "pin_user_pages"),
    CallSite("top.c", 1, "unpin_user_page"),
]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_tree_scan_finds_exactly_the_calls(tmp_path: Path, workers: int) -> None:
    impact = scan_tree(make_tree(tmp_path), NAMES, workers=workers)
    assert list(impact.sites) == EXPECTED
    assert (impact.tree, impact.release, impact.functions) == (tmp_path.name, "7.3.4", NAMES)
    assert impact.per_function() == {"pin_user_pages": 4, "unpin_user_page": 5, "unpin_user_pages": 1}
    assert impact.per_subsystem(1) == {"mm": 4, "drivers": 2, "include": 2, "rust": 1, "top.c": 1}
    assert impact.per_subsystem(2) == {
        "mm": 4,
        "drivers/gpu": 2,
        "include/linux": 2,
        "rust/kernel": 1,
        "top.c": 1,
    }


def test_a_function_nobody_calls_is_listed_with_zero(tmp_path: Path) -> None:
    impact = scan_tree(make_tree(tmp_path), ["pin_user_pages_remote"])
    assert impact.sites == ()
    assert impact.per_function() == {"pin_user_pages_remote": 0}


def test_many_files_go_through_the_process_pool(tmp_path: Path) -> None:
    """Above the pool's threshold the result is the same as on one core, in the same order."""
    make_tree(tmp_path)
    for index in range(2100):
        (tmp_path / "drivers" / "misc" / f"f{index:04}.c").write_text(
            f"int v{index};\nvoid h(void) {{ unpin_user_page(0); }}\n"
        )
    one, two = scan_tree(tmp_path, NAMES, workers=1), scan_tree(tmp_path, NAMES, workers=2)
    assert one == two
    assert len(one.sites) == len(EXPECTED) + 2100
    assert one.per_subsystem(2)["drivers/misc"] == 2100


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"x = f(", True),
        (b"return f(", True),
        (b"return *f(", True),
        (b"(void)f(", True),
        (b"if (!f(", True),
        (b"f(", False),  # the first token of a file: nothing before it to make it a call
        (b"long f(", False),
        (b"struct page *f(", False),
        (b"struct page **f(", False),
        (b"#define f(", False),
        (b"a->f(", False),
        (b"a.f(", False),
        (b"static inline int\n\\\nf(", False),
        (b"}\nf(", True),
        (b"do_it(x);\n\tf(", True),
    ],
)
def test_what_precedes_a_name_decides_if_it_is_a_call(text: bytes, expected: bool) -> None:
    assert is_call(text, len(text) - 2) is expected


def test_line_numbers_survive_blanked_comments_and_strings() -> None:
    text = b'/* a\n b\n c */ char *s = "x\\\ny";\n// z\nint v = g(\n1);\n'
    assert scan_text(text, ["g"], "a.c") == [CallSite("a.c", 6, "g")]


def test_anchors_cover_every_name() -> None:
    names = ["get_user_pages", "pin_user_pages_fast", "unpin_user_page", "folio_add_lru", "lruvec_add_folio"]
    found = anchors(names)
    assert all(any(piece.decode() in name for piece in found) for name in names)
    assert len(found) < len(names)
    assert anchors(["f", "gh"]) == (b"f", b"gh")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "no such directory"),
        ("file", "no such directory"),
        ("no makefile", "not a kernel source tree: cannot read its Makefile (No such file or directory)"),
        ("other makefile", "not a kernel source tree: its Makefile sets no VERSION and PATCHLEVEL"),
        ("no kbuild", "not a kernel source tree: no Kbuild or Kconfig at its top"),
    ],
)
def test_a_path_that_is_not_a_kernel_tree_is_refused(tmp_path: Path, setup: str, message: str) -> None:
    root = tmp_path / "tree"
    if setup == "file":
        root.write_text("x")
    elif setup != "missing":
        make_tree(root)
        if setup == "no makefile":
            (root / "Makefile").unlink()
        elif setup == "other makefile":
            (root / "Makefile").write_text("all:\n\techo hi\n")
        else:
            (root / "Kbuild").unlink()
    with pytest.raises(InputError) as caught:
        scan_tree(root, NAMES)
    assert str(caught.value) == f"{root}: {message}" + (
        " (--kernel-src wants a kernel source tree)" if setup in ("missing", "file") else ""
    )


def test_an_unreadable_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that cannot be read (as when its mode forbids it: the tests may run as root, so the
    failure is made by replacing `open` in the scanner) is named with the reason, nothing else."""
    from ontology.proposal import kernel_scan

    make_tree(tmp_path)
    secret = tmp_path / "mm" / "secret.c"
    secret.write_text("void f(void) { pin_user_pages(0); }\n")

    def refuse(path: str, mode: str = "r") -> object:
        if path.endswith("secret.c"):
            raise PermissionError(13, "Permission denied", path)
        return open(path, mode)  # handed to `with` by the scanner

    monkeypatch.setattr(kernel_scan, "open", refuse, raising=False)
    with pytest.raises(InputError) as caught:
        scan_tree(tmp_path, NAMES, workers=1)
    assert str(caught.value) == f"{secret}: cannot read: Permission denied"


def test_links_are_not_followed(tmp_path: Path) -> None:
    """A link (here one to itself, which reading would fail on) is never read nor counted twice."""
    make_tree(tmp_path)
    (tmp_path / "mm" / "loop.c").symlink_to(tmp_path / "mm" / "loop.c")
    (tmp_path / "mm" / "again.c").symlink_to(tmp_path / "mm" / "gup.c")
    impact = scan_tree(tmp_path, NAMES, workers=1)
    assert list(impact.sites) == EXPECTED


def test_the_release_reads_extraversion_and_a_zero_sublevel(tmp_path: Path) -> None:
    make_tree(tmp_path)
    (tmp_path / "Makefile").write_text("VERSION = 6\nPATCHLEVEL = 19\nSUBLEVEL = 0\nEXTRAVERSION = -rc1\n")
    assert kernel_release(tmp_path) == "6.19-rc1"


def test_file_names_with_commas_count_and_odd_ones_are_refused(tmp_path: Path) -> None:
    """Device-tree headers are named `vendor,part.h`; a name with a space or a control character
    would reach a terminal or a document, so a call site in one is refused, naming it."""
    make_tree(tmp_path)
    (tmp_path / "include" / "qcom,q6afe.h").write_text("#define X() pin_user_pages(0)\n")
    impact = scan_tree(tmp_path, NAMES, workers=1)
    assert CallSite("include/qcom,q6afe.h", 1, "pin_user_pages") in impact.sites
    (tmp_path / "mm" / "odd\x1b[31m.c").write_text("void f(void) { pin_user_pages(0); }\n")
    with pytest.raises(InputError, match="a file with call sites has a name memdesc does not take: 'mm/odd"):
        scan_tree(tmp_path, NAMES, workers=1)
