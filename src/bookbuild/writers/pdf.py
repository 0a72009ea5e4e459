"""Turn the printed book's HTML into a tagged PDF with WeasyPrint.

The trim size comes from book.toml; the stylesheets from the theme or the
project.  The PDF is tagged (PDF/UA-1), carries the book's metadata, embeds
every font, and is identical byte for byte when built twice from the same
source with the same SOURCE_DATE_EPOCH.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from ..errors import BookbuildError
from ..project import Project
from ..render.book import PRINT_STYLESHEETS, RenderedBook
from ..render.templates import THEME_DIR, stylesheet_paths
from . import write_output
from .fetch import ProjectFetcher, ResourceRefused

PDF_VARIANT = "pdf/ua-1"
MAX_NOTE_CORRECTIONS = 4  # layout passes spent keeping footnotes on the page of their call


@dataclass(frozen=True)
class LaidOutBook:
    """A WeasyPrint document after layout, before it is written."""

    document: object  # weasyprint.document.Document
    page_count: int


def page_size_css(book: RenderedBook) -> str:
    width, height = book.config.paper_mm
    return f"@page {{ size: {width}mm {height}mm; }}\n"


def layout_pdf(html: str, book: RenderedBook, project: Project, extra_css: str = "",
               variant: str = PDF_VARIANT) -> LaidOutBook:
    """Lay out the book's pages (for the PDF variant they will be written as)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    _quiet_weasyprint()
    fetcher = ProjectFetcher([project.root, THEME_DIR])
    font_config = FontConfiguration()
    stylesheets = [CSS(string=page_size_css(book), font_config=font_config)]
    for path in stylesheet_paths(project, PRINT_STYLESHEETS):
        stylesheets.append(CSS(filename=str(path), font_config=font_config, url_fetcher=fetcher))
    if extra_css:
        stylesheets.append(CSS(string=extra_css, font_config=font_config))
    source = HTML(string=html, base_url=project.manuscript_dir.as_uri() + "/", url_fetcher=fetcher)
    corrections = ""
    for _ in range(MAX_NOTE_CORRECTIONS + 1):
        try:
            document = source.render(stylesheets=stylesheets + [CSS(string=corrections, font_config=font_config)],
                                     font_config=font_config, pdf_variant=variant)
        except ResourceRefused as refused:
            raise BookbuildError.at(None, f"resource refused: {refused.reason}: {refused.url[:200]}") from None
        blocks = blocks_pushing_notes_away(document)
        if not blocks:
            break
        corrections += "".join(f'[data-b="{block}"] {{ break-before: page; }}\n' for block in blocks)
    return LaidOutBook(document, len(document.pages))


def _walk(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _walk(child)


def blocks_pushing_notes_away(document) -> list[str]:
    """The blocks that made WeasyPrint move footnotes off the page of their call.

    When the second line of a paragraph does not fit at the foot of a page
    that already holds footnotes, WeasyPrint would rather move those notes to
    the next page than leave one line alone (an orphan).  A reader then looks
    for the note in vain.  The block that started at the foot of that page is
    returned, so that it can start on the next page instead.
    """
    call_page: dict[str, int] = {}
    body_page: dict[str, int] = {}
    last_block: dict[int, str] = {}
    for number, page in enumerate(document.pages):
        for box in _walk(page._page_box):
            element = getattr(box, "element", None)
            if element is None:
                continue
            block = element.get("data-b")
            if block and box.element_tag != "span":
                last_block[number] = block
            if "footnote" in (element.get("class") or "").split() and element.get("id"):
                kind = type(box).__name__
                if kind == "InlineBox":
                    call_page.setdefault(element.get("id"), number)
                elif kind == "BlockBox":
                    body_page.setdefault(element.get("id"), number)
    pages = sorted({call for note, call in call_page.items() if body_page.get(note, call) > call})
    return [last_block[page] for page in pages if page in last_block]


def pdf_bytes(laid_out: LaidOutBook, book: RenderedBook) -> bytes:
    identifier = hashlib.sha256(f"{book.config.identifier}:{book.edition.name}".encode()).hexdigest()[:32]
    return laid_out.document.write_pdf(
        pdf_variant=PDF_VARIANT,
        pdf_identifier=identifier.encode(),
        uncompressed_pdf=False,
    )


def write_pdf(html: str, book: RenderedBook, project: Project, path: Path) -> Path:
    """Lay out and write the PDF to *path* atomically."""
    laid_out = layout_pdf(html, book, project)
    return write_output(project, path, pdf_bytes(laid_out, book))


def _quiet_weasyprint() -> None:
    """WeasyPrint logs CSS it ignores; the theme's CSS is tested, so only errors matter."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
