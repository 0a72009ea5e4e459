"""The render stage: golden HTML for each target, notes numbering, editions and escaping.

Golden files hold the chapter HTML produced before WeasyPrint or ebooklib
(never PDF bytes).  Refresh them with ``pytest --update-golden`` and review
the diff.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bookbuild.citations.model import BibliographyEntry, CitationResult, RenderedCitation
from bookbuild.config import load_config
from bookbuild.editions import EDITIONS, select_edition
from bookbuild.errors import Report
from bookbuild.manuscript import parse_manuscript
from bookbuild.project import locate_project
from bookbuild.render.book import BuildInfo, epub_documents, print_document, render_book
from bookbuild.render.html import EPUB, PRINT

GOLDEN = Path(__file__).resolve().parent / "golden"
BUILD = BuildInfo(date=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))


def fake_citations(manuscript) -> CitationResult:
    """A stand-in for the citation stage: each citation becomes a note naming its keys."""
    rendered = {}
    for citation in manuscript.citations:
        text = "; ".join(f'<a class="citation" href="#ref-{k}">{k}</a>' for k in citation.keys)
        if citation.in_note:
            rendered[citation.id] = RenderedCitation(text=text)
        elif citation.mode == "author-in-text":
            rendered[citation.id] = RenderedCitation(text=citation.keys[0].capitalize(), note=text)
        else:
            rendered[citation.id] = RenderedCitation(note=text + ".")
    keys = sorted({k for c in manuscript.citations for k in c.keys})
    bibliography = tuple(BibliographyEntry(k, f"ref-{k}", f"<i>{k}</i>.") for k in keys)
    return CitationResult(rendered, bibliography, "Bibliography", True, "fake")


def load(tmp_path, name: str, edition: str = "student"):
    root = tmp_path / f"golden-{name}-{edition}"
    (root / "manuscript").mkdir(parents=True)
    shutil.copy(GOLDEN / f"{name}.md", root / "manuscript" / f"{name}.md")
    for extra in GOLDEN.glob("*.svg"):
        shutil.copy(extra, root / "manuscript" / extra.name)
    project = locate_project(root)
    config = load_config(project)
    report = Report(stream=None)
    manuscript = select_edition(parse_manuscript(project, config, report), EDITIONS[edition], report)
    return project, config, manuscript


def render_chapter(tmp_path, name: str, target: str, edition: str = "student"):
    project, config, manuscript = load(tmp_path, name, edition)
    book = render_book(manuscript, fake_citations(manuscript), config, EDITIONS[edition], target, BUILD,
                       resource_url=lambda path: f"{path.name}")
    return project, book


def chapter_html(book) -> str:
    chapter = book.chapters[0]
    notes = "".join(f"\n<!-- note {n.number} -->\n{n.html}" for n in chapter.notes) if book.target == EPUB else ""
    return f"<h1>{chapter.title_html}</h1>\n{chapter.body_html}{notes}"


@pytest.mark.parametrize("target", [PRINT, EPUB])
@pytest.mark.parametrize("edition", ["student", "teacher"])
def test_golden_chapter(tmp_path, target, edition, update_golden):
    _, book = render_chapter(tmp_path, "chapter-features", target, edition)
    actual = chapter_html(book)
    expected_path = GOLDEN / f"chapter-features.{edition}.{target}.html"
    if update_golden:
        expected_path.write_text(actual, encoding="utf-8")
    assert expected_path.exists(), f"{expected_path.name} is missing: run pytest --update-golden and review it"
    assert actual == expected_path.read_text(encoding="utf-8")


def test_notes_are_numbered_together_in_reading_order(tmp_path):
    _, book = render_chapter(tmp_path, "chapter-features", EPUB)
    notes = book.chapters[0].notes
    assert [n.number for n in notes] == [1, 2, 3, 4, 5]
    # citation note, the author's note, the in-text citation's note, the note holding two citations, the source box
    assert "gati2006" in notes[0].html
    assert "The author’s own note" in notes[1].html
    assert "kramer1998" in notes[2].html
    assert "bekes2002" in notes[3].html and "granville2004" in notes[3].html
    assert notes[3].html.count("<p>") == 1


def test_print_footnotes_are_inline_floats(tmp_path):
    _, book = render_chapter(tmp_path, "chapter-features", PRINT)
    body = book.chapters[0].body_html
    assert body.count('<span class="footnote"') == 5
    assert "epub:type" not in body


def test_teacher_material_only_in_teacher_edition(tmp_path):
    _, student = render_chapter(tmp_path, "chapter-features", EPUB, "student")
    _, teacher = render_chapter(tmp_path, "chapter-features", EPUB, "teacher")
    assert "Because." not in student.chapters[0].body_html
    assert "teacher-only phrase" not in student.chapters[0].body_html
    assert "student-only phrase" in student.chapters[0].body_html
    assert "Because." in teacher.chapters[0].body_html
    assert "teacher-only phrase" in teacher.chapters[0].body_html


def test_raw_html_is_cleaned(tmp_path):
    _, book = render_chapter(tmp_path, "chapter-features", PRINT)
    body = book.chapters[0].body_html
    assert '<abbr title="Union of Soviet Socialist Republics">USSR</abbr>' in body
    for dangerous in ("<script", "alert(", "onerror", "onclick", "<iframe", "/etc/passwd", "<img src=\"x\""):
        assert dangerous not in body


def test_epub_documents_are_well_formed_and_links_cross_files(tmp_path):
    from lxml import etree

    project, book = render_chapter(tmp_path, "chapter-features", EPUB)
    documents = epub_documents(book, project)
    assert [d.file_name for d in documents] == [
        "cover.xhtml", "titlepage.xhtml", "copyright.xhtml", "nav.xhtml", "features.xhtml", "bibliography.xhtml"]
    for document in documents:
        etree.fromstring(document.content.encode("utf-8"))
    chapter = next(d for d in documents if d.file_name == "features.xhtml")
    assert 'href="bibliography.xhtml#ref-gati2006"' in chapter.content
    assert 'href="#tables"' in chapter.content
    nav = next(d for d in documents if d.file_name == "nav.xhtml")
    assert 'href="features.xhtml#tables"' in nav.content


def test_manuscript_text_is_never_template_code(tmp_path):
    root = tmp_path / "p"
    (root / "manuscript").mkdir(parents=True)
    (root / "manuscript" / "book.toml").write_text('title = "{{ 7*7 }} and {% raw %}"\n', encoding="utf-8")
    (root / "manuscript" / "01.md").write_text("# {{ 7*7 }}\n\nText {{ config }}.\n", encoding="utf-8")
    project = locate_project(root)
    config = load_config(project)
    manuscript = parse_manuscript(project, config, Report(stream=None))
    book = render_book(manuscript, fake_citations(manuscript), config, EDITIONS["student"], PRINT, BUILD)
    html = print_document(book, project)
    assert "49" not in html
    assert "{{ 7*7 }} and {% raw %}" in html
    assert "Text {{ config }}." in html


def test_page_references_to_front_matter_print_roman_numbers(project, tmp_path):
    from pypdf import PdfReader

    from bookbuild.pipeline import build

    root = project({
        "manuscript/00-preface.md": "---\nkind: front\n---\n\n# Preface\n\n## Reading the maps {#maps}\n\nText.\n",
        "manuscript/01-one.md": "# One\n\nSee [the note on maps](#maps){.pageref} and [chapter one](#one){.pageref}.\n",
    })
    [pdf] = build(root, ("pdf",), None, tmp_path / "out", Report(stream=None))
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "the note on maps (p. v)" in text
    assert "chapter one (p. 1)" in text


@pytest.mark.parametrize("target", [PRINT, EPUB])
def test_a_questions_box_has_a_heading_label_unless_a_heading_gives_it(tmp_path, target):
    root = tmp_path / "boxes"
    (root / "manuscript").mkdir(parents=True)
    (root / "manuscript" / "01.md").write_text(
        "# One\n\nText.\n\n::: questions\n1. Why?\n:::\n\n## Questions for discussion\n\n::: questions\n"
        "1. How?\n:::\n", encoding="utf-8")
    project = locate_project(root)
    config = load_config(project)
    report = Report(stream=None)
    manuscript = select_edition(parse_manuscript(project, config, report), EDITIONS["student"], report)
    book = render_book(manuscript, fake_citations(manuscript), config, EDITIONS["student"], target, BUILD,
                       resource_url=lambda path: path.name)
    body = book.chapters[0].body_html
    first, second = body.split('<div class="questions">')[1:]
    assert first.startswith('\n<p class="box-label">Questions</p>')
    assert "box-label" not in second
