"""The conversion-progress page of the docs site: the chart (`progress.py`) and its numbers.

Everything comes from one `memdesc census --trend --json` answer, so the chart, the tables and
the command cannot disagree. The tables carry every number the chart draws (a reader who cannot
see the chart, or wants to paste the numbers, loses nothing), each kernel with the source the
ontology cites for its BTF.
"""

from __future__ import annotations

from typing import Any

from ontology.docsite.markdown import cell, code, table

SOURCES_NOTE = "ontology/kernels/README.md"


def _count(value: int | None) -> str:
    return "—" if value is None else str(value)


def _share(counts: dict[str, int | None]) -> str:
    """folio's share of the functions speaking page or folio, one decimal."""
    folio, page = counts.get("folio") or 0, counts.get("page") or 0
    return f"{100 * folio / (folio + page):.1f}%" if folio + page else "—"


def _kernel_rows(trend: dict[str, Any], sources: set[str]) -> list[list[str]]:
    rows = []
    for row in trend["kernels"]:
        source = f"btf-{row['version']}"
        rows.append(
            [
                cell(row["release"]),
                cell(row["version"]),
                code(source) if source in sources else "",
                str(row["functions"]),
                *(_count(row["counts"].get(name)) for name in trend["descriptors"]),
                _share(row["counts"]),
            ]
        )
    return rows


def progress_page(trend: dict[str, Any], svg_name: str, sources: set[str]) -> str:
    """The page's Markdown; `svg_name` is the chart file beside it, `sources` the ontology's source ids."""
    headers = ["release", "kernel", "source", "functions", *(code(n) for n in trend["descriptors"]), "folio share"]
    steps = [
        [cell(step["old"]), cell(step["new"]), str(step["page_to_folio"]), str(len(step["renamed"]))]
        for step in trend["conversions"]
    ]
    first, last = (trend["kernels"][0]["release"], trend["kernels"][-1]["release"]) if trend["kernels"] else ("", "")
    return "\n".join(
        [
            "# Conversion progress\n",
            f"How many kernel functions take or return each memory descriptor, release by release from {first} "
            f"to {last}: the move from `struct page` to folios and the other descriptors, as "
            "`memdesc census --trend --json` counts it. A function counts for a descriptor when its BTF "
            "prototype has a parameter or return value pointing to that struct (or of the handle type, "
            "`netmem_ref`); the functions the tracepoint macros generate are left out. One Debian build per "
            f"release, listed with its source in `{SOURCES_NOTE}`. BTF holds no static inline functions "
            "or macros, so much of the folio API is not counted. The cloud builds and 6.1 build zsmalloc as a "
            "module, so `struct zpdesc` and the `zs_*` functions are missing from their vmlinux BTF, which is "
            "what is counted (the kernels' README).\n",
            f"![Functions per descriptor and release]({svg_name})\n",
            "The x axis keeps a place for every release, so the releases without a bundled kernel "
            "show as a gap. A descriptor missing from a kernel (— below) has no point there: the struct did not "
            "exist in that kernel's BTF.\n",
            "## The numbers\n",
            "Functions per descriptor; *functions* counts each function once however many descriptors it "
            "speaks; *folio share* is folio's share of the functions speaking page or folio.\n",
            table(headers, _kernel_rows(trend, sources)),
            "## Functions moved from page to folio\n",
            "Between consecutive kernels: functions that took or returned a page and now take or return a "
            "folio, under the same name or renamed `..page..` to `..folio..` (a conversion that also "
            "renames otherwise, such as `set_page_dirty` to `folio_mark_dirty`, is not caught).\n",
            table(["from", "to", "moved", "of which renamed"], steps),
        ]
    )
