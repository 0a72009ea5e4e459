"""Turn a built PDF into the layout faults a book designer would mark on a proof (``bookbuild check --layout``).

The check reads the laid-out pages back, as a reader sees them, with
poppler's ``pdftotext -bbox-layout`` (every line and word with its box), and
measures what can be measured:

* three or more hyphenated lines in a row (WeasyPrint ends a line broken by
  hyphenation with U+2010, so a hyphen the author wrote is not counted);
* a hyphenated word split across a page turn;
* a page left short — more than a few lines empty at its foot — when it does
  not end a chapter (the next page does not open one); a figure has no text
  to read, so the space a short page seems to leave is looked at, drawn at
  low resolution with ``pdftoppm``, and what is inked there is not empty;
* a loose line: a justified line whose word spaces are far wider than the
  book's usual space;
* a runt page: a chapter's last page holding one or two lines;
* a heading at the foot of a page, with nothing of its section under it;
* facing pages whose text ends at different heights.

Each fault is reported with its printed page number and the text there, as a
warning; the check never changes a file.
"""

from __future__ import annotations

import dataclasses
import shutil
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from .errors import BookbuildError, SourceLocation

HYPHEN = "\u2010"  # what WeasyPrint puts at the end of a line it hyphenated
MARGIN_BAND = 0.075  # running heads and folios sit (by their middle) in the top and bottom 7.5 % of the page
MAX_HYPHENS_IN_A_ROW = 2
SHORT_PAGE_LINES = 4  # a page may end this many body lines above the text block's foot
LOOSE_SPACE_FACTOR = 2.6  # a word space this many times the book's usual one is loose
UNEQUAL_FACING_LINES = 1.5  # facing pages may end this many lines apart
RUNT_LINES = 2
NOTE_SEPARATION = 1.5  # lines between the text and the footnotes: the rule and its space
HEADING_SIZE_FACTOR = 1.25  # a line set this much larger than the body is a heading

NS = {"x": "http://www.w3.org/1999/xhtml"}


@dataclass(frozen=True)
class Line:
    text: str
    top: float
    bottom: float
    left: float
    right: float
    height: float  # the line's word height: its type size, near enough
    gaps: tuple[float, ...]  # the spaces between its words
    block_end: bool  # the last line of its block (a paragraph's last line is not justified)


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, in the file
    label: str  # as printed
    width: float
    height: float
    lines: tuple[Line, ...]  # the body: running heads and folios left out
    margin_lines: int = -1  # lines in the margins (running heads, folios); -1: not read

    @property
    def interleaved(self) -> bool:
        """An interleaved teacher page, numbered after its student page ("15a")."""
        from .labels import interleaved_parts

        return interleaved_parts(self.label) is not None

    @property
    def bottom(self) -> float:
        return max((line.bottom for line in self.lines), default=0.0)


@dataclass(frozen=True)
class Fault:
    page: Page
    kind: str
    text: str
    # For a fault measured from where the text ends (a short page, unequal facing pages): the band that reads
    # as empty (top and bottom, in points from the top of *inked*, the page it is on), the book's line step,
    # the lines it may measure without being a fault, and the kind with '{lines}' for the count; so that a
    # figure found there can be taken off.
    band: tuple[float, float] | None = None
    step: float = 0.0
    inked: Page | None = None
    limit: float = 0.0
    template: str = ""

    def message(self) -> str:
        where = f"page {self.page.label}" if self.page.label == str(self.page.number) else \
            f"page {self.page.label} (PDF page {self.page.number})"
        return f"{where}: {self.kind}: “{_excerpt(self.text)}”"


def check_layout(pdf: Path, labels: Sequence[str] | None = None) -> list[Fault]:
    """The layout faults of the PDF at *pdf*, page by page; *labels* are its printed page numbers."""
    pages = read_pages(pdf, labels)
    return _inked_holes_taken_off(pdf, find_faults(pages, chapter_openers(pdf)))


