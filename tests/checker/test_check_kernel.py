"""`memdesc check --kernel X.Y`: the bundled model against an older release's facts."""

from __future__ import annotations

from checker.run import check_at_release, default_paths


def test_the_model_follows_the_newest_release_and_an_older_one_says_what_differs() -> None:
    newest, _, status = check_at_release(default_paths(), None)
    assert status == 0 and [m for m in newest if m.severity == "error"] == []
    older, _, status = check_at_release(default_paths(), "6.18")
    texts = [f"{m.path}:{m.code}:{m.message}" for m in older if m.severity == "error"]
    assert status == 1
    # 6.19 made free_large_kmalloc() take a page: on 6.18 it took a folio.
    assert any("free_large_kmalloc() parameter 1" in text and "Folio" in text for text in texts), texts
    assert all(text.startswith("model/") for text in texts)  # messages name the model's lines
