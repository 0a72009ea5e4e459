"""Turn the printed book's HTML into a print-shop PDF: bleed, crop marks, trim and bleed boxes, PDF/A-2b.

A print shop prints the book on larger sheets and cuts it to size.  Its copy
of the PDF differs from the one for screens and copiers in four ways:

* backgrounds meant to run off the page (the cover band, a cover image)
  extend 3 mm (``[print] bleed``) beyond the trim, so that a cut slightly
  off the line leaves no white edge (``print_shop_css``, the theme's
  ``css/print-shop.css``);
* every page has a TrimBox (the trim size), a BleedBox (the trim plus the
  bleed on each side) and a MediaBox large enough for crop marks outside the
  bleed, where the cutter lines up its blade (``add_crop_marks``);
* it is written as PDF/A-2b: every font embedded, colours tied to an sRGB
  output intent, images at the resolution they were supplied in.  WeasyPrint's
  PDF/X variants need a CMYK output profile that bookbuild cannot ship,
  while PDF/A-2b is complete with the sRGB profile WeasyPrint carries;
* it is not tagged: tags serve screen readers, which read the normal PDF.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from ..config import BookConfig
from ..errors import BookbuildError
from ..project import Project
from ..stylesheets import THEME_DIR

PRINT_SHOP_VARIANT = "pdf/a-2b"
# Images at the resolution they were supplied in: never recompressed or downsampled.
PRINT_SHOP_WRITE_OPTIONS = (("optimize_images", False), ("jpeg_quality", None), ("dpi", None))
PRINT_SHOP_STYLESHEET = "print-shop.css"
MM = 72 / 25.4  # PDF points in a millimetre
MAX_BLEED_MM = 10.0
MARK_GAP_MM = 1.0  # between the bleed edge and the start of a crop mark
MARK_LENGTH_MM = 5.0
MARK_MARGIN_MM = 2.0  # paper left beyond the end of the marks
MARK_WIDTH_PT = 0.25


@dataclass(frozen=True)
class PrintShopSettings:
    """The print-shop copy's bleed, and where its crop marks go, in millimetres from the trim."""

    bleed_mm: float = 3.0

    @property
    def mark_start_mm(self) -> float:
        return self.bleed_mm + MARK_GAP_MM

    @property
    def mark_end_mm(self) -> float:
        return self.mark_start_mm + MARK_LENGTH_MM

    @property
    def media_margin_mm(self) -> float:
        """How far the MediaBox reaches beyond the trim on every side."""
        return self.mark_end_mm + MARK_MARGIN_MM


def print_shop_settings(config: BookConfig) -> PrintShopSettings:
    bleed = config.print.bleed
    if bleed > MAX_BLEED_MM:
        raise BookbuildError.at(config.location_of("print.bleed"),
                                f"bleed of {bleed:g}mm is more than {MAX_BLEED_MM:g}mm",
                                hint="print shops ask for 3mm, sometimes 5mm")
    return PrintShopSettings(bleed)


def print_shop_css(project: Project, settings: PrintShopSettings) -> str:
    """The bleed rule, and the theme's (or the project's) print-shop stylesheet."""
    override = project.styles_dir / "css" / PRINT_SHOP_STYLESHEET
    path = override if override.is_file() else THEME_DIR / "css" / PRINT_SHOP_STYLESHEET
    return (f"@page {{ bleed: {settings.bleed_mm:g}mm; }}\n"
            f":root {{ --bleed: {settings.bleed_mm:g}mm; }}\n" + path.read_text(encoding="utf-8"))


def add_crop_marks(pdf_data: bytes, settings: PrintShopSettings) -> bytes:
    """Set every page's BleedBox and MediaBox from its TrimBox, and draw crop marks outside the bleed.

    WeasyPrint sets the TrimBox to the page size and the MediaBox to the
    page plus the CSS bleed; its BleedBox is the bleed up to 10 points.
    Here the BleedBox becomes exactly the trim plus the bleed, and the
    MediaBox grows to hold the marks.  The marks are hairlines in the
    registration colour (ink of every separation) along the trim lines,
    starting 1 mm outside the bleed so that no bleed artwork covers them.
    """
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(pdf_data))
    registration = pdf.make_indirect(pikepdf.Array([
        pikepdf.Name.Separation, pikepdf.Name.All, pikepdf.Name.DeviceGray,
        pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[1], C1=[0], N=1),
    ]))
    for page in pdf.pages:
        trim = _rectangle(page.obj.get("/TrimBox", page.obj.MediaBox))
        page.obj.BleedBox = _array(_grown(trim, settings.bleed_mm * MM))
        page.obj.MediaBox = _array(_grown(trim, settings.media_margin_mm * MM))
        for box in ("/CropBox", "/ArtBox"):
            if box in page.obj:
                del page.obj[box]
        resources = page.obj.Resources
        if "/ColorSpace" not in resources:
            resources.ColorSpace = pikepdf.Dictionary()
        resources.ColorSpace.BookbuildRegistration = registration
        page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        page.contents_add(pdf.make_stream(b"Q\n" + crop_marks(trim, settings)))
    output = io.BytesIO()
    pdf.save(output, deterministic_id=True)
    return output.getvalue()


def crop_marks(trim: tuple[float, float, float, float], settings: PrintShopSettings) -> bytes:
    """Content-stream operators for the eight crop marks of a page trimmed to *trim* (PDF points)."""
    left, bottom, right, top = trim
    start, end = settings.mark_start_mm * MM, settings.mark_end_mm * MM
    lines = []
    for x, outward_x in ((left, -1), (right, 1)):
        for y, outward_y in ((bottom, -1), (top, 1)):
            lines.append((x + outward_x * start, y, x + outward_x * end, y))  # along the horizontal trim line
            lines.append((x, y + outward_y * start, x, y + outward_y * end))  # along the vertical trim line
    path = "".join(f"{x1:.3f} {y1:.3f} m {x2:.3f} {y2:.3f} l\n" for x1, y1, x2, y2 in lines)
    return (f"q /BookbuildRegistration CS 1 SCN {MARK_WIDTH_PT} w 0 J [] 0 d\n{path}S Q\n").encode()


def _rectangle(array) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(value) for value in array)
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def _grown(rectangle: tuple[float, float, float, float], by: float) -> tuple[float, float, float, float]:
    left, bottom, right, top = rectangle
    return left - by, bottom - by, right + by, top + by


def _array(rectangle: tuple[float, float, float, float]):
    import pikepdf

    return pikepdf.Array([round(value, 4) for value in rectangle])

