"""Interleaved teacher pages: the teacher edition keeps the student edition's pages and numbers, with its
teacher material on pages inserted after the student page it belongs to ("15a", "15b"); model answers once."""

from __future__ import annotations

import re
import zipfile

import pikepdf
import pytest
from pypdf import PdfReader

from bookbuild.config import load_config
from bookbuild.editions import load_editions
from bookbuild.errors import Report
from bookbuild.labels import interleaved_label, interleaved_parts
from bookbuild.layout.teacher_pages import (
    TeacherBlock,
    TeacherGroup,
    TeacherMaterial,
    anchor_page,
    read_teacher_material,
    teacher_document,
)
from bookbuild.layout_check import read_pages
from bookbuild.pagemap import PageStart, prefixed_label_ranges
from bookbuild.pipeline import build
from bookbuild.project import locate_project

from .conftest import SAMPLE, problems_of, write_project

ANSWER = "ZEBRAFINCH"  # a word of the model answer only
NOTE = "OKAPIWORD"  # a word of the teaching notes only
SPAN = "NARWHALTIP"  # a word of an inline teacher span only


def _chapter(number: int) -> str:
    filler = " ".join(f"Sentence {number}.{index} of the student text runs on to fill the page." for index in
                      range(60))
    return f"""# Chapter {number} {{#ch{number}}}

{filler}

Student text with a hint [{SPAN}{number} for the teacher]{{.teacher}} in it.

{filler}

## Questions

::: questions
1. Question one of chapter {number}?
2. Question two of chapter {number}?
:::

::: {{.answers .teacher}}
1. {ANSWER}{number} model answer one.
2. A second model answer.
:::

::: {{.teaching-notes .teacher}}
{NOTE}{number} teaching notes.
:::

More student text after the teacher material in chapter {number}.
"""


PROJECT = {
    "manuscript/book.toml": """
        title = "Interleaf"
        authors = ["A. Author"]
        language = "en"
        chapters = ["01.md", "02.md"]
    """,
    "manuscript/01.md": _chapter(1),
    "manuscript/02.md": _chapter(2),
}


def _labels(path) -> list[str]:
    with pikepdf.open(path) as pdf:
        return [str(page.label) for page in pdf.pages]


