"""Which kernel an image says it is: its release string, parsed with care.

Three places say it: the `linux_banner` of a vmlinux (init/version-timestamp.c: "Linux version
%s (%s@%s) (%s) %s\\n" with UTS_RELEASE, the builder, the compiler and UTS_VERSION), the
`kernel_version` string of a bzImage's setup header (arch/x86/boot/version.c: UTS_RELEASE
" (" LINUX_COMPILE_BY "@" LINUX_COMPILE_HOST ") " UTS_VERSION) and, for the running kernel,
`uname`. The first word is the release `uname -r` prints. That is not always the upstream
version: Debian's bookworm kernels are "6.1.0-57-amd64", an ABI name whose third number is 0,
and the upstream version (6.1.192) is in UTS_VERSION's trailer ("#1 SMP PREEMPT_DYNAMIC Debian
6.1.192-3 (2026-11-26)"); the compiler part has a "Debian 12.2.0-14" of its own, which is not
the kernel's. Newer Debian kernels say it in the release too ("6.12.117+deb13-cloud-amd64").
"""

from __future__ import annotations

import re
from typing import NamedTuple

_LEADING = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
_ABI_NAME = re.compile(r"\d+\.\d+\.0-\d")
"""X.Y.0-N: Debian's (before 6.12) and Ubuntu's and RHEL's ABI names, not an upstream X.Y.0."""
_UTS_VERSION = re.compile(r"(?:^| )(#\d*\S* .*)$")
_DEBIAN = re.compile(r"\bDebian (\d+\.\d+(?:\.\d+)?)(?=[-+~ ]|$)")


class Release(NamedTuple):
    """What an image says of its kernel. `text` is the string as found; `release` its first
    word (`uname -r`); `version` the upstream version when the text says it exactly (None for
    an ABI name without a Debian trailer); `major_minor` the X.Y that every form gives."""

    text: str
    release: str
    version: str | None
    major_minor: str | None

    def describe(self) -> str:
        """One line for people: "6.1.0-57-amd64 (Linux 6.1.192)"."""
        if self.version:
            return f"{self.release} (Linux {self.version})"
        return f"{self.release} (Linux {self.major_minor})" if self.major_minor else self.release


def parse_release(text: str) -> Release | None:
    """A banner, setup-header string or "`uname -r` `uname -v`" parsed; None if it has no release."""
    text = text.strip().split("\n", 1)[0]
    body = text.removeprefix("Linux version ").strip()
    release = body.split(" ", 1)[0] if body else ""
    if not release or not release[0].isdigit():
        return None
    version = None
    uts = _UTS_VERSION.search(body)
    trailer = _DEBIAN.search(uts.group(1)) if uts else None
    leading = _LEADING.match(release)
    if trailer:
        version = trailer.group(1)
    elif leading and leading.group(3) is not None and not _ABI_NAME.match(release):
        version = leading.group(0)
    numbers = _LEADING.match(version) if version else leading
    major_minor = f"{numbers.group(1)}.{numbers.group(2)}" if numbers else None
    return Release(text, release, version, major_minor)
