"""The printed booklet's page numbers in the EPUB: the page map, the markers, the page list, page references."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from bookbuild.errors import Report
from bookbuild.pagemap import PageMap, PageStart, infer_labels, label_ranges, print_edition_name
from bookbuild.render.book import EpubDocument
from bookbuild.render.pagebreaks import place_page_markers, plan_page_markers

from .conftest import SAMPLE

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
OPF = "{http://www.idpf.org/2007/opf}"


# -- page labels -----------------------------------------------------------------------------------------------


def test_unnumbered_pages_count_back_from_the_next_number():
    # cover, copyright, contents iii-iv: the first two carry the numbers they would have.
    assert infer_labels([None, None, "iii", "iv"]) == ["i", "ii", "iii", "iv"]


def test_blank_page_continues_the_previous_number_when_the_next_restarts():
    # a blank verso after vi, then the body restarts at 1
    assert infer_labels(["v", "vi", None, "1", "2"]) == ["v", "vi", "vii", "1", "2"]


def test_unnumbered_chapter_opener_takes_its_number_from_the_next_page():
    assert infer_labels(["vi", None, "2", "3", None, "5"]) == ["vi", "1", "2", "3", "4", "5"]


def test_roman_capitals_stay_capitals_and_a_book_without_numbers_counts_pages():
    assert infer_labels([None, "II", "III"]) == ["I", "II", "III"]
    assert infer_labels([None, None, None]) == ["1", "2", "3"]


def test_label_ranges_start_a_new_range_where_the_style_or_the_count_changes():
    assert label_ranges(["i", "ii", "iii", "1", "2", "3"]) == ((0, "r", 1), (3, "D", 1))
    assert label_ranges(["I", "II", "5", "6", "8"]) == ((0, "R", 1), (2, "D", 5), (4, "D", 8))
    assert label_ranges([]) == ()


def test_page_map_is_a_small_serialisable_value():
    page_map = PageMap("Book: printed booklet, A5, 2 pages",
                       (PageStart("i", False, "titlepage"), PageStart("1", True, "#one", 3, 120)),
                       (("one", "1"),))
    with pytest.raises(dataclasses.FrozenInstanceError):
        page_map.source = "x"  # type: ignore[misc]
    data = json.loads(json.dumps(dataclasses.asdict(page_map)))
    again = PageMap(data["source"], tuple(PageStart(**page) for page in data["pages"]),
                    tuple(tuple(target) for target in data["targets"]))
    assert again == page_map
    assert again.page_of("one") == "1" and again.page_of("two") is None


def test_print_edition_name():
    assert print_edition_name("Hungary 1956", "Teacher edition", "A5", 52) == \
        "Hungary 1956, Teacher edition: printed booklet, A5, 52 pages"


# -- where markers go ------------------------------------------------------------------------------------------

CHAPTER = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">
<head><title>One</title></head>
<body>
<section class="chapter" epub:type="chapter" aria-labelledby="one">
<header class="chapter-head">
<p class="chapter-number">Chapter 1</p>
<h1 id="one" class="chapter-title">One</h1>
</header>
<p data-b="one:1">Alpha beta, “gamma” delta.<a class="noteref" epub:type="noteref" href="#fn-1">1</a> Epsilon Stalin had built.</p>
<div class="callout think" role="note">
<p class="callout-label">Think about it</p>
<p data-b="one:2">Why?</p>
</div>
<ul>
<li data-b="one:3">First item</li>
<li data-b="one:4">Second item</li>
</ul>
<table>
<tr data-b="one:5"><td>1953</td><td>Stalin dies</td></tr>
<tr data-b="one:6"><td>1956</td><td>Revolution</td></tr>
</table>
<figure data-b="one:7"><img src="images/map.svg" alt="A map"/><figcaption>The map</figcaption></figure>
<p data-b="one:8">See <a class="pageref" href="#one">chapter one</a>.</p>
<section class="footnotes" epub:type="footnotes"><aside id="fn-1" epub:type="footnote"><p>A note.</p></aside></section>
</section>
</body>
</html>
"""

