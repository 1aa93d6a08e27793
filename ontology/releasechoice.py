"""Which release a `--kernel` names among those the data covers: pure, with no heavy import.

`ontology.strict` chooses with it for loaded data and `ontology.verify` for compiled verify
facts (`ontology.verifytable`), so both refuse an uncovered release with the same message.
"""

from __future__ import annotations

import re

from ontology.errors import InputError

RELEASE_PREFIX = re.compile(r"(\d{1,2})\.(\d{1,2})(?:\.\d+)?(?:[-+][\w.+-]*)?\Z")
"""`6.1`, `6.1.192`, `6.1.0-57-amd64`: a release, or a version of it (which names the release)."""


class UnknownRelease(InputError):
    """A `--kernel` the data does not cover."""


def release_key(release: str) -> tuple[int, int]:
    """`6.18` -> (6, 18): releases compare by number, not as text (6.9 < 6.18)."""
    major, _, minor = release.partition(".")
    return int(major), int(minor)


def pick_release(covered: list[str], kernel: str, root: str) -> str:
    """The X.Y release `kernel` names when it lies within `covered` (oldest first, not empty);
    UnknownRelease naming the data's root file `root` otherwise."""
    match = RELEASE_PREFIX.match(kernel)
    key = (int(match[1]), int(match[2])) if match else None
    if key is None or not release_key(covered[0]) <= key <= release_key(covered[-1]):
        raise UnknownRelease(
            f"release {kernel!r} is not covered by this ontology (it describes {covered[0]} to {covered[-1]})", root
        )
    return f"{key[0]}.{key[1]}"


def snapshot_release(distinct: list[str], release: str) -> str:
    """The distinct release (`ontology.releases.distinct_releases`) whose snapshot equals the
    one at `release`: the newest not after it (no fact changes between the two)."""
    key = release_key(release)
    return [candidate for candidate in distinct if release_key(candidate) <= key][-1]
