"""Close-match suggestions for names the user or the data got wrong."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggest(name: str, candidates: Iterable[str]) -> str:
    """` (did you mean 'folio'?)` when a close match exists, else an empty string."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def _words(name: str) -> set[str]:
    return {word for word in name.casefold().replace(".", "_").split("_") if word}


def ranked_matches(name: str, candidates: dict[str, str], kind: str | None = None, limit: int = 3) -> list[str]:
    """Up to `limit` names of `candidates` (name -> its kind) close to `name`, best first.

    Ranked by: a case-insensitive equal first, then names sharing every word of `name` (or
    whose every word, two or more, `name` has: `lock_folio` -> `filemap_lock_folio`), then those of the kind
    the spelling points at (`kind`: `struct foli` wants a type), then by similarity. A name
    neither shares the words nor is similar (difflib ratio 0.6, as `suggest`) is left out.
    """
    folded = name.casefold()
    wanted = _words(name)
    scored = []
    for candidate, candidate_kind in candidates.items():
        ratio = difflib.SequenceMatcher(None, folded, candidate.casefold()).ratio()
        have = _words(candidate)
        same_words = bool(wanted) and (wanted <= have or (len(have) > 1 and have <= wanted))
        if not same_words and ratio < 0.6:
            continue
        scored.append(
            ((candidate.casefold() != folded, not same_words, candidate_kind != kind, -ratio, candidate), candidate)
        )
    return [candidate for _, candidate in sorted(scored)[:limit]]


def did_you_mean(matches: list[str]) -> str:
    """` (did you mean 'a', 'b' or 'c'?)`, or an empty string for no matches."""
    if not matches:
        return ""
    quoted = [repr(match) for match in matches]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f" (did you mean {listed}?)"