FRONT = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">
<head><title>Front</title></head>
<body>
<section class="titlepage" epub:type="titlepage" aria-label="Title page"><h1 class="book-title">Book</h1></section>
</body>
</html>
"""


def place(*pages: PageStart, chapter: str = CHAPTER) -> dict[str, str]:
    """Place markers for *pages* in a title page and one chapter; return {file name: content}."""
    documents = [EpubDocument("titlepage.xhtml", "Book", FRONT, "titlepage"),
                 EpubDocument("one.xhtml", "One", chapter, "chapter")]
    page_map = PageMap("Book: printed booklet", pages, (("one", "1"),))
    markers = plan_page_markers(page_map, documents)
    placed = place_page_markers(documents, markers, page_map, "p.")
    for document in placed:
        etree.fromstring(document.content.encode("utf-8"))  # still well-formed
    return {document.file_name: document.content for document in placed}


def after(content: str, label: str, length: int = 60) -> str:
    """The markup right after the marker of page *label*."""
    marker = re.search(rf'<span [^>]*aria-label="{re.escape(label)}"/>', content)
    assert marker, f"no marker for page {label}"
    return content[marker.end():marker.end() + length]


def before(content: str, label: str, length: int = 60) -> str:
    marker = re.search(rf'<span [^>]*aria-label="{re.escape(label)}"/>', content)
    return content[max(0, marker.start() - length):marker.start()]


def test_marker_is_the_accessible_pagebreak_pattern():
    content = place(PageStart("1", True, "#one"))["one.xhtml"]
    marker = etree.fromstring(content.encode()).find(f".//{XHTML}span[@role='doc-pagebreak']")
    assert marker.get(EPUB_TYPE) == "pagebreak"
    assert marker.get("id") == "page-1" and marker.get("aria-label") == "1"
    assert len(marker) == 0 and not marker.text  # empty: nothing to see


def test_chapter_start_goes_before_the_header_inside_the_section():
    content = place(PageStart("1", True, "#one"))["one.xhtml"]
    assert after(content, "1").startswith('<header class="chapter-head">')
    assert before(content, "1").rstrip().endswith('aria-labelledby="one">')


def test_mid_paragraph_page_starts_before_its_first_word():
    # "Alpha beta gamma delta" is 19 letters; the page begins at "Epsilon" (after the note call).
    content = place(PageStart("1", True, "#one"), PageStart("2", True, "#one", 1, 19))["one.xhtml"]
    assert after(content, "2").startswith("Epsilon Stalin")
    assert before(content, "2").endswith("</a> ")


def test_page_beginning_with_an_opening_quote_keeps_the_quote_after_the_marker():
    content = place(PageStart("2", True, "#one", 1, 9))["one.xhtml"]
    assert after(content, "2").startswith("“gamma”")


def test_hyphenated_word_split_across_pages_gets_the_marker_before_the_whole_word():
    # print: "Sta-" | "lin had built"; "Alpha…Epsilon" is 26 letters, "Sta" 3 more
    content = place(PageStart("2", True, "#one", 1, 29))["one.xhtml"]
    assert after(content, "2").startswith("Stalin had built")


TWO_PARAGRAPHS = CHAPTER.replace('<div class="callout think"', '<p data-b="one:9">Zeta eta theta.</p>\n'
                                  '<div class="callout think"', 1)


def test_page_beginning_with_a_paragraph_gets_the_marker_inside_it_so_p_plus_p_still_indents():
    content = place(PageStart("2", True, "#one", 9, 0), chapter=TWO_PARAGRAPHS)["one.xhtml"]
    assert before(content, "2").endswith('</p>\n<p>')  # not between the two paragraphs
    assert after(content, "2").startswith("Zeta eta")


def test_paragraph_opening_a_printed_page_keeps_its_indent_in_the_epub():
    """Laid out with the EPUB's own stylesheets, the paragraph after a page-break marker is indented."""
    from weasyprint import CSS, HTML

    from bookbuild.render.book import EPUB_STYLESHEETS

    theme = Path(__file__).resolve().parents[1] / "src" / "bookbuild" / "theme" / "css"
    content = place(PageStart("1", True, "#one"), PageStart("2", True, "#one", 9, 0),
                    chapter=TWO_PARAGRAPHS)["one.xhtml"]
    document = HTML(string=content).render(stylesheets=[CSS(filename=str(theme / name)) for name in EPUB_STYLESHEETS])

    def words(box):  # the text boxes, in order
        if type(box).__name__ == "TextBox":
            yield box
        for child in getattr(box, "children", ()):
            yield from words(child)

    first = {box.text.split()[0]: box.position_x for box in words(document.pages[0]._page_box) if box.text.split()}
    indent = first["Zeta"] - first["Alpha"]
    assert indent > 5  # 1.2em, like any paragraph after a paragraph


