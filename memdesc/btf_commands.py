"""`memdesc btf`: the BTF inside what users have (a vmlinuz, a vmlinux, a module, compressed BTF).

`extract` writes exactly the bytes of the image's `.BTF` section (what `objcopy
--dump-section .BTF=OUT` writes from the decompressed vmlinux), so other BTF tools (bpftool,
pahole, libbpf) can read a kernel that was only ever shipped as a vmlinuz.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from memdesc.options import fail, handles_input_errors

btf_app = typer.Typer(
    name="btf",
    help="Example: memdesc btf extract /boot/vmlinuz-6.1.0-57-amd64 -o vmlinux.btf\n\n"
    "The BTF inside a kernel image, a module or compressed BTF.",
    short_help="The BTF inside a kernel image, a module or compressed BTF.",
    no_args_is_help=True,
)


@btf_app.command(short_help="Write the .BTF section of a kernel image, module or compressed BTF.")
@handles_input_errors
def extract(
    image: Annotated[
        Path,
        typer.Argument(metavar="IMAGE", help="A vmlinuz (bzImage), vmlinux or module ELF, or BTF, compressed or not."),
    ],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write to FILE (atomically); '-' or none: stdout, if not a terminal."),
    ] = None,
) -> None:
    """Example: memdesc btf extract /boot/vmlinuz-6.1.0-57-amd64 -o vmlinux-6.1.btf

    Write the BTF a kernel image holds, byte for byte its .BTF section: a bzImage's payload
    (gzip, xz, zstd, lz4, bzip2 or lzma) is decompressed, a vmlinux or module ELF read, compressed
    BTF decompressed. The release the image states goes to stderr. An existing output is
    replaced only if it is BTF.
    """
    from ontology.kernelimage import BTF_MAGICS, load

    target = None if output is None or str(output) == "-" else output
    if target is None and sys.stdout.isatty():
        fail("refusing to write binary BTF to a terminal; give -o FILE or redirect stdout")
    found = load(image)
    if target is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(found.btf)
        sys.stdout.buffer.flush()
    else:
        from ontology.atomic import write_binary_output

        write_binary_output(target, found.btf, BTF_MAGICS, "BTF")
    said = found.release.describe() if found.release else "no release stated"
    sys.stderr.write(f"{image}: {' > '.join(found.layers)}: {len(found.btf)} bytes of BTF; {said}\n")
