"""Handouts: which are made, what is on them (ruled lines, model answers, notes, sources), the PDFs
in build/handouts/, laid out in parallel, and the errors of the [handouts] table."""

from __future__ import annotations

import collections
import io
import re

import pikepdf
import pytest
from pypdf import PdfReader

from bookbuild.errors import Report
from bookbuild.handouts import answer_lines
from bookbuild.layout import handouts as handout_layout
from bookbuild.pipeline import build, handout_documents, read_sources
from bookbuild.writers import handouts as handout_writer

from .conftest import SAMPLE, problems_of, write_project

BIB = """
@book{gati2006, author = {Gati, Charles}, title = {Failed Illusions}, publisher = {Stanford University Press},
      year = {2006}}
@book{kramer1998, author = {Kramer, Mark}, title = {The Soviet Union and the 1956 Crises}, publisher = {Journal},
      year = {1998}}
@book{unused2001, author = {Unused, Una}, title = {Never Cited Here}, publisher = {Nowhere}, year = {2001}}
"""

PROJECT = {
    "manuscript/book.toml": """
        title = "Handout Test"
        language = "en"
        bibliography = "refs.bib"
        chapters = ["00-intro.md", "01-one.md", "02-two.md", "03-nothing.md", "04-sources.md", "05-people.md"]
    """,
    "manuscript/00-intro.md": """
        ---
        kind: front
        ---
        # Introduction

        ::: questions
        1. A front-matter question gets no worksheet.
        :::
    """,
    "manuscript/01-one.md": """
        # The first chapter {#one}

        The body cites a book [@gati2006, 4] and another [@unused2001].

        ::: keyterms
        Thaw
        : A time of change.
        :::

        ::: timeline
        - **1953:** Stalin dies.
        - **1956:** The secret speech.
        :::

        ## Questions for discussion

        ::: questions
        1. Why?
        2. What did Gati argue [@gati2006, 12] about the thaw of the years after Stalin?
        3. How far do you agree that the thaw was real, and why do historians still disagree about it today?
        :::

        ::: {.answers .teacher}
        1. Because.
        2. That it was uneven.
        3. Answers will vary.
        :::

        ::: {.teaching-notes .teacher}
        Allow twenty minutes.
        :::
    """,
    "manuscript/02-two.md": """
        # The second chapter {#two}

        ::: questions
        1. Whose account is this?[^q]

        ::: {.answers .teacher}
        1. Kramer's [@kramer1998].
        :::
        :::

        [^q]: Read the source box first.
    """,
    "manuscript/03-nothing.md": "# Nothing to ask {#nothing}\n\nJust text.\n",
    "manuscript/04-sources.md": """
        ---
        kind: back
        handout: true
        ---
        # Working with sources {#sources}

        A source is evidence [@kramer1998]. [Point at the date.]{.teacher}

        ::: questions
        1. Who wrote it?
        :::

        ::: {.answers .teacher}
        1. Kramer.
        :::
    """,
    "manuscript/05-people.md": """
        ---
        kind: back
        handout: true
        ---
        # Key people {#people}

        Imre Nagy
        : Prime minister.
    """,
    "manuscript/refs.bib": BIB,
}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return write_project(tmp_path_factory.mktemp("handouts") / "book", PROJECT)


@pytest.fixture(scope="module")
def documents(root):
    return dict(handout_documents(read_sources(root, None, Report(stream=None)), Report(stream=None)))


@pytest.fixture(scope="module")
def pdfs(root):
    folder = root / "build" / "handouts"
    folder.mkdir(parents=True)
    (folder / "09-gone-student.pdf").write_bytes(b"%PDF stale")
    (folder / "notes.txt").write_text("the teacher's own file")
    written = build(root, ("handouts",), None, None, Report(stream=None))
    return {path.name: path for path in written}


# ---------------------------------------------------------------------------
# What is made


def test_a_worksheet_per_chapter_and_audience_then_declared_handouts(documents):
    assert list(documents) == ["01-one-student", "01-one-teacher", "02-two-student", "02-two-teacher",
                               "sources-student", "sources-teacher", "people-student"]


def test_answer_lines_grow_with_the_question():
    assert answer_lines("Why?") == 7  # five, and two for a question asking for reasons
    assert answer_lines("Name the year.") == 5
    assert answer_lines("List " + "word " * 40) == 10
    assert answer_lines("Explain " + "word " * 100) == 12


def rules(html: str) -> int:
    return html.count('<div class="rule">')


