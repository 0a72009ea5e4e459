"""The print-shop copy: trim, bleed and media boxes, crop marks, bleeding backgrounds, PDF/A-2b, fonts, images."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pikepdf
import pytest
from PIL import Image

from bookbuild.config import load_config
from bookbuild.errors import Report
from bookbuild.pipeline import build
from bookbuild.project import locate_project
from bookbuild.writers.printshop import MM, PrintShopSettings, crop_marks, print_shop_settings

from .conftest import SAMPLE, problems_of

A5 = (148 * MM, 210 * MM)
BLEED = 3 * MM
MEDIA_MARGIN = (3 + 1 + 5 + 2) * MM  # bleed, gap, crop mark, paper beyond the mark


def png(width: int, height: int, colour: str) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(output, "PNG")
    return output.getvalue()


BOOK = {
    "manuscript/book.toml": 'title = "Shop"\n',
    "manuscript/01.md": "# One\n\nText of the first chapter.\n\n"
                        "![A detailed photograph](images/photo.png)\n",
    "manuscript/images/photo.png": png(1800, 1200, "#336699"),
}


def box(page, name: str) -> list[float]:
    return [float(value) for value in page.obj[name]]


def around(rectangle: list[float], by: float):
    """A rectangle grown by *by* points on every side, compared to a thousandth of a point."""
    left, bottom, right, top = rectangle
    return pytest.approx([left - by, bottom - by, right + by, top + by], abs=0.001)


def rendered(path, page: int, dpi: int = 72) -> Image.Image:
    """One page of a PDF as pixels, its whole MediaBox, by poppler's pdftoppm."""
    data = subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), str(path)],
                          capture_output=True, check=True).stdout
    return Image.open(io.BytesIO(data)).convert("L")


@pytest.fixture(scope="module")
def shop_build(tmp_path_factory):
    from .conftest import write_project

    root = write_project(tmp_path_factory.mktemp("shop") / "book", BOOK)
    written = build(root, ("pdf",), None, None, Report(stream=None), print_shop=True)
    return root, written


def test_print_shop_writes_both_pdfs(shop_build):
    root, written = shop_build
    assert [path.name for path in written] == ["shop.pdf", "shop-print.pdf"]
    with pikepdf.open(written[0]) as normal, pikepdf.open(written[1]) as shop:
        assert len(normal.pages) == len(shop.pages)


def test_trim_bleed_and_media_boxes(shop_build):
    _, (_, shop_path) = shop_build
    trim = [0.0, 0.0, *A5]
    assert trim == pytest.approx([0, 0, 419.528, 595.276], abs=0.001)  # 148 × 210 mm
    with pikepdf.open(shop_path) as shop:
        for page in shop.pages:
            assert box(page, "/TrimBox") == pytest.approx(trim, abs=0.001)
            assert box(page, "/BleedBox") == around(trim, BLEED)  # 3 mm = 8.504 pt each side
            assert box(page, "/BleedBox") == pytest.approx([-8.504, -8.504, 428.032, 603.780], abs=0.001)
            assert box(page, "/MediaBox") == around(trim, MEDIA_MARGIN)  # 11 mm = 31.181 pt each side
            assert box(page, "/MediaBox") == pytest.approx([-31.181, -31.181, 450.709, 626.457], abs=0.001)
            assert "/CropBox" not in page.obj


def test_normal_pdf_keeps_its_size_and_stays_tagged(shop_build):
    _, (normal_path, shop_path) = shop_build
    with pikepdf.open(normal_path) as normal:
        page = normal.pages[0]
        assert box(page, "/MediaBox") == box(page, "/TrimBox") == pytest.approx([0, 0, *A5], abs=0.001)
        assert "/StructTreeRoot" in normal.Root
        assert normal.open_metadata().get("pdfuaid:part") == "1"
    with pikepdf.open(shop_path) as shop:
        assert "/StructTreeRoot" not in shop.Root  # the print copy is not tagged
        metadata = shop.open_metadata()
        assert (metadata.get("pdfaid:part"), metadata.get("pdfaid:conformance")) == ("2", "B")
        intent = shop.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1" and "/DestOutputProfile" in intent


