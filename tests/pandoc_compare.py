"""Compare bookbuild's HTML with Pandoc's for the same Markdown (the reference implementation).

Pandoc is run as ``pandoc -f markdown -t html5`` (no section divs) and as
``-t json`` (for the citations it finds); bookbuild's HTML stage is run on the
same text as the only chapter of a throwaway project.  Both HTML texts are
reduced to the same outline:

* one line per element that carries structure (headings, paragraphs, lists
  and items, emphasis, super- and subscripts, deletions, spans with a class
  or language, internal links, check boxes, tables), with the attributes that
  carry meaning (``id``, list ``type`` and ``start``, ``lang``, a few classes,
  an internal ``href``, ``checked``);
* the text inside them, white space collapsed;
* footnotes as a separate list of texts; a citation as ``[CITE]`` in the text, its keys
  (nested citations included) in a list of their own.

Run it by hand to see a diff::

    PYTHONPATH=src python tests/pandoc_compare.py tests/fixtures/pandoc/text/fancy_lists.md
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pypandoc

from bookbuild.citations.model import CitationResult, RenderedCitation
from bookbuild.config import load_config
from bookbuild.editions import EDITIONS, select_edition
from bookbuild.errors import Report
from bookbuild.manuscript import parse_manuscript
from bookbuild.project import locate_project
from bookbuild.render.book import BuildInfo, render_book
from bookbuild.render.html import EPUB

STRUCTURE = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ol", "ul", "li", "blockquote", "dl", "dt", "dd", "pre",
             "code", "em", "strong", "sup", "sub", "del", "span", "a", "input", "table", "thead", "tbody", "tr",
             "th", "td", "hr", "br"}
MEANINGFUL_CLASSES = {"unnumbered", "smallcaps", "task-list", "example", "underline", "mark"}
SAME_ELEMENT = {"s": "del"}


@dataclass(frozen=True)
class Outline:
    """What is compared: the element outline, the notes' texts and the citation keys in reading order."""

    body: tuple[str, ...]
    notes: tuple[str, ...]
    cited: tuple[str, ...]

    def lines(self) -> list[str]:
        return ([*self.body, "-- notes --", *self.notes, "-- cited --", " ".join(self.cited)])


# ---------------------------------------------------------------------------
# Pandoc


def pandoc_outline(markdown: str) -> Outline:
    """The outline of Pandoc's HTML for *markdown*."""
    html_text = pypandoc.convert_text(markdown, "html5", format="markdown",
                                      extra_args=["--section-divs=false", "--wrap=none"])
    ast = json.loads(pypandoc.convert_text(markdown, "json", format="markdown"))
    root = _parse(html_text)
    notes: list[str] = []
    for section in root.xpath(".//section[contains(@class, 'footnotes')]"):
        for item in section.xpath(".//li"):
            for back in item.xpath(".//a[contains(@class, 'footnote-back')]"):
                _remove_keep_tail(back)
            notes.append(_squash(item.text_content()))
        _remove_keep_tail(section)
    for ref in root.xpath(".//a[contains(@class, 'footnote-ref')]"):
        _remove_keep_tail(ref)
    for span in root.xpath(".//span[contains(@class, 'citation')]"):
        _replace_with_text(span, "[CITE]")
    return Outline(tuple(_outline(root)), tuple(notes), tuple(_pandoc_keys(ast["blocks"])))


def _pandoc_keys(node) -> list[str]:
    """Citation keys in the Pandoc AST in reading order, nested citations included."""
    keys: list[str] = []
    if isinstance(node, dict):
        if node.get("t") == "Cite":
            citations, _ = node["c"]
            for citation in citations:
                keys.extend(_pandoc_keys(citation["citationPrefix"]))
                keys.append(citation["citationId"])
                keys.extend(_pandoc_keys(citation["citationSuffix"]))
            return keys
        for value in node.values():
            keys.extend(_pandoc_keys(value))
    elif isinstance(node, list):
        for value in node:
            keys.extend(_pandoc_keys(value))
    return keys


# ---------------------------------------------------------------------------
# bookbuild


def _fake_citations(manuscript) -> CitationResult:
    rendered = {citation.id: RenderedCitation(
        text=f'<span class="citation" data-cites="{" ".join(citation.keys)}">[CITE]</span>')
        for citation in manuscript.citations}
    return CitationResult(rendered, (), "Bibliography", False, "fake")