def test_student_worksheet_has_ruled_space_sized_to_each_question(documents):
    html = documents["01-one-student"]
    assert rules(html) == answer_lines("Why?") + answer_lines(
        "What did Gati argue about the thaw of the years after Stalin?") + answer_lines(
        "How far do you agree that the thaw was real, and why do historians still disagree about it today?")
    blocks = re.findall(r'<div class="answer-lines" role="presentation">(.*?)</div>\n</li>', html, re.S)
    assert [block.count('class="rule"') for block in blocks] == [7, 6, 9]
    for words in ("Name", "Class", "Date", "Key terms", "Timeline", "Questions", "Stalin dies."):
        assert words in html, words
    assert "Model answer" not in html and "Because." not in html and "twenty minutes" not in html


def test_teacher_sheet_has_the_answers_in_place_of_lines(documents):
    html = documents["01-one-teacher"]
    assert rules(html) == 0
    assert html.count('<p class="model-answer-label">Model answer</p>') == 3
    assert html.index("Why?") < html.index("Because.") < html.index("What did Gati argue")
    assert "Teaching notes" in html and "Allow twenty minutes." in html
    assert "write-in" not in html  # no Name/Class/Date for the teacher


def test_answers_nested_in_the_questions_div_are_paired_too(documents):
    assert rules(documents["02-two-student"]) == answer_lines("Whose account is this?")
    assert "Kramer’s" in documents["02-two-teacher"] and "Kramer’s" not in documents["02-two-student"]


def test_footer_names_booklet_chapter_and_audience(documents):
    assert 'data-footer="Handout Test · Chapter 1: The first chapter · Student worksheet"' in documents[
        "01-one-student"]
    assert 'data-footer="Handout Test · Chapter 1: The first chapter · Teacher sheet"' in documents["01-one-teacher"]
    assert 'data-footer="Handout Test · Working with sources · Student handout"' in documents["sources-student"]


def test_a_handout_has_its_own_notes_and_source_list(documents):
    html = documents["01-one-student"]
    notes = re.findall(r'<span class="footnote" id="fn-one-(\d+)">(.*?)</span>', html)
    # Gati is cited in the chapter before the questions; in the handout it is the first note, in full.
    assert [number for number, _ in notes] == ["1"]
    assert "Failed Illusions" in notes[0][1] and "Stanford University Press" in notes[0][1]
    sources = re.findall(r'<li class="csl-entry" id="ref-(\w+)">', html)
    assert sources == ["gati2006"]  # not the work cited only in the chapter's text
    two = documents["02-two-teacher"]
    assert re.findall(r'<span class="footnote" id="fn-two-(\d+)">', two) == ["1", "2"]  # note 1, then the citation
    assert re.findall(r'<li class="csl-entry" id="ref-(\w+)">', two) == ["kramer1998"]
    assert re.findall(r'<li class="csl-entry" id="ref-(\w+)">', documents["02-two-student"]) == []


def test_declared_handout_is_the_whole_file_with_ruled_questions(documents):
    student = documents["sources-student"]
    assert "A source is evidence" in student and rules(student) == answer_lines("Who wrote it?")
    assert "Point at the date." not in student and "Kramer." not in student
    teacher = documents["sources-teacher"]
    assert "Point at the date." in teacher and "Kramer." in teacher and rules(teacher) == 0
    # Without teacher material a declared handout has a student version only.
    assert "people-teacher" not in documents and "Imre Nagy" in documents["people-student"]


# ---------------------------------------------------------------------------
# The PDFs


def rule_strokes(path) -> collections.Counter:
    """Borders 0.5 pt thick (the ruled lines) on every page, counted by their length in points.

    WeasyPrint paints a border as the difference of two rectangles (even-odd
    fill): the box with and without the border's width.
    """
    widths: collections.Counter = collections.Counter()
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            scale, stack, rects = 1.0, [], []
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op == "q":
                    stack.append(scale)
                elif op == "Q":
                    scale = stack.pop()
                elif op == "cm":
                    scale *= abs(float(operands[3]))
                elif op == "re":
                    rects.append(tuple(float(value) * scale for value in operands))
                elif op in ("f", "f*", "n", "S", "B", "b"):
                    if op == "f*" and len(rects) == 2 and rects[0][:3] == rects[1][:3] \
                            and abs(abs(rects[0][3] - rects[1][3]) - 0.5) < 0.02:
                        widths[round(rects[0][2])] += 1
                    rects = []
    return widths


