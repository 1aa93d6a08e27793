"""The post-pass's findings obey mypy's silencing, as the plugin's errors do.

mypy applies `# type: ignore[...]` and `--disable-error-code` to what its build reports; the
post-pass (`memdesc check` only) reports after the build, so it applies them itself, with
mypy's rules: a bare ignore or one naming the code or its parent (`memdesc`) silences it, and a
code is enabled as mypy's `Errors.is_error_code_enabled` decides for the module's options.
mypy, not having seen the finding, calls such an ignore unused; that message is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mypy.errorcodes import ErrorCode
from mypy.options import Options

from checker.errorcodes import ALL, MEMDESC

CODES = {code.code: code for code in (MEMDESC, *ALL)}
_UNUSED = re.compile(r'^Unused "type: ignore(?:\[(?P<codes>[^\]]*)\])?" comment')


def enabled(code: str, options: Options) -> bool:
    """Whether mypy would report `code` under `options` (a module's, from clone_for_module)."""
    error_code: ErrorCode | None = CODES.get(code)
    if error_code is None:
        return True
    if error_code in options.disabled_error_codes:
        return False
    if error_code in options.enabled_error_codes:
        return True
    if error_code.sub_code_of is not None and error_code.sub_code_of in options.disabled_error_codes:
        return False
    return error_code.default_enabled


def ignored(code: str, line: int, ignored_lines: dict[int, list[str]]) -> bool:
    """Whether a `# type: ignore` on `line` silences `code`."""
    if line not in ignored_lines:
        return False
    codes = ignored_lines[line]
    parent = CODES[code].sub_code_of if code in CODES else None
    return not codes or code in codes or (parent is not None and parent.code in codes)


def unused_ignore_still_unused(message: str, used_codes: Iterable[str]) -> bool:
    """Whether mypy's `Unused "type: ignore..." comment` stays true once the post-pass used
    `used_codes` on that line: a bare ignore, or one whose listed codes are all ours, was used."""
    match = _UNUSED.match(message)
    if match is None:
        return True
    if match.group("codes") is None:
        return False
    listed = {c.strip() for c in match.group("codes").split(",")}
    ours = set(used_codes) | {MEMDESC.code}
    return not listed <= ours
