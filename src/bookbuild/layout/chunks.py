"""Turn the printed book's HTML into chunks that WeasyPrint can lay out one by one.

The book's ``<body>`` holds its parts side by side: the cover and title
page, the copyright page, the contents, front chapters, body chapters and
back matter.  A chunk is a whole HTML document (the book's ``<head>`` and
``<body>`` element) holding some of them:

* the front matter: the cover, title and copyright pages; the contents;
  each front chapter;
* each body chapter: it starts on a right-hand page, so laid out alone it
  starts on page 1 (a right-hand page) and breaks its lines and pages as in
  the whole book;
* the back matter: the back chapters and the bibliography, together.

The contents print the page numbers of every chapter (``waits``): their
chunk is laid out in its turn with guessed numbers, and again once the real
numbers are known.

No chunk keeps the ``<meta>`` dates of the book's ``<head>``: the joined PDF
is stamped with the build time when the chunks are assembled, so every chunk
stays the same from one build to the next (and in the cache).

A chunk other than the last ends with the *start* of the next one: its
opening tag, empty, without an id (the sentinel).  Its forced page break
makes WeasyPrint add the blank page the whole book would have before the
next chunk; the sentinel's own page is dropped after layout.

The parts are found in the HTML as written, and each chunk's HTML is cut
from it unchanged, so that WeasyPrint parses the same markup.  A document
that cannot be cut safely (text between the parts, tags that do not
close) is one chunk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

FRONT, BODY, BACK, WHOLE = "front", "body", "back", "whole"
VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                           "track", "wbr"})
_ID = re.compile(r'\sid="([^"]+)"')
_HREF = re.compile(r'\shref="#([^"]+)"')
_ATTRIBUTE_ID = re.compile(r'\sid="[^"]*"')
_DATES = re.compile(r'<meta name="dcterms\.(created|modified)" content="[^"]*">\n?')


@dataclass(frozen=True)
class Chunk:
    """One part of the book, as a document of its own."""

    index: int
    kind: str  # FRONT, BODY, BACK, or WHOLE for a book laid out in one piece
    label: str  # how messages name it: "front matter", "chapter-3", "back matter"
    html: str
    ids: frozenset[str]  # the element ids it holds (the sentinel has none)
    outside_links: tuple[str, ...]  # ids its links point at that other chunks hold
    sentinel: bool  # it ends with the empty start of the next chunk, whose page is dropped
    waits: bool = False  # it prints the page numbers of other chunks (the contents): laid out again once known


@dataclass(frozen=True)
class _Part:
    start: int  # offset of its opening tag in the document
    end: int  # offset just after its closing tag
    tag: str
    classes: tuple[str, ...]
    opening: str  # the opening tag as written


def split_book(html: str) -> tuple[Chunk, ...]:
    """The chunks of a printed book's HTML, in reading order (one WHOLE chunk if it cannot be cut)."""
    found = _find_parts(html)
    if found is None:
        return (_whole(html),)
    parts, body_start, body_end = found
    groups = _group(parts)
    if len(groups) < 2:
        return (_whole(html),)
    head, tail = html[:body_start], html[body_end:]
    head = _DATES.sub("", head)  # the joined PDF is stamped with the build time (assemble_pdf)
    chunks = []
    for index, (kind, members) in enumerate(groups):
        content = html[members[0].start:members[-1].end]
        following = groups[index + 1][1][0] if index + 1 < len(groups) else None
        sentinel = ""
        if following is not None:
            sentinel = "\n" + _ATTRIBUTE_ID.sub("", following.opening) + f"</{following.tag}>"
        ids = frozenset(_ID.findall(content))
        links = tuple(dict.fromkeys(target for target in _HREF.findall(content) if target not in ids))
        waits = any(part.tag == "nav" or "toc" in part.classes for part in members)
        chunks.append(Chunk(index, kind, _label(kind, content, waits), head + content + sentinel + "\n" + tail, ids,
                            links, following is not None, waits))
    return tuple(chunks)


def _whole(html: str) -> Chunk:
    return Chunk(0, WHOLE, "book", html, frozenset(_ID.findall(html)), (), False)


def _label(kind: str, content: str, contents: bool) -> str:
    if contents:
        return "contents"
    if kind == BACK:
        return "back matter"
    heading = re.search(r'<h1[^>]*\sid="([^"]+)"', content)
    return heading[1] if heading else "front matter"


def _group(parts: list[_Part]) -> list[tuple[str, list[_Part]]]:
    """The title pages, the contents, each front and body chapter, then the back matter (each starts a page)."""
    groups: list[tuple[str, list[_Part]]] = [(FRONT, [])]
    for part in parts:
        chapter = "chapter" in part.classes
        if chapter and "kind-back" in part.classes:
            if groups[-1][0] != BACK:
                groups.append((BACK, []))
        elif groups[-1][0] == BACK:
            pass  # whatever follows the back matter stays with it
        elif chapter:
            groups.append((FRONT if "kind-front" in part.classes else BODY, []))
        elif part.tag == "nav" or "toc" in part.classes:
            groups.append((FRONT, []))
        groups[-1][1].append(part)
    return [(kind, members) for kind, members in groups if members]


def _find_parts(html: str) -> tuple[list[_Part], int, int] | None:
    finder = _PartFinder(html)
    try:
        finder.feed(html)
        finder.close()
    except (AssertionError, ValueError):
        return None
    if finder.broken or finder.body_start is None or finder.body_end is None or finder.depth not in (None, 0):
        return None
    return finder.parts, finder.body_start, finder.body_end


class _PartFinder(HTMLParser):
    """Finds where each element right under <body> begins and ends in the source."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", source)]
        self.depth: int | None = None  # None outside <body>
        self.body_start: int | None = None
        self.body_end: int | None = None
        self.parts: list[_Part] = []
        self.open: tuple[int, str, str] | None = None  # the part being read: start, tag, opening tag
        self.broken = False

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        start = self._offset()
        text = self.get_starttag_text() or ""
        if self.depth is None:
            if tag == "body" and self.body_start is None:
                self.depth = 0
                self.body_start = start + len(text)
            return
        if tag in VOID_ELEMENTS:
            if self.depth == 0:
                self.parts.append(self._part(start, start + len(text), tag, text))
            return
        if self.depth == 0:
            self.open = (start, tag, text)
        self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            start = self._offset()
            text = self.get_starttag_text() or ""
            self.parts.append(self._part(start, start + len(text), tag, text))

    def handle_endtag(self, tag):
        if self.depth is None or tag in VOID_ELEMENTS:
            return
        start = self._offset()
        if self.depth == 0:
            if tag == "body":
                self.body_end = start
                self.depth = None
            else:
                self.broken = True
            return
        self.depth -= 1
        if self.depth == 0:
            if self.open is None or self.open[1] != tag:
                self.broken = True
                return
            end = self.source.index(">", start) + 1
            self.parts.append(self._part(self.open[0], end, tag, self.open[2]))
            self.open = None

    def handle_data(self, data):
        if self.depth == 0 and data.strip():
            self.broken = True  # text right in <body> would change with the cut

    def _part(self, start: int, end: int, tag: str, opening: str) -> _Part:
        classes = re.search(r'\sclass="([^"]*)"', opening)
        return _Part(start, end, tag, tuple(classes[1].split()) if classes else (), opening)
