"""The copier booklet: padding, saddle-stitch order, the imposed sheets, creep, paper sizes, errors."""

from __future__ import annotations

import html
import math
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookbuild.config import load_config
from bookbuild.errors import Report
from bookbuild.pipeline import build
from bookbuild.project import locate_project
from bookbuild.writers.booklet import (
    MM,
    BookletSettings,
    SheetSide,
    booklet_settings,
    impose_booklet,
    reading_order,
    saddle_stitch,
)

from .conftest import SAMPLE, problems_of

A4_LANDSCAPE = BookletSettings("A4", (297.0, 210.0))
LETTER_LANDSCAPE = BookletSettings("US Letter", (279.4, 215.9))


# -- helpers ------------------------------------------------------------------------------------------

def numbered_pdf(count: int, size_mm: tuple[float, float] = (148.0, 210.0)) -> bytes:
    """A PDF of *count* pages, each printing its own number large in the middle."""
    from weasyprint import HTML

    pages = "".join(f'<div class="page">{number}</div>' for number in range(1, count + 1))
    return HTML(string=f"""<style>
      @page {{ size: {size_mm[0]}mm {size_mm[1]}mm; margin: 0 }}
      body {{ margin: 0 }}
      .page {{ height: {size_mm[1]}mm; break-after: page; font: 40pt sans-serif;
               display: flex; align-items: center; justify-content: center }}
      .page:last-child {{ break-after: auto }}
    </style>{pages}""").write_pdf()


def pdf_words(path: Path) -> list[dict]:
    """Every page of a PDF: its size and its words with their boxes, read by poppler's pdftotext."""
    output = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True,
                            check=True).stdout
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', output, re.S):
        words = [(html.unescape(word[5]), float(word[1]), float(word[2]), float(word[3]), float(word[4]))
                 for word in re.finditer(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" '
                                         r'yMax="([\d.-]+)">(.*?)</word>', page[3])]
        pages.append({"width": float(page[1]), "height": float(page[2]), "words": words})
    return pages


def halves(path: Path) -> list[tuple[list[str], list[str]]]:
    """The words on the left and the right half of every sheet side."""
    sides = []
    for page in pdf_words(path):
        middle = page["width"] / 2
        left = [word for word, x0, _, x1, _ in page["words"] if (x0 + x1) / 2 < middle]
        right = [word for word, x0, _, x1, _ in page["words"] if (x0 + x1) / 2 >= middle]
        sides.append((left, right))
    return sides


def impose_numbered(folder: Path, count: int, settings: BookletSettings = A4_LANDSCAPE,
                    keep_last: bool = True, size_mm=(148.0, 210.0), name: str = "booklet.pdf") -> Path:
    """Impose a PDF whose pages print "1" to "*count*"; the booklet is written to *folder*/*name*."""
    path = folder / name
    path.write_bytes(impose_booklet(numbered_pdf(count, size_mm), reading_order(count, keep_last), settings))
    return path


def unfolded(sides: list[tuple[list[str], list[str]]]) -> list[str]:
    """Fold the printed sheets and read the booklet from front to back: the page numbers in reading order.

    The first half of the booklet is the right half of each front and the
    left half of each back, outermost sheet first; the second half is the
    right half of each back and the left half of each front, innermost
    sheet first.  A blank page reads as "".
    """
    fronts, backs = sides[0::2], sides[1::2]
    first = [text for front, back in zip(fronts, backs) for text in (front[1], back[0])]
    second = [text for front, back in reversed(list(zip(fronts, backs))) for text in (back[1], front[0])]
    return [" ".join(words) for words in first + second]


# -- padding and order --------------------------------------------------------------------------------

def test_blank_pages_go_before_a_last_page_that_stands_alone():
    assert reading_order(10, keep_last_page_outside=True) == (0, 1, 2, 3, 4, 5, 6, 7, 8, None, None, 9)
    assert reading_order(7, keep_last_page_outside=True) == (0, 1, 2, 3, 4, 5, None, 6)


def test_blank_pages_go_after_a_last_page_that_continues_a_chapter():
    assert reading_order(10, keep_last_page_outside=False) == (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, None, None)


def test_no_blank_pages_when_the_count_is_a_multiple_of_4():
    assert reading_order(8, keep_last_page_outside=True) == tuple(range(8))
    assert reading_order(8, keep_last_page_outside=False) == tuple(range(8))


