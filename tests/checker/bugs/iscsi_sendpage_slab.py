# fmt: off
"""iscsi_tcp sent a segment's scatterlist pages with ->sendpage(), which takes a reference with
get_page(); an initiator whose data lived in kmalloc'ed buffers (XFS metadata again) gave it
slab pages.

Fixing commit: 08b11eaccfcf "scsi: libiscsi: fall back to sendmsg for slab pages" (confirmed by
Ilya Dryomov's ceph-devel reply citing it next to 7e241f647dc7, and RHEL 7 changelogs).
File: drivers/scsi/iscsi_tcp.c (iscsi_sw_tcp_xmit_segment).
Class: slab page given to the page refcount API.

Same shape as ceph_sendpage_slab: the scatterlist page of a kmalloc'ed buffer is
virt_to_page() of it.
"""

from __future__ import annotations

from ontology.types import PageSlab, get_page, virt_to_page

COMMIT = "08b11eaccfcf"
SUBJECT = "scsi: libiscsi: fall back to sendmsg for slab pages"
FILE = "drivers/scsi/iscsi_tcp.c"
CLASS = "slab page given to get_page (sendpage)"
OUT_OF_REACH = ""


def xmit_segment_buggy(data: object) -> None:
    page = virt_to_page(data)
    get_page(page)  # expect: memdesc-narrow


def xmit_segment_fixed(data: object) -> None:
    page = virt_to_page(data)
    if PageSlab(page):
        return
    get_page(page)
