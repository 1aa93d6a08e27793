"""memdesc-field, silenced on purpose: a debugging dump prints raw words, as dump_page() does.

`# type: ignore[memdesc-field]` silences this rule on one line and nothing else.
"""

from __future__ import annotations

from ontology.types import Slab


def dump_slab(slab: Slab) -> None:
    print(slab.slab_cache, slab.mapping)  # type: ignore[memdesc-field]
