"""Assertions for BTF bad input: one `BtfError` line naming the file, raised promptly (no hang)."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import pytest

from ontology.btf import Btf, BtfError
from ontology.errors import InputError


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail with TimeoutError (not a BtfError) if the block runs longer than `seconds`."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"took longer than {seconds}s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_message(error: BtfError, path: str) -> str:
    text = str(error)
    assert "\n" not in text, text
    assert text.startswith(f"{path}: "), text
    assert len(text) > len(path) + 2, text
    return text


def expect_error(action: Callable[[], object], path: str, *fragments: str, seconds: float = 1.0) -> str:
    """`action` raises a BtfError within `seconds`: one line naming `path` and each fragment."""
    start = time.monotonic()
    with time_limit(seconds), pytest.raises(BtfError) as caught:
        action()
    assert time.monotonic() - start < seconds
    assert isinstance(caught.value, InputError)
    text = check_message(caught.value, path)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in {text!r}"
    return text


def blob_error(data: bytes, *fragments: str) -> str:
    return expect_error(lambda: Btf(data, "bad.btf"), "bad.btf", *fragments)