def test_page_beginning_with_a_callout_gets_the_marker_before_the_box():
    # the count runs on from block 1 past its end into the callout's label
    content = place(PageStart("2", True, "#one", 1, 40))["one.xhtml"]
    assert after(content, "2").startswith('<div class="callout think"')


def test_page_beginning_at_a_list_goes_before_the_list_and_mid_list_inside_the_item():
    content = place(PageStart("2", True, "#one", 3, 0), PageStart("3", True, "#one", 4, 0))["one.xhtml"]
    assert after(content, "2").startswith("<ul>")
    assert after(content, "3").startswith("Second item")
    assert before(content, "3").endswith("<li>")


def test_page_beginning_mid_table_goes_into_the_first_cell_of_the_row():
    content = place(PageStart("2", True, "#one", 6, 0))["one.xhtml"]
    assert before(content, "2").endswith("<tr><td>")
    assert after(content, "2").startswith("1956</td>")


def test_page_beginning_with_a_figure_goes_before_the_figure():
    content = place(PageStart("2", True, "#one", 7, 0))["one.xhtml"]
    assert after(content, "2").startswith("<figure><img")


def test_front_matter_page_goes_at_the_start_of_its_document():
    content = place(PageStart("i", False, "titlepage"))["titlepage.xhtml"]
    assert after(content, "i").startswith('<section class="titlepage"')


def test_blank_page_is_marked_right_before_the_next_page_and_at_the_end_when_last():
    pages = (PageStart("i", False, "titlepage"), PageStart("ii", False, None), PageStart("1", True, "#one"),
             PageStart("2", False, None))
    placed = place(*pages)
    assert after(placed["one.xhtml"], "ii").startswith('<span epub:type="pagebreak" role="doc-pagebreak" '
                                                         'id="page-1"')
    assert after(placed["one.xhtml"], "2").startswith("</section>\n</body>")
    labels = [marker.label for marker in plan_page_markers(
        PageMap("x", pages), [EpubDocument("titlepage.xhtml", "B", FRONT, "titlepage"),
                              EpubDocument("one.xhtml", "One", CHAPTER, "chapter")])]
    assert labels == ["i", "ii", "1", "2"]  # one entry per printed page, in order


def test_marker_ids_never_clash_with_the_books_own_ids():
    chapter = CHAPTER.replace('<p data-b="one:8">', '<p id="page-2" data-b="one:8">')
    content = place(PageStart("2", True, "#one", 3, 0), chapter=chapter)["one.xhtml"]
    assert 'id="page-2-2" aria-label="2"' in content


def test_page_references_show_the_printed_page_and_block_numbers_are_removed():
    content = place(PageStart("1", True, "#one"))["one.xhtml"]
    assert '<a class="pageref" href="#one">chapter one<span class="pageref-page"> (p. 1)</span></a>' in content
    assert "data-b" not in content


def test_counting_skips_notes_and_note_calls():
    # "1" of the note call and the note "A note." are not text of the page
    content = place(PageStart("2", True, "#one", 8, 3))["one.xhtml"]  # "See" is 3 letters
    assert after(content, "2").startswith('<a class="pageref"')


