"""Turn the laid-out print edition into a PageMap: where each printed page begins, and its number.

The EPUB of an edition carries the page numbers of its printed booklet, so
that "turn to page 12" works for a class that reads on paper and on tablets.
This stage reads WeasyPrint's laid-out pages and records, for every page,

- the number printed on it ("iii", "17"), or the one it would carry when the
  page has none printed (the title page, the copyright page, a blank page);
- the part of the book it begins in: the title page, the copyright page, the
  contents, or a chapter (named by the id of its heading);
- where in that part it begins: a numbered block of the main text (the
  ``data-b`` number the renderer gives both targets alike) and how many
  characters of the text come before the page's first one, counted from the
  start of that block.

Only letters and digits are counted, and an image counts as one: spaces,
punctuation and hyphenation differ between a printed line and an e-book's
text, letters and digits do not.  Notes, note calls and generated content
(list numbers, "(p. 17)" after a cross-reference) are not counted, as the
EPUB has them elsewhere or not at all.

The map is a small frozen value, so that a later stage (or a cache) can keep
it without the layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .labels import interleaved_label, interleaved_parts  # noqa: F401  (interleaved_label: for the layout stage)

# Parts of the printed book that are not chapters, by the class of their section.
FRONT_PARTS = ("titlepage", "cover", "copyright", "toc")  # checked in this order: a typographic cover is a title page
CONTENTS = "toc"
# Elements whose text the EPUB does not have in the main text: notes (print footnotes) and repeated note calls.
EXCLUDED_CLASSES = frozenset({"footnote", "note-again"})

_ROMAN = re.compile(r"^(?=[ivxlcdm]+$)m*(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.IGNORECASE)
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


@dataclass(frozen=True)
class PageStart:
    """Where one printed page begins."""

    label: str  # the page number as printed (or as it would be printed)
    printed: bool  # False when the page shows no number (title page, blank page)
    part: str | None  # "titlepage", "cover", "copyright", "toc", "#<chapter heading id>"; None: a blank page
    block: int = 0  # the numbered block the count starts at; 0: the start of the part
    offset: int = 0  # letters, digits and images from the start of *block* to the page's first one


@dataclass(frozen=True)
class PageMap:
    """Every page of one edition's printed booklet, in order, and the pages cross-references point to."""

    source: str  # the print edition the numbers come from, for the EPUB's pageBreakSource
    pages: tuple[PageStart, ...]
    targets: tuple[tuple[str, str], ...] = ()  # (element id, page label) for every target of a .pageref link

    def page_of(self, element_id: str) -> str | None:
        """The label of the page *element_id* begins on, if a cross-reference points at it."""
        return dict(self.targets).get(element_id)


@dataclass(frozen=True)
class PageMapPart:
    """What the pages of one laid-out piece of the book show: a piece of the page map, before labels."""

    starts: tuple[tuple[str | None, int, int], ...]  # per page: (part, block, offset), part None for a blank page
    folios: tuple[str | None, ...]  # per page: the number printed on it, if any
    first_page: tuple[tuple[str, int], ...]  # (element id, the piece's page it first appears on)
    references: tuple[str, ...]  # the ids that .pageref links point at


def read_page_map_part(page_boxes: Iterable[Any]) -> PageMapPart:
    """Read where each of a run of laid-out pages begins, and the number printed on it."""
    walker = _LayoutWalker()
    starts: list[tuple[str | None, int, int]] = []
    folios: list[str | None] = []
    for number, page_box in enumerate(page_boxes):
        starts.append(walker.read_page(page_box, number))
        folios.append(printed_folio(page_box))
    return PageMapPart(tuple(starts), tuple(folios), tuple(walker.first_page.items()),
                       tuple(sorted(walker.references)))


def join_page_map(parts: Iterable[PageMapPart], source: str) -> PageMap:
    """The page map of the pieces of a book laid out one after the other, in order."""
    starts: list[tuple[str | None, int, int]] = []
    folios: list[str | None] = []
    first_page: dict[str, int] = {}
    references: set[str] = set()
    for part in parts:
        for element_id, page in part.first_page:
            first_page.setdefault(element_id, len(starts) + page)
        references.update(part.references)
        starts.extend(part.starts)
        folios.extend(part.folios)
    labels = infer_labels(folios)
    pages = tuple(PageStart(label, folio is not None, part, block, offset)
                  for label, folio, (part, block, offset) in zip(labels, folios, starts))
    targets = tuple((element_id, labels[first_page[element_id]])
                    for element_id in sorted(references) if element_id in first_page)
    return PageMap(source=source, pages=pages, targets=targets)


