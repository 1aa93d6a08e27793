# fmt: off
"""Linux 7.3.4's mm/filemap.c (Debian linux-source-7.3 7.3.4-1~bpo13+1), transliterated; `_7_3`
names keep them from standing for the kernel's own."""

from __future__ import annotations

from ontology.types import Folio, folio_test_private, folio_test_writeback


def filemap_release_folio_7_3(folio: Folio, gfp: int) -> bool:
    """mm/filemap.c filemap_release_folio() (7.3.4). folio_needs_release() is reduced to
    folio_test_private() (its mapping_release_always() half is an address_space flag), and the
    a_ops->release_folio / try_to_free_buffers() call to whether there is a mapping."""
    mapping = folio.mapping
    if not folio_test_private(folio):
        return True
    if folio_test_writeback(folio):
        return False
    return mapping is not None and gfp >= 0
