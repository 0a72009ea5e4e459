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
from typing import Any

from ..errors import BookbuildError
from ..pagemap import walk_boxes
from ..project import Project
from ..remote import remote_folder
from ..render.book import PRINT_STYLESHEETS, RenderedBook
from ..stylesheets import THEME_DIR, stylesheet_paths

PDF_VARIANT = "pdf/ua-1"
MAX_NOTE_CORRECTIONS = 4  # layout passes spent keeping footnotes on the page of their call
HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6")
TIGHTER_WORD_SPACING = "-0.02em"  # for a block with a line WeasyPrint broke too early


@dataclass(frozen=True)
class LaidOutBook:
    """A WeasyPrint document after layout, before it is written."""

    document: Any  # weasyprint.document.Document
    page_count: int


def page_size_css(book: RenderedBook) -> str:
    width, height = book.config.paper_mm
    return f"@page {{ size: {width}mm {height}mm; }}\n"


def print_sheets(book: RenderedBook, project: Project, extra_css: str = "") -> tuple[tuple[str, str], ...]:
    """The printed book's stylesheets in cascade order: ("file", path) or ("css", text).

    The page size first; the edition's own stylesheets (large print) follow
    the theme's; its text size follows them all, then *extra_css*.
    """
    sheets = [("css", page_size_css(book))]
    sheets += [("file", str(path)) for path in stylesheet_paths(project, PRINT_STYLESHEETS + book.edition.stylesheets)]
    if book.edition.print_css:
        sheets.append(("css", book.edition.print_css))
    if extra_css:
        sheets.append(("css", extra_css))
    return tuple(sheets)


def resource_roots(project: Project) -> tuple[Path, ...]:
    """The folders the printed book may read files from."""
    return (project.root, THEME_DIR, remote_folder(project.cache_dir))


def pdf_identifier(book: RenderedBook, kind: str = "") -> bytes:
    """The PDF's file identifier: the same for every build of one edition."""
    suffix = f":{kind}" if kind else ""
    return hashlib.sha256(f"{book.config.identifier}:{book.edition.name}{suffix}".encode()).hexdigest()[:32].encode()


def layout_pdf(html: str, book: RenderedBook, project: Project, extra_css: str = "",
               variant: str = PDF_VARIANT) -> LaidOutBook:
    """Lay out the book's pages (for the PDF variant they will be written as)."""
    from weasyprint import CSS, DEFAULT_OPTIONS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from .fetch import ProjectFetcher, ResourceRefused  # WeasyPrint is imported only when laying out

    NotesStayDocument = notes_stay_document()

    _quiet_weasyprint()
    fetcher = ProjectFetcher(list(resource_roots(project)))
    font_config = FontConfiguration()
    stylesheets = [CSS(filename=value, font_config=font_config, url_fetcher=fetcher) if kind == "file"
                   else CSS(string=value, font_config=font_config)
                   for kind, value in print_sheets(book, project, extra_css)]
    source = HTML(string=html, base_url=project.manuscript_dir.as_uri() + "/", url_fetcher=fetcher)
    corrections = ""
    tightened: set[str] = set()
    for _ in range(MAX_NOTE_CORRECTIONS + 1):
        try:
            options = dict(DEFAULT_OPTIONS, pdf_variant=variant,
                           stylesheets=stylesheets + [CSS(string=corrections, font_config=font_config)])
            document = NotesStayDocument._render(source, font_config, None, None, options)
        except ResourceRefused as refused:
            raise BookbuildError.at(None, f"resource refused: {refused.reason}: {refused.url[:200]}") from None
        more = layout_corrections(document, tightened)
        if not more:
            break
        corrections += more
    return LaidOutBook(document, len(document.pages))


def layout_corrections(document, tightened: set[str]) -> str:
    """The CSS that mends what a layout got wrong, or "" when nothing needs mending.

    A block that pushed footnotes off their call's page, or a heading left at
    the foot of a page, starts a new page (with the headings just above it); a
    block with a line broken too early, and not *tightened* before, gets
    tighter word spacing and joins *tightened*.  The whole book laid out in
    one process and each chunk laid out in a worker are mended alike.
    """
    blocks = with_their_headings(document, blocks_pushing_notes_away(document) + headings_left_behind(document))
    tight = [block for block in lines_broken_too_early(document) if block not in tightened]
    tightened.update(tight)
    return ("".join(f'[data-b="{block}"] {{ break-before: page; }}\n' for block in blocks)
            + "".join(f'[data-b="{block}"] {{ word-spacing: {TIGHTER_WORD_SPACING}; }}\n' for block in tight))


def notes_stay_document():
    """A WeasyPrint Document class whose layouts keep footnotes with ``footnote-policy: line`` by their call.

    At the foot of a page, when the next line of a paragraph does not fit and
    breaking one line earlier would leave an orphan, WeasyPrint (in
    ``_linebox_layout``) first moves the page's footnotes to the next page to
    make room for that line: a reader then looks for the note in vain.
    WeasyPrint does not do this inside multiple columns.  Answering "in a
    column" to that one question, and only while the page holds footnotes
    whose policy is ``line``, makes the paragraph start on the next page
    instead, as the policy asks.  (``blocks_pushing_notes_away`` remains as a
    safety net.)
    """
    from weasyprint.document import Document

    class NotesStayDocument(Document):
        @classmethod
        def _build_layout_context(cls, *args, **kwargs):
            context = super()._build_layout_context(*args, **kwargs)
            keep_notes_with_their_lines(context)
            return context

    return NotesStayDocument


