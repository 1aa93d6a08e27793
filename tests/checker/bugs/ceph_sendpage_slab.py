# fmt: off
"""libceph handed pages to kernel_sendpage(), whose TCP path takes and drops a reference with
get_page()/put_page(); a filesystem over rbd (XFS metadata) passes kmalloc'ed buffers, whose
pages are slab pages, and the put freed or corrupted slab memory.

Fixing commit: 7e241f647dc7 "libceph: fall back to sendmsg for slab pages" (Ilya Dryomov;
confirmed by Ilya Dryomov's reply citing it on ceph-devel, and by the RHEL 7.7 / SUSE
changelogs carrying it). File: net/ceph/messenger.c (ceph_tcp_sendpage).
Class: slab page given to the page refcount API.

The model stands the sent page in by virt_to_page() of the buffer (what the bio's page of a
kmalloc'ed buffer is) and the sendpage path by its get_page()/put_page().
"""

from __future__ import annotations

from ontology.types import PageSlab, get_page, put_page, virt_to_page

COMMIT = "7e241f647dc7"
SUBJECT = "libceph: fall back to sendmsg for slab pages"
FILE = "net/ceph/messenger.c"
CLASS = "slab page given to get_page/put_page (sendpage)"
OUT_OF_REACH = ""


def ceph_tcp_sendpage_buggy(buf: object) -> None:
    page = virt_to_page(buf)
    get_page(page)  # expect: memdesc-narrow
    put_page(page)  # expect: memdesc-narrow


def ceph_tcp_sendpage_fixed(buf: object) -> bool:
    """The fix sends slab pages with sendmsg (a copy) and only other pages by reference."""
    page = virt_to_page(buf)
    if PageSlab(page):
        return False
    get_page(page)
    put_page(page)
    return True