# -- the sample booklet ----------------------------------------------------------------------------------------


DOCUMENT_BREAK = "\x00"  # where one EPUB document ends and the next begins, in the reading text


def normalized(text: str) -> str:
    return "".join(character for character in text.lower() if character.isalnum())


def epub_reading_text(epub_path: Path) -> tuple[str, list[tuple[str, int]], list[tuple[str, str]], list[str]]:
    """The EPUB's text in reading order, where each marker stands in it, the page list, the documents' markers."""
    with zipfile.ZipFile(epub_path) as epub:
        opf = etree.fromstring(epub.read("EPUB/content.opf"))
        hrefs = {item.get("id"): item.get("href") for item in opf.iter(f"{OPF}item")}
        spine = [hrefs[ref.get("idref")] for ref in opf.iter(f"{OPF}itemref")]
        documents = {name: etree.fromstring(epub.read(f"EPUB/{name}")) for name in spine}
    text: list[str] = []
    markers: list[tuple[str, int]] = []
    marker_files: list[str] = []

    def walk(element, name):
        if not isinstance(element.tag, str):
            return
        kind = element.get(EPUB_TYPE) or ""
        if kind == "pagebreak":
            markers.append((element.get("aria-label"), len("".join(text))))
            marker_files.append(f"{name}#{element.get('id')}")
            return
        if kind in ("noteref", "footnotes", "page-list", "landmarks") or element.get("hidden"):
            return
        text.append(element.text or "")
        for child in element:
            walk(child, name)
            text.append(child.tail or "")
        text.append(" ")

    for name in spine:
        text.append(DOCUMENT_BREAK)
        walk(documents[name].find(f"{XHTML}body"), name)
    nav = documents["nav.xhtml"]
    page_list = next(n for n in nav.iter(f"{XHTML}nav") if n.get(EPUB_TYPE) == "page-list")
    entries = [(a.text, a.get("href")) for a in page_list.iter(f"{XHTML}a")]
    return "".join(text), markers, entries, marker_files


@pytest.fixture(scope="module")
def sample_pages(sample_build):
    reader = PdfReader(sample_build["pdf"])
    return [page.extract_text() for page in reader.pages]


@pytest.fixture(scope="module")
def sample_epub_text(sample_build):
    return epub_reading_text(sample_build["epub"])


def test_page_list_has_one_entry_per_printed_page_in_order(sample_build, sample_pages, sample_epub_text):
    text, markers, entries, marker_files = sample_epub_text
    assert len(entries) == len(sample_pages) == len(markers)
    labels = [label for label, _ in entries]
    assert labels[:6] == ["i", "ii", "iii", "iv", "v", "vi"]
    assert labels[6:] == [str(number) for number in range(1, len(sample_pages) - 5)]
    assert [label for label, _ in markers] == labels  # the markers come in page order in the reading order
    assert [href for _, href in entries] == marker_files  # and each entry points at its marker


def test_pdf_viewers_show_the_printed_page_numbers(sample_build, sample_epub_text):
    """A PDF viewer's page box shows "iii" or "12", the numbers printed on the pages and listed in the EPUB."""
    _, _, entries, _ = sample_epub_text
    assert PdfReader(sample_build["pdf"]).page_labels == [label for label, _ in entries]


def words(text: str) -> list[str]:
    """The words of a text: runs of letters, runs of digits (a note call is not part of its word).

    A word hyphenated at a line end is joined again.
    """
    return re.findall(r"[^\W\d_]+|\d+", text.replace("\u2010\n", "").lower())


def long_words(text: str, count: int, last: bool = False) -> list[str]:
    """The first (or last) *count* words of four letters or more, within one EPUB document."""
    text = text.split(DOCUMENT_BREAK)[0 if not last else -1]
    found = [word for word in words(text) if len(word) >= 4]
    return found[-count:] if last else found[:count]


