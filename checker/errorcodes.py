"""The checker's error codes: one umbrella `memdesc` code and one sub-code per rule.

`# type: ignore[memdesc]` or `--disable-error-code memdesc` covers them all; each rule can be
silenced alone (`# type: ignore[memdesc-field]`). memdesc-deprecated is off by default.
"""

from __future__ import annotations

from mypy.errorcodes import ErrorCode

MEMDESC = ErrorCode("memdesc", "Memory descriptor ontology rules (memdesc)", "memdesc")
CONVERT = ErrorCode(
    "memdesc-convert", "A descriptor changes type only through a registered conversion", "memdesc", sub_code_of=MEMDESC
)
FIELD = ErrorCode("memdesc-field", "A descriptor field is used on a type that owns it", "memdesc", sub_code_of=MEMDESC)
RETURN = ErrorCode(
    "memdesc-return", "Kernel API functions have the ontology's descriptor types", "memdesc", sub_code_of=MEMDESC
)
NARROW = ErrorCode(
    "memdesc-narrow", "A refinement is established by its predicate before use", "memdesc", sub_code_of=MEMDESC
)
DEPRECATED = ErrorCode(
    "memdesc-deprecated",
    "Page-based API with a folio replacement (note)",
    "memdesc",
    default_enabled=False,
    sub_code_of=MEMDESC,
)
INTERNAL = ErrorCode("memdesc-internal", "The memdesc checker failed on this line", "memdesc", sub_code_of=MEMDESC)

ALL = (CONVERT, FIELD, RETURN, NARROW, DEPRECATED, INTERNAL)
