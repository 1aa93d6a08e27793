"""The kernel API facts of a release agree with the BTF of a real kernel of that release: the
snapshot's functions, predicates and conversions verify without a mismatch against Debian's
6.12.118 (zsmalloc built in), 7.0.13 and 7.3.4 (ontology/kernels)."""

from __future__ import annotations

import lzma

import pytest

from ontology.btf import Btf
from ontology.strict import load_ontology
from ontology.verify import verify
from tests.support.paths import ROOT

KERNELS = ROOT / "ontology" / "kernels"


@pytest.mark.parametrize(
    ("release", "blob"),
    [
        ("6.12", "linux-6.12.118-amd64.btf.xz"),
        ("7.0", "linux-7.0.13-cloud-amd64.btf.xz"),
        ("7.3", "linux-7.3.4-cloud-amd64.btf.xz"),
    ],
)
def test_api_facts_of_the_release_match_its_btf(release: str, blob: str) -> None:
    onto = load_ontology(kernel=release)
    result = verify(onto, Btf(lzma.decompress((KERNELS / blob).read_bytes()), blob))
    api = set(onto.functions) | set(onto.conversions) | set(onto.predicates)
    decided = [fact for fact in result.agreements if fact.subject.split(" ")[0] in api]
    wrong = [str(fact) for fact in result.mismatches if fact.subject.split(" ")[0] in api]
    assert wrong == []
    assert len(decided) > 500


def test_the_newest_facts_do_not_match_an_old_kernel() -> None:
    """The same check can fail: 7.3's facts against 6.1.192's BTF disagree (renames, _noprof)."""
    onto = load_ontology(kernel="7.3")
    blob = "linux-6.1.192-amd64.btf.xz"
    result = verify(onto, Btf(lzma.decompress((KERNELS / blob).read_bytes()), blob))
    subjects = {fact.subject for fact in result.mismatches}
    assert {"folio_isolate_hugetlb", "folio_add_anon_rmap_ptes"} <= subjects