def test_a_single_page_keeps_its_place_at_the_front():
    assert reading_order(1, keep_last_page_outside=True) == (0, None, None, None)


def test_saddle_stitch_order_of_8_pages():
    assert saddle_stitch(tuple(range(8))) == (
        SheetSide(0, back=False, left=7, right=0),
        SheetSide(0, back=True, left=1, right=6),
        SheetSide(1, back=False, left=5, right=2),
        SheetSide(1, back=True, left=3, right=4),
    )


@given(st.integers(min_value=1, max_value=400), st.booleans())
def test_folded_sheets_read_in_order(count, keep_last):
    order = reading_order(count, keep_last)
    sides = saddle_stitch(order)
    assert len(order) % 4 == 0 and len(order) - count < 4
    assert len(sides) == 2 * math.ceil(count / 4)
    assert sorted(page for page in order if page is not None) == list(range(count))
    as_halves = [([str(side.left)], [str(side.right)]) for side in sides]
    assert unfolded(as_halves) == [str(page) for page in order]
    assert sides[0].right == 0  # the first page is the front cover
    if keep_last and count > 1:
        assert sides[0].left == count - 1  # and the last page is the outside back


# -- the imposed PDF ----------------------------------------------------------------------------------

def test_ten_pages_on_three_a4_sheets(tmp_path):
    path = impose_numbered(tmp_path, 10)
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 6  # 3 sheets, front and back
        for page in pdf.pages:
            assert [float(value) for value in page.MediaBox] == pytest.approx([0, 0, 297 * MM, 210 * MM])
    assert halves(path) == [
        (["10"], ["1"]),  # sheet 1, front: the back cover and the front cover
        (["2"], []),      # sheet 1, back
        ([], ["3"]),      # sheet 2, front
        (["4"], ["9"]),
        (["8"], ["5"]),
        (["6"], ["7"]),   # the middle of the booklet
    ]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 6, 7, 9, 12, 14])
def test_any_page_count_folds_into_the_book(tmp_path, count):
    path = impose_numbered(tmp_path, count)
    sides = halves(path)
    assert len(sides) == 2 * math.ceil(count / 4)
    pages = unfolded(sides)
    assert [page for page in pages if page] == [str(number) for number in range(1, count + 1)]
    blanks = [index for index, page in enumerate(pages) if not page]
    assert len(blanks) == -count % 4
    if count > 1 and blanks:
        assert blanks == list(range(count - 1, count - 1 + len(blanks)))  # just before the back cover
        assert pages[-1] == str(count)


def test_pages_sit_against_the_fold(tmp_path):
    """A5 is 0.5 mm narrower than half of A4: the spare paper goes to the outer edges, not the fold."""
    path = tmp_path / "edges.pdf"
    from weasyprint import HTML

    edges = HTML(string="""<style>@page { size: 148mm 210mm; margin: 0 } body { margin: 0 }
      p { margin: 0; font: 20pt sans-serif; position: absolute; top: 100mm } .l { left: 0 } .r { right: 0 }
      </style><p class="l">L</p><p class="r">R</p>""").write_pdf()
    path.write_bytes(impose_booklet(edges, (0, None, None, None), A4_LANDSCAPE))
    words = {word: (x0, x1) for word, x0, _, x1, _ in pdf_words(path)[0]["words"]}
    middle = 297 * MM / 2
    assert words["L"][0] == pytest.approx(middle, abs=0.5)  # the page's left edge is on the fold
    assert words["R"][1] == pytest.approx(297 * MM - 0.5 * MM, abs=1.5)  # its right edge 0.5 mm from the paper's


def test_creep_moves_inner_pages_toward_the_fold(tmp_path):
    plain = pdf_words(impose_numbered(tmp_path, 12, name="plain.pdf"))
    creep = BookletSettings("A4", (297.0, 210.0), creep_mm=0.5)
    crept = pdf_words(impose_numbered(tmp_path, 12, creep, name="crept.pdf"))
    assert len(crept) == 6
    middle = 297 * MM / 2
    for number, (before, after) in enumerate(zip(plain, crept)):
        sheet = number // 2  # two sides per sheet, outermost first
        for (word, x0, _, _, _), (same, moved, _, _, _) in zip(before["words"], after["words"]):
            assert word == same
            toward_fold = 1 if x0 < middle else -1
            assert moved - x0 == pytest.approx(toward_fold * sheet * 0.5 * MM, abs=0.01), (word, sheet)