def print_edition_name(title: str, edition_label: str, paper_size: str, page_count: int) -> str:
    """How the EPUB names the printed booklet its page numbers come from."""
    edition = f", {edition_label}" if edition_label else ""
    return f"{title}{edition}: printed booklet, {paper_size}, {page_count} pages"


# -- page numbers ------------------------------------------------------------


def printed_folio(page_box: Any) -> str | None:
    """The page number printed in a page's margins: a margin box holding only a number (bottom first)."""
    found: dict[str, str] = {}
    for child in page_box.children:
        keyword = getattr(child, "at_keyword", None)
        if keyword is None:
            continue
        text = "".join(box.text for box in walk_boxes(child) if hasattr(box, "text")).strip()
        if text.isdigit() or _ROMAN.match(text):
            found.setdefault(keyword, text)
    for keyword in sorted(found, key=lambda name: (not name.startswith("@bottom"), name)):
        return found[keyword]
    return None


def infer_labels(folios: list[str | None]) -> list[str]:
    """Every page's label: the printed number, or the one an unnumbered page would have.

    An unnumbered page counts back from the next numbered page (the title page
    before page iii is i), else on from the previous one (a blank page after
    page vi is vii), in the same style; a book without any printed number is
    numbered 1, 2, 3 …
    """
    following: list[int | None] = [None] * len(folios)  # the next numbered page after each page
    after = None
    for index in range(len(folios) - 1, -1, -1):
        following[index] = after
        if folios[index] is not None:
            after = index
    labels = []
    before = None  # the last numbered page so far
    for index, folio in enumerate(folios):
        if folio is not None:
            labels.append(folio)
            before = index
            continue
        label = None
        after = following[index]
        if after is not None:
            label = _shifted(str(folios[after]), index - after)
        if label is None and before is not None:
            label = _shifted(str(folios[before]), index - before)
        labels.append(label or str(index + 1))
    return labels


def prefixed_label_ranges(labels: Sequence[str]) -> tuple[tuple[int, str, int, str], ...]:
    """Page labels as a PDF writes them, with a prefix where a label has one: (first page, style, first number,
    prefix); an interleaved teacher page "15b" is the prefix "15" and the letter "b" (style "a"), "vi-b" the
    prefix "vi-" and the letter "b"."""
    ranges: list[tuple[int, str, int, str]] = []
    previous: tuple[str, str, int] | None = None  # (prefix, style, value)
    for index, label in enumerate(labels):
        teacher = interleaved_parts(label)
        if teacher is not None:
            prefix, value = label[:-1], teacher[1]
            style = "a"
        else:
            prefix = ""
            if label.isdigit():
                style, value = "D", int(label)
            else:
                value = roman_value(label)
                style = "R" if label.isupper() else "r"
        if previous is None or previous != (prefix, style, value - 1):
            ranges.append((index, style, value, prefix))
        previous = (prefix, style, value)
    return tuple(ranges)


def label_ranges(labels: Sequence[str]) -> tuple[tuple[int, str, int], ...]:
    """Page labels as a PDF writes them: (first page, style, first number) for each run of pages.

    Styles are PDF's: "r" lower-case roman, "R" upper-case roman, "D" arabic.
    """
    ranges: list[tuple[int, str, int]] = []
    previous: tuple[str, int] | None = None
    for index, label in enumerate(labels):
        if label.isdigit():
            style, value = "D", int(label)
        else:
            value = roman_value(label)
            style = "R" if label.isupper() else "r"
        if previous is None or previous != (style, value - 1):
            ranges.append((index, style, value))
        previous = (style, value)
    return tuple(ranges)


def _shifted(label: str, distance: int) -> str | None:
    """The label *distance* pages after *label* (before, if negative), in its style; None below 1 (and for a
    label that is not a number, such as an interleaved teacher page's "15a")."""
    if not label.isdigit() and not _ROMAN.match(label):
        return None
    if label.isdigit():
        value = int(label) + distance
        return str(value) if value >= 1 else None
    value = roman_value(label) + distance
    if value < 1:
        return None
    numeral = _roman(value)
    return numeral.upper() if label.isupper() else numeral


def roman_value(numeral: str) -> int:
    values = [_ROMAN_VALUES[letter] for letter in numeral.lower()]
    return sum(-value if index + 1 < len(values) and value < values[index + 1] else value
               for index, value in enumerate(values))


def _roman(number: int) -> str:
    from .labels import roman_numeral

    return roman_numeral(number)


# -- where pages begin -------------------------------------------------------


