"""memdesc-narrow for an excluded state: get_page() and put_page() must not see a slab page.

A real bug: libceph sent kmalloc'ed buffers through kernel_sendpage(), whose TCP path takes and
drops a page reference; the buffer's page is a slab page, and the put freed slab memory. Fixed
by 7e241f647dc7 "libceph: fall back to sendmsg for slab pages" (net/ceph/messenger.c). The
ontology's contract for get_page()/put_page() says "not slab_page" (since 6.14 the kernel warns:
b9c0e49abfca), and virt_to_page() may return a slab page.
"""

from __future__ import annotations

from ontology.types import get_page, put_page, virt_to_page


def send_buffer(buf: object) -> None:
    page = virt_to_page(buf)
    get_page(page)  # E: [memdesc-narrow] get_page() requires "page" to be not a slab_page; "page" may be a slab_page (it comes from virt_to_page()): test it first (if PageSlab(page): ...)
    put_page(page)  # E: [memdesc-narrow] put_page() requires "page" to be not a slab_page; "page" may be a slab_page (it comes from virt_to_page()): test it first (if PageSlab(page): ...)

# ruff: noqa: E501 - the expected messages above are long; tests/docs/test_checker_examples.py reads them
