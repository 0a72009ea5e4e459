"""Editions and audiences: book.toml's [editions.NAME] tables, the built-in editions, the answer key,
large print, and the proof that teacher material never reaches a student output."""

from __future__ import annotations

import collections
import math
import re
import subprocess
import sys
import zipfile

import pikepdf
import pytest
from pypdf import PdfReader

from bookbuild.answer_key import add_answer_key
from bookbuild.config import load_config
from bookbuild.editions import EDITIONS, editions_named, find_edition, load_editions, select_edition
from bookbuild.errors import Report
from bookbuild.labels import load_labels
from bookbuild.manuscript import parse_manuscript
from bookbuild.pipeline import build, check, read_sources
from bookbuild.project import locate_project

from .conftest import problems_of, write_project

MARKER = "QUIMBYWALRUS"  # a word found in teacher material only; upper case, so never a ligature

BIB = """
@book{public2000, author = {Nagy, Anna}, title = {A Public Book}, publisher = {Open Press}, year = {2000}}
@book{secret1999, author = {Kovacs, Bela}, title = {The QUIMBYWALRUS Papers}, publisher = {Staff Room Press},
      year = {1999}}
"""

# Teacher material everywhere it can hide: a heading, a div, a span, a footnote, a citation of a
# work cited nowhere else, model answers, teaching notes, and a whole file for the teacher.
LEAK_PROJECT = {
    "manuscript/book.toml": """
        title = "Leak Test"
        authors = ["A. Teacher"]
        language = "en"
        description = "A small book for students."
        chapters = ["01-one.md", "02-secret.md"]
        bibliography = "refs.bib"
    """,
    "manuscript/01-one.md": """
        # The thaw {#one}

        Student text cites a public work [@public2000]. A span [QUIMBYWALRUS phrase]{.teacher} hides here.

        ::: keyterms
        Thaw
        : A time of change.
        :::

        ## QUIMBYWALRUS heading {.teacher}

        ::: teacher
        A QUIMBYWALRUS paragraph citing [@secret1999], with a note.[^t]
        :::

        [^t]: A QUIMBYWALRUS footnote.

        ## Questions

        ::: questions
        1. Why did things change?
        2. How far do you agree that the thaw was real?
        :::

        ::: {.answers .teacher}
        1. Because of the QUIMBYWALRUS answer.
        2. A second answer.
        :::

        ::: {.teaching-notes .teacher}
        QUIMBYWALRUS teaching notes.
        :::
    """,
    "manuscript/02-secret.md": """
        ---
        audience: teacher
        kind: back
        handout: true
        ---

        # QUIMBYWALRUS lesson plan

        A whole file for the teacher.
    """,
    "manuscript/refs.bib": BIB,
}


def flat(text: str) -> str:
    """Text without line breaks, spaces or hyphens, so that a hyphenated word is found whole."""
    return re.sub(r"[\s\u00ad\u2010-]+", "", text)


def pdf_text(path) -> str:
    return flat("".join(page.extract_text() for page in PdfReader(path).pages))


def pdf_strings(path) -> list[str]:
    """Every string object of a PDF (outline, metadata, tags, links) and its XMP metadata."""
    found = []
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                if obj.get("/Type") == "/Metadata":
                    found.append(obj.read_bytes().decode("utf-8", "replace"))
                obj = obj.stream_dict
            stack = [obj]
            while stack:
                item = stack.pop()
                if isinstance(item, pikepdf.String):
                    found.append(str(item))
                elif isinstance(item, pikepdf.Array | pikepdf.Dictionary):
                    children = item.values() if isinstance(item, pikepdf.Dictionary) else list(item)
                    stack.extend(c for c in children if isinstance(c, pikepdf.Object) and not c.is_indirect)
    return found


def outline_titles(path) -> list[str]:
    titles = []
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        stack = list(outline.root)
        while stack:
            item = stack.pop()
            titles.append(item.title)
            stack.extend(item.children)
    return titles


