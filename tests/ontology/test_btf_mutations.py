"""Seeded BTF mutations through the reader and through `census` and `verify`, in-process.

Each of the CASES cases takes the sample BTF (little- or big-endian, raw or inside an ELF file)
and breaks it one to three ways: truncation, bit flips, header fields (hdr_len, type_off,
type_len, str_off, str_len) pointing past the end or overflowing, a type's vlen made huge, an
unknown kind, string offsets and type ids out of range, types referring to themselves or to each
other in a cycle, or no bytes at all. The property: the reader and both commands (cache on)
either answer or raise the project's own error with one line naming the file, never another
exception; no case hangs (a generous guard, not a deadline); and no file changes but the cache.
"""

from __future__ import annotations

import os
import random
import re
import struct
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from ontology.answercache import census_answer, verify_answer
from ontology.btf import Btf, BtfError
from ontology.errors import InputError
from tests.ontology.test_btf_fuzz import exercise
from tests.support.btf_errors import time_limit
from tests.support.btf_sample import SAMPLE_BE, SAMPLE_LE
from tests.support.btf_writer import elf_wrap
from tests.support.paths import ROOT

CASES = 520
HANG_GUARD = 20.0
"""Seconds one case may take before it counts as a hang; a case takes milliseconds alone."""
SKIPPED_DIRS = frozenset({".venv", ".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "site"})
HEADER_FIELDS = {"hdr_len": 4, "type_off": 8, "type_len": 12, "str_off": 16, "str_len": 20}
ODD_WORDS = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFC, 0x10000]

Mutation = Callable[[random.Random, bytearray, str], str]


def _word(data: bytearray, order: str, at: int, value: int) -> None:
    if at >= 0 and at + 4 <= len(data):
        struct.pack_into(f"{order}I", data, at, value & 0xFFFFFFFF)


def _read(data: bytes | bytearray, order: str, at: int) -> int:
    return int(struct.unpack_from(f"{order}I", data, at)[0])


def _records(base: bytes, order: str) -> tuple[int, list[int], int]:
    """The type section's byte offset, each type record's byte offset (type 1 on), the string length."""
    btf = Btf(base, "base")
    hdr_len, type_off = _read(base, order, 4), _read(base, order, 8)
    start = hdr_len + type_off
    return start, [start + 4 * word for word in btf._starts[1:]], _read(base, order, 20)


def truncate(rng: random.Random, data: bytearray, order: str) -> str:
    del data[rng.randrange(len(data) + 1) :]
    return "truncated"


def flip_bits(rng: random.Random, data: bytearray, order: str) -> str:
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return "bit flips"


def header_field(rng: random.Random, data: bytearray, order: str) -> str:
    name, at = rng.choice(list(HEADER_FIELDS.items()))
    old = _read(data, order, at) if at + 4 <= len(data) else 0
    choices = [*ODD_WORDS, len(data), len(data) + 1, old + 4, old - 1, old + 0xFFFFFFF0, rng.getrandbits(32)]
    _word(data, order, at, rng.choice(choices))
    return f"header {name}"


def _type_word(rng: random.Random, data: bytearray, order: str, field: int) -> tuple[int, int] | None:
    """(byte offset of word `field` of a random type record, that type's id) in an unwrapped blob."""
    _, records, _ = _records(bytes(data), order)
    if not records:
        return None
    index = rng.randrange(len(records))
    return records[index] + 4 * field, index + 1


def huge_vlen(rng: random.Random, data: bytearray, order: str) -> str:
    spot = _type_word(rng, data, order, 1)
    if spot:
        info = _read(data, order, spot[0])
        _word(data, order, spot[0], info & ~0xFFFF | rng.choice([0xFFFF, 0x8000, 0x1000, rng.randrange(1, 0x10000)]))
    return "huge vlen"


def unknown_kind(rng: random.Random, data: bytearray, order: str) -> str:
    spot = _type_word(rng, data, order, 1)
    if spot:
        info = _read(data, order, spot[0])
        _word(data, order, spot[0], info & ~(0x1F << 24) | rng.choice([0, *range(20, 32)]) << 24)
    return "unknown kind"


def string_offset(rng: random.Random, data: bytearray, order: str) -> str:
    spot = _type_word(rng, data, order, 0)
    if spot:
        str_len = _records(bytes(data), order)[2]
        _word(data, order, spot[0], rng.choice([str_len, str_len + 1, str_len - 1, 0xFFFFFFFF, rng.getrandbits(31)]))
    return "string offset out of range"


def type_id(rng: random.Random, data: bytearray, order: str) -> str:
    """The size/type word or a member's type word set past the last type."""
    _, records, _ = _records(bytes(data), order)
    spot = _type_word(rng, data, order, rng.choice([2, 4, 5]))
    if spot:
        _word(data, order, spot[0], rng.choice([len(records) + 1, len(records) + 2, 0xFFFFFFFF, 0x7FFFFFFF]))
    return "type id out of range"


def self_reference(rng: random.Random, data: bytearray, order: str) -> str:
    """A type (or a member) refers to itself, or two types refer to each other."""
    first = _type_word(rng, data, order, rng.choice([2, 2, 4]))
    second = _type_word(rng, data, order, 2)
    if first and second:
        _word(data, order, first[0], first[1])
        if rng.random() < 0.5:
            _word(data, order, first[0], second[1])
            _word(data, order, second[0], first[1])
    return "cyclic reference"


def zero_length(rng: random.Random, data: bytearray, order: str) -> str:
    if rng.random() < 0.5:
        del data[:]
    else:  # a header alone, both sections empty
        del data[24:]
        for name in ("type_off", "type_len", "str_off", "str_len"):
            _word(data, order, HEADER_FIELDS[name], 0)
    return "zero length"


STRUCTURED = [huge_vlen, unknown_kind, string_offset, type_id, self_reference]
MUTATIONS: list[Mutation] = [truncate, flip_bits, header_field, zero_length, *STRUCTURED]


def case(seed: int) -> tuple[bytes, list[str]]:
    """The bytes of case `seed` and the mutations that made them."""
    rng = random.Random(seed)
    base, order = rng.choice([(SAMPLE_LE, "<"), (SAMPLE_BE, ">")])
    data = bytearray(base)
    done = []
    for _ in range(rng.randint(1, 3)):
        mutation = rng.choice(MUTATIONS)
        try:
            done.append(mutation(rng, data, order))
        except (BtfError, struct.error):  # an earlier mutation broke what this one looks for: leave it
            done.append(f"{mutation.__name__} (skipped)")
    if rng.random() < 0.25:
        return elf_wrap(bytes(data), order), [*done, "in ELF"]
    return bytes(data), done


def kind_of(message: str) -> str:
    """A message with its numbers and names taken out: what kind of refusal it is."""
    return re.sub(r"\d+|'[^']*'", "N", message.split(": ", 1)[1])[:60]


def _snapshot() -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [name for name in dirs if name not in SKIPPED_DIRS]
        for name in files:
            stat = os.stat(os.path.join(folder, name))
            found[os.path.join(folder, name)] = (stat.st_mtime_ns, stat.st_size)
    return found


def run_commands(path: Path) -> str:
    """`census` and `verify` (bundled ontology, cache on) of one BTF file: their outcome."""
    outcomes = []
    for command in (census_answer, verify_answer):
        try:
            command(path)
            outcomes.append("answered")
        except InputError as error:
            text = str(error)
            assert "\n" not in text and text.startswith(f"{path}: "), text
            outcomes.append(f"refused: {kind_of(text)}")
    return " / ".join(outcomes)


def test_btf_mutations_never_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMDESC_CACHE_DIR", str(tmp_path / "cache"))
    before = _snapshot()
    reader: Counter[str] = Counter()
    commands: Counter[str] = Counter()
    mutations: Counter[str] = Counter()
    started = time.monotonic()
    for seed in range(CASES):
        data, done = case(seed)
        mutations.update(done)
        path = tmp_path / f"case{seed}.btf"
        path.write_bytes(data)
        with time_limit(HANG_GUARD):
            try:
                Btf(data, "fuzz")
                reader["parsed"] += 1
            except BtfError as error:
                reader[f"refused: {kind_of(str(error))}"] += 1
            exercise(data)
            commands[run_commands(path)] += 1
        path.unlink()
    elapsed = time.monotonic() - started
    print(f"\n{CASES} BTF mutations in {elapsed:.1f} s\nmutations: {dict(mutations)}")
    print(f"reader: {dict(reader)}\ncensus / verify: {dict(commands)}")
    assert reader["parsed"] > CASES // 10, reader  # some mutants still parse and reach the commands' logic
    assert len(reader) > 10, reader  # and the refusals are of many kinds
    assert _snapshot() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]


@pytest.mark.parametrize(("base", "order"), [(SAMPLE_LE, "<"), (SAMPLE_BE, ">")])
def test_a_btf_without_types_parses(base: bytes, order: str) -> None:
    """A header and empty sections is a BTF of void alone (the fuzz found it raised IndexError)."""
    data = bytearray(base[:24])
    for name in ("type_off", "type_len", "str_off", "str_len"):
        _word(data, order, HEADER_FIELDS[name], 0)
    data += b"\0"  # the string section is one NUL
    _word(data, order, HEADER_FIELDS["str_len"], 1)
    btf = Btf(bytes(data), "empty")
    assert btf.count == 1
    assert [t.name for t in btf.decode_all()] == ["void"]