def test_half_letter_booklet_on_us_letter(tmp_path, project):
    root = project({"manuscript/book.toml": 'paper-size = "half-letter"\n', "manuscript/01.md": "# One\n"})
    settings = booklet_settings(load_config(locate_project(root)))
    assert settings == LETTER_LANDSCAPE
    path = impose_numbered(tmp_path, 6, settings, size_mm=(139.7, 215.9))
    with pikepdf.open(path) as pdf:
        assert [float(value) for value in pdf.pages[0].MediaBox] == pytest.approx([0, 0, 792, 612], abs=0.01)
    assert halves(path) == [(["6"], ["1"]), (["2"], []), ([], ["3"]), (["4"], ["5"])]


def test_long_edge_flip_turns_the_backs_upside_down(tmp_path):
    settings = BookletSettings("A4", (297.0, 210.0), flip="long-edge")
    path = impose_numbered(tmp_path, 4, settings)
    sides = halves(path)
    assert sides[0] == (["4"], ["1"])  # fronts are as they are
    assert sides[1] == (["3"], ["2"])  # on the back, page 2 is drawn upside down on the right
    with pikepdf.open(path) as pdf:
        assert pdf.pages[0].Contents.read_bytes().startswith(b"q\nq ")
        assert pdf.pages[1].Contents.read_bytes().startswith(b"q\n-1 0 0 -1 841.8898 595.2756 cm\n")


# -- settings and errors ------------------------------------------------------------------------------

def test_a4_book_cannot_be_a_copier_booklet(project):
    root = project({"manuscript/book.toml": 'title = "Big"\npaper-size = "A4"\n', "manuscript/01.md": "# One\n"})
    assert problems_of(lambda: build(root, ("booklet",), None, None, Report())) == [
        "manuscript/book.toml:2:1: error: a copier booklet cannot be made of A4 pages: two A4 pages side by "
        "side need A3 paper\n"
        '  hint: set paper-size = "A5" (a booklet printed on A4) or "half-letter" (printed on US Letter)'
    ]
    assert not (root / "build" / "big-booklet.pdf").exists()


def test_letter_book_cannot_be_a_copier_booklet(project):
    root = project({"manuscript/book.toml": 'paper-size = "letter"\n', "manuscript/01.md": "# One\n"})
    assert problems_of(lambda: booklet_settings(load_config(locate_project(root)))) == [
        "manuscript/book.toml:1:1: error: a copier booklet cannot be made of letter pages: two letter pages "
        "side by side need tabloid (11 × 17 in) paper\n"
        '  hint: set paper-size = "A5" (a booklet printed on A4) or "half-letter" (printed on US Letter)'
    ]


def test_creep_of_more_than_1mm_is_refused(project):
    root = project({"manuscript/book.toml": '[print]\ncreep = "1.5mm"\n', "manuscript/01.md": "# One\n"})
    assert problems_of(lambda: booklet_settings(load_config(locate_project(root)))) == [
        "manuscript/book.toml:2:1: error: creep of 1.5mm per sheet is more than 1mm\n"
        "  hint: creep is the thickness the fold takes up per sheet: about 0.1mm for copier paper"
    ]


def test_creep_must_be_a_length(project):
    root = project({"manuscript/book.toml": '[print]\ncreep = "0.1"\nflip = "sideways"\n',
                    "manuscript/01.md": "# One\n"})
    assert problems_of(lambda: load_config(locate_project(root))) == [
        "manuscript/book.toml:2:1: error: 'creep' must be a length such as \"3mm\", not '0.1'\n"
        "  hint: write a number and a unit: mm, cm, in or pt",
        "manuscript/book.toml:3:1: error: 'flip' must be one of short-edge, long-edge, not 'sideways'",
    ]


def test_print_settings_from_book_toml(project):
    root = project({"manuscript/book.toml": '[print]\ncreep = "0.004in"\nflip = "long-edge"\n',
                    "manuscript/01.md": "# One\n"})
    settings = booklet_settings(load_config(locate_project(root)))
    assert settings == BookletSettings("A4", (297.0, 210.0), creep_mm=pytest.approx(0.1016), flip="long-edge")


# -- a real book through the pipeline -----------------------------------------------------------------

