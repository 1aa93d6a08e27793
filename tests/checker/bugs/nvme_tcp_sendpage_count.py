# fmt: off
"""nvme-tcp sent pages of __get_free_pages() allocations made without __GFP_COMP by
kernel_sendpage(); every page but the first has a refcount of 0 (it is not a tail page, just
a page nobody counted), and TCP's get_page()/put_page() freed it.

Fixing commit: 7d4194abfc4de13a2663c7fee6891de8360f7a52 "nvme-tcp: check page by
sendpage_ok() before calling kernel_sendpage()" (Coly Li, 5.10; stable backport quotes it).
File: drivers/nvme/host/tcp.c (nvme_tcp_try_send_data). Class: page outside any refcount
state given to the page refcount API.
"""

from __future__ import annotations

from ontology.types import Page, PageSlab, get_page, page_count

COMMIT = "7d4194abfc4de13a2663c7fee6891de8360f7a52"
SUBJECT = "nvme-tcp: check page by sendpage_ok() before calling kernel_sendpage()"
FILE = "drivers/nvme/host/tcp.c"
CLASS = "refcount of an uncounted page (non-compound order-N subpage)"
OUT_OF_REACH = "value: a non-compound allocation's later pages differ from an order-0 page only in their refcount (0), a value; no state or type tells them apart"


def try_send_data_buggy(page: Page) -> None:
    get_page(page)  # out-of-reach: the page's refcount is 0, a value


def try_send_data_fixed(page: Page) -> bool:
    """sendpage_ok(): !PageSlab(page) && page_count(page) >= 1 (include/linux/net.h)."""
    if PageSlab(page) or page_count(page) < 1:
        return False
    get_page(page)
    return True
