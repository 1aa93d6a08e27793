"""Python names for the ontology's C names: classes, identifiers, and annotations for C types.

`anon_folio` -> AnonFolio, `address_space` -> AddressSpace, `struct page *` -> `Page | None`,
`gfp_t` -> int. Pure naming: the descriptor type a C type stands for is resolved by the
ontology before it gets here.
"""

from __future__ import annotations

import keyword
import re

from ontology.cdecl import CType

INTEGER_TYPES = frozenset(
    {
        "int",
        "unsigned int",
        "long",
        "unsigned long",
        "short",
        "unsigned short",
        "long long",
        "unsigned long long",
        "char",
        "signed char",
        "unsigned char",
        "u8",
        "u16",
        "u32",
        "u64",
        "s8",
        "s16",
        "s32",
        "s64",
        "__u8",
        "__u16",
        "__u32",
        "__u64",
        "__s32",
        "__s64",
        "size_t",
        "ssize_t",
        "gfp_t",
        "pgoff_t",
        "loff_t",
        "atomic_t",
        "atomic_long_t",
        "atomic64_t",
        "memdesc_flags_t",
        "swp_entry_t",
        "softleaf_t",
        "mm_id_mapcount_t",
        "mm_id_t",
        "fgf_t",
        "vm_fault_t",
        "vm_flags_t",
        "pte_t",
        "pmd_t",
        "pud_t",
        "p4d_t",
        "pgd_t",
        "pgprot_t",
        "phys_addr_t",
        "dma_addr_t",
        "freelist_aba_t",
        "isolate_mode_t",
        "zap_flags_t",
        "rmap_t",
        "fpb_t",
        "unsigned",
        "netmem_ref",
        "refcount_t",
    }
)
"""C types a model sees as Python ints (flags words, counters, page-table entries, gfp masks)."""

_DESC_SUFFIX = re.compile(r"([a-z]+?)(desc)")


def class_name(type_name: str) -> str:
    """`anon_folio` -> AnonFolio, `ptdesc` -> PtDesc, `netmem_desc` -> NetmemDesc."""
    parts: list[str] = []
    for part in type_name.split("_"):
        split = _DESC_SUFFIX.fullmatch(part)
        if split and split.group(1):
            parts.extend([split.group(1), split.group(2)])
        elif part:
            parts.append(part)
    return "".join(part.capitalize() for part in parts)


def kernel_class_name(struct: str, taken: set[str]) -> str:
    """`address_space` -> AddressSpace, renamed `...Struct` if a descriptor already has the name."""
    name = "".join(part.capitalize() for part in struct.split("_") if part)
    return name + "Struct" if name in taken else name


def code_name(name: str) -> str:
    """`name`, refused unless it is a plain ASCII Python identifier that is not a keyword: the
    only data the generator writes outside a string literal. The schema's patterns make this
    hold; the check keeps a name that slipped past them from becoming code."""
    if not (name.isascii() and name.isidentifier()) or keyword.iskeyword(name):
        raise ValueError(f"{name!r} cannot be a name in the generated module")
    return name


def identifier(name: str) -> str:
    """A C name as a Python identifier: `type` -> type_, `match` -> match_."""
    return name + "_" if keyword.iskeyword(name) or keyword.issoftkeyword(name) else name


class Annotator:
    """Python annotations for C types, naming the non-descriptor structs it meets as it goes.

    The kernel structs are named in the order they are first met (a name a descriptor or an
    earlier struct has taken gets `Struct` appended), so callers ask in a fixed order.
    """

    def __init__(self, descriptor_types: list[str]):
        self.descriptor_classes = {name: class_name(name) for name in descriptor_types}
        self.kernel_structs: dict[str, str] = {}
        """C struct name -> class name, for the structs met so far."""

    def kernel_struct(self, struct: str) -> str:
        if struct not in self.kernel_structs:
            taken = set(self.descriptor_classes.values()) | set(self.kernel_structs.values())
            self.kernel_structs[struct] = kernel_class_name(struct, taken)
        return self.kernel_structs[struct]

    def annotation(self, ctype: CType, descriptor: str | None, depth: int, nullable: bool, array: bool = False) -> str:
        """The annotation for a value of `ctype`, which stands for `descriptor` at pointer `depth`
        (None: no descriptor type); pointer-to-pointer becomes a list."""
        if ctype.function_pointer:
            return "Callable[..., object]"
        if descriptor is not None:
            cls = self.descriptor_classes[descriptor]
            if depth >= 2 or array:
                return f"list[{cls}]"
            return f"{cls} | None" if nullable and depth >= 1 else cls
        if ctype.base == "void":
            return "None" if ctype.pointers == 0 else "object"
        if ctype.base in ("char", "const char") and ctype.pointers == 1:
            return "str"
        if ctype.base == "bool" and ctype.pointers == 0:
            return "bool"
        if ctype.base.startswith("enum ") and ctype.pointers == 0:
            return "int"
        if ctype.base in INTEGER_TYPES:
            if ctype.pointers == 0 and not array:
                return "int"
            return "list[int]"
        struct = ctype.struct_name
        if struct is not None:
            cls = self.kernel_struct(struct)
            if ctype.pointers >= 2:
                return f"list[{cls}]"
            if ctype.pointers == 1:
                return f"{cls} | None" if nullable else cls
            return cls
        return "object"


def ctype_of(text: str) -> CType:
    """The C type whose normalised spelling (`CType.text`, as a resolved signature keeps it) is
    `text`: `struct page **` -> CType("struct page", 2)."""
    if text == CType("void", 1, function_pointer=True).text:
        return CType("void", 1, function_pointer=True)
    base = text.rstrip("* ")
    return CType(base, text.count("*", len(base)))
