"""Turn the chapters of the student and teacher editions into handouts: worksheets and declared handouts.

For every chapter (``kind: chapter``) that has key terms, a timeline or
discussion questions there is a *worksheet* for each of the two audiences:

* the student worksheet: the key terms, the timeline, and each question with
  ruled lines to write the answer on, as many as the question asks for;
* the teacher sheet: the same, each question followed by its model answer
  (the answers div's list item of the same number), then the teaching notes.

A file whose front matter says ``handout: true`` is also a handout of its own:
the whole file, with ruled lines under its questions in the student version.
Its teacher version exists when the file holds material for the teacher.

The handouts are taken from the manuscript *of each edition* (after the
audience filter), so a student handout cannot hold teacher material.  Each
handout keeps the citations it contains, in its own reading order, so that
its notes and its list of sources are its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from markdown_it.token import Token

from .answer_key import ANSWERS_CLASS, div_contents, matching_close
from .editions import Edition
from .manuscript import Chapter, Manuscript, SourceFile, collect_citations, copy_tokens, plain_text
from .markdown.citation_syntax import Citation

HANDOUT_AUDIENCES = ("student", "teacher")  # the editions handouts are made for
WORKSHEET_PARTS = ("keyterms", "timeline", "questions")
TEACHING_NOTES_CLASS = "teaching-notes"
LINES_MIN, LINES_MAX = 5, 12
_ESSAY_WORDS = re.compile(r"\b(how far|to what extent|compare|explain|why|evaluate|assess|agree|discuss|"
                          r"imagine|describe)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Question:
    """One discussion question, the ruled lines for its answer, and its model answer (teacher sheets)."""

    number: int
    tokens: tuple[Token, ...]
    lines: int
    answer: tuple[Token, ...] = ()


@dataclass(frozen=True)
class Section:
    """A part of a handout: a block of text (key terms, timeline, notes, running text) or a set of questions."""

    kind: str  # "keyterms", "timeline", "questions", "answers", "teaching-notes" or "text"
    tokens: tuple[Token, ...] = ()  # for "questions": what the questions div holds besides its list
    questions: tuple[Question, ...] = ()


@dataclass(frozen=True)
class Handout:
    """One handout for one audience, before rendering."""

    name: str  # the file name without ".pdf", such as "01-thaw-student"
    kind: str  # "worksheet" or "handout" (a file declared as one)
    edition: Edition  # the student or the teacher edition
    chapter: Chapter  # the chapter as that edition shows it, its tokens those of the handout
    sections: tuple[Section, ...]

    @property
    def audience(self) -> str:
        return self.edition.name

    @property
    def citations(self) -> tuple[Citation, ...]:
        return self.chapter.citations


def answer_lines(question: str) -> int:
    """How many ruled lines a question's answer gets: more for long questions and those asking for an argument."""
    lines = LINES_MIN + len(question.split()) // 8
    if _ESSAY_WORDS.search(question):
        lines += 2
    return max(LINES_MIN, min(lines, LINES_MAX))


def extract_handouts(editions: Sequence[tuple[Edition, Manuscript]], files: Sequence[SourceFile]) -> list[Handout]:
    """Every handout: a worksheet per chapter and audience, then the files declared as handouts."""
    handouts: list[Handout] = []
    for edition, manuscript in editions:
        for chapter in manuscript.chapters:
            if chapter.kind == "chapter" and chapter.number is not None:
                worksheet = extract_worksheet(chapter, edition)
                if worksheet is not None:
                    handouts.append(worksheet)
    by_name = {edition.name: (edition, manuscript) for edition, manuscript in editions}
    declared = [source for source in files if source.front_matter.get("handout") is True]
    for source in declared:
        for edition, manuscript in editions:
            found = next((c for c in manuscript.chapters if c.path == source.path), None)
            if found is None or not _needs_version(source, edition, by_name):
                continue
            handouts.append(extract_declared(found, edition))
    order = {edition.name: number for number, (edition, _) in enumerate(editions)}
    handouts.sort(key=lambda handout: (handout.kind != "worksheet", handout.chapter.index, order[handout.audience]))
    return _unique_names(handouts)


