"""Test-side view of the running kernel's BTF through Debian's bpftool.

The ontology's 6.18 facts are checked against the kernel they describe. Until memdesc has its
own BTF reader (the grounding issue), the tests read BTF through `bpftool btf dump -j`, which
.ci/run installs. Struct members are flattened through anonymous unions and structs exactly as
the ontology records them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

VMLINUX = Path("/sys/kernel/btf/vmlinux")
_QUALIFIERS = {"CONST", "VOLATILE", "RESTRICT", "TYPE_TAG"}


@dataclass(frozen=True)
class Member:
    name: str
    offset: int
    size: int
    bit_offset: int | None
    bit_size: int | None


class Btf:
    def __init__(self, path: Path = VMLINUX):
        bpftool = shutil.which("bpftool") or "/usr/sbin/bpftool"
        dump = subprocess.run([bpftool, "btf", "dump", "file", str(path), "-j"], capture_output=True, check=True)
        self.types: dict[int, dict[str, Any]] = {t["id"]: t for t in json.loads(dump.stdout)["types"]}

    @cached_property
    def by_name(self) -> dict[tuple[str, str], dict[str, Any]]:
        index: dict[tuple[str, str], dict[str, Any]] = {}
        for btf_type in self.types.values():
            index.setdefault((btf_type["kind"], btf_type.get("name", "")), btf_type)
        return index

    def size_of(self, type_id: int) -> int:
        btf_type = self.types[type_id]
        kind = btf_type["kind"]
        if kind in ("INT", "STRUCT", "UNION", "ENUM", "ENUM64", "FLOAT"):
            return int(btf_type["size"])
        if kind == "PTR":
            return 8
        if kind == "ARRAY":
            return self.size_of(btf_type["type_id"]) * int(btf_type["nr_elems"])
        return self.size_of(btf_type["type_id"])

    def members(self, struct: str) -> list[Member]:
        """Members of `struct`, anonymous unions/structs flattened, byte offsets absolute."""
        out: list[Member] = []

        def walk(btf_type: dict[str, Any], base_bits: int) -> None:
            for member in btf_type["members"]:
                bits = base_bits + int(member["bits_offset"])
                target = self.types[member["type_id"]]
                if member["name"] == "(anon)" and target["kind"] in ("STRUCT", "UNION"):
                    walk(target, bits)
                    continue
                bit_size = member.get("bitfield_size") or None
                size = self.size_of(member["type_id"])
                if bit_size:
                    out.append(Member(member["name"], (bits // (size * 8)) * size, size, bits, bit_size))
                else:
                    out.append(Member(member["name"], bits // 8, size, None, None))

        walk(self.by_name[("STRUCT", struct)], 0)
        return out

    def enum_values(self, enum: str) -> dict[str, int]:
        return {v["name"]: int(v["val"]) for v in self.by_name[("ENUM", enum)]["values"]}

    def function(self, name: str) -> dict[str, Any] | None:
        func = self.by_name.get(("FUNC", name))
        return None if func is None else self.types[func["type_id"]]

    def describe(self, type_id: int, stop_at: set[str]) -> tuple[str, int]:
        """(base, pointer depth) of a type: `struct page`, 2 for `struct page **`.

        Typedefs are resolved unless named in `stop_at` (netmem_ref, pgtable_t), which the
        ontology treats as descriptor handles in their own right.
        """
        depth = 0
        while True:
            if type_id == 0:
                return "void", depth
            btf_type = self.types[type_id]
            kind = btf_type["kind"]
            if kind == "PTR":
                depth += 1
            elif kind in _QUALIFIERS or (kind == "TYPEDEF" and btf_type["name"] not in stop_at):
                pass
            elif kind == "TYPEDEF":
                return btf_type["name"], depth
            elif kind in ("STRUCT", "UNION", "FWD"):
                return f"struct {btf_type['name']}", depth
            elif kind == "FUNC_PROTO":
                return "function", depth
            else:
                return btf_type.get("name", kind), depth
            type_id = btf_type["type_id"]