_NOTES_STAY_CLASSES: dict[type, type] = {}


def keep_notes_with_their_lines(context) -> None:
    """Give a WeasyPrint layout context the behaviour described in ``notes_stay_document``."""
    import sys

    from weasyprint.layout.block import _linebox_layout

    squeeze = _linebox_layout.__code__
    base = type(context)
    if base not in _NOTES_STAY_CLASSES:
        def in_column(self) -> bool:
            if self.__dict__.get("in_column", False):
                return True
            if sys._getframe(1).f_code is not squeeze:
                return False
            return any(note.style["footnote_policy"] == "line" for note in self.current_page_footnotes)

        def set_in_column(self, value: bool) -> None:
            self.__dict__["in_column"] = value

        _NOTES_STAY_CLASSES[base] = type(f"NotesStay{base.__name__}", (base,),
                                         {"in_column": property(in_column, set_in_column)})
    context.__class__ = _NOTES_STAY_CLASSES[base]


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
        for box in walk_boxes(page._page_box):
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


def with_their_headings(document, blocks: list[str]) -> list[str]:
    """Each block to move to the next page, or the heading(s) right before it, which must move with it."""
    order: list[tuple[str, str]] = []
    seen: set[str] = set()
    for page in document.pages:
        for box in walk_boxes(page._page_box):
            element = getattr(box, "element", None)
            block = element.get("data-b") if element is not None else None
            if block and box.element_tag != "span" and block not in seen:
                seen.add(block)
                order.append((block, box.element_tag))
    position = {block: index for index, (block, _) in enumerate(order)}
    moved = []
    for block in blocks:
        index = position.get(block)
        while index and order[index - 1][1] in HEADING_TAGS:
            index -= 1
        moved.append(order[index][0] if index is not None else block)
    return list(dict.fromkeys(moved))


def early_breaks(document) -> list:
    """The block boxes with a word standing alone on a line in the middle of a paragraph.

    Now and then WeasyPrint (70, with ``hyphens`` other than ``auto``) ends a
    line that only just fits, then ends the next one after a single word
    although the words after it would fit: the word stands alone on a line of
    its own.  Spacing the words of the block a little tighter
    (``TIGHTER_WORD_SPACING``) gives a different, correct, set of lines.
    """
    from weasyprint.formatting_structure import boxes

    def texts(line) -> list:
        return [child for child in walk_boxes(line) if isinstance(child, boxes.TextBox)]

    found = []
    for page in document.pages:
        for box in walk_boxes(page._page_box):
            if not isinstance(box, boxes.BlockContainerBox):
                continue
            right = box.content_box_x() + box.width  # where every line may end, beside a float too
            lines = [child for child in box.children if isinstance(child, boxes.LineBox)]
            for line, alone, following in zip(lines, lines[1:], lines[2:]):
                before, word, after = texts(line), texts(alone), texts(following)
                if not before or not word or not after or " " in "".join(t.text for t in word).strip():
                    continue
                em = word[0].style["font_size"]
                # The word would have fitted on the line before it, or the next word after it.
                fits_before = before[-1].position_x + before[-1].width + sum(t.width for t in word) + em / 3 < right
                next_word = after[0].text.strip().split(" ")[0]
                next_width = after[0].width * len(next_word) / max(len(after[0].text.strip()), 1)
                fits_after = word[-1].position_x + word[-1].width + next_width + em < right
                if fits_before or fits_after:
                    found.append(box)
                    break
    return found


def lines_broken_too_early(document) -> list[str]:
    """The numbered blocks of the main text (``data-b``) holding a line broken too early."""
    blocks = []
    for box in early_breaks(document):
        element = getattr(box, "element", None)
        block = element.get("data-b") if element is not None else None
        if block:
            blocks.append(block)
    return list(dict.fromkeys(blocks))


def headings_left_behind(document) -> list[str]:
    """The headings that end a page, their text on the next one: each is moved to the next page.

    WeasyPrint keeps a heading with what follows it (``break-after: avoid``)
    until footnotes take room from the page after the heading was placed; then
    the heading can be left alone at the foot of the page.
    """
    last: dict[int, tuple[str, str]] = {}
    for number, page in enumerate(document.pages):
        for box in walk_boxes(page._page_box):
            element = getattr(box, "element", None)
            block = element.get("data-b") if element is not None else None
            if block and box.element_tag != "span":
                last[number] = (block, box.element_tag)
    return [block for block, tag in last.values() if tag in HEADING_TAGS]


def label_pages(labels: list[str]):
    """A finisher for WeasyPrint's ``write_pdf`` that labels the pages as they are numbered (iii, 12),
    so that a PDF viewer's "go to page 12" finds printed page 12."""
    def finish(document, pdf) -> None:
        import pydyf

        from ..pagemap import label_ranges

        numbers = pydyf.Array()
        for page, style, start in label_ranges(labels):
            numbers.extend([page, pydyf.Dictionary({"S": "/" + style, "St": start})])
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": numbers})
    return finish


def _quiet_weasyprint() -> None:
    """WeasyPrint logs CSS it ignores; the theme's CSS is tested, so only errors matter."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
