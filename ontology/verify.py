"""`memdesc verify`: check every ontology fact that the kernel's BTF can decide, at one release.

Decided: struct sizes, each field's offset, size and bitfield position, that no member is
missing on either side, each overlay match pair (the kernel's *_MATCH asserts, a missing partner
included), page-type values, typedefs, and the descriptor types of each function's return and
parameters (matched by name; public names mapped to their `_noprof` implementations).
Undecidable: whatever BTF does not hold — macros and inline functions without an out-of-line
copy, refinements, proposals — and what this build may simply not have configured in.

The data is versioned (`ontology.releases`): the facts judged are the snapshot at the release
verified, and the rest of the history explains what the snapshot cannot. A fact dated outside
that release is never a mismatch: absent from the BTF it agrees ("not in 6.1: since 6.6"),
present it is undecidable (a stable backport, a vendor patch). A fact that needs a Kconfig
option (or is built as a module) and is absent is undecidable: this BTF may be built without it.
A fact seen in one vendor build only (`build`) agrees when present in a kernel of that build's
release and when absent anywhere; a BTF member only such a fact declares is never unexplained.
"""

from __future__ import annotations

from ontology.btf import ENUM, ENUM64, Btf
from ontology.indexed import Ontology
from ontology.loader import LoadResult
from ontology.verifyjudge import Fact as Fact  # re-exported, with the rest of verify's vocabulary
from ontology.verifyjudge import Plan, Plans, Verification, judge, judge_release
from ontology.verifyjudge import btf_symbol as btf_symbol
from ontology.verifyjudge import release_of as release_of
from ontology.verifyplan import build_plan


def verify(onto: Ontology, btf: Btf, release_from: str = "") -> Verification:
    """Check the snapshot `onto` (its release: `onto.kernel`; its versioned data: `onto.history`)
    against `btf`; never raises for a mismatch, only for unreadable BTF."""
    return judge(build_plan(onto), btf, onto.kernel, release_from)


class _Snapshots(Plans):
    """Plans built from loaded versioned data, one snapshot at a time."""

    def __init__(self, history: LoadResult) -> None:
        from ontology.loader import display_path
        from ontology.releases import distinct_releases, releases_of

        super().__init__(releases_of(history.meta), distinct_releases(history), display_path(history.root))
        self.history = history

    def plan(self, release: str) -> Plan:
        from ontology.strict import snapshot_ontology

        return build_plan(snapshot_ontology(self.history, release))


def verify_release(history: LoadResult, btf: Btf, kernel: str | None, running: str | None = None) -> Verification:
    """`judge_release` over the snapshots of loaded versioned data `history`; data that names
    no releases is verified as it is."""
    plans = _Snapshots(history)
    if not plans.covered:
        from ontology.strict import snapshot_ontology

        said = "release None: given by --kernel" if kernel is not None else "the data names no releases"
        return verify(snapshot_ontology(history, None), btf, said)
    return judge_release(plans, btf, kernel, running)


def enum_values(btf: Btf, name: str) -> dict[str, int]:
    """Values of enum `name` (ENUM or ENUM64)."""
    for kind in (ENUM, ENUM64):
        type_id = btf.find(kind, name)
        if type_id is not None:
            return dict(btf.type(type_id).values)
    return {}
