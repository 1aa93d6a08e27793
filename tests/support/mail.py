"""What a mailing list accepts of a plain-text letter, as one assertion the tests share."""

from __future__ import annotations

import re

from ontology.proposal.mailtext import WIDTH


def assert_mail_ready(text: str) -> None:
    """What any list accepts: ASCII, 72 columns but lone URLs, no trailing blanks, no tabs."""
    assert text.isascii()
    for number, line in enumerate(text.splitlines(), start=1):
        assert line == line.rstrip(), f"line {number} ends in whitespace: {line!r}"
        assert "\t" not in line
        if len(line) > WIDTH:
            assert re.fullmatch(r"\s*(?:\[\d+\] )?https?://\S+", line), (
                f"line {number} is {len(line)} columns: {line!r}"
            )
