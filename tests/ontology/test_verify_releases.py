"""verify's release rules on small data against real kernels' BTF: a fact dated elsewhere, one
needing a config option, one of a vendor build, parameters by name, *_MATCH partners, --kernel."""

from __future__ import annotations

import json
import lzma
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memdesc.app import app
from ontology.loader import LoadResult, load
from ontology.verify import Verification, verify_release
from tests.ontology.kernels import KERNELS, kernel_btf, version

HEAD = """
[ontology]
kernel = "7.3"
releases = ["6.1", "6.12", "7.3"]
title = "release rules"

[[source]]
id = "k"
kind = "kernel"
title = "mm_types.h"

[[source]]
id = "vendor"
kind = "btf"
title = "a vendor build"
version = "6.18.44"
"""

PTDESC = """
[[type]]
name = "ptdesc"
kind = "struct"
summary = "page-table page"
c_struct = "ptdesc"
size = 64
since = "6.12"
source = "k"
"""

ZPDESC = """
[[type]]
name = "zpdesc"
kind = "struct"
summary = "zsmalloc page"
c_struct = "zpdesc"
size = 56
{config}source = "k"
"""

NETMEM = """
[[type]]
name = "netmem_desc"
kind = "struct"
summary = "page_pool page"
c_struct = "netmem_desc"
size = 48
overlays = "page"
source = "k"

[[type.fields]]
name = "pp_magic"
offset = 8
size = 8
c_type = "unsigned long"
matches = "{partner}"
"""

PAGE = """
[[type]]
name = "page"
kind = "struct"
summary = "page"
c_struct = "page"
size = 64
source = "k"

[[type.fields]]
name = "pp_magic"
offset = 8
size = 8
c_type = "unsigned long"

[[type.fields]]
name = "buddy_since"
offset = 32
size = 8
c_type = "unsigned long"
build = "vendor"

[[type.fields]]
name = "gone"
offset = 8
size = 8
c_type = "unsigned long"
until = "6.12"
"""

FUNCTION = """
[[function]]
name = "filemap_add_folio"
category = "pagecache"
prototype = "int filemap_add_folio({params})"
source = "k"
"""


def _kernel(name: str) -> Path:
    return next(path for path in KERNELS if version(path) == name)


def _history(tmp_path: Path, *parts: str) -> LoadResult:
    path = tmp_path / "onto.toml"
    path.write_text(HEAD + "".join(parts))
    result = load(path)
    assert not result.issues, result.issues
    return result


def _verify(tmp_path: Path, kernel: str, release: str, *parts: str) -> Verification:
    return verify_release(_history(tmp_path, *parts), kernel_btf(_kernel(kernel)), release)


def _mismatched(result: Verification, subject: str) -> list[tuple[str, str | None]]:
    return [(f.aspect, f.item) for f in result.mismatches if f.subject == subject]


def test_a_type_not_yet_merged_agrees_by_absence(tmp_path: Path) -> None:
    result = _verify(tmp_path, "6.1.192", "6.1", PTDESC)
    assert [(f.subject, f.note) for f in result.agreements] == [("ptdesc", "not in 6.1: since 6.12")]
    assert result.mismatches == []


def test_a_type_present_before_its_release_is_undecidable(tmp_path: Path) -> None:
    """Claiming 6.1 for the 6.12 kernel: ptdesc is there although dated since 6.12 (a backport?)."""
    result = _verify(tmp_path, "6.12.117", "6.1", PTDESC)
    assert result.mismatches == []
    assert [u["reason"] for u in result.undecidable if u["subject"] == "ptdesc"] == [
        "dated since 6.12, yet in this 6.1 BTF (a stable backport or a vendor patch?)"
    ]


def test_an_undated_type_missing_is_a_mismatch(tmp_path: Path) -> None:
    result = _verify(tmp_path, "6.1.192", "6.1", PTDESC.replace('since = "6.12"\n', ""))
    assert _mismatched(result, "ptdesc") == [("exists", None)]


def test_a_module_built_type_absent_is_undecidable(tmp_path: Path) -> None:
    configured = ZPDESC.format(config='config = "CONFIG_ZSMALLOC"\nmodule = "zsmalloc"\n')
    result = _verify(tmp_path, "6.12.117", "6.12", configured)
    assert result.mismatches == []
    assert [u["form"] for u in result.undecidable if u["subject"] == "zpdesc"] == ["struct"]
    plain = _verify(tmp_path, "6.12.117", "6.12", ZPDESC.format(config=""))
    assert _mismatched(plain, "zpdesc") == [("exists", None)]


def test_a_vendor_field_agrees_in_its_build_and_by_absence_elsewhere(tmp_path: Path) -> None:
    netmem = NETMEM.format(partner="pp_magic")
    for kernel, release, present in (("6.18.44", "6.18", True), ("6.18.15", "6.18", False), ("7.3.4", "7.3", False)):
        result = _verify(tmp_path, kernel, release, PAGE, netmem)
        vendor = [f for f in result.agreements if f.item == "buddy_since"]
        assert [(f.claim, f.btf) for f in vendor] == [(present, present)], kernel
        assert "vendor build 6.18.44" in vendor[0].note
        assert ("field exists", "buddy_since") not in _mismatched(result, "page")
        gone = [f.note for f in result.agreements if f.item == "gone"]
        assert gone == [f"not in {release}: gone in 6.12"]


