"""Turn every chapter's model answers into an answer-key appendix: one more chapter of the manuscript.

An edition with ``answer-key = true`` (the teacher edition) gets, after the
last chapter, a back-matter chapter "Answer key" with a section per chapter
holding the content of its ``::: answers`` divs.  It is built from the
manuscript *of that edition*, after the audience filter, so an edition that
does not show the answers has no answer key.  The answers keep their notes and
citations; the notes are numbered anew in the appendix and the citations count
as citations of the appendix (a work's first citation there is a full note).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from markdown_it.token import Token

from .labels import fill_label
from .manuscript import Chapter, Heading, Manuscript, copy_tokens, iter_inline

ANSWER_KEY_ID = "answer-key"
ANSWERS_CLASS = "answers"


@dataclass(frozen=True)
class ChapterAnswers:
    """The model answers of one chapter: the block tokens inside its answers divs."""

    chapter: Chapter
    tokens: tuple[Token, ...]


def div_contents(tokens: Sequence[Token], css_class: str) -> list[list[Token]]:
    """The tokens inside every fenced div with *css_class*, at any depth, in order (not nested in each other)."""
    found: list[list[Token]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "div_open" and css_class in token.meta.get("classes", []):
            end = matching_close(tokens, index)
            found.append(list(tokens[index + 1:end]))
            index = end + 1
        else:
            index += 1
    return found


def matching_close(tokens: Sequence[Token], start: int) -> int:
    """The index of the token that closes the block opened at *start*."""
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def collect_answers(manuscript: Manuscript) -> list[ChapterAnswers]:
    """Each chapter's model answers, for chapters that have any."""
    collected = []
    for chapter in manuscript.chapters:
        blocks = [token for block in div_contents(chapter.tokens, ANSWERS_CLASS) for token in block]
        if blocks:
            collected.append(ChapterAnswers(chapter, tuple(blocks)))
    return collected


def add_answer_key(manuscript: Manuscript, labels: dict[str, Any]) -> Manuscript:
    """*manuscript* with an answer-key chapter at the end, if any chapter has model answers."""
    answers = collect_answers(manuscript)
    if not answers:
        return manuscript
    ids = dict(manuscript.ids)
    key_id = _unused_id(ANSWER_KEY_ID, ids)
    title = labels["answer_key"]
    first = answers[0].chapter
    ids[key_id] = first.location
    tokens: list[Token] = []
    footnotes: dict[int, list[Token]] = {}
    headings = [Heading(1, key_id, title, first.location)]
    originals = {}
    for part in answers:
        chapter = part.chapter
        heading_id = _unused_id(f"{key_id}-{chapter.id}", ids)
        ids[heading_id] = chapter.location
        text = (f"{fill_label(labels['chapter'], number=chapter.number)}: {chapter.short_title}" if chapter.number
                else chapter.short_title)
        headings.append(Heading(2, heading_id, text, chapter.location))
        tokens.extend(_heading(heading_id, text))
        body = copy_tokens(part.tokens)
        _renumber_notes(body, chapter.footnotes, footnotes)
        tokens.extend(body)
        originals.update({citation.id: citation for citation in chapter.citations})
    key = Chapter(
        index=len(manuscript.chapters), path=first.path.parent / f"{key_id}.md", location=first.location,
        source="", front_matter={}, tokens=tokens, title_tokens=[], footnotes=footnotes, id=key_id, title=title,
        short_title=title, kind="back", number=None, audience=None, headings=tuple(headings), citations=(),
        ids=frozenset(heading.id for heading in headings),
    )
    key = replace(key, citations=tuple(_renumber_citations(key, originals)))
    return replace(manuscript, chapters=manuscript.chapters + (key,), ids=ids)


def _unused_id(wanted: str, ids: dict) -> str:
    candidate, counter = wanted, 2
    while candidate in ids:
        candidate = f"{wanted}-{counter}"
        counter += 1
    return candidate


def _heading(heading_id: str, text: str) -> list[Token]:
    opening = Token("heading_open", "h2", 1, block=True, markup="##")
    opening.attrSet("id", heading_id)
    inline = Token("inline", "", 0, content=text, children=[Token("text", "", 0, content=text)])
    return [opening, inline, Token("heading_close", "h2", -1, block=True, markup="##")]


def _renumber_notes(tokens: list[Token], source: dict[int, list[Token]], target: dict[int, list[Token]],
                    numbers: dict[int, int] | None = None) -> None:
    """Point the footnote calls in *tokens* at copies of their notes in *target*, numbered anew."""
    numbers = {} if numbers is None else numbers
    calls: dict[int, int] = {}
    for token in tokens:
        for child in token.children or []:
            if child.type != "footnote_ref" or child.meta["id"] not in source:
                continue
            old = child.meta["id"]
            if old not in numbers:
                numbers[old] = len(target)
                body = copy_tokens(source[old])
                target[numbers[old]] = body
                _renumber_notes(body, source, target, numbers)
            child.meta = {**child.meta, "id": numbers[old], "subId": calls.get(old, 0)}
            calls[old] = calls.get(old, 0) + 1


def _renumber_citations(chapter: Chapter, originals: dict) -> list:
    """The appendix's citations in reading order, each the original with a new id."""
    citations: list = []
    for _, child, in_note in iter_inline(chapter.tokens, chapter.footnotes):
        original = originals.get(child.meta.get("id", "")) if child.type == "citation" else None
        if original is None:
            continue
        new_id = f"cite-{chapter.id}-{len(citations) + 1}"
        child.meta = {**child.meta, "id": new_id}
        citations.append(replace(original, id=new_id, chapter=chapter.id, in_note=in_note))
    return citations
