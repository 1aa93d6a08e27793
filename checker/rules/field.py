"""memdesc-field's message: which types own the field instead (the rule: `checker.errorcodes`)."""

from __future__ import annotations

from checker.facts import Facts
from checker.rules.wording import a


def field_message(facts: Facts, field: str, receiver: str) -> str:
    owners = facts.field_owners(field)
    struct = facts.types[receiver].struct if receiver in facts.types else receiver
    owned_by = f"it belongs to {', '.join(owners)}" if owners else "no descriptor declares it"
    what = receiver if struct == receiver else f"{receiver} ({a(struct)})"
    return f'"{field}" is not a field of {what}; {owned_by}'
