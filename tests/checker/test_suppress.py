"""The post-pass's findings (casts, converting functions outside the registry) obey
`# type: ignore[...]`, `# mypy: disable-error-code` and `--disable-error-code` as mypy's own
errors do, and an ignore they used is not reported as unused."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.run import Message, check
from checker.suppress import ignored, unused_ignore_still_unused

SOURCE = """from typing import cast

from ontology.types import AnonFolio, Folio, Page


def bare(page: Page) -> Folio:
    return cast(Folio, page)  # type: ignore


def named(page: Page) -> Folio:
    return cast(Folio, page)  # type: ignore[memdesc-convert]


def umbrella(page: Page) -> Folio:
    return cast(Folio, page)  # type: ignore[memdesc]


def other_code(page: Page) -> Folio:
    return cast(Folio, page)  # type: ignore[memdesc-field]


def plain(page: Page) -> AnonFolio:
    return cast(AnonFolio, page)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "mypy.ini").write_text("[mypy]\nstrict = True\nplugins = checker.plugin\n", encoding="utf-8")
    (tmp_path / "casts.py").write_text(SOURCE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _lines(messages: list[Message]) -> list[tuple[int, str | None]]:
    return [(m.line, m.code) for m in messages]


def test_ignores_silence_post_pass_findings(project: Path) -> None:
    messages, _, status = check(["casts.py"])
    found = _lines(messages)
    assert status == 1
    assert (7, "memdesc-convert") not in found and (7, "unused-ignore") not in found
    assert (11, "memdesc-convert") not in found and (11, "unused-ignore") not in found
    assert (15, "memdesc-convert") not in found and (15, "unused-ignore") not in found
    assert (19, "memdesc-convert") in found  # an ignore for another code does not silence it
    assert (23, "memdesc-convert") in found


def test_disabled_code_silences_post_pass_findings(project: Path) -> None:
    messages, _, _ = check(["casts.py", "--disable-error-code", "memdesc-convert"])
    assert not [m for m in messages if m.code == "memdesc-convert"]


def test_inline_disable_comment_silences_post_pass_findings(project: Path) -> None:
    path = project / "casts.py"
    path.write_text('# mypy: disable-error-code="memdesc-convert"\n' + SOURCE, encoding="utf-8")
    messages, _, _ = check(["casts.py"])
    assert not [m for m in messages if m.code == "memdesc-convert"]


def test_rules() -> None:
    assert ignored("memdesc-convert", 3, {3: []})
    assert ignored("memdesc-convert", 3, {3: ["memdesc"]})
    assert not ignored("memdesc-convert", 3, {3: ["memdesc-field"]})
    assert not ignored("memdesc-convert", 4, {3: []})
    assert not unused_ignore_still_unused('Unused "type: ignore" comment', ["memdesc-convert"])
    assert unused_ignore_still_unused(
        'Unused "type: ignore[memdesc-convert, attr-defined]" comment', ["memdesc-convert"]
    )
    assert not unused_ignore_still_unused(
        'Unused "type: ignore[memdesc-convert, memdesc]" comment', ["memdesc-convert"]
    )
