"""Turn the printed book's PDF into a copier booklet: its pages imposed two-up in saddle-stitch order.

An A5 book is printed on A4 paper turned sideways, a half-letter book on US
Letter, two pages on each side of a sheet.  Printed on both sides, folded in
the middle and stapled on the fold, the sheets make the book again:

* the page count is padded with blank pages to a multiple of 4, as a printer
  would pad it (``reading_order``);
* the pages are laid out sheet by sheet in saddle-stitch order
  (``saddle_stitch``): sheet 1 carries the last and the first page on its
  front, the second and the second-to-last on its back, and so on inwards;
* each page is drawn on its half of the sheet, against the fold, moved
  toward the fold by the creep of its sheet if book.toml asks for it
  (``impose_booklet``).

Which way the back of a sheet is drawn: the sheet is landscape, and
"flip on short edge" turns it over about its left or right edge (its short
edges), the way one turns the page of a book.  A point at (x, y) on the front
is then at (width - x, y) on the back, seen upright: page 1, on the right
half of the front, is backed by the left half of the back, which holds
page 2.  So the back is drawn upright, not turned by 180 degrees.  Copiers
that only flip on the long edge turn the sheet about its top edge instead,
which puts the back upside down; for them ``[print] flip = "long-edge"``
draws every back turned by 180 degrees.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from ..config import BookConfig
from ..errors import BookbuildError

MM = 72 / 25.4  # PDF points in a millimetre

# Trim sizes that fold into a booklet from common paper: the paper, and the
# sheet turned sideways (landscape), width and height in millimetres.
BOOKLET_PAPER = {
    "A5": ("A4", (297.0, 210.0)),
    "half-letter": ("US Letter", (279.4, 215.9)),
}
# What two pages of the other trim sizes, side by side, would need.
PAPER_FOR_TWO = {"A4": "A3", "letter": "tabloid (11 × 17 in)"}
MAX_CREEP_MM = 1.0


@dataclass(frozen=True)
class BookletSettings:
    """How to impose one book: on which paper, with how much creep, flipped how."""

    paper: str  # the name of the paper the copier prints on
    sheet_mm: tuple[float, float]  # width and height of the landscape sheet
    creep_mm: float = 0.0  # how much further each sheet's pages move toward the fold than the sheet around it
    flip: str = "short-edge"


@dataclass(frozen=True)
class SheetSide:
    """One side of one sheet: the pages on its left and right half (0-based page indexes, None for blank)."""

    sheet: int  # 0 is the outermost sheet
    back: bool
    left: int | None
    right: int | None


def booklet_settings(config: BookConfig) -> BookletSettings:
    """The booklet settings of a book; a trim size that cannot be imposed on common paper is an error."""
    size = config.paper_size
    if size not in BOOKLET_PAPER:
        raise BookbuildError.at(
            config.location_of("paper-size"),
            f"a copier booklet cannot be made of {size} pages: "
            f"two {size} pages side by side need {PAPER_FOR_TWO[size]} paper",
            hint='set paper-size = "A5" (a booklet printed on A4) or "half-letter" (printed on US Letter)',
        )
    paper, sheet = BOOKLET_PAPER[size]
    creep = config.print.creep
    if creep > MAX_CREEP_MM:
        raise BookbuildError.at(
            config.location_of("print.creep"),
            f"creep of {creep:g}mm per sheet is more than {MAX_CREEP_MM:g}mm",
            hint="creep is the thickness the fold takes up per sheet: about 0.1mm for copier paper",
        )
    return BookletSettings(paper, sheet, creep, config.print.flip)


def reading_order(page_count: int, keep_last_page_outside: bool) -> tuple[int | None, ...]:
    """The book's pages (0-based) padded with blanks (None) to a multiple of 4.

    A printer puts the blank pages at the end of the book, before the back
    cover: when the last page stands alone (a back cover, or anything else
    that starts on its own page) it stays the outside back and the blanks go
    just before it.  When the last page continues a chapter, the blanks go
    after it, so that no chapter is ever split by blank pages.
    """
    pages: list[int | None] = list(range(page_count))
    blanks: list[int | None] = [None] * (-page_count % 4)
    if keep_last_page_outside and page_count > 1:
        return tuple(pages[:-1] + blanks + pages[-1:])
    return tuple(pages + blanks)


def saddle_stitch(order: tuple[int | None, ...]) -> tuple[SheetSide, ...]:
    """The sides of the sheets, front then back, outermost sheet first, for pages in reading order."""
    count = len(order)
    if count % 4:
        raise ValueError(f"a saddle-stitched booklet needs a multiple of 4 pages, not {count}")
    sides = []
    for sheet in range(count // 4):
        outer, inner = 2 * sheet, count - 1 - 2 * sheet
        sides.append(SheetSide(sheet, back=False, left=order[inner], right=order[outer]))
        sides.append(SheetSide(sheet, back=True, left=order[outer + 1], right=order[inner - 1]))
    return tuple(sides)


def impose_booklet(pdf_data: bytes, order: tuple[int | None, ...], settings: BookletSettings) -> bytes:
    """The sheets of the booklet as a PDF: every side of every sheet, in printing order."""
    import pikepdf

    source = pikepdf.open(io.BytesIO(pdf_data))
    booklet = pikepdf.new()
    sheet_width, sheet_height = (length * MM for length in settings.sheet_mm)
    forms = {}
    for side in saddle_stitch(order):
        drawing = []
        resources = pikepdf.Dictionary()
        if side.back and settings.flip == "long-edge":
            drawing.append(f"-1 0 0 -1 {sheet_width:.4f} {sheet_height:.4f} cm")
        shift = side.sheet * settings.creep_mm * MM
        for index, half in ((side.left, 0), (side.right, 1)):
            if index is None:
                continue
            if index not in forms:
                forms[index] = booklet.copy_foreign(source.pages[index].as_form_xobject())
            form = forms[index]
            name = f"/P{index + 1}"
            resources[name] = form
            drawing.append(_placed(form, name, half, shift, sheet_width, sheet_height))
        page = pikepdf.Page(pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=pikepdf.Array([0, 0, round(sheet_width, 4), round(sheet_height, 4)]),
            Resources=pikepdf.Dictionary(XObject=resources),
            Contents=booklet.make_stream(("q\n" + "\n".join(drawing) + "\nQ\n").encode()),
        ))
        booklet.pages.append(page)
    _copy_info(source, booklet)
    output = io.BytesIO()
    booklet.save(output, deterministic_id=True)
    return output.getvalue()


def _placed(form, name: str, half: int, shift: float, sheet_width: float, sheet_height: float) -> str:
    """Content-stream operators drawing one page (the form XObject *name*) on the left (0) or right (1) half.

    The page's inner edge lies on the fold, moved *shift* points toward it
    (creep), and the page is clipped to its half of the sheet.  A page larger
    than its half is scaled down to fit.
    """
    left, bottom, right, top = (float(value) for value in form.BBox)
    width, height = right - left, top - bottom
    half_width = sheet_width / 2
    scale = min(1.0, half_width / width, sheet_height / height)
    x = half_width - width * scale + shift if half == 0 else half_width - shift
    y = (sheet_height - height * scale) / 2
    clip_x = 0 if half == 0 else half_width
    return (f"q {clip_x:.4f} 0 {half_width:.4f} {sheet_height:.4f} re W n "
            f"{scale:.6f} 0 0 {scale:.6f} {x - left * scale:.4f} {y - bottom * scale:.4f} cm {name} Do Q")


def _copy_info(source, booklet) -> None:
    """The booklet keeps the book's title, authors and dates."""
    for key in ("/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/CreationDate", "/ModDate"):
        if key in source.docinfo:
            booklet.docinfo[key] = source.docinfo[key]