CHAPTER = "# {title}\n\n" + "A paragraph of the chapter, long enough to fill a line or two of the page. " * 6 + "\n"


def build_booklet(root: Path) -> tuple[Path, Path]:
    written = build(root, ("pdf", "booklet"), None, None, Report())
    return written[0], written[1]


def last_page_words(pdf_path: Path) -> list[str]:
    return [word for word, *_ in pdf_words(pdf_path)[-1]["words"]]


def test_a_last_chapter_on_its_own_page_stays_the_outside_back(project):
    root = project({"manuscript/book.toml": 'title = "Short"\n',
                    "manuscript/01.md": CHAPTER.format(title="First"),
                    "manuscript/02.md": CHAPTER.format(title="Omega")})
    pdf, booklet = build_booklet(root)
    assert booklet.name == "short-booklet.pdf"
    count = len(pikepdf.open(pdf).pages)
    assert count % 4, "the test needs a page count that is not a multiple of 4"
    sides = halves(booklet)
    assert sides[0][0] == last_page_words(pdf)  # the outside back: the last page, "Omega"
    assert "Omega" in sides[0][0]
    pages = unfolded(sides)
    assert pages[count - 1:-1] == [""] * (-count % 4)  # the blanks just before it


def test_blank_pages_never_split_a_chapter(project):
    long_chapter = CHAPTER.format(title="Omega") + ("\n" + "More of the long last chapter, line after line. " * 12
                                                    + "\n") * 8
    root = project({"manuscript/book.toml": 'title = "Long"\n',
                    "manuscript/01.md": CHAPTER.format(title="First"),
                    "manuscript/02.md": long_chapter})
    pdf, booklet = build_booklet(root)
    reading = pdf_words(pdf)
    count = len(reading)
    assert count % 4, "the test needs a page count that is not a multiple of 4"
    assert "Omega" not in [word for word, *_ in reading[-1]["words"]], "the last chapter must run over two pages"
    pages = unfolded(halves(booklet))
    assert pages[count:] == [""] * (-count % 4)  # the blanks come after the end of the book
    assert pages[count - 1] == " ".join(last_page_words(pdf))


def test_booklet_of_an_edition_is_named_after_it(project):
    root = project({"manuscript/book.toml": 'title = "Named"\n', "manuscript/01.md": "# One\n"})
    written = build(root, ("booklet",), ["teacher"], None, Report())
    assert [path.name for path in written] == ["named-teacher-booklet.pdf"]


@pytest.fixture(scope="module")
def sample_booklet(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-booklet")
    pdf, booklet = build(SAMPLE, ("pdf", "booklet"), None, out, Report(stream=None))
    return pdf, booklet


def test_sample_booklet_sheets_hold_the_pages_of_the_book(sample_booklet):
    pdf, booklet = sample_booklet
    book = pdf_words(pdf)
    sheets = halves(booklet)
    assert len(sheets) == 2 * math.ceil(len(book) / 4)
    assert all((page["width"], page["height"]) == pytest.approx((297 * MM, 210 * MM), abs=0.01)
               for page in pdf_words(booklet))

    def holds_the_book(order) -> bool:
        """Whether each half of each side holds exactly the words of its page of the book (none if blank)."""
        return all(sorted(words) == sorted(word for word, *_ in book[index]["words"]) if index is not None
                   else words == []
                   for side, sheet in zip(saddle_stitch(order), sheets)
                   for index, words in ((side.left, sheet[0]), (side.right, sheet[1])))

    # Blank pages go before the last page or after it, depending on whether it stands alone.
    assert holds_the_book(reading_order(len(book), True)) or holds_the_book(reading_order(len(book), False))


def test_every_edition_gets_a_booklet_when_its_pages_can_be_imposed(project, tmp_path):
    from bookbuild.errors import BookbuildError, Report
    from bookbuild.pipeline import build

    root = project({"manuscript/01.md": "# One\n\nText.\n\n::: teacher\nFor the teacher.\n:::\n"})
    written = build(root, ("booklet",), ["all"], tmp_path / "out", Report(stream=None))
    assert sorted(path.name for path in written) == ["one-booklet.pdf", "one-teacher-booklet.pdf"]
    with pytest.raises(BookbuildError) as caught:
        build(root, ("booklet",), ["large-print"], tmp_path / "out", Report(stream=None))
    assert "a copier booklet cannot be made of A4 pages" in caught.value.problems[0].format()
