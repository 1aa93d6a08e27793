"""Read a `--json` answer as a test does: its envelope checked, validated against its published
model (`ontology.answermodels`), then unwrapped to the payload the command computed."""

from __future__ import annotations

import json
from typing import Any

from ontology.answerformat import ENVELOPE_KEYS, LIST_KEYS, SCHEMA_VERSION
from ontology.answermodels import validate


def payload(command: str, text: str) -> Any:
    """The answer of `command` in `text` without its envelope (a list answer as the list)."""
    validate(command, text)
    data = json.loads(text)
    assert (data["schema_version"], data["command"]) == (SCHEMA_VERSION, command)
    rest = {key: value for key, value in data.items() if key not in ENVELOPE_KEYS}
    return rest[LIST_KEYS[command]] if command in LIST_KEYS and "exists" not in rest else rest