def test_every_font_is_embedded(shop_build):
    _, (_, shop_path) = shop_build
    with pikepdf.open(shop_path) as shop:
        fonts = {}
        for page in shop.pages:
            for font in page.Resources.get("/Font", {}).values():
                descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                fonts[str(font.BaseFont)] = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
        assert fonts and all(fonts.values()), fonts


def test_images_keep_their_full_resolution(shop_build):
    _, (_, shop_path) = shop_build
    with pikepdf.open(shop_path) as shop:
        sizes = {(int(image.Width), int(image.Height))
                 for page in shop.pages for image in page.Resources.get("/XObject", {}).values()
                 if image.get("/Subtype") == "/Image"}
    assert (1800, 1200) in sizes


def test_crop_marks_lie_outside_the_bleed_on_the_trim_lines():
    trim = (0.0, 0.0, A5[0], A5[1])
    stream = crop_marks(trim, PrintShopSettings(3.0))
    number = r"(-?[\d.]+)"
    segments = [tuple(float(value) for value in match)
                for match in re.findall(rf"{number} {number} m {number} {number} l", stream.decode())]
    assert len(segments) == 8

    def outside(x: float, y: float) -> float:
        """How far a point lies outside the trim."""
        return max(-x, x - A5[0], -y, y - A5[1])

    for x1, y1, x2, y2 in segments:
        on_line = lambda a, b, edge: abs(a - b) < 0.001 and min(abs(a), abs(a - edge)) < 0.001  # noqa: E731
        on_trim_line = on_line(y1, y2, A5[1]) or on_line(x1, x2, A5[0])
        assert on_trim_line, (x1, y1, x2, y2)
        near, far = sorted((outside(x1, y1), outside(x2, y2)))
        assert near == pytest.approx(4 * MM, abs=0.01)  # 1 mm outside the 3 mm bleed
        assert far == pytest.approx(9 * MM, abs=0.01)
    assert b"/BookbuildRegistration CS 1 SCN 0.25 w" in stream


def test_marks_and_cover_band_as_printed(shop_build):
    """The cover band runs into the bleed in the print copy; the crop marks are drawn in the margin."""
    _, (_, shop_path) = shop_build
    dpi = 72
    page = rendered(shop_path, 1, dpi)

    def pixel(x_mm: float, y_mm: float) -> int:
        """The grey level at a point given from the trim's top left corner (negative: outside the trim)."""
        return page.getpixel((round((x_mm + 11) / 25.4 * dpi), round((y_mm + 11) / 25.4 * dpi)))

    assert page.size == (round(170 / 25.4 * dpi), round(232 / 25.4 * dpi))
    assert pixel(74, 2) < 80  # the band at the top of the cover, inside the trim
    assert pixel(74, -2) < 80 and pixel(-2, 2) < 80 and pixel(150, 2) < 80  # and in the bleed beyond it
    assert pixel(74, -5) > 200  # but not beyond the bleed
    assert pixel(-7, 0) < 200 and pixel(0, -7) < 200  # crop marks on the trim lines, outside the bleed
    assert pixel(-7, 5) > 200  # and nothing else in the margin


def test_cover_image_runs_into_the_bleed(tmp_path):
    from .conftest import write_project

    root = write_project(tmp_path / "book", {
        "manuscript/book.toml": 'title = "Covered"\ncover = "cover.png"\n',
        "manuscript/cover.png": png(1800, 2550, "#000000"),
        "manuscript/01.md": "# One\n\nText.\n",
    })
    _, shop_path = build(root, ("pdf",), None, None, Report(stream=None), print_shop=True)
    page = rendered(shop_path, 1)
    def at(x_mm, y_mm):
        return page.getpixel((round((x_mm + 11) / 25.4 * 72), round((y_mm + 11) / 25.4 * 72)))

    for x, y in ((-2, -2), (74, -2), (150, 105), (74, 212), (74, 105)):
        assert at(x, y) < 60, (x, y)
    assert at(-5, 105) > 200 and at(153, 105) > 200


