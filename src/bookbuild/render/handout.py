"""Turn a handout and its own resolved citations into one HTML document for WeasyPrint.

A handout is printed on its own: its notes are numbered from 1 (citation
notes and the author's notes together, as in the book), a work's first
citation in it is a full note, and its list of sources holds exactly the
works it cites.  The words it prints come from the theme's labels
(``[handouts]`` in ``labels/en.toml``); the layout from ``handout.html.j2``
and ``css/handout.css``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from ..citations.model import BibliographyEntry, CitationResult
from ..config import BookConfig
from ..handouts import Handout
from ..labels import fill_label, label_around, load_labels
from ..project import Project
from .book import BuildInfo
from .html import PRINT, Note, RenderContext, render_inline, render_tokens
from .templates import make_environment, render_template

HANDOUT_TEMPLATE = "handout.html.j2"
SECTION_LABELS = {"keyterms": "keyterms", "timeline": "timeline", "questions": "questions", "answers": "answers",
                  "teaching-notes": "teaching_notes"}


@dataclass(frozen=True)
class RenderedQuestion:
    number: int
    html: str
    lines: int  # ruled lines for the answer (student handouts)
    answer_html: str  # the model answer (teacher handouts), or ""


@dataclass(frozen=True)
class RenderedSection:
    kind: str
    label: str  # the section's heading on a worksheet; "" for the text of a declared handout
    html: str
    questions: tuple[RenderedQuestion, ...]


@dataclass(frozen=True)
class RenderedHandout:
    name: str
    kind: str  # "worksheet" or "handout"
    audience: str  # "student" or "teacher"
    title: str
    title_html: str
    number: int | None  # the chapter's number
    sections: tuple[RenderedSection, ...]
    notes: tuple[Note, ...]
    sources: tuple[BibliographyEntry, ...]
    config: BookConfig
    labels: dict[str, Any]
    build: BuildInfo

    @property
    def sheet_label(self) -> str:
        """"Student worksheet", "Teacher sheet", "Student handout" or "Teacher handout"."""
        words = self.labels["handouts"]
        return words[self.audience] if self.kind == "worksheet" else words[f"{self.audience}_handout"]

    @property
    def page_words(self) -> tuple[str, ...]:
        """The footer's words around the page number and the page count: ("Page ", " of ", "")."""
        return label_around(self.labels["handouts"]["page"], "page", "pages")

    @property
    def chapter_label(self) -> str:
        return f"{fill_label(self.labels['chapter'], number=self.number)}: {self.title}" if self.number else self.title

    @property
    def footer(self) -> str:
        """The footer of every page: the booklet, the chapter and whom the sheet is for."""
        return f"{self.config.title} · {self.chapter_label} · {self.sheet_label}"

    @property
    def ruled(self) -> bool:
        """Whether the questions get ruled lines to write on (student handouts)."""
        return self.audience == "student"

    @property
    def has_questions(self) -> bool:
        return any(section.questions for section in self.sections)


def render_handout(handout: Handout, citations: CitationResult, config: BookConfig, build: BuildInfo,
                   labels: dict[str, Any] | None = None) -> RenderedHandout:
    """Render a handout's title and sections, in reading order, with its own notes, in the words of *labels*."""
    if labels is None:
        labels = load_labels(config.language)
    chapter = handout.chapter
    context = RenderContext(target=PRINT, chapter=chapter, citations=citations, labels=labels,
                            resource_url=lambda path: path.as_uri())
    title_html = render_inline(chapter.title_tokens, context) if chapter.title_tokens else html.escape(chapter.title)
    sections = []
    for section in handout.sections:
        body = render_tokens(list(section.tokens), context) if section.tokens else ""
        questions = tuple(
            RenderedQuestion(question.number, render_tokens(list(question.tokens), context), question.lines,
                             render_tokens(list(question.answer), context) if question.answer else "")
            for question in section.questions
        )
        label = labels["handouts"][SECTION_LABELS[section.kind]] if handout.kind == "worksheet" \
            and section.kind in SECTION_LABELS else ""
        sections.append(RenderedSection(section.kind, label, body, questions))
    return RenderedHandout(
        name=handout.name, kind=handout.kind, audience=handout.audience, title=chapter.short_title,
        title_html=title_html, number=chapter.number, sections=tuple(sections), notes=tuple(context.notes),
        sources=citations.bibliography, config=config, labels=labels, build=build,
    )


def handout_document(handout: RenderedHandout, project: Project) -> str:
    """The handout as one HTML document, ready for WeasyPrint."""
    environment = make_environment(project)
    return render_template(environment, HANDOUT_TEMPLATE, project, handout=handout, config=handout.config,
                           labels=handout.labels)
