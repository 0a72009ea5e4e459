"""A teacher's slip never leaks answers, and no mistake goes unsaid (issue 15).

Each ordinary slip a new user makes either keeps the student outputs free of
teacher material or stops the build with a located error; the leak check
catches what the filter would miss; the project is found from any folder in it.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookbuild.citations import load_style, resolve_citations
from bookbuild.config import load_config
from bookbuild.editions import check_audiences, find_edition, select_edition
from bookbuild.errors import BookbuildError, Report
from bookbuild.leaks import epub_text, hidden_material, leaked, letters_of, pdf_text
from bookbuild.manuscript import parse_manuscript
from bookbuild.pipeline import build, check, read_sources
from bookbuild.project import find_project_root, locate_project
from bookbuild.render.book import BuildInfo, epub_documents, print_document, render_book
from bookbuild.render.html import EPUB, PRINT

from .conftest import problems_of, write_project

BOOK_TOML = 'title = "Slips"\nchapters = ["01.md"]\n'


def student_and_teacher_html(root) -> tuple[str, str]:
    """The print and EPUB HTML of the student and the teacher edition, each joined into one text."""
    project = locate_project(root)
    report = Report(stream=None)
    config = load_config(project)
    manuscript = parse_manuscript(project, config, report)
    check_audiences(manuscript, config, project)
    style = load_style(config.citation_style, project, config.language)
    texts = []
    for name in ("student", "teacher"):
        edition = find_edition(config, name)
        selected = select_edition(manuscript, edition, report)
        citations = resolve_citations(selected.citations, {}, style)
        build_info = BuildInfo(date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        html = [print_document(render_book(selected, citations, config, edition, PRINT, build_info), project)]
        book = render_book(selected, citations, config, edition, EPUB, build_info)
        html += [document.content for document in epub_documents(book, project)]
        texts.append("\n".join(html))
    return texts[0], texts[1]


def chapter_project(project, body: str, toml: str = BOOK_TOML, extra: dict | None = None):
    return project({"manuscript/book.toml": toml, "manuscript/01.md": body, **(extra or {})})


# ---------------------------------------------------------------------------
# The three slips of the issue: each keeps the student edition clean


def test_answers_and_teaching_notes_without_teacher_class_are_teacher_only(project):
    root = chapter_project(project, "# One\n\nOpen text.\n\n::: answers\n1. SECRETANSWER one.\n:::\n\n"
                                    "::: teaching-notes\nSECRETNOTES here.\n:::\n\n::: answer-key\nSECRETKEY.\n:::\n")
    student, teacher = student_and_teacher_html(root)
    for word in ("SECRETANSWER", "SECRETNOTES", "SECRETKEY", "Model answers", "Teaching notes"):
        assert word not in student
    assert "SECRETANSWER" in teacher and "SECRETNOTES" in teacher and "Open text" in student


def test_a_teacher_kind_stays_hidden_whatever_classes_it_carries(project):
    root = chapter_project(project, "# One\n\nOpen.\n\n::: {.answers .student}\nSECRETANSWER.\n:::\n")
    student, teacher = student_and_teacher_html(root)
    assert "SECRETANSWER" not in student and "SECRETANSWER" in teacher


def test_book_toml_declares_more_teacher_kinds(project):
    root = chapter_project(project, "# One\n\nOpen.\n\n::: exam-tips\nSECRETTIP.\n:::\n",
                           toml=BOOK_TOML + 'teacher-boxes = ["exam-tips"]\n')
    student, teacher = student_and_teacher_html(root)
    assert "SECRETTIP" not in student and "SECRETTIP" in teacher


def test_a_misspelt_audience_is_an_error_with_did_you_mean(project):
    root = chapter_project(project, "# One\n\nText [a phrase]{.teachers} here.\n\n"
                                    "::: {.teaching-notes .teachers}\nNotes.\n:::\n\n## Heading {.Teacher}\n\nX.\n")
    assert problems_of(lambda: read_sources(root, None, Report(stream=None))) == [
        "manuscript/01.md:3:17: error: unknown audience 'teachers'\n"
        "  hint: did you mean 'teacher'? audiences: student, teacher; teacher material: answers, teaching-notes, "
        "answer-key",
        "manuscript/01.md:5: error: unknown audience 'teachers'\n"
        "  hint: did you mean 'teacher'? box names: note, keyterms, think, source, timeline, answers, "
        "teaching-notes, questions, glossary, answer-key; audiences: student, teacher; declare a box of your "
        "own in book.toml: boxes = [\"teachers\"]",
        "manuscript/01.md:9:13: error: unknown audience 'Teacher'\n"
        "  hint: did you mean 'teacher'? audiences: student, teacher; teacher material: answers, teaching-notes, "
        "answer-key",
    ]


def test_a_heading_for_the_teacher_takes_its_whole_section(project):
    root = chapter_project(project, """\
        # One

        Open intro.

        ## For the teacher {.teacher}

        SECRETSECTION text.[^n]

        ### A subsection

        SECRETSUB text.

        ::: note
        SECRETBOX in a box.
        :::

        ## Back to students

        Open again.

        ::: think
        ### Inside a box {.teacher}

        SECRETINBOX text.
        :::

        Open after the box.

        [^n]: SECRETNOTE called from the section.
        """.replace("        ", ""))
    student, teacher = student_and_teacher_html(root)
    for word in ("SECRETSECTION", "SECRETSUB", "SECRETBOX", "SECRETINBOX", "SECRETNOTE", "For the teacher",
                 "A subsection"):
        assert word not in student
        assert word in teacher
    for word in ("Open intro", "Back to students", "Open again", "Open after the box"):
        assert word in student


def test_a_chapter_whose_title_is_for_the_teacher_is_left_out(project):
    root = project({"manuscript/book.toml": 'title = "Slips"\nchapters = ["01.md", "02.md"]\n',
                    "manuscript/01.md": "# One\n\nOpen.\n", "manuscript/02.md": "# Plan {.teacher}\n\nSECRETPLAN.\n"})
    student, teacher = student_and_teacher_html(root)
    assert "SECRETPLAN" not in student and "Plan" not in student.split("Open.")[-1]
    assert "SECRETPLAN" in teacher


def test_misspelt_box_names_are_errors_listing_the_known_ones(project):
    root = chapter_project(project, "# One\n\n::: keyterm\nA\n:::\n\n::: Think\nB\n:::\n\n::: zzzqx\nC\n:::\n")
    report = Report(stream=None)
    problems = problems_of(lambda: read_sources(root, None, report))
    assert [problem.split("\n")[0] for problem in problems] == [
        "manuscript/01.md:3: error: unknown box name 'keyterm'",
        "manuscript/01.md:7: error: unknown box name 'Think'",
    ]
    assert "did you mean 'keyterms'?" in problems[0] and "did you mean 'think'?" in problems[1]
    assert "box names: note, keyterms, think" in problems[0]
    # A class that is no slip of a known name is the author's own (Pandoc books use many): a warning that
    # nothing styles it, which --strict makes an error.
    assert [warning.format().split("\n")[0] for warning in report.warnings
            if "zzzqx" in warning.message] == [
        "manuscript/01.md:11: warning: class '.zzzqx' is not styled by the theme or the project's CSS, "
        "and has no effect"]


def test_box_names_declared_in_book_toml_or_a_project_stylesheet_are_known(project):
    root = chapter_project(project, "# One\n\n::: pullquote\nA\n:::\n\n::: sidebar\nB\n:::\n",
                           toml=BOOK_TOML + 'boxes = ["pullquote"]\n',
                           extra={"styles/css/print.css": "/* .nothere */ div.sidebar { color: red; }\n"})
    read_sources(root, None, Report(stream=None))


# ---------------------------------------------------------------------------
# The leak check


def test_leak_check_finds_hidden_sentences_across_layout():
    from bookbuild.errors import SourceLocation
    from bookbuild.leaks import HiddenMaterial, HiddenSentence

    sentence = "The model answer is that the thaw was real."
    material = HiddenMaterial("student", (HiddenSentence(sentence, letters_of(sentence), SourceLocation("a.md", 3)),))
    # Hyphenated across lines, small capitals, a ligature and typographic punctuation do not hide it.
    assert leaked(material, "THE MODEL AN-\nSWER IS THAT THE THAW WAS REAL.")
    assert leaked(material, "The model answer is that the thaw was real’")
    assert not leaked(material, "The model answer is that the thaw was not real.")


def test_a_leaking_output_is_not_written_and_the_previous_one_stays(project, monkeypatch):
    root = chapter_project(project, "# One\n\nOpen text for students.\n\n"
                                    "::: {.answers .teacher}\n1. The hidden model answer sentence.\n:::\n")
    written = build(root, ("pdf", "epub"), None, None, Report(stream=None))
    before = {path: path.read_bytes() for path in written}
    # A filter that forgets its job (a bug, or a project template printing teacher text) is caught.
    monkeypatch.setattr("bookbuild.outputs.context.select_edition",
                        lambda manuscript, edition, report, problems=None: manuscript)
    for target in ("pdf", "epub"):
        problems = problems_of(lambda target=target: build(root, (target,), None, None, Report(stream=None)))
        assert problems[0].startswith(
            "manuscript/01.md:6: error: material hidden from the student edition appears in build/slips."
            f"{target}: 'The hidden model answer sentence.'")
    assert {path: path.read_bytes() for path in written} == before


def test_leak_check_reads_pdf_strings_and_epub_attributes(project):
    root = chapter_project(project, "# One\n\nOpen text.\n")
    written = {path.suffix: path for path in build(root, ("pdf", "epub"), None, None, Report(stream=None))}
    assert "Slips" in pdf_text(written[".pdf"].read_bytes())  # the title in the pages, outline and metadata
    with zipfile.ZipFile(written[".epub"]) as archive:
        assert any(name.endswith(".opf") for name in archive.namelist())
    assert "Slips" in epub_text(written[".epub"].read_bytes())


def test_hidden_material_leaves_out_sentences_the_edition_also_shows(project):
    root = chapter_project(project, "# One\n\nThe thaw began in the summer of 1953.\n\n"
                                    "::: teacher\nThe thaw began in the summer of 1953. Stress the date of "
                                    "Stalin's death.\n:::\n")
    sources = read_sources(root, None, Report(stream=None))
    from bookbuild.editions import split_material

    material = hidden_material(split_material(sources.manuscript, find_edition(sources.config, "student")),
                               "student")
    assert [sentence.text for sentence in material.sentences] == ["Stress the date of Stalin’s death."]


# ---------------------------------------------------------------------------
# Property: random audience markings never reach a student output


_HEADINGS = st.tuples(st.integers(2, 4), st.sampled_from(["", " {.teacher}", " {.student}"]))
_BOXES = st.sampled_from(["note", "think", "answers", "teaching-notes", "answer-key", "teacher",
                          "{.answers .student}", "{.note .teacher}", "{.think .student}", "questions"])
_SPANS = st.sampled_from(["", "teacher", "student"])
_BLOCK = st.one_of(st.tuples(st.just("heading"), _HEADINGS), st.tuples(st.just("box"), _BOXES),
                   st.tuples(st.just("para"), _SPANS))
_TEACHER_BOXES = {"answers", "teaching-notes", "answer-key", "teacher", "{.answers .student}", "{.note .teacher}"}


def _manuscript_of(blocks) -> tuple[str, list[str], list[str]]:
    """Markdown of *blocks*, the marker words a student must not see and those a student must see."""
    lines, secret, open_ = ["# Chapter", ""], [], []
    hidden_level = None
    for number, (kind, what) in enumerate(blocks):
        def word(hidden: bool, number: int = number) -> str:
            marker = f"QZ{'SECRET' if hidden else 'OPEN'}{number}X"
            (secret if hidden else open_).append(marker)
            return marker
        if kind == "heading":
            level, marking = what
            if hidden_level is not None and level <= hidden_level:
                hidden_level = None
            if marking == " {.teacher}" and hidden_level is None:
                hidden_level = level
            lines += ["#" * level + f" Heading {word(hidden_level is not None)}{marking}", ""]
        elif kind == "box":
            hidden = hidden_level is not None or what in _TEACHER_BOXES
            lines += [f"::: {what}", f"Box text {word(hidden)}.", ":::", ""]
        else:
            hidden = hidden_level is not None
            text = f"Paragraph {word(hidden)}."
            if what:
                text += f" [Span {word(hidden or what == 'teacher')}]{{.{what}}}"
            lines += [text, ""]
    return "\n".join(lines), secret, open_


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(blocks=st.lists(_BLOCK, min_size=1, max_size=12))
def test_random_audience_markings_never_reach_a_student_output(tmp_path_factory, blocks):
    root = tmp_path_factory.mktemp("markings")
    body, secret, open_ = _manuscript_of(blocks)
    write_project(root, {"manuscript/book.toml": BOOK_TOML, "manuscript/01.md": body})
    student, teacher = student_and_teacher_html(root)
    for marker in secret:
        assert marker not in student, body
        assert marker in teacher, body
    for marker in open_:
        assert marker in student, body


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(blocks=st.lists(_BLOCK, min_size=1, max_size=6),
       typo=st.sampled_from(["teachers", "Teacher", "teacher-", "techer", "Answers", "keyterm", "Think"]),
       where=st.sampled_from(["div", "span", "heading"]))
def test_a_typo_in_any_marking_stops_the_build(tmp_path_factory, blocks, typo, where):
    root = tmp_path_factory.mktemp("typos")
    body, _, _ = _manuscript_of(blocks)
    slip = {"div": f"::: {{.{typo}}}\nQZSLIP.\n:::", "span": f"A [QZSLIP]{{.{typo}}} phrase.",
            "heading": f"## QZSLIP {{.{typo}}}"}[where]
    if where != "div" and typo in ("keyterm", "Think"):
        slip = f"::: {typo}\nQZSLIP.\n:::"
    write_project(root, {"manuscript/book.toml": BOOK_TOML, "manuscript/01.md": body + "\n\n" + slip + "\n"})
    with pytest.raises(BookbuildError) as caught:
        read_sources(root, None, Report(stream=None))
    assert any("did you mean" in (problem.hint or "") for problem in caught.value.problems)


# ---------------------------------------------------------------------------
# The project is found wherever you stand


def test_project_root_is_found_from_any_folder_inside(tmp_path):
    root = write_project(tmp_path / "book", {"manuscript/book.toml": BOOK_TOML, "manuscript/01.md": "# One\n",
                                             "manuscript/images/.keep": "", "styles/css/.keep": ""})
    for folder in ("", "manuscript", "manuscript/images", "styles/css"):
        assert find_project_root(root / folder) == root.resolve()
    bare = write_project(tmp_path / "bare", {"01.md": "# One\n"})
    assert find_project_root(bare) == bare.resolve()
    flat = write_project(tmp_path / "flat", {"book.toml": BOOK_TOML, "01.md": "# One\n", "images/.keep": ""})
    assert find_project_root(flat / "images") == flat.resolve()


def test_bookbuild_run_in_the_manuscript_folder_builds_the_project(tmp_path):
    root = write_project(tmp_path / "book", {
        "manuscript/book.toml": BOOK_TOML, "manuscript/01.md": "# One\n\nText.\n", "manuscript/images/.keep": "",
        "styles/css/print.css": "@page { size: 100mm 100mm; }\n"})
    result = subprocess.run([sys.executable, "-m", "bookbuild", "build", "pdf", "--jobs", "1"],
                            capture_output=True, text=True, cwd=root / "manuscript" / "images", check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"bookbuild: building {root.resolve()}\n")
    assert (root / "build" / "slips.pdf").is_file() and not (root / "manuscript" / "build").exists()
    from pypdf import PdfReader

    box = PdfReader(root / "build" / "slips.pdf").pages[0].mediabox
    assert round(float(box.width) / 72 * 25.4) == 100  # styles/ was used


def test_check_names_the_project_it_checks(tmp_path):
    root = write_project(tmp_path / "book", {"manuscript/book.toml": BOOK_TOML,
                                             "manuscript/01.md": "# One\n\nText.\n"})
    result = subprocess.run([sys.executable, "-m", "bookbuild", "check"], capture_output=True, text=True,
                            cwd=root / "manuscript", check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"bookbuild: checking {root.resolve()}\n"
    check(root, Report(stream=None))


# ---------------------------------------------------------------------------
# TOML and YAML mistakes in plain words, with the corrected line


@pytest.mark.parametrize(("toml", "expected"), [
    ('title = "Hungary 1956\nlanguage = "en"\n',
     "manuscript/book.toml:1: error: a string is never closed: the quotation mark at its end is missing\n"
     '  hint: write it as: title = "Hungary 1956"'),
    ('chapters = ["01.md" "02.md"]\n',
     "manuscript/book.toml:1: error: a comma is missing between two items of a list\n"
     '  hint: write it as: chapters = ["01.md", "02.md"]'),
    ('title = "T"\nchapters = [\n  "01.md"\n  "02.md",\n]\n',
     "manuscript/book.toml:3: error: a comma is missing after an item of a list written over several lines\n"
     '  hint: write it as: "01.md",'),
    ('chapters = ["01.md", "02.md"\ntitle = "T"\n',
     "manuscript/book.toml:1: error: a list is never closed: the ']' at its end is missing\n"
     '  hint: write it as: chapters = ["01.md", "02.md"]'),
    ("title = Hungary 1956\n",
     "manuscript/book.toml:1: error: text must be written in quotation marks\n"
     '  hint: write it as: title = "Hungary 1956"'),
    ("remote-resources = True\n",
     "manuscript/book.toml:1: error: 'True' is not a value TOML knows: true and false are written in lowercase\n"
     "  hint: write it as: remote-resources = true"),
    ('title = "A"\nlanguage = "en"\ntitle = "B"\n',
     "manuscript/book.toml:3: error: the key 'title' is set twice (first on line 1)\n"
     '  hint: keep one of the two lines and delete the other (line 1 or 3); a list holds several values: '
     'title = ["…", "…"]'),
    ('[print]\nbleed = "3mm"\n[print]\ncreep = "0mm"\n',
     "manuscript/book.toml:3: error: the table [print] is declared twice (first on line 1)\n"
     "  hint: move the keys under this [print] into the first one and delete this line"),
    ('title "A"\n',
     "manuscript/book.toml:1: error: a setting needs '=' between its key and its value\n"
     '  hint: write it as: title = "A"'),
])
def test_toml_mistakes_are_explained(project, toml, expected):
    root = project({"manuscript/book.toml": toml, "manuscript/01.md": "# One\n\nText.\n",
                    "manuscript/02.md": "# Two\n\nText.\n"})
    assert problems_of(lambda: load_config(locate_project(root)))[0] == expected


@pytest.mark.parametrize(("front", "expected"), [
    ("title: Chapter one: the thaw\n",
     "manuscript/01.md:2: error: a value holding a colon must be written in quotation marks\n"
     '  hint: write it as: title: "Chapter one: the thaw"'),
    ('kind: chapter\ntitle: "The thaw\n',
     "manuscript/01.md:3: error: a quoted value is never closed: the quotation mark at its end is missing\n"
     '  hint: write it as: title: "The thaw"'),
    ("title: 'Stalin's death'\n",
     "manuscript/01.md:2: error: a value that starts with a quotation mark must end with it; quote the whole value\n"
     '  hint: write it as: title: "Stalin\'s death"'),
    ("title: A\n\tkind: back\n",
     "manuscript/01.md:3: error: front matter is indented with a tab; YAML needs spaces\n"
     "  hint: write it as: kind: back"),
    ("title: A\nkind: back\ntitle: B\n",
     "manuscript/01.md:4: error: front matter key 'title' is set twice (first on line 2)\n"
     "  hint: keep one of the two lines and delete the other"),
])
def test_yaml_front_matter_mistakes_are_explained(project, front, expected):
    root = project({"manuscript/01.md": f"---\n{front}---\n\n# One\n\nText.\n"})
    problems = problems_of(lambda: read_sources(root, None, Report(stream=None)))
    assert expected in problems


# ---------------------------------------------------------------------------
# Every mistake of every stage in one run


EVERY_STAGE = {
    "manuscript/book.toml": 'title = "Slips"\ncolour = "red"\nchapters = ["01.md", "02.md"]\n'
                            'bibliography = "refs.bib"\n',
    "manuscript/01.md": "# One\n\n::: keyterm\nA term.\n:::\n\n![A map](images/missing.png)\n",
    "manuscript/02.md": "# Two\n\nAs Gati wrote [@gati2007].\n",
    "manuscript/03-draft.md": "# Draft\n\nNot listed.\n",
    "manuscript/refs.bib": "@book{gati2006, author = {Gati, Charles}, title = {Failed Illusions}, "
                           "publisher = {Stanford University Press}, year = {2006}}\n",
    "styles/templates/book.html.j2": "{% extends \"theme/book.html.j2\" %}{% block copyright %}"
                                     "{{ no_such_thing }}{% endblock %}\n",
}


def test_one_check_reports_a_mistake_of_every_stage(project):
    root = project(EVERY_STAGE)
    report = Report(stream=None)
    problems = problems_of(lambda: check(root, report))
    firsts = [problem.split("\n")[0] for problem in problems]
    assert firsts == [
        "manuscript/01.md:3: error: unknown box name 'keyterm'",
        "manuscript/01.md:7:1: error: image file 'images/missing.png' does not exist",
        "manuscript/02.md:3:15: error: unknown citation key 'gati2007'",
        "manuscript/book.toml:2:1: error: unknown key 'colour' in book.toml",
        "styles/templates/book.html.j2:1: error: template error: 'no_such_thing' is undefined",
    ]
    assert [str(warning.location) + ": " + warning.message for warning in report.warnings] == [
        "manuscript/03-draft.md: '03-draft.md' is not listed in book.toml's chapters: it is left out of the book"]


def test_build_reports_them_all_and_writes_nothing(project):
    root = project(EVERY_STAGE)
    problems = problems_of(lambda: build(root, ("pdf", "epub"), None, None, Report(stream=None)))
    assert len(problems) >= 4
    assert not (root / "build").exists() or not any((root / "build").glob("*.pdf"))


def test_the_command_line_check_lists_every_problem_sorted(project):
    root = project(EVERY_STAGE)
    result = subprocess.run([sys.executable, "-m", "bookbuild", "check", "--project", str(root)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) >= 5 and errors == sorted(errors, key=lambda line: line.split(": error")[0].split(":")[0])
    assert "warning: '03-draft.md' is not listed" in result.stderr


# ---------------------------------------------------------------------------
# Full builds: the slips, read back from the real PDF, EPUB and handouts


SLIPS_PROJECT = {
    "manuscript/book.toml": 'title = "Slips"\nchapters = ["01-one.md", "02-two.md"]\n',
    "manuscript/01-one.md": """
        # The thaw

        Students read this QZOPENONE paragraph.

        ::: questions
        1. Why did the thaw begin in QZOPENQ?
        :::

        ::: answers
        1. Because QZSECRETANSWER of the death of Stalin.
        :::

        ::: teaching-notes
        Spend ten minutes on QZSECRETNOTES with the class.
        :::

        ## For the teacher {.teacher}

        The whole QZSECRETSECTION section is for the teacher.

        ### Marking QZSECRETSUBHEAD

        Give QZSECRETMARKS marks for each point.

        ## After the thaw

        Students read QZOPENTWO again.
    """,
    "manuscript/02-two.md": """
        # The rising

        ![A crowd QZOPENALT in the square](crowd.png)

        ## Lesson plan {.teacher}

        ![A QZSECRETALT map for the teacher](crowd.png)

        Plan QZSECRETPLAN for the lesson.
    """,
}


@pytest.fixture(scope="module")
def slips_build(tmp_path_factory):
    import base64

    root = write_project(tmp_path_factory.mktemp("slips") / "book", SLIPS_PROJECT)
    (root / "manuscript" / "crowd.png").write_bytes(base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="))
    written = build(root, ("pdf", "epub", "handouts"), ["student", "teacher"], None, Report(stream=None))
    return {path.name: path for path in written}


def _pdf_words(path) -> str:
    import pikepdf
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        stack = list(outline.root)
        while stack:
            item = stack.pop()
            text += " " + item.title
            stack.extend(item.children)
        text += " " + " ".join(str(value) for value in pdf.docinfo.values())
    return letters_of(text)


def _epub_words(path) -> str:
    with zipfile.ZipFile(path) as archive:
        return letters_of(" ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                                   if name.endswith((".xhtml", ".opf", ".ncx"))))


def test_full_builds_keep_every_slip_out_of_student_outputs(slips_build):
    student = {"slips.pdf": _pdf_words(slips_build["slips.pdf"]),
               "slips.epub": _epub_words(slips_build["slips.epub"]),
               "01-the-thaw-student.pdf": _pdf_words(slips_build["01-the-thaw-student.pdf"])}
    teacher = _pdf_words(slips_build["slips-teacher.pdf"]) + _epub_words(slips_build["slips-teacher.epub"])
    for secret in ("qzsecretanswer", "qzsecretnotes", "qzsecretsection", "qzsecretsubhead", "qzsecretmarks",
                   "qzsecretalt", "qzsecretplan", "modelanswers", "teachingnotes", "fortheteacher",
                   "lessonplan"):
        for name, words in student.items():
            assert secret not in words, (secret, name)
        assert secret in teacher, secret
    for name in ("slips.pdf", "slips.epub"):
        for open_word in ("qzopenone", "qzopentwo", "qzopenq", "afterthethaw"):
            assert open_word in student[name], (open_word, name)
    assert "qzopenalt" in student["slips.epub"]  # alt text of the students' figure is kept


def test_a_broken_bibliography_does_not_hide_the_other_stages(project):
    root = project({**EVERY_STAGE, "manuscript/refs.bib": "@book{gati2006, author = {Gati, title = {Failed}\n"})
    report = Report(stream=None)
    firsts = [problem.split("\n")[0] for problem in problems_of(lambda: check(root, report))]
    assert "manuscript/01.md:3: error: unknown box name 'keyterm'" in firsts
    assert "manuscript/book.toml:2:1: error: unknown key 'colour' in book.toml" in firsts
    assert any(line.startswith("styles/templates/book.html.j2:1: error: template error") for line in firsts), firsts
    # The entry the .bib cannot read is not cited, so it is a warning (as biber would go on), not an error;
    # the other stages are still checked and reported.
    assert any(warning.format().startswith("manuscript/refs.bib:") for warning in report.warnings), \
        [warning.format() for warning in report.warnings]


def test_an_epub_template_mistake_stops_the_build_before_the_pdf_is_written(project):
    root = project({"manuscript/book.toml": BOOK_TOML, "manuscript/01.md": "# One\n\nText.\n",
                    "styles/templates/epub/copyright.xhtml.j2": "{% extends \"theme/epub/copyright.xhtml.j2\" %}"
                    "{% block content %}{{ no_such_thing }}{% endblock %}\n"})
    problems = problems_of(lambda: build(root, ("pdf", "epub"), None, None, Report(stream=None)))
    assert any("'no_such_thing' is undefined" in problem for problem in problems), problems
    assert not (root / "build" / "slips.pdf").exists()