def check_markers_against_pages(text: str, markers: list, marker_files: list, pages: list[str],
                                print_only: frozenset[int] = frozenset()) -> int:
    """Assert that each page's marker stands between the words that end the page before and open the page.

    Text extracted from a PDF does not always come in reading order (floats,
    columns), so the check is by words: the first long words after the marker
    are on the page, the last long words before it on the page before (the
    first one may be a word the page break hyphenated, printed on both).
    Returns the number of pages checked.
    """
    page_words = [set(words(page)) for page in pages]
    checked = 0
    for index, ((label, position), target) in enumerate(zip(markers, marker_files)):
        if not page_words[index] - {normalized(label)} or index in print_only:
            continue  # a blank page, a back cover: its marker goes with the next page (checked separately)
        if target.startswith("nav.xhtml") and index and marker_files[index - 1].startswith("nav.xhtml"):
            continue  # the contents are one list in the EPUB: its later printed pages are marked at its start
        opening = long_words(text[position:position + 400], 4)
        assert opening and set(opening[1:]) <= page_words[index], \
            f"page {label}: the EPUB has {text[position:position + 80]!r}; the PDF page: {pages[index][:120]!r}"
        # the first word may be one the page break hyphenated: then the page opens with its end
        assert opening[0] in page_words[index] or any(opening[0].endswith(word) for word in page_words[index]
                                                      if len(word) >= 2), (label, opening)
        previous = next((i for i in range(index - 1, -1, -1) if page_words[i] - {normalized(markers[i][0])}), None)
        same_document = index and marker_files[index - 1].split("#")[0] == target.split("#")[0]
        if previous is not None and same_document:
            closing = long_words(text[max(0, position - 400):position], 3, last=True)
            assert set(closing) <= page_words[previous], \
                f"page {label}: before its marker the EPUB has {text[position - 80:position]!r}, " \
                f"not the end of page {markers[previous][0]}"
        checked += 1
    return checked


def test_every_marker_stands_before_the_text_that_opens_its_printed_page(sample_pages, sample_epub_text):
    """Every page with text is checked; a blank page (a verso before a recto chapter) is marked with the next page.

    The contents' later pages are one list in the EPUB, marked at its start, so they are not checked by words.
    """
    text, markers, entries, marker_files = sample_epub_text
    blank = [index for index, page in enumerate(sample_pages) if not set(words(page)) - {normalized(markers[index][0])}]
    # The back cover (its blurb is book.toml's description) is print-only, like a blank page: marked at the end.
    blurb = tomllib.loads((SAMPLE / "manuscript" / "book.toml").read_text())["description"]
    assert " ".join(words(blurb)) in " ".join(words(sample_pages[-1]))
    blank.append(len(sample_pages) - 1)
    contents = [index for index in range(1, len(marker_files)) if marker_files[index].startswith("nav.xhtml")
                and marker_files[index - 1].startswith("nav.xhtml")]
    for index in blank[:-1]:
        following = next(i for i in range(index + 1, len(markers)) if i not in blank)
        assert markers[index][1] == markers[following][1], f"blank page {markers[index][0]}"
        assert marker_files[index].split("#")[0] == marker_files[following].split("#")[0]
    assert markers[-1][1] >= markers[-2][1]  # the back cover's marker: at the end of the book's last part
    assert check_markers_against_pages(text, markers, marker_files, sample_pages, frozenset(blank)) == \
        len(sample_pages) - len(blank) - len(contents)


def test_page_references_in_the_epub_show_the_page_the_pdf_prints(sample_build, sample_pages):
    printed = {match[0]: match[1] for match in re.findall(r"(chronology|key people|glossary) \(p\. (\d+)\)",
                                                          " ".join(" ".join(sample_pages).split()))}
    with zipfile.ZipFile(sample_build["epub"]) as epub:
        chapter = epub.read("EPUB/how-to-use.xhtml").decode()
    shown = dict(re.findall(r'class="pageref">([^<]+)<span class="pageref-page"> \(p\. (\d+)\)</span>', chapter))
    assert shown and printed
    for name, page in shown.items():
        assert printed[name] == page, name


