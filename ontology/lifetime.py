"""Large answers' inputs left for the process exit to discard, as mypy's console entry does.

A parsed BTF is tables of some 121,000 entries each; freeing them when `verify` or `census`
returns costs about 6 ms of a cold run's 160 ms, all of it wasted when the process ends next.
The console entry (`memdesc.entry`) says so with `hold_until_exit()` and ends with `os._exit`
after flushing its output (mypy's `util.hard_exit` does the same for its caches). Library
callers and tests never call it: for them `outlive` does nothing and memory is freed as usual.
"""

from __future__ import annotations

_held: list[object] | None = None


def hold_until_exit() -> None:
    """From now on, keep what `outlive` is given until the process exits (console entry only)."""
    global _held
    if _held is None:
        _held = []


def outlive(value: object) -> None:
    """Keep `value` alive until the process exits, when `hold_until_exit` was called; else nothing."""
    if _held is not None:
        _held.append(value)


def let_go() -> None:
    """Stop keeping values: what was kept is freed now, and `outlive` does nothing again."""
    global _held
    _held = None