def find_faults(pages: Sequence[Page], outline_openers: set[int]) -> list[Fault]:
    """The faults of laid-out *pages*; *outline_openers* are the pages the outline's top entries open."""
    if not pages:
        return []
    # The book's measures come from its own pages: interleaved teacher pages ("15a") are set in boxes.
    measured = [page for page in pages if not page.interleaved] or list(pages)
    body = _body_size(measured)
    foot = max(page.bottom for page in measured)
    step = _line_step(measured, body)
    space = _usual_space(measured, body)
    openers = outline_openers or {page.number for page in pages if _opens_chapter(page, body)}
    faults: list[Fault] = []
    # The title and copyright pages before the first entry of the contents are designed, not running text.
    # So are the covers where the book's other pages carry running heads or folios and they do not:
    # the page before one ends its part.
    first = min(openers, default=1)
    covers = _covers(pages)
    designed = {page.number for page in pages
                if page.number < first or not _is_running_text(page, body) or page.number in covers}
    for index, page in enumerate(pages):
        # Interleaved teacher pages ("15a") do not interrupt the student pages: a student page is followed by the
        # next student page, and a teacher group's last page ends its group as a chapter's last page does.
        later = pages[index + 1:]
        if not page.interleaved:
            later = [other for other in later if not other.interleaved]
        following = later[0] if later else None
        ends_chapter = following is None or following.number in openers or not following.lines or \
            following.number in covers or (page.interleaved and not following.interleaved)
        faults += _hyphens_in_a_row(page)
        if following is not None and page.lines and page.lines[-1].text.endswith(HYPHEN):
            faults.append(Fault(page, "a word is hyphenated across the page turn", page.lines[-1].text))
        if page.lines and not ends_chapter and page.number not in designed:
            text, notes = _text_and_notes(page, body)
            if text:
                # The text should run down to the footnotes (a rule and a little space above them), or to the foot.
                floor = notes[0].top - NOTE_SEPARATION * step if notes else foot
                empty = floor - max(line.bottom for line in text)
                if empty > SHORT_PAGE_LINES * step:
                    template = "about {lines} lines left empty at the foot of the text"
                    faults.append(Fault(page, template.format(lines=round(empty / step)), text[-1].text,
                                        band=(max(line.bottom for line in text), floor), step=step, inked=page,
                                        limit=SHORT_PAGE_LINES, template=template))
        if ends_chapter and 0 < len(page.lines) <= RUNT_LINES and page.number not in openers | covers and \
                page.number >= first:
            faults.append(Fault(page, "a runt page: the chapter ends with one or two lines here",
                                page.lines[0].text))
        faults += _loose_lines(page, body, space)
        last = page.lines[-1] if page.lines else None
        if last is not None and following is not None and last.height > body * HEADING_SIZE_FACTOR and \
                page.number >= first and page.number not in covers:  # a title page's title may sit anywhere
            faults.append(Fault(page, "a heading at the foot of the page", last.text))
    faults += _unequal_spreads(pages, openers | covers, step)
    return sorted(faults, key=lambda fault: fault.page.number)


INK_DPI = 36  # enough to see a figure; a page is drawn in a few milliseconds
INK_LEVEL = 200  # a grey darker than this (of 255) is ink


def _inked_holes_taken_off(pdf: Path, faults: list[Fault]) -> list[Fault]:
    """The faults, with each short page's empty band measured again below whatever is drawn in it.

    A figure, a rule or a table's lines hold no text, so the text alone makes a page with a figure at its
    foot look short.  Only the short pages are drawn.
    """
    tool = shutil.which("pdftoppm")
    if tool is None or not any(fault.band for fault in faults):
        return faults
    kept = []
    drawn: dict[int, Any] = {}  # page number -> its drawing (a short page is often one of unequal facing pages)
    for fault in faults:
        if fault.band is None or fault.inked is None:
            kept.append(fault)
            continue
        top, floor = fault.band
        if fault.inked.number not in drawn:
            drawn[fault.inked.number] = _drawn(tool, pdf, fault.inked.number)
        ink = _lowest_ink(drawn[fault.inked.number], fault.inked, top, floor)
        top = max(top, ink) if ink is not None else top
        if floor - top > fault.limit * fault.step:
            kept.append(dataclasses.replace(fault, kind=fault.template.format(lines=round((floor - top) / fault.step)),
                                            band=(top, floor)))
    return kept


def _drawn(tool: str, pdf: Path, number: int):
    """Page *number* of *pdf* drawn in grey at ``INK_DPI`` (a PIL image), or None when it cannot be."""
    from io import BytesIO

    from PIL import Image

    result = subprocess.run([tool, "-gray", "-r", str(INK_DPI), "-f", str(number), "-l", str(number),
                             "-singlefile", str(pdf)], capture_output=True, timeout=120)  # the image on stdout
    if result.returncode != 0 or not result.stdout:
        return None
    return Image.open(BytesIO(result.stdout)).convert("L")