def bookbuild_outline(markdown: str, name: str = "chapter", files: dict[str, str] | None = None) -> Outline:
    """The outline of bookbuild's EPUB HTML for *markdown* as the one chapter of a project."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "book"
        manuscript_dir = root / "manuscript"
        manuscript_dir.mkdir(parents=True)
        (manuscript_dir / f"{name}.md").write_text(markdown, encoding="utf-8")
        for other, text in (files or {}).items():
            (manuscript_dir / other).write_text(text, encoding="utf-8")
        project = locate_project(root)
        config = load_config(project)
        report = Report(stream=None)
        manuscript = select_edition(parse_manuscript(project, config, report), EDITIONS["student"], report)
        book = render_book(manuscript, _fake_citations(manuscript), config, EDITIONS["student"], EPUB,
                           BuildInfo(date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
                           resource_url=lambda path: path.name)
        cited = [key for citation in manuscript.citations for key in citation.keys]
    body = []
    notes = []
    for chapter in book.chapters:
        if chapter.source.title_tokens:
            classes = ' class="unnumbered"' if chapter.source.title_classes and "unnumbered" in \
                chapter.source.title_classes else ""
            body.append(f'<h1 id="{chapter.id}"{classes}>{chapter.title_html}</h1>')
        body.append(chapter.body_html)
        for note in chapter.notes:
            note_root = _parse(note.html)
            for back in note_root.xpath(".//a[contains(@class, 'note-backlink')]"):
                _remove_keep_tail(back)
            notes.append(_squash(note_root.text_content()))
    root = _parse("".join(body))
    for ref in root.xpath(".//a[contains(@class, 'noteref')]"):
        _remove_keep_tail(ref)
    for span in root.xpath(".//span[contains(@class, 'citation')]"):
        _replace_with_text(span, "[CITE]")
    return Outline(tuple(_outline(root)), tuple(notes), tuple(cited))


# ---------------------------------------------------------------------------
# Outlines


def _parse(text: str):
    return lxml.html.fragment_fromstring(text or "<p></p>", create_parent="div")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _remove_keep_tail(element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _replace_with_text(element, text: str) -> None:
    element.tail = text + (element.tail or "")
    _remove_keep_tail(element)


def _describe(element) -> str | None:
    tag = SAME_ELEMENT.get(element.tag, element.tag)
    if not isinstance(tag, str) or tag not in STRUCTURE:
        return None
    attributes = []
    if tag == "a":
        href = element.get("href", "")
        if not href.startswith("#"):
            return None
        attributes.append(f"href={href}")
    if tag == "span" and not (element.get("lang") or set((element.get("class") or "").split())
                              & MEANINGFUL_CLASSES):
        return None
    if element.get("id") and tag[0] == "h" or tag == "span" and element.get("id"):
        attributes.append(f"id={element.get('id')}")
    if tag == "ol":
        list_type = element.get("type", "1")
        attributes.append(f"type={list_type}")
        attributes.append(f"start={element.get('start', '1')}")
    if tag == "input":
        attributes.append(f"type={element.get('type')}")
        attributes.append("checked" if element.get("checked") is not None else "unchecked")
    if element.get("lang"):
        attributes.append(f"lang={element.get('lang')}")
    classes = sorted(set((element.get("class") or "").split()) & MEANINGFUL_CLASSES)
    if classes:
        attributes.append("class=" + ".".join(classes))
    return tag + (f"[{' '.join(attributes)}]" if attributes else "")


def _outline(root) -> list[str]:
    lines: list[str] = []

    def text(value: str | None, depth: int) -> None:
        squashed = _squash(value or "")
        if squashed:
            lines.append("  " * depth + repr(squashed))

    def walk(element, depth: int) -> None:
        description = _describe(element)
        inner = depth
        if description is not None:
            lines.append("  " * depth + description)
            inner = depth + 1
        text(element.text, inner)
        for child in element:
            if isinstance(child.tag, str):
                walk(child, inner)
            text(child.tail, inner)

    text(root.text, 0)
    for child in root:
        if isinstance(child.tag, str):
            walk(child, 0)
        text(child.tail, 0)
    return lines


def differences(markdown: str) -> list[str]:
    """A unified diff of Pandoc's outline against bookbuild's; empty when they agree."""
    expected = pandoc_outline(markdown).lines()
    actual = bookbuild_outline(markdown).lines()
    return list(difflib.unified_diff(expected, actual, "pandoc", "bookbuild", lineterm="", n=2))


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        found = differences(Path(argument).read_text(encoding="utf-8"))
        print(f"{argument}: {'same structure' if not found else 'differs'}")
        print("\n".join(found))
