# fmt: off
"""do_tcp_sendpages() attached any page it was given to the skb and took a reference with
get_page(); callers that passed slab objects got their slab memory freed under them. The fix
makes TCP itself refuse slab pages (WARN_ONCE and -EINVAL).

Fixing commit: a10674bf2406afc2554f9c7d31b2dc65d6a27fd9 "tcp: detecting the misuse of .sendpage
for Slab objects" (Vasily Averin; cited by Eric Dumazet and by cf83a17edeeb "tcp: use
sendpage_ok() to detect misused .sendpage", which extended it). File: net/ipv4/tcp.c.
Class: slab page given to the page refcount API.

Out of reach here: the bug is the callers'. They passed slab pages; inside do_tcp_sendpages() the
page is a `struct page *` parameter, which the checker takes to be what the function needs (its
callers are checked against a declared contract instead). The same bug is seen at its call
sites: ceph_sendpage_slab and iscsi_sendpage_slab in this corpus.
"""

from __future__ import annotations

from ontology.types import Page, PageSlab, get_page

COMMIT = "a10674bf2406afc2554f9c7d31b2dc65d6a27fd9"
SUBJECT = "tcp: detecting the misuse of .sendpage for Slab objects"
FILE = "net/ipv4/tcp.c"
CLASS = "slab page given to get_page (skb frag)"
OUT_OF_REACH = "the bug is the callers': a parameter is taken to be what its function needs; seen at the call sites (ceph, iscsi)"

EINVAL = 22


def do_tcp_sendpages_buggy(page: Page) -> int:
    get_page(page)  # out-of-reach: the slab page is the caller's, passed as a parameter
    return 0


def do_tcp_sendpages_fixed(page: Page) -> int:
    if PageSlab(page):
        return -EINVAL
    get_page(page)
    return 0