def _lowest_ink(image, page: Page, top: float, floor: float) -> float | None:
    """The lowest point (in points from the top) between *top* and *floor* where the drawn page is inked, or
    None."""
    if image is None:
        return None
    scale = image.height / page.height
    left = int(min((line.left for line in page.lines), default=0) * scale)
    right = int(max((line.right for line in page.lines), default=page.width) * scale) + 1
    grey = image.tobytes()  # one byte a pixel, row after row
    first, last = max(left, 0), min(right, image.width)
    for row in range(min(int(floor * scale), image.height - 1), int(top * scale), -1):
        if min(grey[row * image.width + first:row * image.width + last], default=255) < INK_LEVEL:
            return (row + 1) / scale
    return None


def read_pages(pdf: Path, labels: Sequence[str] | None = None) -> list[Page]:
    """Every page's body lines, from ``pdftotext -bbox-layout``."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise BookbuildError.at(None, "checking the layout needs pdftotext",
                                hint="install poppler-utils (Debian, Ubuntu), poppler (Fedora, Homebrew)")
    result = subprocess.run([tool, "-bbox-layout", str(pdf), "-"], capture_output=True, timeout=600)
    if result.returncode != 0:
        raise BookbuildError.at(SourceLocation(str(pdf)), "cannot read the PDF's pages: "
                                + result.stderr.decode("utf-8", "replace").strip()[:200])
    root = etree.fromstring(result.stdout, etree.XMLParser(recover=True, huge_tree=True, resolve_entities=False))
    if labels is None:
        labels = printed_labels(pdf)
    pages = []
    for number, element in enumerate(root.iterfind(".//x:page", NS), start=1):
        width, height = float(element.get("width")), float(element.get("height"))
        lines, in_margins = [], 0
        for block in element.iterfind(".//x:block", NS):
            block_lines = list(block.iterfind("x:line", NS))
            for position, line in enumerate(block_lines):
                parsed = _line(line, position == len(block_lines) - 1)
                if parsed is None:
                    continue
                middle = (parsed.top + parsed.bottom) / 2  # a glyph's box may reach above the text block
                if MARGIN_BAND * height < middle < (1 - MARGIN_BAND) * height:
                    lines.append(parsed)
                else:
                    in_margins += 1
        lines.sort(key=lambda line: (round(line.top), line.left))
        label = labels[number - 1] if labels and number - 1 < len(labels) else str(number)
        pages.append(Page(number, label, width, height, tuple(lines), margin_lines=in_margins))
    return pages


def chapter_openers(pdf: Path) -> set[int]:
    """The pages (1-based) the outline's top-level entries open: the chapters and the front and back matter."""
    import pikepdf

    with pikepdf.open(pdf) as document:
        numbers: dict[Any, int] = {page.objgen: index for index, page in enumerate(document.pages, start=1)}
        openers = set()
        with document.open_outline() as outline:
            for item in outline.root:
                destination = item.destination
                if isinstance(destination, pikepdf.Array) and len(destination):
                    page = destination[0]
                    if isinstance(page, pikepdf.Dictionary) and page.objgen in numbers:
                        openers.add(numbers[page.objgen])
        return openers


def printed_labels(pdf: Path) -> list[str]:
    """The page numbers a viewer shows (the PDF's page labels), or the page counts where it has none."""
    import pikepdf

    with pikepdf.open(pdf) as document:
        return [str(page.label) for page in document.pages]


def _line(element, block_end: bool) -> Line | None:
    words = [(float(word.get("xMin")), float(word.get("xMax")), float(word.get("yMin")), float(word.get("yMax")),
              word.text or "") for word in element.iterfind("x:word", NS)]
    if not words:
        return None
    words.sort()
    heights = [bottom - top for _, _, top, bottom, _ in words]
    gaps = tuple(words[i + 1][0] - words[i][1] for i in range(len(words) - 1))
    return Line(" ".join(word[4] for word in words), min(w[2] for w in words), max(w[3] for w in words),
                words[0][0], words[-1][1], statistics.median(heights), gaps, block_end)