def test_handouts_are_written_to_build_handouts_with_stable_names(root, pdfs):
    assert sorted(pdfs) == sorted(f"{name}.pdf" for name in (
        "01-one-student", "01-one-teacher", "02-two-student", "02-two-teacher", "sources-student",
        "sources-teacher", "people-student"))
    assert all(path.parent == root / "build" / "handouts" for path in pdfs.values())
    # Handouts the manuscript no longer makes are removed; other files are left alone.
    assert not (root / "build" / "handouts" / "09-gone-student.pdf").exists()
    assert (root / "build" / "handouts" / "notes.txt").exists()


def test_student_worksheet_pdf_draws_the_ruled_lines(pdfs):
    widths = rule_strokes(pdfs["01-one-student.pdf"])
    width, count = widths.most_common(1)[0]
    assert count == 7 + 6 + 9 and width > 400  # a line across the text, less the question number
    assert rule_strokes(pdfs["01-one-teacher.pdf"]).get(width, 0) == 0


def test_worksheet_pdf_is_a4_with_footer_and_its_own_page_numbers(pdfs):
    reader = PdfReader(pdfs["01-one-student.pdf"])
    assert 1 <= len(reader.pages) <= 2
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    pages = [page.extract_text() for page in reader.pages]
    assert "Handout Test · Chapter 1: The first chapter · Student worksheet" in pages[0]
    assert f"Page 1 of {len(pages)}" in pages[0]
    assert reader.metadata.title == "Handout Test: Chapter 1: The first chapter (Student worksheet)"


def test_handouts_on_us_letter(project):
    root = project({
        "manuscript/book.toml": 'title = "Letter"\n[handouts]\npaper-size = "letter"\nfont-size = 12\n',
        "manuscript/01.md": "# One\n\n::: questions\n1. Why?\n:::\n",
    })
    [path] = [p for p in build(root, ("handouts",), None, None, Report(stream=None))
              if p.name == "01-one-student.pdf"]
    width, height = (float(v) for v in PdfReader(path).pages[0].mediabox[2:])
    assert (round(width), round(height)) == (612, 792)