def _texts(path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    root = write_project(tmp_path_factory.mktemp("interleaf") / "book", PROJECT)
    written = build(root, ("pdf", "epub", "booklet"), ["student", "teacher"], None, Report(stream=None))
    return {path.name: path for path in written}


def test_student_pages_keep_their_numbers_and_first_lines(books):
    student = read_pages(books["interleaf.pdf"])
    teacher = read_pages(books["interleaf-teacher.pdf"])
    kept = [page for page in teacher if interleaved_parts(page.label) is None]
    assert [page.label for page in kept] == [page.label for page in student]
    for mine, theirs in zip(kept, student):
        assert (mine.lines[0].text if mine.lines else "") == (theirs.lines[0].text if theirs.lines else ""), \
            mine.label
    labels = _labels(books["interleaf-teacher.pdf"])
    inserted = [label for label in labels if interleaved_parts(label)]
    assert inserted, "the teacher material has pages of its own"
    for index, label in enumerate(labels):
        parts = interleaved_parts(label)
        if parts is not None:  # "Na" right after page N, "Nb" right after "Na"
            before = labels[index - 1]
            assert before == parts[0] if parts[1] == 1 else before == parts[0] + "abcdefgh"[parts[1] - 2]
    assert len(labels) % 2 == 0 and len(inserted) % 2 == 0  # each group is a leaf: student pages keep their side


def test_a_model_answer_appears_once(books):
    teacher = "".join(_texts(books["interleaf-teacher.pdf"]))
    assert teacher.count(f"{ANSWER}1") == 1 and teacher.count(f"{ANSWER}2") == 1
    assert "Answer key" not in teacher
    assert ANSWER not in "".join(_texts(books["interleaf.pdf"]))


def test_teacher_material_is_on_the_page_after_its_anchor(books):
    labels = _labels(books["interleaf-teacher.pdf"])
    texts = _texts(books["interleaf-teacher.pdf"])
    for number in (1, 2):
        for word, anchor in ((f"{ANSWER}{number}", f"Question two of chapter {number}?"),
                             (f"{NOTE}{number}", f"Question two of chapter {number}?"),
                             (f"{SPAN}{number}", "Student text with a hint")):
            [where] = [index for index, text in enumerate(texts) if word in text]
            assert interleaved_parts(labels[where]) is not None, word
            student_page = interleaved_parts(labels[where])[0]
            anchor_pages = [labels[index] for index, text in enumerate(texts)
                            if anchor in text and interleaved_parts(labels[index]) is None]
            assert student_page in anchor_pages, (word, student_page, anchor_pages)
            assert f"page {student_page}" in texts[where].replace("\n", " ").lower(), texts[where][:80]


def test_teacher_groups_are_bookmarks_under_their_chapter(books):
    with pikepdf.open(books["interleaf-teacher.pdf"]) as pdf, pdf.open_outline() as outline:
        chapters = {item.title: [child.title for child in item.children] for item in outline.root}
    assert any(title.startswith("Teacher notes · page") for title in chapters.get("Chapter 1", []))


def _page_list(path) -> tuple[list[str], dict[str, str]]:
    """The EPUB's page list (labels in order), and the text that follows each page's marker."""
    with zipfile.ZipFile(path) as epub:
        nav = epub.read("EPUB/nav.xhtml").decode()
        files = {name: epub.read(name).decode() for name in epub.namelist() if name.endswith(".xhtml")}
    listed = re.findall(r'<a href="([^"#]*)#(page-[^"]*)">([^<]+)</a>', nav)
    following = {}
    for file_name, marker, label in listed:
        text = files["EPUB/" + file_name]
        at = text.index(f'id="{marker}"')
        following[label] = re.sub(r"<[^>]+>|\s+", "", text[at:at + 600])[len(f'id="{marker}"'):][:60]
    return [label for _, _, label in listed], following


def test_the_epub_keeps_the_material_in_the_flow_with_the_student_page_numbers(books):
    with zipfile.ZipFile(books["interleaf-teacher.epub"]) as epub:
        chapter = epub.read("EPUB/ch1.xhtml").decode()
    assert f"{ANSWER}1" in chapter and f"{SPAN}1" in chapter
    teacher, teacher_text = _page_list(books["interleaf-teacher.epub"])
    student, student_text = _page_list(books["interleaf.epub"])
    assert [label for label in teacher if interleaved_parts(label) is None] == student
    assert [label for label in teacher if interleaved_parts(label)] == \
        [label for label in _labels(books["interleaf-teacher.pdf"]) if interleaved_parts(label)]
    for label in student:  # each student page starts at the same words in both EPUBs
        if label.isdigit():
            assert teacher_text[label] == student_text[label], label


def test_the_teacher_booklet_pads_to_whole_sheets(books):
    with pikepdf.open(books["interleaf-teacher-booklet.pdf"]) as booklet:
        assert len(booklet.pages) >= len(_labels(books["interleaf-teacher.pdf"])) / 2


def test_inline_keeps_the_material_in_the_flow_and_the_answer_key(tmp_path):
    files = dict(PROJECT)
    files["manuscript/book.toml"] = PROJECT["manuscript/book.toml"] + '\n[editions.teacher]\nteacher-pages = "inline"\n'
    root = write_project(tmp_path / "book", files)
    [path] = build(root, ("pdf",), ["teacher"], None, Report(stream=None))
    labels = _labels(path)
    assert not [label for label in labels if interleaved_parts(label)]
    text = "".join(_texts(path))
    assert text.count(f"{ANSWER}1") == 2  # in the chapter and in the answer key, as before
    assert "Answer key" in text


def test_a_bad_teacher_pages_value_is_a_located_error(tmp_path):
    root = write_project(tmp_path / "book", {
        "manuscript/book.toml": 'title = "T"\n\n[editions.teacher]\nteacher-pages = "margin"\n',
        "manuscript/01.md": "# One\n\nText.\n"})
    problems = problems_of(lambda: load_editions(load_config(locate_project(root))))
    assert any(problem.startswith("manuscript/book.toml:4") and "teacher-pages" in problem and "margin" in problem
               for problem in problems), problems


# -- the pieces -------------------------------------------------------------------------------------------------


HTML = """<!DOCTYPE html><html><head><title>t</title></head><body>
<section class="chapter"><h1 id="one">One</h1>
<p data-b="one:1">First.</p>
<div class="callout answers teacher"><p class="callout-label" id="callout-one-1">Model answers</p>
<ol><li data-b="one:2">An answer.</li></ol></div>
<p data-b="one:3">Second with <span class="teacher">a hint</span> inside.</p>
<h2 class="teacher" id="sec">Teacher section</h2><p data-b="one:4">Under it.</p>
<h2 id="next" data-b="one:5">Next</h2><p data-b="one:6">Last.</p>
</section>
<section class="chapter"><h1 id="plan">Lesson plan</h1><p data-b="plan:1">All teacher.</p></section>
</body></html>"""


def test_teacher_material_and_its_anchors_are_read_from_the_edition_html():
    material = read_teacher_material(HTML, frozenset({"teacher", "answers"}), frozenset({"#one"}))
    blocks = material.blocks
    assert [(block.part, block.block) for block in blocks] == [("#one", 1), ("#one", 2), ("#one", 2),
                                                               ("#one", 10 ** 9)]
    assert blocks[0].offset > 10 ** 6 and blocks[0].first == 2 and 'id="tp-callout-one-1"' in blocks[0].html
    assert blocks[1].offset == len("Secondwith") and "…Second with" in blocks[1].html and "a hint" in blocks[1].html
    assert "Teacher section" in blocks[2].html and "Under it." in blocks[2].html and "Next" not in blocks[2].html
    assert "All teacher." in blocks[3].html  # a teacher file: after the last page of the part before it
    assert dict(material.numbering)["#one"] == (1, 3, 5, 6)  # the edition's numbers of the student blocks


def test_a_block_goes_to_the_page_where_the_block_before_it_ends():
    pages = [PageStart("1", True, "#one", 0, 0), PageStart("2", True, "#one", 3, 40),
             PageStart("3", True, "#one", 5, 0), PageStart("4", False, None)]
    after = TeacherBlock("#one", 3, 10 ** 9, "")
    assert anchor_page(after, pages) == 1
    assert anchor_page(TeacherBlock("#one", 4, 10 ** 9, ""), pages) == 1
    assert anchor_page(TeacherBlock("#one", 3, 12, ""), pages) == 0  # a span before the page turn
    assert anchor_page(TeacherBlock("#one", 0, 10 ** 9, ""), pages) == 0
    assert TeacherMaterial((after,), ()).blocks == (after,)


def test_interleaved_labels_are_written_as_pdf_page_labels_with_a_prefix():
    assert interleaved_parts("15a") == ("15", 1) and interleaved_parts("vi-b") == ("vi", 2)
    assert interleaved_parts("15") is None and interleaved_parts("vi") is None and interleaved_parts("xi") is None
    assert interleaved_parts("via") is None  # a word, not "vi" and "a"
    # After a roman numeral the letter is set off by a hyphen: "vi-a", never "via" (or "ia", "xa").
    assert interleaved_label("15", 1) == "15a" and interleaved_label("vi", 1) == "vi-a"
    assert interleaved_label("x", 2) == "x-b" and interleaved_parts(interleaved_label("i", 1)) == ("i", 1)
    assert prefixed_label_ranges(["i", "ii", "1", "2", "2a", "2b", "3"]) == (
        (0, "r", 1, ""), (2, "D", 1, ""), (4, "a", 1, "2"), (6, "D", 3, ""))
    assert prefixed_label_ranges(["v", "vi", "vi-a", "vii"]) == ((0, "r", 5, ""), (2, "a", 1, "vi-"), (3, "r", 7, ""))
    # The folio printed on the teacher pages starts the same way (the page counter adds the letter).
    document = teacher_document("<html><head></head><body></body></html>",
                                [TeacherGroup(5, "vi", (TeacherBlock("#one", 1, 0, "<p>A.</p>"),)),
                                 TeacherGroup(20, "15", (TeacherBlock("#one", 2, 0, "<p>B.</p>"),))], {})
    assert 'data-page="vi" data-folio="vi-"' in document and 'data-page="15" data-folio="15"' in document


def test_the_structure_tree_reads_the_teacher_pages_after_their_student_page(books):
    with pikepdf.open(books["interleaf-teacher.pdf"]) as pdf:
        numbers = {page.objgen: index for index, page in enumerate(pdf.pages)}

        def first_page(element):
            if not isinstance(element, pikepdf.Dictionary):
                return None
            if "/Pg" in element:
                return numbers.get(element.Pg.objgen)
            kids = element.get("/K")
            for kid in (list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
                found = first_page(kid)
                if found is not None:
                    return found
            return None

        labels = [str(page.label) for page in pdf.pages]
        starts = [page for page in map(first_page, pdf.Root.StructTreeRoot.K[0].K) if page is not None]
    assert starts == sorted(starts)
    assert any(interleaved_parts(labels[page]) for page in starts)  # the teacher pages are tagged too


def test_a_group_running_over_by_a_few_lines_is_set_closer_to_save_the_sheet(tmp_path):
    # The sample's teaching notes for page 25 take two pages and three lines: set as the other groups are,
    # they would take a third page (25c) and a blank one (25d) to keep the student pages on their sides.
    [pdf] = build(SAMPLE, ("pdf",), ["teacher"], tmp_path, Report(stream=None))
    labels = _labels(pdf)
    assert [label for label in labels if label.startswith("25")] == ["25", "25a", "25b"]
    texts = _texts(pdf)
    assert "one-sided" in " ".join(texts[labels.index("25b")].split())
    assert len(labels) % 2 == 0