def _needs_version(source: SourceFile, edition: Edition, by_name: dict) -> bool:
    """The teacher version of a declared handout is made only when it shows more than the student one."""
    if edition.name != "teacher" or "student" not in by_name:
        return True
    student, _ = by_name["student"]
    extra = frozenset(edition.audiences) - frozenset(student.audiences)
    if source.front_matter.get("audience") in extra:
        return True
    # What the student edition removes and the teacher one keeps: teacher audiences and teacher kinds of box.
    return _marked_for(source.tokens, student.hidden_classes - edition.hidden_classes)


def _marked_for(tokens: Sequence[Token], audiences: frozenset[str]) -> bool:
    for token in tokens:
        classes = str(token.attrGet("class") or "").split() if token.attrs else []
        if audiences.intersection(classes):
            return True
        if token.type == "figure" and _marked_for([token.meta["image"]], audiences):
            return True
        if token.children and _marked_for(token.children, audiences):
            return True
    return False


def _unique_names(handouts: list[Handout]) -> list[Handout]:
    seen: set[str] = set()
    unique = []
    for handout in handouts:
        name, counter = handout.name, 2
        while name in seen:
            name = f"{handout.name}-{counter}"
            counter += 1
        seen.add(name)
        unique.append(handout if name == handout.name else replace(handout, name=name))
    return unique


# ---------------------------------------------------------------------------
# Worksheets


def extract_worksheet(chapter: Chapter, edition: Edition) -> Handout | None:
    """A chapter's worksheet for *edition*, or None if the chapter has nothing to put on one."""
    tokens = copy_tokens(chapter.tokens)
    sections: list[Section] = []
    for kind in ("keyterms", "timeline"):
        blocks = div_contents(tokens, kind)
        if blocks:
            sections.append(Section(kind, tuple(token for block in blocks for token in block)))
    answers = [token for block in div_contents(tokens, ANSWERS_CLASS) for token in block]
    questions_divs = div_contents(tokens, "questions")
    if questions_divs:
        content = [token for block in questions_divs for token in block]
        sections.extend(_question_sections(_without_divs(content, ANSWERS_CLASS), answers))
    elif answers:
        sections.append(Section("answers", tuple(answers)))
    notes = div_contents(tokens, TEACHING_NOTES_CLASS)
    if notes:
        sections.append(Section("teaching-notes", tuple(token for block in notes for token in block)))
    if not any(section.kind in WORKSHEET_PARTS for section in sections):
        return None
    name = f"{chapter.number:02d}-{chapter.id}-{edition.name}"
    return Handout(name, "worksheet", edition, _handout_chapter(chapter, sections), tuple(sections))


def _question_sections(content: list[Token], answers: list[Token]) -> list[Section]:
    """The questions (with their answers paired by number when they match), and unpaired answers after them."""
    items, start, rest = _list_items(content)
    answer_items, _, answer_rest = _list_items(answers)
    paired = bool(items) and len(answer_items) == len(items) and not any(t.type == "inline" for t in answer_rest)
    if not items:
        # Questions not written as a list: one question, the whole div.
        items, rest = [content], []
    questions = tuple(
        Question(start + index, tuple(item), answer_lines(_text_of(item)),
                 tuple(answer_items[index]) if paired else ())
        for index, item in enumerate(items)
    )
    sections = [Section("questions", tuple(rest), questions)]
    if answers and not paired:
        sections.append(Section("answers", tuple(answers)))
    return sections