def test_several_handouts_are_laid_out_in_worker_processes(root, monkeypatch):
    started = []

    class Recording(handout_layout.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            started.append(kwargs["max_workers"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(handout_layout, "ProcessPoolExecutor", Recording)
    monkeypatch.setattr(handout_layout, "worker_count", lambda jobs: 2)
    out = root / "parallel-build"
    written = build(root, ("handouts",), None, out, Report(stream=None))
    assert started == [2]
    for path in written:  # each file holds its own handout, in order
        audience = "Student" if path.stem.endswith("-student") else "Teacher"
        assert audience in PdfReader(path).metadata.title


def test_worker_count_is_bounded_by_the_cores_and_the_jobs():
    assert handout_layout.worker_count(1) == 1
    assert 1 <= handout_layout.worker_count(50) <= 64


# ---------------------------------------------------------------------------
# Errors


def test_handouts_font_size_out_of_range(project):
    root = project({"manuscript/book.toml": 'title = "T"\n\n[handouts]\nfont-size = 30\n',
                    "manuscript/01.md": "# One\n\nText.\n"})
    assert problems_of(lambda: build(root, ("handouts",), None, None, Report(stream=None))) == [
        "manuscript/book.toml:4:1: error: handouts font-size 30 is not between 8 and 24 points"]


def test_handouts_paper_size_must_be_a4_or_letter(project):
    root = project({"manuscript/book.toml": 'title = "T"\n[handouts]\npaper-size = "A5"\n',
                    "manuscript/01.md": "# One\n\nText.\n"})
    assert problems_of(lambda: read_sources(root, None, Report(stream=None))) == [
        "manuscript/book.toml:3:1: error: 'paper-size' must be one of A4, letter, not 'A5'"]


def test_handout_front_matter_must_be_true_or_false(project):
    root = project({"manuscript/01.md": "---\nhandout: yes please\n---\n# One\n\nText.\n"})
    assert problems_of(lambda: read_sources(root, None, Report(stream=None))) == [
        "manuscript/01.md:2: error: 'handout' must be true or false"]


def test_a_word_left_alone_on_a_line_is_found():
    from weasyprint import CSS, HTML

    from bookbuild.layout.corrections import early_breaks

    css = CSS(string="@page { size: 120mm 100mm; margin: 10mm; } p { width: 80mm; font-size: 12pt; }")
    alone = HTML(string="<p>The first line of a paragraph<br>alone<br>and the words after it.</p>").render(
        stylesheets=[css])
    assert [box.element_tag for box in early_breaks(alone)] == ["p"]
    normal = HTML(string="<p>" + "A paragraph of words that simply runs on. " * 5 + "</p>").render(stylesheets=[css])
    assert early_breaks(normal) == []


def test_sample_teacher_sheet_has_no_word_alone_on_a_line():
    # WeasyPrint set "admit" alone on a line of this model answer until the handout writer re-set it.
    sources = read_sources(SAMPLE, None, Report(stream=None))
    html = dict(handout_documents(sources, Report(stream=None)))["05-crushed-teacher"]
    job = handout_writer.handout_job("05-crushed-teacher", html, sources.config, sources.project,
                                     handout_writer.handout_settings(sources.config))
    data, problem = handout_layout.lay_out_handout(job)
    assert problem is None
    # The answer sits on the second page since the chapter's timeline gained its notes (issue 18).
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "refusal to admit guilt." in text.replace("\n", " ")
    assert "\nadmit\n" not in text


# ---------------------------------------------------------------------------
# A readable page: the measure, the questions, the space to answer


@pytest.fixture(scope="module")
def sample_handouts():
    """The sample's chapter 6 worksheet and key-people sheet, laid out (WeasyPrint documents) and as PDF."""
    from weasyprint import CSS, HTML

    sources = read_sources(SAMPLE, None, Report(stream=None))
    htmls = dict(handout_documents(sources, Report(stream=None)))
    laid_out = {}
    for name in ("06-legacy-student", "key-people-student"):
        job = handout_writer.handout_job(name, htmls[name], sources.config, sources.project,
                                         handout_writer.handout_settings(sources.config))
        sheets = [CSS(filename=path) for path in job.stylesheets] + [CSS(string=job.css)]
        document = HTML(string=job.html, base_url=job.base_url).render(stylesheets=sheets)
        laid_out[name] = (document, io.BytesIO(document.write_pdf()))
    return laid_out


def _boxes(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _with_class(document, name: str) -> list:
    return [box for page_number, page in enumerate(document.pages) for box in _boxes(page._page_box)
            if box.element is not None and name in (box.element.get("class") or "").split()
            and type(box).__name__ == "BlockBox"]


def test_handout_lines_are_under_75_characters(sample_handouts):
    for name, (_, pdf) in sample_handouts.items():
        for page in PdfReader(pdf).pages:
            body = [line for line in page.extract_text().splitlines() if "worksheet" not in line.lower()
                    and "Page " not in line]
            assert body and max(len(line) for line in body) < 75, (name, max(body, key=len))


def test_no_chapter_number_is_left_at_the_start_of_a_line(sample_handouts):
    for name, (_, pdf) in sample_handouts.items():
        text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert "(Chapter" in text or "Chapter" in text
        assert not re.search(r"(Chapters?|Source)\n\d", text), name


def test_a_questions_lines_align_and_its_ruled_space_ends_well_clear_of_the_next(sample_handouts):
    document, _ = sample_handouts["06-legacy-student"]
    texts = _with_class(document, "question-text")
    assert len(texts) >= 4
    wrapped = 0
    for box in texts:
        lines = [line for line in _boxes(box) if type(line).__name__ == "LineBox"]
        starts = [min((text.position_x for text in _boxes(line) if type(text).__name__ == "TextBox"
                       and text.text.strip() and not text.text.strip().rstrip(".").isdigit()), default=None)
                  for line in lines]
        starts = [start for start in starts if start is not None]  # the number's own line (it hangs) aside
        wrapped += len(starts) > 1
        assert max(starts) - min(starts) < 0.5, starts  # every line starts under the first word
    assert wrapped
    # Between the last ruled line of a question and the next question's text: at least 8 mm on the same page.
    lists = [box for box in _with_class(document, "answer-lines")]
    gaps = []
    for lines_box, next_text in zip(lists, texts[1:]):
        rule = [box for box in _boxes(lines_box) if "rule" in ((box.element.get("class") or "").split()
                                                                 if box.element is not None else [])][-1]
        bottom = rule.position_y + rule.margin_height()
        if next_text.position_y > bottom:
            gaps.append((next_text.position_y - bottom) / 72 * 25.4 * 0.75)  # CSS px to mm
    assert gaps and min(gaps) >= 8, gaps
