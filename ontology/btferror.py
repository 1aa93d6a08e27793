"""The error for unusable BTF input, apart from the reader so the image unwrappers
(`ontology.kernelimage` and the modules under it), which `ontology.btf` calls, need not import it."""

from __future__ import annotations

from ontology.errors import InputError


class BtfError(InputError):
    """Malformed or unreadable BTF; the message names the file and what is wrong."""
