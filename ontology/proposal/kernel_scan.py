"""Find the call sites of named functions in a kernel source tree: `propose check --kernel-src`.

What counts as a call, in *.c and *.h files: the name as a whole identifier followed by `(`
(spaces or newlines may sit between), after comments, string and character literals are blanked
(line numbers kept). Not counted:

- definitions, prototypes and declarations: the name preceded by an identifier that is not a
  statement keyword (`long get_user_pages(`, `static inline bool\\nPageBuddy(`), or by `*`s that
  follow one (`struct page *get_user_page_vma_remote(`); `#define NAME(` is the same case
  (`define` precedes it). A product `n * name(x)` is taken for a declaration too: rare in
  kernel code, and said here rather than guessed at;
- member calls `->name(` and `.name(`: they call a function pointer of that name in some ops
  table, not the function;
- the name without `(`: taking its address, `EXPORT_SYMBOL(name)`, `#undef name`.

A macro body that calls the function (`#define pin(x) pin_user_pages(x)`) counts once, at the
macro; its expansions cannot be seen without preprocessing, nor can a call whose name is pasted
together (`##`). In *.rs files only `bindings::name(` counts: that is how kernel Rust calls a C
function (comments skipped; Rust's own functions of the same name are not the C function).

Fast because most files hold none of the names: each file is read as bytes and tested with
`bytes.find` for every name before anything else runs, over two processes when the machine has
them. Symbolic links are not followed (the tree's own links would count files twice).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ontology.errors import InputError
from ontology.proposal.kernel_impact import CallSite, KernelImpact

KERNEL_PATH_RE = re.compile(r"[A-Za-z0-9_.,+-][A-Za-z0-9_./,+-]{0,1023}")
"""A file name in a kernel tree that a result may hold (`include/dt-bindings/sound/qcom,q6afe.h`):
no spaces, quotes or control characters, which would reach a terminal or a document."""

SUFFIXES = (".c", ".h", ".rs")
"""The files scanned: C sources and headers, and Rust sources (for `bindings::` calls)."""

_C_NOISE = re.compile(
    rb"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'",
    re.DOTALL,
)
"""Comments, string literals and character literals of C (a line continuation inside a `//`
comment is not followed)."""

_RUST_NOISE = re.compile(rb"//[^\n]*|/\*.*?\*/", re.DOTALL)
"""Rust comments; its strings and lifetimes (`'a`) are left, as `bindings::name(` in one is rare."""

KEYWORDS = frozenset(b"return else do case sizeof typeof __typeof__ goto".split())
"""Identifiers that may precede a call (`return f(`, `else f(`): a declaration's type never is one."""

_IDENT = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_SPACE = frozenset(b" \t\r\n\f\v\\")
_STAR = ord("*")


def _blank(match: re.Match[bytes]) -> bytes:
    """A comment or literal replaced by its newlines only, so line numbers stay."""
    return b"\n" * match.group().count(b"\n")


def _previous(text: bytes, end: int) -> int:
    """Index of the last non-space byte before `end` (-1 if none); `\\` counts as space
    (a macro's line continuation)."""
    index = end - 1
    while index >= 0 and text[index] in _SPACE:
        index -= 1
    return index


def _word_before(text: bytes, end: int) -> bytes:
    """The identifier ending at `end` (inclusive)."""
    start = end
    while start > 0 and text[start - 1] in _IDENT:
        start -= 1
    return text[start : end + 1]


def is_call(text: bytes, start: int) -> bool:
    """Whether the name at `start` (followed by `(`) is a call, by what comes before it."""
    index = _previous(text, start)
    if index < 0:
        return False
    before = text[index]
    if before == ord(".") or (before == ord(">") and index > 0 and text[index - 1] == ord("-")):
        return False
    if before == _STAR:
        while index >= 0 and text[index] == _STAR:
            index = _previous(text, index)
        return index < 0 or text[index] not in _IDENT or _word_before(text, index) in KEYWORDS
    if before in _IDENT:
        return _word_before(text, index) in KEYWORDS
    return True


def _pattern(names: Sequence[str], rust: bool) -> re.Pattern[bytes]:
    alternation = b"|".join(re.escape(name.encode()) for name in sorted(names, key=lambda n: (-len(n), n)))
    if rust:
        return re.compile(rb"\bbindings\s*::\s*(" + alternation + rb")\s*\(")
    return re.compile(rb"(?<![\w$])(" + alternation + rb")\s*\(")


MIN_ANCHOR = 6
"""The shortest substring `anchors` picks (unless a name is shorter): shorter ones, like `page`,
are in most files and filter nothing."""


def anchors(names: Sequence[str]) -> tuple[bytes, ...]:
    """Few substrings such that every name contains one (`_user_page` for the gup family): a
    file holding none of them holds none of the names, so most files cost a few `bytes.find`
    rather than one per name. Greedy: the substring in most uncovered names, then the longest."""
    uncovered = sorted(set(names))
    chosen: list[str] = []
    while uncovered:
        counts: dict[str, int] = {}
        for name in uncovered:
            shortest = min(MIN_ANCHOR, len(name))
            pieces = {name[i:j] for i in range(len(name)) for j in range(i + shortest, len(name) + 1)}
            for piece in pieces:
                counts[piece] = counts.get(piece, 0) + 1
        best = max(sorted(counts), key=lambda piece: (counts[piece], len(piece)))
        chosen.append(best)
        uncovered = [name for name in uncovered if best not in name]
    return tuple(sorted(piece.encode() for piece in chosen))


