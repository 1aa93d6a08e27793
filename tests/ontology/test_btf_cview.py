"""C-level views of BTF: flattened struct layouts, shapes, C spellings, sizes, enums, prototypes."""

from __future__ import annotations

from ontology.btf import DATASEC, ENUM64, FWD, STRUCT, TYPEDEF, UNION, VAR, Btf
from ontology.cview import Field, TypeShape, c_type, enum_values, prototype, shape, size_of, struct_fields
from tests.support.btf_sample import IDS


def test_struct_fields_flatten_anonymous_members(sample: Btf) -> None:
    t = IDS
    fields = struct_fields(sample, "page")
    assert [f._replace(arm=None) for f in fields] == [
        Field("flags", 0, 8, t["ulong"], "unsigned long"),
        Field("lru", 8, 16, t["list_head"], "struct list_head"),
        Field("mapping", 8, 8, t["page"] + 6, "struct address_space *"),
        Field("index", 16, 8, t["ulong"], "unsigned long"),
        Field("share", 16, 4, t["uint"], "unsigned int"),
        Field("order", 24, 4, t["uint"], "unsigned int", bit_offset=192, bit_size=3),
        Field("dirty", 24, 4, t["uint"], "unsigned int", bit_offset=195, bit_size=1),
        Field("mapcount", 28, 4, t["cv_int"], "int"),
        Field("pp", 32, 8, t["page_ptr_ptr"], "struct page **"),
        Field("name", 40, 4, t["name_array"], "unsigned char[4]"),
        Field("refcount", 44, 4, t["atomic_t"], "atomic_t"),
    ]
    arms = {f.name: f.arm for f in fields if f.arm is not None}
    union = arms["lru"][0]
    assert sample.kind(union) == UNION
    assert arms == {"lru": (union, 0), "mapping": (union, 1), "index": (union, 1), "share": (union, 1)}
    assert [f.name for f in struct_fields(sample, "folio")] == ["page", "_flags_1"]
    assert struct_fields(sample, "folio")[1].offset == 48


def test_shape(sample: Btf) -> None:
    t = IDS
    assert shape(sample, 0) == TypeShape("void", 0)
    assert shape(sample, t["page"]) == TypeShape("struct page", 0)
    assert shape(sample, t["page_ptr_ptr"]) == TypeShape("struct page", 2)
    assert shape(sample, t["const_page_ptr"]) == TypeShape("struct page", 1)
    assert shape(sample, t["rcu_page_ptr"]) == TypeShape("struct page", 1)
    assert shape(sample, t["pgtable_t"]) == TypeShape("struct page", 1)
    assert shape(sample, t["pgtable_t"], keep=frozenset({"pgtable_t"})) == TypeShape("pgtable_t", 0)
    assert shape(sample, t["pgtable_ptr"], keep=frozenset({"pgtable_t"})) == TypeShape("pgtable_t", 1)
    assert shape(sample, t["netmem_ref"]) == TypeShape("long unsigned int", 0)
    assert shape(sample, t["netmem_ref"], keep=frozenset({"netmem_ref"})) == TypeShape("netmem_ref", 0)
    assert shape(sample, t["atomic_t"]) == TypeShape("struct ", 0)  # anonymous struct behind the typedef
    assert shape(sample, t["cv_int"]) == TypeShape("int", 0)
    assert shape(sample, t["restrict_int_ptr"]) == TypeShape("int", 1)
    assert shape(sample, t["matrix"]) == TypeShape("int", 2)  # each array dimension is one level
    assert shape(sample, t["void_ptr3"]) == TypeShape("void", 3)
    assert shape(sample, t["address_space"]) == TypeShape("struct address_space", 0)
    assert shape(sample, t["later_u"]) == TypeShape("union later_u", 0)
    assert shape(sample, t["named_union"]) == TypeShape("union u", 0)
    assert shape(sample, t["pagetype"]) == TypeShape("enum pagetype", 0)
    assert shape(sample, t["big64"]) == TypeShape("enum big64", 0)
    assert shape(sample, t["fn_ptr"]) == TypeShape("function", 1)
    assert shape(sample, t["double"]) == TypeShape("double", 0)