def walk_boxes(box: Any) -> Iterator[Any]:
    """*box* and every box under it, in document order."""
    yield box
    for child in getattr(box, "children", ()):
        yield from walk_boxes(child)


GENERATED = ("::before", "::after", "::marker", "::footnote-call", "::footnote-marker")


def is_generated(box: Any) -> bool:
    """Whether a laid-out box is content the stylesheet generated (a note's call or marker, a list number, a
    ``::before``), not the document's text; a ``::first-letter`` is the text's own first letter."""
    return (getattr(box, "element_tag", None) or "").endswith(GENERATED)


def counted_characters(text: str) -> int:
    """The characters that locate a place in the text: letters and digits."""
    return sum(character.isalnum() for character in text)


class _LayoutWalker:
    """Walks the pages in order, following the main text through parts and numbered blocks."""

    def __init__(self) -> None:
        self.part: str | None = None
        self.part_element: Any = None
        self.block = 0
        self.count = 0
        self.seen: set[int] = set()  # elements met so far (by id())
        self.parts: dict[int, str | None] = {}
        self.first_page: dict[str, int] = {}  # element id attribute -> first page it appears on
        self.references: set[str] = set()  # ids that .pageref links point at

    def read_page(self, page_box: Any, number: int) -> tuple[str | None, int, int]:
        """Walk one page; return where it begins (part, block, offset), part None for a page without text."""
        start: tuple[str | None, int, int] | None = None
        for child in page_box.children:
            if type(child).__name__ in ("MarginBox", "FootnoteAreaBox"):
                for inner in walk_boxes(child):
                    self._note_element(getattr(inner, "element", None), number)
                continue
            for box, path in self._content(child, (), number):
                self._enter(path)
                if start is None and self.part is not None:
                    start = (self.part, self.block, self.count)
                self.count += 1 if _is_image(box) else counted_characters(box.text)
        return start or (None, 0, 0)

    def _note_element(self, element: Any, number: int) -> None:
        """Remember the first page of an element with an id, and the targets of page references."""
        if element is None:
            return
        if element.get("id"):
            self.first_page.setdefault(element.get("id"), number)
        if element.tag == "a" and "pageref" in (element.get("class") or "").split():
            href = element.get("href") or ""
            if href.startswith("#"):
                self.references.add(href[1:])

    def _content(self, box: Any, path: tuple, number: int) -> Iterator[tuple[Any, tuple]]:
        """The boxes of the main text on this page that hold text or an image, with their elements."""
        element = box.element
        if element is not None:
            self._note_element(element, number)
            if not path or path[-1] is not element:
                path = path + (element,)
        if is_generated(box):  # list numbers, note calls, "(p. 17)"
            return
        if element is not None and EXCLUDED_CLASSES & set((element.get("class") or "").split()):
            return
        if (getattr(box, "is_header", False) or getattr(box, "is_footer", False)) and id(element) in self.seen:
            return  # a table's header row, repeated on a later page
        if hasattr(box, "text"):
            if counted_characters(box.text):
                yield box, path
            return
        if _is_image(box):
            yield box, path
            return
        for child in getattr(box, "children", ()):
            yield from self._content(child, path, number)

    def _enter(self, path: tuple) -> None:
        """Follow the text into the part and the numbered blocks *path* leads through."""
        part_element = _part_element(path)
        if part_element is not self.part_element:
            self.part_element = part_element
            self.part = self._part_key(part_element)
            self.block, self.count = 0, 0
        for element in path:
            if id(element) in self.seen:
                continue
            self.seen.add(id(element))
            block = element.get("data-b")
            if block:
                self.block, self.count = int(block.rsplit(":", 1)[1]), 0

    def _part_key(self, element: Any) -> str | None:
        if element is None:
            return None
        if id(element) not in self.parts:
            self.parts[id(element)] = part_key(element)
        return self.parts[id(element)]


def _is_image(box: Any) -> bool:
    return "Replaced" in type(box).__name__


def _part_element(path: tuple) -> Any:
    """The element right under <body> that *path* goes through: a part of the book."""
    for index, element in enumerate(path[:-1]):
        if element.tag == "body":
            return path[index + 1]
    return None


def part_key(element: Any) -> str | None:
    """How the EPUB finds a part of the printed book: a front-matter name, or '#' + its heading's id."""
    classes = (element.get("class") or "").split()
    if "chapter" in classes:
        heading = next((inner for inner in element.iter("h1") if inner.get("id")), None)
        return f"#{heading.get('id')}" if heading is not None else None
    for name in FRONT_PARTS:
        if name in classes:
            return name
    if element.tag == "nav":
        return CONTENTS
    return None
