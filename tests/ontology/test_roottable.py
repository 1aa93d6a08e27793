"""The root file's table read without tomllib: the same table as tomllib, or None (tomllib decides)."""

from __future__ import annotations

import random
import tomllib
from pathlib import Path

import pytest

from ontology import BUNDLED_ROOT
from ontology.fingerprint import data_files
from ontology.roottable import plain_root_table


def _tomllib_table(data: bytes) -> object:
    return tomllib.loads(data.decode())["ontology"]


def test_the_bundled_root_is_read_as_tomllib_reads_it() -> None:
    data = BUNDLED_ROOT.read_bytes()
    table = plain_root_table(data)
    assert table is not None and table == _tomllib_table(data)
    assert isinstance(table["include"], list) and len(table["include"]) > 5


PLAIN = [
    b'[ontology]\ninclude = ["a.toml", "b.toml"]\n',
    b'# head\n\n  [ontology]  # the table\nkernel = "7.3"  # newest\ninclude = [\n  "a.toml", # "not.toml"\n\t"b#c.toml",\n]\n',
    b'[ontology]\ninclude = []\ntitle = ""\nempty = [ ]\n',
    b"[ontology]\ninclude = [\n# only a comment\n]\n\n",
    b'[ontology]\ninclude = "a.toml"\n',  # a string, not a list: data_files then takes no include
    b'[ontology]\nin-clude_2 = ["x"]\n',
]


@pytest.mark.parametrize("data", PLAIN)
def test_plain_files_read_the_same(data: bytes) -> None:
    assert plain_root_table(data) == _tomllib_table(data)


NOT_PLAIN = [
    b'[ontology]\ninclude = ["a.toml"]',  # no final newline
    b'[ontology]\r\ninclude = ["a.toml"]\r\n',  # CRLF
    b'[ontology]\ninclude = ["a\\u0041.toml"]\n',  # an escape
    b"[ontology]\ninclude = ['a.toml']\n",  # a literal string
    b'[ontology]\ninclude = """a"""\n',  # a multi-line string
    b'[ontology]\ninclude = ["a"]\ninclude = ["b"]\n',  # a duplicate key (a TOML error)
    b"[ontology]\nversion = 3\n",  # a number
    b'[ontology]\n"include" = ["a"]\n',  # a quoted key
    b'[ontology]\nx.include = ["a"]\n',  # a dotted key
    b'[ontology]\ninclude = [["a"]]\n',  # a nested array
    b'[ontology]\ninclude = {a = "b"}\n',  # an inline table
    b'kernel = "7.3"\n[ontology]\n',  # a key before the table
    b"[ontology]\n[other]\n",  # another table
    b'[ ontology ]\ninclude = ["a"]\n',
    b'[ontology]\ninclude = ["\xc3\xa9"]\n',  # not ASCII
    b'[ontology]\ninclude = ["a" "b"]\n',  # no comma: not TOML
    b'[ontology]\ninclude = [, "a"]\n',  # a leading comma: not TOML
    b"",
    b"# nothing\n",
]


@pytest.mark.parametrize("data", NOT_PLAIN)
def test_anything_else_is_left_to_tomllib(data: bytes) -> None:
    assert plain_root_table(data) is None


def test_mutations_read_the_same_or_not_at_all() -> None:
    """Random edits of the bundled root, with the characters TOML gives meaning: whatever the
    plain reader accepts, tomllib parses to the same table."""
    original = BUNDLED_ROOT.read_bytes()
    alphabet = b"\"[]=,#\n \t\\'.{}ax0\r"
    rng = random.Random(13)
    accepted = 0
    for _ in range(3000):
        data = bytearray(original)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(data))
            edit = rng.randrange(3)
            if edit == 0:
                del data[at]
            elif edit == 1:
                data.insert(at, rng.choice(alphabet))
            else:
                data[at] = rng.choice(alphabet)
        table = plain_root_table(bytes(data))
        if table is not None:
            accepted += 1
            assert table == _tomllib_table(bytes(data)), bytes(data)
    assert accepted > 300  # the edits that keep the plain form (comments, strings) are compared


def test_data_files_are_the_same_either_way(tmp_path: Path) -> None:
    """A root the plain reader refuses (here: CRLF line ends) lists the same files via tomllib."""
    plain = tmp_path / "plain.toml"
    plain.write_bytes(b'[ontology]\ninclude = ["a.toml", "b.toml"]\n')
    crlf = tmp_path / "crlf.toml"
    crlf.write_bytes(plain.read_bytes().replace(b"\n", b"\r\n"))
    assert plain_root_table(crlf.read_bytes()) is None
    assert data_files(plain)[1:] == data_files(crlf)[1:] == [tmp_path / "a.toml", tmp_path / "b.toml"]