def epub_files(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as epub:
        return {name: epub.read(name).decode("utf-8", "replace") for name in epub.namelist()}


# ---------------------------------------------------------------------------
# The leak test: every output of both editions, and the handouts


@pytest.fixture(scope="module")
def leak_build(tmp_path_factory):
    root = write_project(tmp_path_factory.mktemp("leak") / "book", LEAK_PROJECT)
    written = build(root, ("pdf", "epub", "handouts"), ["student", "teacher"], None, Report(stream=None))
    return {path.name: path for path in written}


def test_build_writes_both_editions_and_the_handouts(leak_build):
    assert sorted(leak_build) == [
        "01-one-student.pdf", "01-one-teacher.pdf", "leak-test-teacher.epub", "leak-test-teacher.pdf",
        "leak-test.epub", "leak-test.pdf", "quimbywalrus-lesson-plan-teacher.pdf",
    ]


@pytest.mark.parametrize("name", ["leak-test.pdf", "01-one-student.pdf"])
def test_teacher_material_never_reaches_a_student_pdf(leak_build, name):
    path = leak_build[name]
    assert MARKER not in pdf_text(path)
    assert not [title for title in outline_titles(path) if MARKER in title]
    assert not [text for text in pdf_strings(path) if MARKER in text]  # outline, metadata, tags
    assert "Staff Room Press" not in pdf_text(path)  # the bibliography entry of the teacher-only work


def test_teacher_material_never_reaches_the_student_epub(leak_build):
    files = epub_files(leak_build["leak-test.epub"])
    assert "EPUB/one.xhtml" in files
    assert [name for name, text in files.items() if MARKER in text or "Staff Room Press" in text] == []


def test_teacher_outputs_hold_the_teacher_material(leak_build):
    text = pdf_text(leak_build["leak-test-teacher.pdf"])
    for part in ("QUIMBYWALRUSphrase", "QUIMBYWALRUSheading", "AQUIMBYWALRUSfootnote", "QUIMBYWALRUSteaching",
                 "TheQUIMBYWALRUSPapers", "QUIMBYWALRUSlessonplan"):
        assert part in text, part
    assert "QUIMBYWALRUS heading" in outline_titles(leak_build["leak-test-teacher.pdf"])
    assert any(MARKER in text for text in pdf_strings(leak_build["leak-test-teacher.pdf"]))  # the same search finds it
    files = epub_files(leak_build["leak-test-teacher.epub"])
    assert any(MARKER in text for name, text in files.items() if name.endswith(".xhtml"))
    assert MARKER in pdf_text(leak_build["01-one-teacher.pdf"])
    assert MARKER in pdf_text(leak_build["quimbywalrus-lesson-plan-teacher.pdf"])


def test_teacher_edition_has_its_label_on_the_cover_and_in_the_running_head(leak_build, project):
    pages = [page.extract_text() for page in PdfReader(leak_build["leak-test-teacher.pdf"]).pages]
    assert "TEACHER EDITION" in pages[0]
    # The running head is on the pages that continue a chapter (no opening page, back matter included, has one).
    root = project({"manuscript/book.toml": 'title = "Leak Test"\nchapters = ["01.md"]\n',
                    "manuscript/01.md": "# One\n\n" + "A paragraph that runs on and on to fill pages. " * 200})
    [teacher] = build(root, ("pdf",), ["teacher"], None, Report(stream=None))
    continued = [page.extract_text() for page in PdfReader(teacher).pages][5:]
    assert any("LEAK TEST · TEACHER EDITION" in text for text in continued)
    student = [page.extract_text() for page in PdfReader(leak_build["leak-test.pdf"]).pages]
    assert not any("EDITION" in text.upper() and "·" in text for text in student)


def test_teacher_epub_names_its_edition_in_the_title(leak_build):
    teacher = epub_files(leak_build["leak-test-teacher.epub"])["EPUB/content.opf"]
    student = epub_files(leak_build["leak-test.epub"])["EPUB/content.opf"]
    assert "<dc:title>Leak Test (Teacher edition)</dc:title>" in teacher
    assert '<meta refines="#edition" property="title-type">edition</meta>' in teacher
    assert "<dc:title>Leak Test</dc:title>" in student and "title-type\">edition" not in student


def test_teacher_edition_prints_its_model_answers_once_without_an_answer_key(leak_build):
    # Interleaved teacher pages (the default) print the answers after their questions' page: no answer key.
    titles = outline_titles(leak_build["leak-test-teacher.pdf"])
    assert "Answer key" not in titles and any(title.startswith("Teacher notes · page") for title in titles)
    assert pdf_text(leak_build["leak-test-teacher.pdf"]).count("BecauseoftheQUIMBYWALRUSanswer") == 1
    files = epub_files(leak_build["leak-test-teacher.epub"])
    assert "EPUB/answer-key.xhtml" not in files
    assert "Answer key" not in pdf_text(leak_build["leak-test.pdf"])


def test_an_inline_teacher_edition_ends_with_an_answer_key(tmp_path):
    files = dict(LEAK_PROJECT)
    files["manuscript/book.toml"] = LEAK_PROJECT["manuscript/book.toml"] + \
        '\n        [editions.teacher]\n        teacher-pages = "inline"\n'
    root = write_project(tmp_path / "book", files)
    written = {path.name: path for path in build(root, ("pdf", "epub"), ["teacher"], None, Report(stream=None))}
    titles = outline_titles(written["leak-test-teacher.pdf"])
    assert "Answer key" in titles and "Chapter 1: The thaw" in titles
    files = epub_files(written["leak-test-teacher.epub"])
    assert "Because of the QUIMBYWALRUS answer." in files["EPUB/answer-key.xhtml"]


# ---------------------------------------------------------------------------
# Editions from book.toml


def editions_of(project, toml: str, files: dict[str, str] | None = None) -> dict:
    root = project({"manuscript/book.toml": toml, "manuscript/01.md": "# One\n\nText.\n", **(files or {})})
    project_ = locate_project(root)
    return load_editions(load_config(project_), project_)


def test_built_in_editions_without_any_table(project):
    editions = editions_of(project, 'title = "T"\n')
    assert list(editions) == ["student", "teacher", "large-print"]
    assert editions["student"].audiences == ("student",) and not editions["student"].label
    teacher = editions["teacher"]
    assert teacher.audiences == ("student", "teacher") and teacher.answer_key and teacher.label == "Teacher edition"
    large = editions["large-print"]
    assert (large.paper_size, large.font_size, large.epub, large.audiences) == ("A4", 18, False, ("student",))


def test_a_table_changes_a_built_in_edition_and_declares_a_new_one(project):
    editions = editions_of(project, """
        title = "T"
        audiences = ["parent"]
        [editions.large-print]
        font-size = 16
        [editions.parent]
        audiences = ["student", "parent"]
        label = "Edition for parents"
        paper-size = "A4"
        epub = false
    """)
    assert editions["large-print"].font_size == 16 and editions["large-print"].paper_size == "A4"
    parent = editions["parent"]
    assert (parent.label, parent.paper_size, parent.epub) == ("Edition for parents", "A4", False)
    assert parent.hidden == frozenset({"teacher"})
    assert editions["student"].hidden == frozenset({"teacher", "parent"})


def test_material_for_a_declared_audience_appears_only_in_its_editions(project):
    root = project({
        "manuscript/book.toml": """
            title = "T"
            audiences = ["parent"]
            [editions.parent]
            audiences = ["student", "parent"]
        """,
        "manuscript/01.md": "# One\n\nFor all. [For parents.]{.parent}\n\n::: parent\nA parents' note.\n:::\n",
    })
    project_ = locate_project(root)
    config = load_config(project_)
    manuscript = parse_manuscript(project_, config, Report(stream=None))

    def text(name: str) -> str:
        chapter = select_edition(manuscript, find_edition(config, name), Report(stream=None)).chapters[0]
        return " ".join(child.content for token in chapter.tokens for child in token.children or [])

    assert "For parents." in text("parent") and "A parents’ note." in text("parent")
    assert "parent" not in text("student").lower() and "parent" not in text("teacher").lower()
    assert "For all." in text("student")


def test_all_names_every_edition_once(project):
    root = project({"manuscript/01.md": "# One\n\nText.\n"})
    config = load_config(locate_project(root))
    assert [e.name for e in editions_named(config, ["teacher", "all"])] == ["teacher", "student", "large-print"]
    assert [e.name for e in editions_named(config, None)] == ["student"]


def test_unknown_edition_on_the_command_line(project):
    root = project({"manuscript/01.md": "# One\n\nText.\n"})
    config = load_config(locate_project(root))
    assert problems_of(lambda: editions_named(config, ["teachers"])) == [
        "error: unknown edition 'teachers'\n"
        "  hint: did you mean 'teacher'? editions: student, teacher, large-print, or all; "
        "declare others as [editions.NAME] in book.toml"]
    result = subprocess.run([sys.executable, "-m", "bookbuild", "build", "pdf", "--edition", "pupil",
                             "--project", str(root)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stderr == (f"bookbuild: building {root.resolve()}\n"
                             "error: unknown edition 'pupil'\n"
                             "  hint: editions: student, teacher, large-print, or all; "
                             "declare others as [editions.NAME] in book.toml\n")


def test_unknown_edition_in_book_toml(project):
    assert problems_of(lambda: editions_of(project, 'title = "T"\n\n[editions.teachr]\nlabel = "For staff"\n')) == [
        "manuscript/book.toml:3:1: error: unknown edition 'teachr' sets no 'audiences'\n"
        "  hint: did you mean 'teacher'?"]
    assert problems_of(lambda: editions_of(project, '[editions.governors]\nlabel = "For governors"\n')) == [
        "manuscript/book.toml:1:1: error: unknown edition 'governors' sets no 'audiences'\n"
        "  hint: a new edition lists the audiences it shows: audiences = [\"student\"]"]


def test_every_problem_with_editions_at_once(project):
    toml = """
        title = "T"
        audiences = ["parent", "Head Teacher"]
        [editions.parent]
        audiences = ["student", "parnet", "governor"]
        font-size = 40
        stylesheets = ["parents.css"]
        [editions.all]
        audiences = ["student"]
        [editions.quiet]
        audiences = []
    """
    assert problems_of(lambda: editions_of(project, toml)) == [
        "manuscript/book.toml:2:1: error: audience 'Head Teacher' must be lowercase letters, digits and hyphens",
        "manuscript/book.toml:4:1: error: unknown audience 'parnet' in edition 'parent'\n"
        "  hint: did you mean 'parent'?",
        "manuscript/book.toml:4:1: error: unknown audience 'governor' in edition 'parent'\n"
        "  hint: declare it at the top of book.toml: audiences = [\"student\", \"teacher\", \"governor\"]",
        "manuscript/book.toml:5:1: error: font-size 40 of edition 'parent' is not between 6 and 36 points",
        "manuscript/book.toml:6:1: error: stylesheet 'parents.css' of edition 'parent' does not exist\n"
        "  hint: looked in styles/css/ and the default theme",
        "manuscript/book.toml:7:1: error: edition name 'all' must be lowercase letters, digits and hyphens, "
        "and not 'all'\n  hint: 'all' means every edition on the command line",
        "manuscript/book.toml:10:1: error: edition 'quiet' shows no audience\n"
        "  hint: list at least one, such as audiences = [\"student\"]",
    ]


def test_wrong_types_in_an_edition_table(project):
    toml = '[editions.teacher]\npaper-size = "A3"\nanswer-key = "yes"\n'
    assert problems_of(lambda: editions_of(project, toml)) == [
        "manuscript/book.toml:2:1: error: 'paper-size' must be one of A4, A5, letter, half-letter, not 'A3'",
        "manuscript/book.toml:3:1: error: 'answer-key' must be true or false, not a string",
    ]


def test_edition_stylesheet_from_the_project(project):
    editions = editions_of(project, '[editions.dyslexia]\naudiences = ["student"]\nstylesheets = ["dys.css"]\n',
                           {"styles/css/dys.css": "html { letter-spacing: 0.05em; }\n"})
    assert editions["dyslexia"].stylesheets == ("dys.css",)


def test_unknown_audience_in_front_matter(project):
    root = project({"manuscript/01.md": "---\nkind: chapter\naudience: parnet\n---\n\n# One\n\nText.\n"})
    assert problems_of(lambda: read_sources(root, None, Report(stream=None))) == [
        "manuscript/01.md:3: error: unknown audience 'parnet'\n"
        "  hint: audiences: student, teacher; declare others in book.toml: "
        "audiences = [\"student\", \"teacher\", \"parnet\"]"]


def test_an_edition_without_an_epub_refuses_to_build_one(project):
    root = project({"manuscript/01.md": "# One\n\nText.\n"})
    assert problems_of(lambda: build(root, ("epub",), ["large-print"], None, Report(stream=None))) == [
        "error: edition 'large-print' has no EPUB\n"
        "  hint: an e-reader enlarges the text of the student EPUB itself; "
        "set epub = true under [editions.large-print] in book.toml to build one"]


def test_check_renders_every_edition_and_the_handouts(project):
    root = project({"manuscript/01.md": "# One\n\nText.\n\n::: {.teacher}\nSee [@nobody].\n:::\n"})
    # The unknown key is in teacher material: only checking the teacher edition finds it.
    assert problems_of(lambda: check(root, Report(stream=None))) == [
        "manuscript/01.md:6:5: error: unknown citation key 'nobody'\n  hint: the book has no bibliography file"]


# ---------------------------------------------------------------------------
# The answer key


def test_answer_key_collects_answers_with_their_notes_and_citations(project):
    root = project({
        "manuscript/book.toml": 'title = "T"\nbibliography = "refs.bib"\n',
        "manuscript/01.md": """
            ---
            short-title: First
            ---
            # The first chapter

            Text.[^a]

            [^a]: A note of the text.

            ::: questions
            1. Why?

            ::: {.answers .teacher}
            1. Because, as a note says.[^b] See [@public2000, 4].
            :::
            :::

            [^b]: The answer's note.
        """,
        "manuscript/02.md": "# Second\n\n::: {.answers .teacher}\nFree text answer.\n:::\n",
        "manuscript/03.md": "# Third\n\nNo questions here.\n",
        "manuscript/refs.bib": BIB,
    })
    project_ = locate_project(root)
    config = load_config(project_)
    manuscript = parse_manuscript(project_, config, Report(stream=None))
    labels = load_labels("en")
    student = add_answer_key(select_edition(manuscript, EDITIONS["student"], Report(stream=None)), labels)
    assert [c.id for c in student.chapters] == ["the-first-chapter", "second", "third"]
    teacher = add_answer_key(select_edition(manuscript, EDITIONS["teacher"], Report(stream=None)), labels)
    key = teacher.chapters[-1]
    assert (key.id, key.title, key.kind) == ("answer-key", "Answer key", "back")
    assert [(h.level, h.text) for h in key.headings] == [
        (1, "Answer key"), (2, "Chapter 1: First"), (2, "Chapter 2: Second")]
    assert list(key.footnotes) == [0]  # only the answer's own note, numbered anew
    assert [c.id for c in key.citations] == ["cite-answer-key-1"]
    assert key.citations[0].keys == ("public2000",) and key.citations[0].chapter == "answer-key"
    assert "answer-key" in teacher.ids and "answer-key-second" in teacher.ids
    # The chapter keeps its own answers and notes.
    assert len(teacher.chapters[0].footnotes) == 2


# ---------------------------------------------------------------------------
# Large print


def _mul(m, n):
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def text_sizes(path) -> collections.Counter:
    """How many characters the PDF shows at each size in points (font size x text matrix x CTM)."""
    counts: collections.Counter = collections.Counter()
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            ctm, stack, tm, size = (1, 0, 0, 1, 0, 0), [], (1, 0, 0, 1, 0, 0), 0.0
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op == "q":
                    stack.append(ctm)
                elif op == "Q":
                    ctm = stack.pop()
                elif op == "cm":
                    ctm = _mul(tuple(float(x) for x in operands), ctm)
                elif op == "BT":
                    tm = (1, 0, 0, 1, 0, 0)
                elif op == "Tm":
                    tm = tuple(float(x) for x in operands)
                elif op == "Tf":
                    size = float(operands[1])
                elif op in ("Tj", "TJ"):
                    m = _mul(tm, ctm)
                    points = round(abs(size) * math.sqrt(abs(m[0] * m[3] - m[1] * m[2])), 1)
                    shown = [operands[0]] if op == "Tj" else [x for x in operands[0] if isinstance(x, pikepdf.String)]
                    counts[points] += sum(len(bytes(s)) for s in shown)
    return counts


LARGE_PRINT_CHAPTER = """
# A chapter in large print

Body text that runs on for a while, so that most of the page is body text.[^n] """ \
    + "The revolution began with a student march. " * 30 + """

## A section

| Date | Event |
|---|---|
| 23 October 1956 | Students march |

Table: A table

::: think
A question to think about.
:::

[^n]: A footnote, also large.
"""


@pytest.fixture(scope="module")
def large_print(tmp_path_factory):
    root = write_project(tmp_path_factory.mktemp("large") / "book", {
        "manuscript/book.toml": 'title = "Large"\n', "manuscript/01.md": LARGE_PRINT_CHAPTER})
    [path] = build(root, ("pdf",), ["large-print"], None, Report(stream=None))
    return path


def test_large_print_body_text_is_18_points_on_a4(large_print):
    sizes = text_sizes(large_print)
    body, _ = sizes.most_common(1)[0]
    assert body == 18.0
    assert sizes[18.0] / sum(sizes.values()) > 0.8
    # Notes, tables, callouts and captions are as large as the body; only note calls are smaller.
    assert min(sizes) >= 13.5
    assert sum(n for size, n in sizes.items() if size < 16) < 10
    with pikepdf.open(large_print) as pdf:
        width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)


def test_large_print_running_heads_and_page_numbers_are_readable(large_print):
    sizes = text_sizes(large_print)
    assert 16.2 in sizes  # the running heads, 0.9 of the body
    reader = PdfReader(large_print)
    assert "LARGE · LARGE PRINT EDITION" in "".join(page.extract_text() for page in reader.pages)


def test_student_booklet_stays_within_72_pages(sample_build):
    # 48 pages until the sample gained its fourteen source boxes (thirteen translated extracts and a summary),
    # with their questions, notes and sources (issue 18): 68 pages since; 72 pages fold into eighteen sheets.
    assert len(PdfReader(sample_build["pdf"]).pages) <= 72