def test_the_epub_names_the_print_edition_of_its_page_numbers(sample_build, sample_pages):
    with zipfile.ZipFile(sample_build["epub"]) as epub:
        opf = etree.fromstring(epub.read("EPUB/content.opf"))
    source = opf.find(f".//{OPF}meta[@property='pageBreakSource']")
    assert source.text == f"Hungary 1956: printed booklet, A5, {len(sample_pages)} pages"
    features = {meta.text for meta in opf.iter(f"{OPF}meta") if meta.get("property") == "schema:accessibilityFeature"}
    assert {"pageNavigation", "printPageNumbers"} <= features


# -- a small book with blank pages ---------------------------------------------------------------------------

SHORT_BOOK = {
    "manuscript/book.toml": """
        title = "Short"
        authors = ["A. Teacher"]
        language = "en"
        chapters = ["01.md", "02.md"]
    """,
    "manuscript/01.md": "# One {#one}\n\nA single short paragraph.\n",
    "manuscript/02.md": "# Two {#two}\n\n" + "\n\n".join(
        f"Paragraph {number} of the second chapter, long enough to fill lines and pages with words, "
        "so that the chapter runs over several pages and some of them begin in the middle of a "
        "paragraph, where the marker must find the same word that opens the printed page."
        for number in range(1, 40)) + "\n",
}


def test_blank_pages_keep_their_place_in_the_page_list(project, tmp_path):
    from bookbuild.pipeline import build

    root = project(SHORT_BOOK)
    paths = {path.suffix[1:]: path for path in build(root, ("pdf", "epub"), None, tmp_path / "out",
                                                     Report(stream=None))}
    pages = [page.extract_text() for page in PdfReader(paths["pdf"]).pages]
    text, markers, entries, marker_files = epub_reading_text(paths["epub"])
    assert len(entries) == len(pages)
    blank = [index for index, page in enumerate(pages) if not normalized(page) or normalized(page).isdigit()]
    assert blank, "the short book should have a blank verso"
    for index in blank:
        if index + 1 < len(markers):  # a blank page's marker stands right before the next page's
            assert markers[index][1] == markers[index + 1][1]
            assert marker_files[index].split("#")[0] == marker_files[index + 1].split("#")[0]
    assert check_markers_against_pages(text, markers, marker_files, pages) >= len(pages) - len(blank) - 1


def test_one_layout_serves_the_pdf_and_the_epub(project, tmp_path, monkeypatch):
    from bookbuild import pipeline
    from bookbuild.outputs import context

    calls = []
    original = context.lay_out

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(context, "lay_out", counting)
    root = project({"manuscript/01.md": "# One\n\nText.\n"})
    pipeline.build(root, ("pdf", "epub"), None, tmp_path / "a", Report(stream=None))
    assert len(calls) == 1
    pipeline.build(root, ("epub",), None, tmp_path / "b", Report(stream=None))
    assert len(calls) == 2  # an EPUB alone lays out the print edition once, for its page numbers


def test_a_drop_letter_is_counted_where_a_page_begins_mid_paragraph():
    # WeasyPrint puts a ::first-letter in a box of its own; it is the paragraph's first letter, not generated
    # content, so the offset where the next page begins counts it as it counts the letters after it.
    from weasyprint import CSS, HTML

    from bookbuild.pagemap import read_page_map_part

    words = " ".join(f"word{n}" for n in range(400))
    html = f'<html><body><section class="chapter"><h1 id="c">C</h1><p data-b="c:1">{words}</p></section></body></html>'

    def starts(css: str):
        page = "@page { size: 80mm 60mm; margin: 5mm; } p { margin: 0; } "
        document = HTML(string=html).render(stylesheets=[CSS(string=page + css)])
        assert len(document.pages) > 1
        return read_page_map_part(page._page_box for page in document.pages).starts

    plain = starts("")
    assert plain[1][2] > 0  # the second page begins inside the paragraph
    assert starts("p::first-letter { color: #800; }") == plain
