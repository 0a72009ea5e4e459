"""The covers the theme designs from book.toml: the printed front and back covers, the EPUB's cover image."""

from __future__ import annotations

import subprocess

import pytest
from lxml import etree
from pypdf import PdfReader

from bookbuild.errors import Report
from bookbuild.writers.cover import balanced_lines

from .conftest import write_project

BOOK = {
    "manuscript/book.toml": """
        title = "Hungary 1956"
        subtitle = "Thirteen Days of Revolution: A Study Booklet"
        authors = ["A. Teacher"]
        publisher = "A School Press"
        description = "A short study booklet on the revolution, for students aged 14 to 18, with sources and questions."
        language = "en"
        paper-size = "A5"
        chapters = ["01.md"]
    """,
    "manuscript/01.md": "# One {#one}\n\n"
    + "A paragraph of the only chapter, long enough to fill some lines. " * 20 + "\n",
}
MM = 72 / 25.4


@pytest.fixture(scope="module")
def covers(tmp_path_factory):
    from bookbuild.pipeline import build

    root = write_project(tmp_path_factory.mktemp("covers") / "book", BOOK)
    paths = build(root, ("pdf", "booklet"), None, root / "out", Report(stream=None))
    return {path.name: path for path in paths}


def words_with_boxes(pdf, page: int) -> list[tuple[str, float, float, float, float]]:
    result = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                            capture_output=True, check=True)
    root = etree.fromstring(result.stdout, etree.XMLParser(recover=True))
    return [(word.text or "", float(word.get("xMin")), float(word.get("yMin")), float(word.get("xMax")),
             float(word.get("yMax"))) for word in root.iter("{*}word")]


def test_epub_cover_lines_are_balanced_and_never_end_with_a_short_word():
    lines = balanced_lines("Thirteen Days of Revolution: A Study Booklet", lambda text: 30.0 * len(text), 1000)
    assert lines == ["Thirteen Days of Revolution:", "A Study Booklet"]
    assert balanced_lines("Hungary 1956", lambda text: 30.0 * len(text), 1000) == ["Hungary 1956"]
    for width in (400, 600, 800):
        lines = balanced_lines("The Story of a Nation in a Year of Revolt and Hope", lambda t: 30.0 * len(t), width)
        assert all(len(line.split()[-1]) > 2 for line in lines[:-1]), lines
        assert all(30.0 * len(line) <= width for line in lines)


def test_epub_cover_is_a_greyscale_png_with_the_title_drawn(tmp_path):
    import io
    from types import SimpleNamespace

    from PIL import Image

    from bookbuild.writers.cover import HEIGHT, INK, WIDTH, cover_png

    book = SimpleNamespace(config=SimpleNamespace(title="Hungary 1956", subtitle="", authors=["A. Teacher"]),
                           edition=SimpleNamespace(label=""))
    data = cover_png(book, tmp_path)  # type: ignore[arg-type]
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.mode, image.size) == ("PNG", "L", (WIDTH, HEIGHT))
    lo, hi = image.getextrema()
    assert lo <= INK + 10 and hi == 255  # ink on paper, anti-aliased between
    title_band = image.crop((0, 560, WIDTH, 760))  # where the title is drawn
    assert title_band.getextrema()[0] < 128
    assert cover_png(book, tmp_path) == data  # the same bytes again, from the cache


def test_front_cover_title_and_subtitle_share_the_pages_axis(covers):
    pdf = next(path for name, path in covers.items() if name.endswith(".pdf") and "booklet" not in name)
    width = float(PdfReader(pdf).pages[0].mediabox[2])
    words = words_with_boxes(pdf, 1)
    title = [w for w in words if w[0] in ("Hungary", "1956")][:2]
    subtitle = [w for w in words if w[0] in ("Thirteen", "Booklet")]
    for line in (title, subtitle):
        centre = (min(w[1] for w in line) + max(w[3] for w in line)) / 2
        assert centre == pytest.approx(width / 2, abs=0.5 * MM)


def _dark_pixels_near_edges(pdf, page: int, tmp_path) -> int:
    prefix = tmp_path / f"p{page}"
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", "72", "-f", str(page), "-l", str(page), str(pdf), str(prefix)],
                   check=True)
    from PIL import Image

    image = Image.open(next(tmp_path.glob(f"p{page}*.png"))).convert("L")
    width, height = image.size
    edge = round(5 * 72 / 25.4)
    pixels = image.load()
    return sum(1 for x in range(width) for y in range(height)
               if (x < edge or y < edge or x >= width - edge or y >= height - edge) and pixels[x, y] < 200)


def test_front_and_back_covers_stay_clear_of_the_copiers_unprintable_edge(covers, tmp_path):
    pdf = next(path for name, path in covers.items() if name.endswith(".pdf") and "booklet" not in name)
    count = len(PdfReader(pdf).pages)
    assert _dark_pixels_near_edges(pdf, 1, tmp_path) == 0
    assert _dark_pixels_near_edges(pdf, count, tmp_path) == 0


def test_the_back_cover_is_the_last_left_hand_page_with_the_blurb(covers):
    pdf = next(path for name, path in covers.items() if name.endswith(".pdf") and "booklet" not in name)
    pages = PdfReader(pdf).pages
    assert len(pages) % 2 == 0  # a left-hand page
    last = " ".join(pages[-1].extract_text().split())
    assert "A short study booklet on the revolution" in last and "Hungary 1956" in last
    assert "A School Press" in last
    booklet = next(path for name, path in covers.items() if "booklet" in name)
    outside = " ".join(PdfReader(booklet).pages[0].extract_text().split())
    assert "A short study booklet" in outside  # folded, it is the outside back
