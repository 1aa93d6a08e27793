"""memdesc-narrow for an excluded state, fixed as 7e241f647dc7 did: a slab page is sent by copy
(sendmsg), only other pages by reference; after `if PageSlab(page): return` the page is known not
to be a slab page."""

from __future__ import annotations

from ontology.types import PageSlab, get_page, put_page, virt_to_page


def send_buffer(buf: object) -> bool:
    page = virt_to_page(buf)
    if PageSlab(page):
        return False
    get_page(page)
    put_page(page)
    return True
