# fmt: off
"""__split_huge_page_tail() set the new page's ->mapping and ->index after unfreezing its
refcount, so a page-cache lookup could take a reference and read them while still unset.

Fixing commit: 173d9d9fd3dd "mm/huge_memory: splitting set mapping+index before unfreeze"
(Hugh Dickins, 4.20; Fixes: e9b61f19858a "thp: reintroduce split_huge_page()").
File: mm/huge_memory.c. Class: field read in the wrong state (a tail page becoming a page).
"""

from __future__ import annotations

from ontology.types import AddressSpace, Page

COMMIT = "173d9d9fd3dd"
SUBJECT = "mm/huge_memory: splitting set mapping+index before unfreeze"
FILE = "mm/huge_memory.c"
CLASS = "field read in the wrong state (tail page during split)"
OUT_OF_REACH = "race: the read is in another thread (a page-cache lookup) between two stores of the splitter"


def split_tail_buggy(page_tail: Page, mapping: AddressSpace, index: int) -> None:
    """The order of stores against another CPU's lookup is what is wrong."""
    page_tail.mapping = mapping  # out-of-reach: race with a concurrent lookup
    page_tail.__folio_index = index


def split_tail_fixed(page_tail: Page, mapping: AddressSpace, index: int) -> None:
    page_tail.mapping = mapping
    page_tail.__folio_index = index