def test_c_type(sample: Btf) -> None:
    t = IDS
    expected = {
        0: "void",
        t["ulong"]: "unsigned long",
        t["uchar"]: "unsigned char",
        t["bool"]: "bool",
        t["page"]: "struct page",
        t["page_ptr_ptr"]: "struct page **",
        t["const_page_ptr"]: "struct page *",
        t["rcu_page_ptr"]: "struct page *",
        t["pgtable_t"]: "pgtable_t",
        t["pgtable_ptr"]: "pgtable_t *",
        t["atomic_anon"]: "struct (anon)",
        t["page_union"]: "union (anon)",
        t["named_union"]: "union u",
        t["address_space"]: "struct address_space",
        t["later_u"]: "union later_u",
        t["pagetype"]: "enum pagetype",
        t["neg64"]: "enum neg64",
        t["cv_int"]: "int",
        t["name_array"]: "unsigned char[4]",
        t["matrix"]: "int[2][3]",
        t["bitmap_t"]: "bitmap_t",
        t["void_ptr"]: "void *",
        t["void_ptr3"]: "void ***",
        t["fn_ptr"]: "void (*)(void)",
        t["void_proto"]: "function",
        t["double"]: "double",
    }
    assert {type_id: c_type(sample, type_id) for type_id in expected} == expected


def test_size_of(sample: Btf) -> None:
    t = IDS
    expected = {
        0: 0,
        t["uchar"]: 1,
        t["ulong"]: 8,
        t["double"]: 8,
        t["page"]: 48,
        t["page_ptr"]: 8,
        t["cv_int"]: 4,
        t["atomic_t"]: 4,
        t["name_array"]: 4,
        t["matrix"]: 24,
        t["bitmap_t"]: 32,
        t["sign"]: 1,
        t["big64"]: 8,
        t["jiffies"]: 8,
        t["data"]: 16,
        t["rcu"]: 48,
        t["user_tag"]: 48,
        t["address_space"]: 0,
        t["alloc_proto"]: 0,
    }
    assert {type_id: size_of(sample, type_id) for type_id in expected} == expected


def test_enum_values_prototype_find(sample: Btf) -> None:
    t = IDS
    assert enum_values(sample, "pagetype") == {"PGTY_buddy": 0xF0, "PGTY_slab": 0xF5, "PGTY_max": 0xFFFFFFFF}
    assert enum_values(sample, "sign") == {"NEG": -1, "POS": 7}
    assert enum_values(sample, "big64") == {"ONE": 1, "HUGE": 1 << 63}
    assert enum_values(sample, "neg64") == {"MIN": -(1 << 63), "M2": -2}
    proto = prototype(sample, "folio_alloc")
    assert proto is not None and proto.id == t["alloc_proto"]
    assert shape(sample, proto.ref) == TypeShape("struct folio", 1)
    assert [(p.name, c_type(sample, p.type_id)) for p in proto.members] == [("gfp", "gfp_t"), ("order", "unsigned int")]
    helper = prototype(sample, "helper")
    assert helper is not None and (helper.ref, helper.members) == (0, ())
    assert prototype(sample, "no_such_function") is None
    assert sample.find(STRUCT, "page") == t["page"]
    assert sample.find(FWD, "address_space") == t["address_space"]
    assert sample.find(UNION, "u") == t["named_union"]
    assert sample.find(TYPEDEF, "pgtable_t") == t["pgtable_t"]
    assert sample.find(ENUM64, "big64") == t["big64"]
    assert sample.find(VAR, "jiffies") == t["jiffies"]
    assert sample.find(DATASEC, ".data") == t["data"]
    assert sample.find(UNION, "page") is None
    assert sample.find(STRUCT, "nope") is None
    assert sample.find(STRUCT, "") is None  # anonymous types are not indexed
