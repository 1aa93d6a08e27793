"""A proposal's impact on a kernel source tree: the call sites of the functions it changes.

`memdesc propose check PROPOSAL --kernel-src DIR` fills a `KernelImpact` by scanning the tree; the
proposal document and the email cover letter read it, and a reviewer can paste its counts. The
scan itself lives beside this module; this one is only the result, so that its readers (Markdown,
email, JSON) and its writer agree on one shape.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class CallSite:
    """One call of a changed function: `path` relative to the tree's root, 1-based `line`."""

    path: str
    line: int
    function: str


@dataclass(frozen=True)
class KernelImpact:
    """The call sites, in a tree described by `tree` (e.g. "linux-source-7.3 7.3.4-1~bpo13+1"),
    of the `functions` a proposal changes. `sites` is sorted; definitions and declarations of the
    functions themselves are not call sites."""

    tree: str
    release: str
    functions: tuple[str, ...]
    sites: tuple[CallSite, ...] = field(default_factory=tuple)

    def per_function(self) -> dict[str, int]:
        """Call sites per changed function, every function listed (0 when never called)."""
        counts = Counter(site.function for site in self.sites)
        return {name: counts.get(name, 0) for name in sorted(self.functions)}

    def per_subsystem(self, depth: int = 1) -> dict[str, int]:
        """Call sites per subsystem: the first `depth` directories of the path (`drivers`, then
        `drivers/gpu`); a file at the top of the tree counts under its own name."""
        counts: Counter[str] = Counter()
        for site in self.sites:
            parts = site.path.split("/")
            counts["/".join(parts[: min(depth, max(len(parts) - 1, 1))])] += 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def files(self) -> tuple[str, ...]:
        """The files holding call sites, sorted, each once."""
        return tuple(sorted({site.path for site in self.sites}))