def _list_items(tokens: list[Token]) -> tuple[list[list[Token]], int, list[Token]]:
    """The items of the first top-level list in *tokens*, its first number, and the tokens around it."""
    for index, token in enumerate(tokens):
        if token.level == tokens[0].level and token.type in ("ordered_list_open", "bullet_list_open"):
            end = matching_close(tokens, index)
            start = int(token.attrGet("start") or 1) if token.type == "ordered_list_open" else 1
            items, position = [], index + 1
            while position < end:
                item_end = matching_close(tokens, position)
                items.append(tokens[position + 1:item_end])
                position = item_end + 1
            return items, start, tokens[:index] + tokens[end + 1:]
    return [], 1, tokens


def _without_divs(tokens: list[Token], css_class: str) -> list[Token]:
    result, index = [], 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "div_open" and css_class in token.meta.get("classes", []):
            index = matching_close(tokens, index) + 1
            continue
        result.append(token)
        index += 1
    return result


def _text_of(tokens: Sequence[Token]) -> str:
    """The words of a question, without its citations."""
    return " ".join(plain_text([child for child in token.children or [] if child.type != "citation"])
                    for token in tokens if token.type == "inline")


# ---------------------------------------------------------------------------
# Files declared as handouts


def extract_declared(chapter: Chapter, edition: Edition) -> Handout:
    """A whole file as a handout: its text, with each questions div (and the answers div after it) as questions."""
    tokens = copy_tokens(chapter.tokens)
    sections: list[Section] = []
    text: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "div_open" and "questions" in token.meta.get("classes", []):
            end = matching_close(tokens, index)
            content = tokens[index + 1:end]
            answers = [t for block in div_contents(content, ANSWERS_CLASS) for t in block]
            following = end + 1
            if following < len(tokens) and tokens[following].type == "div_open" \
                    and ANSWERS_CLASS in tokens[following].meta.get("classes", []):
                answers_end = matching_close(tokens, following)
                answers += tokens[following + 1:answers_end]
                end = answers_end
            if text:
                sections.append(Section("text", tuple(text)))
                text = []
            sections.extend(_question_sections(_without_divs(content, ANSWERS_CLASS), answers))
            index = end + 1
            continue
        text.append(token)
        index += 1
    if text:
        sections.append(Section("text", tuple(text)))
    name = f"{chapter.id}-{edition.name}"
    return Handout(name, "handout", edition, _handout_chapter(chapter, sections), tuple(sections))


# ---------------------------------------------------------------------------
# The handout as a chapter of its own: its tokens in reading order, its citations


def reading_order(sections: Sequence[Section]) -> list[Token]:
    """The handout's tokens in the order they are printed: each question before its answer."""
    tokens: list[Token] = []
    for section in sections:
        tokens.extend(section.tokens)
        for question in section.questions:
            tokens.extend(question.tokens)
            tokens.extend(question.answer)
    return tokens


def _handout_chapter(chapter: Chapter, sections: Sequence[Section]) -> Chapter:
    """*chapter* holding only the handout's tokens, with its own notes and citations in their reading order.

    Links to places in the book become plain text: the handout is printed without the book.
    """
    tokens = reading_order(sections)
    footnotes = {number: copy_tokens(body) for number, body in chapter.footnotes.items()}
    for block in [tokens, *footnotes.values()]:
        _unlink_internal(block)
    handout = replace(chapter, tokens=tokens, title_tokens=copy_tokens(chapter.title_tokens), footnotes=footnotes,
                      citations=())
    return replace(handout, citations=tuple(collect_citations(handout, chapter.source.split("\n"))))


def _unlink_internal(tokens: Sequence[Token]) -> None:
    """Remove the links to ids of the book (``#thaw``) from inline tokens, keeping their text."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        children, dropped = [], []
        for child in token.children:
            if child.type == "link_open" and str(child.attrGet("href") or "").startswith("#"):
                dropped.append(True)
                continue
            if child.type == "link_open":
                dropped.append(False)
            elif child.type == "link_close" and dropped and dropped.pop():
                continue
            children.append(child)
        token.children = children
