"""The e-book: build/<slug>{-edition}.epub (EPUB 3), carrying the page numbers of the printed book.

An edition with ``epub = false`` (large print) has none.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import Output

if TYPE_CHECKING:
    from .context import OutputContext


def build(context: OutputContext) -> list[Path]:
    from ..accessibility import report_unbacked_claim
    from ..render.html import EPUB
    from ..writers.epub import epub_bytes

    # The EPUB carries the printed booklet's page numbers: lay it out, or reuse its layout (a book that is
    # not printed has none).
    page_map = context.printed_page_map()
    path = context.path("epub")
    context.settings.progress.stage(f"making {path.name}")
    book = context.render(EPUB)
    report_unbacked_claim(book.config, context.report)
    documents = context.epub_documents(book, page_map)
    context.report.raise_if_strict()
    data = epub_bytes(documents, book, context.sources.project, page_map)
    return [context.write(path, data, "epub")]


OUTPUT = Output("epub", "the e-book, EPUB 3, with the printed book's page numbers (build/<slug>.epub)", build,
                noun="EPUB", needs_layout=True, render="epub", order=40,
                missing_hint="an e-reader enlarges the text of the student EPUB itself; "
                "set epub = true under [editions.{edition}] in book.toml to build one")