def _body_size(pages: Sequence[Page]) -> float:
    heights = [round(line.height, 1) for page in pages for line in page.lines]
    return statistics.mode(heights) if heights else 10.0


def _line_step(pages: Sequence[Page], body: float) -> float:
    """The usual distance between two body lines' tops."""
    steps = []
    for page in pages:
        body_lines = [line for line in page.lines if abs(line.height - body) < 0.5]
        steps += [round(b.top - a.top, 1) for a, b in zip(body_lines, body_lines[1:]) if 0 < b.top - a.top < 3 * body]
    return statistics.mode(steps) if steps else body * 1.2


def _usual_space(pages: Sequence[Page], body: float) -> float:
    gaps = [gap for page in pages for line in page.lines if abs(line.height - body) < 0.5 for gap in line.gaps
            if gap > 0]
    return statistics.median(gaps) if gaps else body / 4


def _text_and_notes(page: Page, body: float) -> tuple[list[Line], list[Line]]:
    """The page's lines before its footnotes, and the footnotes (the run of smaller lines that ends the page)."""
    lines = list(page.lines)
    cut = len(lines)
    while cut > 0 and lines[cut - 1].height < body - 1.0:
        cut -= 1
    return lines[:cut], lines[cut:]


def _covers(pages: Sequence[Page]) -> set[int]:
    """Pages with text but nothing in the margins, in a book whose pages mostly have running heads or folios."""
    marked = sum(1 for page in pages if page.margin_lines > 0)
    if marked * 2 <= len(pages):
        return set()
    return {page.number for page in pages if page.lines and page.margin_lines == 0}


def _is_running_text(page: Page, body: float) -> bool:
    """A page of running text, not one with next to nothing on it."""
    return len(page.lines) >= 3


def _opens_chapter(page: Page, body: float) -> bool:
    """A page whose first lines hold a display heading (a chapter's title)."""
    return any(line.height > body * 1.6 for line in page.lines[:4])


def _hyphens_in_a_row(page: Page) -> list[Fault]:
    faults = []
    run: list[Line] = []
    for line in page.lines:
        if line.text.endswith(HYPHEN):
            run.append(line)
            continue
        if len(run) > MAX_HYPHENS_IN_A_ROW:
            faults.append(Fault(page, f"{len(run)} hyphenated lines in a row", run[0].text))
        run = []
    if len(run) > MAX_HYPHENS_IN_A_ROW:
        faults.append(Fault(page, f"{len(run)} hyphenated lines in a row", run[0].text))
    return faults


def _loose_lines(page: Page, body: float, space: float) -> list[Fault]:
    faults = []
    for line in page.lines:
        if line.block_end or abs(line.height - body) > 0.5 or len(line.gaps) < 2:
            continue
        widest = max(line.gaps)
        if widest > LOOSE_SPACE_FACTOR * space and statistics.median(line.gaps) > 0.6 * widest:
            faults.append(Fault(page, f"a loose line (word spaces {widest / space:.1f} times the usual)", line.text))
    return faults


def _unequal_spreads(pages: Sequence[Page], openers: set[int], step: float) -> list[Fault]:
    """Facing pages (an even page and the odd one after it) should end at the same line."""
    faults = []
    for index, (left, right) in enumerate(zip(pages, pages[1:])):
        if left.number % 2 or not left.lines or not right.lines or left.interleaved or right.interleaved:
            continue  # (teacher pages end where their notes end)
        # The page after the right-hand one, skipping interleaved teacher pages (they do not interrupt the text).
        after = next((page for page in pages[index + 2:] if not page.interleaved), None)
        if right.number in openers or after is None or after.number in openers:
            continue
        if not after.lines:
            continue  # a blank page follows: the right-hand page ends its chapter
        if abs(left.bottom - right.bottom) > UNEQUAL_FACING_LINES * step:
            template = "facing pages end {lines} lines apart " + f"(pages {left.label} and {right.label})"
            shorter, longer = sorted((left, right), key=lambda page: page.bottom)
            faults.append(Fault(left, template.format(lines=round(abs(left.bottom - right.bottom) / step)),
                                left.lines[-1].text, band=(shorter.bottom, longer.bottom), step=step, inked=shorter,
                                limit=UNEQUAL_FACING_LINES, template=template))
    return faults


def _excerpt(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