def test_a_missing_match_partner_is_reported(tmp_path: Path) -> None:
    missing = _verify(tmp_path, "7.3.4", "7.3", PAGE, NETMEM.format(partner="no_such_member"))
    assert [(f.claim, f.btf) for f in missing.mismatches if f.aspect == "matches"] == [
        ("page[0].no_such_member", "no page.no_such_member")
    ]
    dated = _verify(tmp_path, "7.3.4", "7.3", PAGE, NETMEM.format(partner="gone"))
    assert [f for f in dated.mismatches if f.aspect == "matches"] == []
    assert [u["form"] for u in dated.undecidable if u["subject"] == "netmem_desc.pp_magic"] == ["partner"]
    good = _verify(tmp_path, "7.3.4", "7.3", PAGE, NETMEM.format(partner="pp_magic"))
    assert [(f.claim, f.btf) for f in good.agreements if f.aspect == "matches"] == [
        ("page[0].pp_magic", "page[0].pp_magic")
    ]


def test_parameters_are_compared_by_name(tmp_path: Path) -> None:
    def mismatched(params: str) -> list[tuple[str, str | None, object]]:
        result = _verify(tmp_path, "7.3.4", "7.3", FUNCTION.format(params=params))
        return [(f.aspect, f.item, f.btf) for f in result.mismatches]

    real = "struct address_space *mapping, struct folio *folio, unsigned long index, gfp_t gfp"
    assert mismatched(real) == []
    renamed = "struct address_space *mapping, struct folio *f, unsigned long index, gfp_t gfp"
    assert mismatched(renamed) == [("parameter", "f", "no parameter f (mapping, folio, index, gfp)")]
    swapped = "struct folio *folio, struct address_space *mapping, unsigned long index, gfp_t gfp"
    assert sorted(mismatched(swapped)) == [("parameter position", "folio", 1), ("parameter position", "mapping", 0)]
    fewer = "struct address_space *mapping, struct folio *folio, unsigned long index"
    assert mismatched(fewer) == [("parameters", None, 4)]


@pytest.fixture
def raw_blob(tmp_path: Path) -> Path:
    """The vendor 6.18.44 kernel's BTF as a raw blob (what verify --btf reads here)."""
    blob = tmp_path / "k.btf"
    blob.write_bytes(lzma.decompress(_kernel("6.18.44").read_bytes()))
    return blob


@pytest.mark.parametrize("kernel", ["5.4", "x", "8.0"])
def test_an_unknown_release_is_a_one_line_error(kernel: str, raw_blob: Path) -> None:
    result = CliRunner().invoke(app, ["verify", "--btf", str(raw_blob), "--kernel", kernel, "--no-cache"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("memdesc: error: ")
    assert f"release {kernel!r} is not covered by this ontology (it describes 6.1 to 7.3)" in lines[0]


def test_verify_cli_names_the_release_and_how_it_was_chosen(raw_blob: Path) -> None:
    given = CliRunner().invoke(app, ["verify", "--btf", str(raw_blob), "--kernel", "6.18", "--no-cache"])
    assert given.exit_code == 0, given.output
    assert given.output.splitlines()[1] == "release 6.18: given by --kernel"


def test_the_fast_path_takes_kernel_too(raw_blob: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from memdesc.fastpath import fast_path

    assert fast_path(["verify", "--btf", str(raw_blob), "--kernel", "6.18", "--json", "--no-cache"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["kernel"], answer["release"], answer["release_from"]) == (
        "6.18",
        "6.18",
        "release 6.18: given by --kernel",
    )
    assert fast_path(["verify", "--btf", str(raw_blob), "--kernel", "5.4", "--no-cache"]) == 2
    assert "release '5.4' is not covered" in capsys.readouterr().err


ARMS = """
[[type]]
name = "page"
kind = "struct"
summary = "page"
c_struct = "page"
size = 64
source = "k"

[[type.fields]]
name = "lru"
offset = 8
size = 16
c_type = "struct list_head"
arm = "pagecache"

[[type.fields]]
name = "mapping"
offset = 24
size = 8
c_type = "struct address_space *"
arm = "{mapping_arm}"

[[type.fields]]
name = "pp_magic"
offset = 8
size = 8
c_type = "unsigned long"
arm = "page_pool"

[[type.fields]]
name = "_refcount"
offset = 52
size = 4
c_type = "atomic_t"
{refcount_arm}
"""


def _arms(result: Verification) -> dict[str | None, tuple[object, object]]:
    return {f.item: (f.claim, f.btf) for f in result.agreements + result.mismatches if f.aspect == "union arm"}


def test_union_arms_are_checked_against_the_anonymous_union_members(tmp_path: Path) -> None:
    """Fields of one arm share a member of struct page's outermost anonymous union; a field put
    in another arm, or an arm given to a field outside any union, is a mismatch."""
    good = _verify(tmp_path, "7.3.4", "7.3", ARMS.format(mapping_arm="pagecache", refcount_arm=""))
    assert _arms(good) == {
        "lru": ("pagecache", "pagecache"),
        "mapping": ("pagecache", "pagecache"),
        "pp_magic": ("page_pool", "page_pool"),
    }
    assert [f for f in good.mismatches if f.aspect == "union arm"] == []
    bad = _verify(tmp_path, "7.3.4", "7.3", ARMS.format(mapping_arm="page_pool", refcount_arm='arm = "pagecache"'))
    assert sorted(f.item for f in bad.mismatches if f.aspect == "union arm") == ["_refcount", "mapping"]
    assert _arms(bad)["mapping"] == ("page_pool", "pagecache")
    assert _arms(bad)["_refcount"] == ("pagecache", "outside any union")


def test_one_arm_split_over_two_union_members_is_a_mismatch(tmp_path: Path) -> None:
    parts = ARMS.format(mapping_arm="pagecache", refcount_arm="").replace('arm = "page_pool"', 'arm = "pagecache"')
    split = _verify(tmp_path, "7.3.4", "7.3", parts)
    assert _arms(split)["pp_magic"] == ("pagecache", "pagecache (another union member)")
    assert [f.item for f in split.mismatches if f.aspect == "union arm"] == ["pp_magic"]
