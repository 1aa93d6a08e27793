"""A small BTF with every kind, shaped like the kernel's own (struct page, folio...), and a
three-type blob to break in the bad-input tests."""

from __future__ import annotations

from tests.support.btf_writer import FUNC_STATIC, INT_BOOL, INT_CHAR, INT_SIGNED, BtfWriter


def build_sample() -> tuple[BtfWriter, dict[str, int]]:
    """A small BTF with every kind, shaped like the kernel's own (struct page, folio...)."""
    w = BtfWriter()
    t: dict[str, int] = {}
    t["uchar"] = w.int_("unsigned char", 1, INT_CHAR)
    t["int"] = w.int_("int", 4, INT_SIGNED)
    t["uint"] = w.int_("unsigned int", 4)
    t["ulong"] = w.int_("long unsigned int", 8)
    t["bool"] = w.int_("_Bool", 1, INT_BOOL)
    t["double"] = w.float_("double", 8)
    t["list_head"] = w.next_id
    w.struct("list_head", 16, [("next", t["list_head"] + 1, 0), ("prev", t["list_head"] + 1, 64)])
    t["list_head_ptr"] = w.ptr(t["list_head"])
    t["address_space"] = w.fwd("address_space")
    t["later_u"] = w.fwd("later_u", union=True)
    t["cv_int"] = w.const(w.volatile(t["int"]))
    t["atomic_anon"] = w.struct("", 4, [("counter", t["int"], 0)])
    t["atomic_t"] = w.typedef("atomic_t", t["atomic_anon"])
    t["name_array"] = w.array(t["uchar"], 4, t["uint"])
    # struct page (48 bytes):
    #   0 flags; 8 union { struct { lru }; struct { mapping; union { index; share } } };
    #   24 struct { order:3, dirty:1; const volatile int mapcount (at 28) };
    #   32 struct page **pp; 40 name[4]; 44 atomic_t refcount
    t["page"] = w.next_id
    t["page_ptr"] = t["page"] + 1
    t["page_ptr_ptr"] = t["page"] + 2
    w.struct(
        "page",
        48,
        [
            ("flags", t["ulong"], 0),
            ("", t["page"] + 3, 64),
            ("", t["page"] + 7, 192),
            ("pp", t["page_ptr_ptr"], 256),
            ("name", t["name_array"], 320),
            ("refcount", t["atomic_t"], 352),
        ],
    )
    assert w.ptr(t["page"]) == t["page_ptr"]
    assert w.ptr(t["page_ptr"]) == t["page_ptr_ptr"]
    t["page_union"] = w.union("", 16, [("", t["page"] + 4, 0), ("", t["page"] + 5, 0)])
    w.struct("", 16, [("lru", t["list_head"], 0)])
    w.struct("", 16, [("mapping", t["page"] + 6, 0), ("", t["page"] + 8, 64)])
    w.ptr(t["address_space"])
    t["page_bits"] = w.struct(
        "", 8, [("order", t["uint"], 0, 3), ("dirty", t["uint"], 3, 1), ("mapcount", t["cv_int"], 32)]
    )
    assert t["page_bits"] == t["page"] + 7
    t["index_union"] = w.union("", 8, [("index", t["ulong"], 0), ("share", t["uint"], 0)])
    t["folio"] = w.struct("folio", 64, [("page", t["page"], 0), ("_flags_1", t["ulong"], 384)])
    t["folio_ptr"] = w.ptr(t["folio"])
    t["gfp_t"] = w.typedef("gfp_t", t["uint"])
    t["pgtable_t"] = w.typedef("pgtable_t", t["page_ptr"])
    t["pgtable_ptr"] = w.ptr(t["pgtable_t"])
    t["netmem_ref"] = w.typedef("netmem_ref", t["ulong"])
    t["const_page_ptr"] = w.ptr(w.const(t["page"]))
    t["rcu"] = w.type_tag("rcu", t["page"])
    t["rcu_page_ptr"] = w.ptr(t["rcu"])
    t["restrict_int_ptr"] = w.restrict(w.ptr(t["int"]))
    t["matrix"] = w.array(w.array(t["int"], 3, t["uint"]), 2, t["uint"])
    t["bitmap_t"] = w.typedef("bitmap_t", w.array(t["ulong"], 4, t["uint"]))
    t["void_ptr"] = w.ptr(0)
    t["void_ptr3"] = w.ptr(w.ptr(t["void_ptr"]))
    t["named_union"] = w.union("u", 8, [("i", t["int"], 0), ("l", t["ulong"], 0)])
    t["pagetype"] = w.enum("pagetype", [("PGTY_buddy", 0xF0), ("PGTY_slab", 0xF5), ("PGTY_max", 0xFFFFFFFF)])
    t["sign"] = w.enum("sign", [("NEG", -1), ("POS", 7)], size=1)
    t["big64"] = w.enum64("big64", [("ONE", 1), ("HUGE", 1 << 63)])
    t["neg64"] = w.enum64("neg64", [("MIN", -(1 << 63)), ("M2", -2)])
    t["alloc_proto"] = w.func_proto(t["folio_ptr"], [("gfp", t["gfp_t"]), ("order", t["uint"])])
    t["folio_alloc"] = w.func("folio_alloc", t["alloc_proto"])
    t["void_proto"] = w.func_proto(0)
    t["helper"] = w.func("helper", t["void_proto"], FUNC_STATIC)
    t["char_ptr"] = w.ptr(w.const(t["uchar"]))
    t["printk_proto"] = w.func_proto(t["int"], [("fmt", t["char_ptr"]), ("", 0)])
    t["printk"] = w.func("printk", t["printk_proto"])
    t["fn_ptr"] = w.ptr(t["void_proto"])
    t["jiffies"] = w.var("jiffies", t["ulong"])
    t["data"] = w.datasec(".data", 16, [(t["jiffies"], 8, 8)])
    t["user_tag"] = w.decl_tag("user", t["page"])
    t["arg_tag"] = w.decl_tag("arg", t["folio_alloc"], 0)
    return w, t


SAMPLE, IDS = build_sample()
SAMPLE_LE = SAMPLE.to_bytes("<")
SAMPLE_BE = SAMPLE.to_bytes(">")


def small_writer() -> BtfWriter:
    w = BtfWriter()
    w.int_("int", 4, INT_SIGNED)
    w.struct("pair", 8, [("a", 1, 0), ("b", 1, 32)])
    w.ptr(2)
    return w
