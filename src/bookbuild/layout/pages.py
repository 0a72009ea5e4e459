"""Read what a laid-out book's pages hold: their top-level sections, whether the last page stands alone.

The copier booklet keeps a last page that stands alone on the outside of
the back cover (``writers/booklet.py``); a chunk laid out with the first
page of the next chunk (its sentinel) is separable only when that page
starts afresh (``worker.py``).
"""

from __future__ import annotations

from typing import Any

from .weasy import page_box


def last_page_stands_alone(document: Any) -> bool:
    """Whether the laid-out book's last page starts afresh rather than continuing the page before it.

    The body's top-level sections (cover, title page, chapters, bibliography)
    are compared: the last page stands alone when its first section is not
    also on the page before.
    """
    pages = document.pages
    if len(pages) < 2:
        return False
    last = sections(pages[-1])
    before = sections(pages[-2])
    return bool(last) and not any(last[0] is section for section in before)


def sections(page: Any) -> list:
    """The elements of the body's top-level sections that have boxes on *page*, in order."""
    for root in page_box(page).children:
        if getattr(root, "element_tag", None) == "html":
            for body in root.children:
                if getattr(body, "element_tag", None) == "body":
                    return [child.element for child in body.children if getattr(child, "element", None) is not None]
    return []