def scan_text(
    text: bytes, names: Sequence[str], path: str, rust: bool = False, prefilter: Sequence[bytes] | None = None
) -> list[CallSite]:
    """The call sites of `names` in one file's bytes (`path` as the tree shows it); `prefilter`
    (default: `anchors(names)`) are substrings one of which every name contains."""
    if not any(piece in text for piece in (anchors(names) if prefilter is None else prefilter)):
        return []
    if not any(name.encode() in text for name in names):
        return []
    clean = (_RUST_NOISE if rust else _C_NOISE).sub(_blank, text)
    sites = []
    line, counted = 1, 0
    for match in _pattern(names, rust).finditer(clean):
        if not rust and not is_call(clean, match.start(1)):
            continue
        line += clean.count(b"\n", counted, match.start(1))
        counted = match.start(1)
        sites.append(CallSite(path, line, match.group(1).decode()))
    return sites


def source_files(root: Path) -> Iterator[str]:
    """Paths (relative, `/`-separated) of the scanned files under `root`; links not followed."""
    stack = [""]
    while stack:
        relative = stack.pop()
        try:
            entries = list(os.scandir(root / relative if relative else root))
        except OSError as error:
            raise InputError(f"cannot read directory: {error.strerror}", root / relative) from None
        for entry in entries:
            path = f"{relative}/{entry.name}" if relative else entry.name
            if entry.is_dir(follow_symlinks=False):
                stack.append(path)
            elif entry.name.endswith(SUFFIXES) and entry.is_file(follow_symlinks=False):
                yield path


def _scan_files(root: str, paths: Sequence[str], names: Sequence[str]) -> list[CallSite] | tuple[str, str]:
    """Call sites in `paths`, or (path, reason) for the first file that cannot be read."""
    sites: list[CallSite] = []
    prefilter = anchors(names)
    for path in paths:
        try:
            with open(os.path.join(root, path), "rb") as handle:
                text = handle.read()
        except OSError as error:
            return path, error.strerror or type(error).__name__
        sites += scan_text(text, names, path, path.endswith(".rs"), prefilter)
    return sites


def _chunks(paths: list[str], count: int) -> Iterable[list[str]]:
    size = max(1, (len(paths) + count - 1) // count)
    return (paths[i : i + size] for i in range(0, len(paths), size))


def kernel_release(root: Path) -> str:
    """`7.3.4` from the tree's top Makefile (VERSION, PATCHLEVEL, SUBLEVEL, EXTRAVERSION);
    InputError when `root` is not a directory or not a kernel tree."""
    if not root.is_dir():
        raise InputError("no such directory (--kernel-src wants a kernel source tree)", root)
    makefile = root / "Makefile"
    try:
        head = makefile.read_bytes()[:4096].decode("utf-8", "replace")
    except OSError as error:
        raise InputError(f"not a kernel source tree: cannot read its Makefile ({error.strerror})", root) from None
    values: dict[str, str] = dict(
        re.findall(r"(?m)^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)[ \t]*=[ \t]*(\S*)[ \t]*$", head)
    )
    if not (values.get("VERSION", "").isdigit() and values.get("PATCHLEVEL", "").isdigit()):
        raise InputError("not a kernel source tree: its Makefile sets no VERSION and PATCHLEVEL", root)
    if not (root / "Kbuild").is_file() and not (root / "Kconfig").is_file():
        raise InputError("not a kernel source tree: no Kbuild or Kconfig at its top", root)
    release = f"{values['VERSION']}.{values['PATCHLEVEL']}"
    sublevel = values.get("SUBLEVEL", "")
    if sublevel.isdigit() and sublevel != "0":
        release += f".{sublevel}"
    return release + values.get("EXTRAVERSION", "")


def scan_tree(root: Path, functions: Sequence[str], workers: int | None = None) -> KernelImpact:
    """The call sites of `functions` in the kernel tree at `root`, its release from its Makefile.

    InputError (one line, naming the path) for a missing directory, a directory that is not a
    kernel tree, or a file that cannot be read."""
    release = kernel_release(root)
    names = sorted(set(functions))
    paths = sorted(source_files(root))
    sites: list[CallSite] = []
    if names:
        count = max(1, min(workers or os.cpu_count() or 1, 8))
        chunks = list(_chunks(paths, count * 8))
        if count == 1 or len(paths) < 2000:
            results: Iterable[list[CallSite] | tuple[str, str]] = [_scan_files(str(root), c, names) for c in chunks]
        else:
            with ProcessPoolExecutor(count) as pool:
                results = list(pool.map(_scan_files, [str(root)] * len(chunks), chunks, [names] * len(chunks)))
        for result in results:
            if isinstance(result, tuple):
                raise InputError(f"cannot read: {result[1]}", root / result[0])
            sites += result
    odd = next((site.path for site in sites if not KERNEL_PATH_RE.fullmatch(site.path)), None)
    if odd is not None:
        raise InputError(f"a file with call sites has a name memdesc does not take: {odd!r}", root)
    return KernelImpact(tree=root.resolve().name, release=release, functions=tuple(names), sites=tuple(sorted(sites)))