def test_print_shop_from_book_toml_with_its_own_bleed(project):
    root = project({**BOOK, "manuscript/book.toml": 'title = "Toml"\n[print]\nprint-shop = true\nbleed = "5mm"\n'})
    written = build(root, ("pdf",), None, None, Report(stream=None))
    assert [path.name for path in written] == ["toml.pdf", "toml-print.pdf"]
    with pikepdf.open(written[1]) as shop:
        page = shop.pages[0]
        trim = box(page, "/TrimBox")
        assert box(page, "/BleedBox") == around(trim, 5 * MM)
        assert box(page, "/MediaBox") == around(trim, (5 + 1 + 5 + 2) * MM)


def test_print_shop_copy_of_an_edition(project):
    root = project({**BOOK, "manuscript/book.toml": 'title = "Ed"\n'})
    written = build(root, ("pdf",), ["teacher"], None, Report(stream=None), print_shop=True)
    assert [path.name for path in written] == ["ed-teacher.pdf", "ed-teacher-print.pdf"]


def test_bleed_of_more_than_10mm_is_refused(project):
    root = project({"manuscript/book.toml": '[print]\nbleed = "12mm"\n', "manuscript/01.md": "# One\n"})
    assert problems_of(lambda: print_shop_settings(load_config(locate_project(root)))) == [
        "manuscript/book.toml:2:1: error: bleed of 12mm is more than 10mm\n"
        "  hint: print shops ask for 3mm, sometimes 5mm"
    ]
    assert problems_of(lambda: build(root, ("pdf",), None, None, Report(), print_shop=True)) == [
        "manuscript/book.toml:2:1: error: bleed of 12mm is more than 10mm\n"
        "  hint: print shops ask for 3mm, sometimes 5mm"
    ]


def test_bleed_must_be_a_length(project):
    root = project({"manuscript/book.toml": '[print]\nbleed = 3\nprint-shop = "yes"\n', "manuscript/01.md": "# One\n"})
    assert problems_of(lambda: load_config(locate_project(root))) == [
        "manuscript/book.toml:2:1: error: 'bleed' must be a length such as \"3mm\", not a number",
        "manuscript/book.toml:3:1: error: 'print-shop' must be true or false, not a string",
    ]


def test_cli_print_shop_option(project):
    root = project({**BOOK, "manuscript/book.toml": 'title = "Cli"\n'})
    result = subprocess.run([sys.executable, "-m", "bookbuild", "build", "pdf", "--print-shop", "--project", str(root)],
                            capture_output=True, text=True, cwd=root)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith("wrote")] == ["wrote build/cli.pdf",
                                                                                       "wrote build/cli-print.pdf"]
    assert result.stderr == f"bookbuild: building {root.resolve()}\n"


@pytest.fixture(scope="module")
def sample_print_shop(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-print-shop")
    report = Report(stream=None)
    written = build(SAMPLE, ("pdf",), None, out, report, print_shop=True)
    return written, report


def test_sample_print_shop_copy(sample_print_shop):
    (normal_path, shop_path), report = sample_print_shop
    assert [warning.format() for warning in report.warnings if "-print.pdf" in str(warning.location)] == []
    with pikepdf.open(normal_path) as normal, pikepdf.open(shop_path) as shop:
        assert len(shop.pages) == len(normal.pages)
        for page in shop.pages:
            trim = box(page, "/TrimBox")
            assert trim == pytest.approx([0, 0, *A5], abs=0.001)
            assert box(page, "/BleedBox") == around(trim, BLEED)
            assert box(page, "/MediaBox") == around(trim, MEDIA_MARGIN)


def test_print_shop_copy_and_booklet_are_reproducible(project, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = project({**BOOK, "manuscript/book.toml": 'title = "Same"\n'})
    first = build(root, ("pdf", "booklet"), None, tmp_path / "first", Report(stream=None), print_shop=True)
    second = build(root, ("pdf", "booklet"), None, tmp_path / "second", Report(stream=None), print_shop=True)
    assert [path.name for path in first] == ["same.pdf", "same-print.pdf", "same-booklet.pdf"]
    for one, other in zip(first, second):
        assert one.read_bytes() == other.read_bytes(), one.name
