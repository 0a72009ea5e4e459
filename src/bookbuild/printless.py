"""Turn book.toml's ``[outputs]`` into whether a book is printed at all, so that an e-book-only book never lays
out pages.

A book **has no printed output** when its ``[outputs] all`` list (what
``bookbuild build all`` makes) names none of ``pdf``, ``print-shop`` and ``booklet``: it is
made to be read on screen (an EPUB, perhaps handouts).  Its EPUB is then built
straight from the manuscript, without laying out print pages: no layout
workers, no WeasyPrint, and no page list, since there is no printed edition
whose page numbers the page list would follow.  Every other book's EPUB shares
the printed book's layout (laid out once, or taken from the layout cache), and
carries its page numbers.
"""

from __future__ import annotations

from .config import BookConfig

PRINTED_TARGETS = ("pdf", "print-shop", "booklet")  # the outputs that are printed pages


def has_printed_output(config: BookConfig) -> bool:
    """Whether the book is printed: ``[outputs] all`` names ``pdf``, ``print-shop`` or ``booklet``."""
    return any(target in PRINTED_TARGETS for target in config.outputs.all)
