"""memdesc's executable model of the kernel's memory paths, typed with `ontology.types`.

Descriptors are views onto a struct-of-arrays mem_map (`model.memmap`, `model.views`); the
machine (`model.machine`) has nodes, zones, a buddy allocator and per-cpu lists; each kernel
path lives in a module named for it and registers its functions as the implementations of the
declarations in `ontology.types`. Importing the package registers them all.
"""

from model import (
    anon,
    gup,
    highmem,
    lru,
    mm,
    netmem,
    page_alloc,
    pagecache,
    pgtable,
    predicates,
    rmap,
    slab,
    zsmalloc,
)

__all__ = [
    "anon",
    "gup",
    "highmem",
    "lru",
    "mm",
    "netmem",
    "page_alloc",
    "pagecache",
    "pgtable",
    "predicates",
    "rmap",
    "slab",
    "zsmalloc",
]
