"""Close-match suggestions for names the user or the data got wrong."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggest(name: str, candidates: Iterable[str]) -> str:
    """` (did you mean 'folio'?)` when a close match exists, else an empty string."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""
