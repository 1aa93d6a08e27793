"""The envelope of every `--json` answer: a schema version and the command that answered.

Scripts reading memdesc's JSON check `schema_version` before anything else; it is bumped on
every incompatible change (a key removed, renamed or retyped, a meaning changed), never for a
key added. Object answers get the two keys beside their own; list answers (`list`, `tree`,
`functions`, `lint`, `check`) are wrapped under the key named in `LIST_KEYS`, so every answer
is an object. The JSON Schema of each command's answer is published in
docs/reference/json.md (from `ontology.answermodels`). Light on purpose: the fast path prints
through it without loading pydantic.
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1
"""The version of every `--json` answer's shape; bump on an incompatible change."""

ENVELOPE_KEYS = ("schema_version", "command")

LIST_KEYS = {"list": "types", "tree": "tree", "functions": "functions", "lint": "findings", "check": "messages"}
"""The key a list answer is wrapped under, by command."""


def envelope(command: str, data: Any) -> dict[str, Any]:
    """`data` (the answer of `command`, e.g. "show" or "propose check") with the envelope's keys."""
    head: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "command": command}
    if isinstance(data, dict):
        clash = [key for key in ENVELOPE_KEYS if key in data]
        if clash:
            raise ValueError(f"{command}'s answer already has {clash[0]!r}")
        return {**head, **data}
    return {**head, LIST_KEYS[command]: data}
