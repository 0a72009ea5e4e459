"""The sample booklet's integrity: every citation resolves, every source is cited, every image
described, every internal link lands, and the names are spelled right."""

from __future__ import annotations

import re

import pytest

from bookbuild.bibliography import load_bibliography
from bookbuild.citations import load_style, resolve_citations
from bookbuild.config import load_config
from bookbuild.editions import EDITIONS, select_edition
from bookbuild.errors import Report
from bookbuild.manuscript import iter_inline, parse_manuscript
from bookbuild.project import locate_project

from .conftest import SAMPLE


@pytest.fixture(scope="module")
def sample():
    project = locate_project(SAMPLE)
    config = load_config(project)
    report = Report(stream=None)
    manuscript = parse_manuscript(project, config, report)
    bibliography = load_bibliography(project.manuscript_dir / config.bibliography, project)
    return project, config, manuscript, bibliography, report


def test_parses_without_warnings(sample):
    *_, report = sample
    assert report.warnings == []


def test_every_citation_resolves_and_every_source_is_cited(sample):
    project, config, manuscript, bibliography, _ = sample
    style = load_style(config.citation_style, project, config.language)
    for edition in EDITIONS.values():
        selected = select_edition(manuscript, edition, Report(stream=None))
        resolve_citations(selected.citations, bibliography, style)  # raises on an unknown key
    cited = {key for citation in manuscript.citations for key in citation.keys}
    assert cited == set(bibliography), set(bibliography) ^ cited
    student = select_edition(manuscript, EDITIONS["student"], Report(stream=None))
    cited_for_students = {key for citation in student.citations for key in citation.keys}
    assert len(cited_for_students) >= 9  # the State Department page and at least 8 other works


def test_every_image_has_alt_text_and_a_caption(sample):
    _, _, manuscript, _, _ = sample
    images = [child for chapter in manuscript.chapters
              for _, child, _ in iter_inline(chapter.tokens, chapter.footnotes) if child.type == "image"]
    assert len(images) >= 2
    for image in images:
        alt = "".join(t.content for t in image.children or [])
        assert len(alt) > 40, image.attrGet("src")
        assert image.attrGet("title"), image.attrGet("src")


def test_every_internal_link_lands(sample):
    _, _, manuscript, _, _ = sample
    links = [child.attrGet("href") for chapter in manuscript.chapters
             for _, child, _ in iter_inline(chapter.tokens, chapter.footnotes) if child.type == "link_open"]
    internal = [href for href in links if href.startswith("#")]
    assert internal
    assert all(href[1:] in manuscript.ids for href in internal)


@pytest.mark.parametrize("wrong, right", [
    ("Hugary", "Hungary"), ("Lázló", "László"), ("Matyas Rákosi", "Mátyás Rákosi"), ("Erno Gero", "Ernő Gerő"),
    ("Janos Kadar", "János Kádár"), ("Imre Nágy", "Imre Nagy"),
])
def test_names_are_spelled_correctly(wrong, right):
    text = "\n".join(path.read_text(encoding="utf-8") for path in (SAMPLE / "manuscript").glob("*.md"))
    assert wrong not in text
    assert right in text or right == "Hungary"


def test_no_sentence_is_copied_from_the_seed():
    seed = SAMPLE.parent / "shared" / "seed"
    sources = list(seed.glob("*.txt")) if seed.is_dir() else []
    if not sources:
        pytest.skip("the seed text is not beside this checkout")
    seed_text = " ".join(path.read_text(encoding="utf-8") for path in sources)
    booklet = " ".join(path.read_text(encoding="utf-8") for path in (SAMPLE / "manuscript").glob("*.md"))

    def shingles(text: str, size: int = 6) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-zA-Z0-9őűáéíóöüú]+", text.lower())
        return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}

    names = ("u s department of state",)  # a name is not a sentence
    shared = {s for s in shingles(seed_text) & shingles(booklet) if not any(n in " ".join(s) for n in names)}
    assert not shared, sorted(" ".join(s) for s in shared)[:5]


def _chapters() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8")
            for path in sorted((SAMPLE / "manuscript").glob("0[1-6]-*.md"))}


def _extracts(text: str) -> list[tuple[str, str]]:
    """The chapter's source extracts: (label such as "3A", the box's text)."""
    boxes = re.findall(r'^::: \{\.source title="Source (\d[A-Z]): [^"]*"\}\n(.*?)^:::$', text, re.M | re.S)
    return [(label, body) for label, body in boxes if "\n> " in "\n" + body]


def test_every_chapter_has_one_to_three_translated_extracts_with_a_citation_and_a_question():
    total = 0
    for name, text in _chapters().items():
        extracts = _extracts(text)
        assert 1 <= len(extracts) <= 3, name
        questions = text.split("::: questions", 1)[1].split(":::", 1)[0]
        for label, body in extracts:
            assert re.search(r"^\*Translated for this booklet from the \w+ (original|text)", body, re.M), (name, label)
            assert "[@" in body.split("**Who, when, where:**", 1)[1], (name, label)  # the original is cited
            assert f"Source {label}" in questions or f"Sources {label}" in questions \
                or re.search(rf"Sources \d[A-Z] and {label}", questions), (name, label)
        total += len(extracts)
    assert total >= 12


def test_every_timeline_entry_and_table_row_has_a_note():
    for path in sorted((SAMPLE / "manuscript").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for box in re.findall(r"^::: timeline\n(.*?)^:::$", text, re.M | re.S):
            for entry in box.strip().splitlines():
                assert "[@" in entry, (path.name, entry)
        rows = [line for line in text.splitlines()
                if line.startswith("| ") and not line.startswith(("| Date | Event", "| What was counted"))]
        for row in rows:
            assert "[@" in row, (path.name, row)


def test_the_bibliography_holds_real_works_and_the_state_department_page_by_its_address(sample):
    *_, bibliography, _ = sample
    assert len(bibliography) >= 24
    text = (SAMPLE / "manuscript" / "references.bib").read_text(encoding="utf-8")
    assert "https://history.state.gov/milestones/1953-1960/hungary-1956" in text
    assert not re.search(r"url\s*=\s*\{https?://(www\.)?state\.gov/?\}", text)  # never the bare home page
