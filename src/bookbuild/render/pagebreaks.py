"""Turn a PageMap into the EPUB's page-break markers, its page list and the page numbers of cross-references.

Each printed page becomes an empty, invisible marker in the EPUB's XHTML,

    <span epub:type="pagebreak" role="doc-pagebreak" id="page-17" aria-label="17"/>

placed where the page begins, as the page map says (see ``bookbuild.pagemap``):

- a page of the title page, the copyright page or the contents: at the start
  of that EPUB document (the contents pages at the start of the navigation
  document, as the contents are not laid out in pages there);
- a page that begins a block of the text, or a chapter, or any element: right
  before the outermost element that begins there (before a callout box, a
  list, a figure, a chapter's heading), as the DAISY guidelines ask: section,
  page number, heading.  When that element is a paragraph, the marker opens
  it instead, so that a marker between two paragraphs does not defeat the
  stylesheet's ``p + p`` indent.  Inside a list, a table or a definition list, where a
  marker may not stand between items, it goes at the start of the item;
- a page that begins inside a paragraph: before the word that opens it; when
  a hyphenated word is split across the pages, before that whole word, so
  that reading on from the marker never misses the start of the page;
- a page without text (a blank page, or one of print-only matter): right
  before the marker of the next page, or at the end of the book's last part.

Every page thus has its marker, in the order of the pages, and the
navigation document lists them all in its page list.  Cross-references with
the class ``pageref`` print their target's page, "(p. 17)", in print through
CSS; here they get the same text from the page map.  The block numbers
(``data-b``) that served to place the markers are then removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from lxml import etree

from ..labels import fill_label
from ..pagemap import CONTENTS, PageMap, PageStart

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
EPUB_TYPE = f"{{{EPUB_NS}}}type"
PAGEBREAK = "pagebreak"
# The EPUB documents that hold the printed front matter, by the role EpubDocument gives them.
FRONT_DOCUMENTS = {"titlepage": ("titlepage",), "cover": ("cover", "titlepage"), "copyright": ("copyright",),
                   CONTENTS: ("nav",)}
# Elements in which a marker may not stand between the children.
NO_PHRASING_CHILDREN = frozenset({"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup",
                                  "html", "head", "hgroup"})
_BLOCK_NUMBER_RE = re.compile(r' data-b="[^"]*"')
_ID_RE = re.compile(r'\sid="([^"]+)"')


@dataclass(frozen=True)
class PageMarker:
    """One page's marker: its label, its id and the document and place it goes to."""

    label: str
    id: str
    file_name: str
    part: str  # a front-matter name, or "#<heading id>" of a chapter
    block: int = 0
    offset: int = 0  # -1: at the end of the part

    @property
    def href(self) -> str:
        return f"{self.file_name}#{self.id}"


def plan_page_markers(page_map: PageMap, documents: list) -> tuple[PageMarker, ...]:
    """Decide the document, id and place of every page's marker (documents: the EPUB's EpubDocuments)."""
    owners: dict[str, str] = {}
    taken: dict[str, set[str]] = {}
    for document in documents:
        ids = set(_ID_RE.findall(document.content))
        taken[document.file_name] = ids
        for element_id in ids:
            owners.setdefault(element_id, document.file_name)
    by_role: dict[str, str] = {}
    for document in documents:
        by_role.setdefault(document.role, document.file_name)

    def file_of(part: str | None) -> str | None:
        if part is None:
            return None
        if part.startswith("#"):
            return owners.get(part[1:])
        return next((by_role[role] for role in FRONT_DOCUMENTS.get(part, ()) if role in by_role), None)

    placed: list[tuple[PageStart, str | None]] = [(page, file_of(page.part)) for page in page_map.pages]
    markers = []
    for index, (page, file_name) in enumerate(placed):
        place = page
        if file_name is None:  # a blank page: with the next page that has a place, or at the end
            later = next(((p, f) for p, f in placed[index + 1:] if f is not None), None)
            if later is not None:
                place, file_name = later
            else:
                earlier = next(((p, f) for p, f in reversed(placed[:index]) if f is not None), None)
                if earlier is None:
                    continue
                place, file_name = replace(earlier[0], block=0, offset=-1), earlier[1]
        marker_id = _free_id("page-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", page.label).strip("-") or "x"),
                             taken[file_name])
        markers.append(PageMarker(page.label, marker_id, file_name, place.part or "", place.block, place.offset))
    return tuple(markers)


def _free_id(wanted: str, taken: set[str]) -> str:
    candidate, counter = wanted, 2
    while candidate in taken:
        candidate = f"{wanted}-{counter}"
        counter += 1
    taken.add(candidate)
    return candidate


def place_page_markers(documents: list, markers: tuple[PageMarker, ...], page_map: PageMap,
                       page_abbreviation: str) -> list:
    """The documents with their markers in place, page numbers after cross-references, block numbers removed."""
    by_file: dict[str, list[PageMarker]] = {}
    for marker in markers:
        by_file.setdefault(marker.file_name, []).append(marker)
    result = []
    for document in documents:
        own = by_file.get(document.file_name, [])
        if not own and 'class="pageref' not in document.content and "data-b=" not in document.content:
            result.append(document)
            continue
        root = etree.fromstring(document.content.encode("utf-8"))
        at_start = 0
        for marker in own:
            if not marker.part.startswith("#"):
                body = root.find(f"{{{XHTML_NS}}}body")
                body.insert(at_start, marker_element(marker))
                at_start += 1
            else:
                insert_marker(root, marker)
        add_page_numbers(root, page_map, page_abbreviation)
        for element in root.iter():
            if "data-b" in element.attrib:
                del element.attrib["data-b"]
        result.append(replace(document, content=_serialize(root)))
    return result


def strip_block_numbers(documents: list) -> list:
    """The documents without the renderer's block numbers (when there is no page map to place)."""
    return [replace(document, content=_BLOCK_NUMBER_RE.sub("", document.content)) for document in documents]


def marker_element(marker: PageMarker) -> Any:
    return etree.Element(f"{{{XHTML_NS}}}span", {EPUB_TYPE: PAGEBREAK, "role": "doc-pagebreak",
                                                  "id": marker.id, "aria-label": marker.label})


def _serialize(root: Any) -> str:
    body = etree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n' + body + "\n"


# -- finding the place -------------------------------------------------------


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _is_marker(element: Any) -> bool:
    return isinstance(element.tag, str) and element.get(EPUB_TYPE) == PAGEBREAK


def _excluded(element: Any) -> bool:
    """Elements whose text the page map does not count: note calls, notes, markers."""
    if not isinstance(element.tag, str):
        return True
    classes = (element.get("class") or "").split()
    kind = (element.get(EPUB_TYPE) or "").split()
    return (_is_marker(element) or "noteref" in kind or "footnote" in kind or "footnotes" in kind
            or "noteref" in classes or "footnotes" in classes or _local(element) == "aside")


def _units(element: Any, anchor: Any = None, seen: list | None = None) -> Iterator[tuple]:
    """The counted units under *element* in document order, with ("enter", element) as each element opens.

    A unit is ("char", owner, "text" or "tail", index) for a letter or digit,
    or ("image", element) for an image.  With an *anchor* element, the units
    before it are left out (nothing is counted before the anchor): only the
    elements entered on the way to it are given.
    """
    seen = seen if seen is not None else [anchor is None]  # whether the anchor has been entered
    if element is anchor:
        seen[0] = True
    yield ("enter", element)
    if seen[0] and _local(element) == "img":
        yield ("image", element)
    if seen[0]:
        for index, character in enumerate(element.text or ""):
            if character.isalnum():
                yield ("char", element, "text", index)
    for child in element:
        if not _excluded(child):
            yield from _units(child, anchor, seen)
        if seen[0]:
            for index, character in enumerate(child.tail or ""):
                if character.isalnum():
                    yield ("char", child, "tail", index)


def _part_root(root: Any, part: str) -> Any:
    """The element of a chapter's document that holds the part: the <body> child holding its heading."""
    target = next((element for element in root.iter() if element.get("id") == part[1:]), None)
    body = root.find(f"{{{XHTML_NS}}}body")
    if target is None:
        return body
    while target.getparent() is not None and target.getparent() is not body:
        target = target.getparent()
    return target if target.getparent() is body else body


def insert_marker(root: Any, marker: PageMarker) -> None:
    """Put *marker* into a chapter's document at the place the page map gives."""
    part_root = _part_root(root, marker.part)
    element = marker_element(marker)
    if marker.offset < 0:
        part_root.append(element)
        return
    anchor = None
    if marker.block:
        anchor = next((e for e in part_root.iter() if (e.get("data-b") or "").endswith(f":{marker.block}")), None)
    started = anchor is None
    count = 0
    for unit in _units(part_root, anchor):
        if unit[0] == "enter":
            started = started or unit[1] is anchor
            continue
        if not started:
            continue
        if count == marker.offset:
            _insert_before_unit(unit, element, part_root)
            return
        count += 1
    part_root.append(element)  # the text ran out: the page begins after it


def _insert_before_unit(unit: tuple, marker: Any, part_root: Any) -> None:
    if unit[0] == "image":
        _insert_before_element(unit[1], marker, part_root, None)
        return
    _, owner, where, index = unit
    text = (owner.text if where == "text" else owner.tail) or ""
    start = index
    while start > 0 and not text[start - 1].isspace():
        start -= 1  # back to the start of the word: a hyphenated word is not split
    if where == "text" and text[:start].strip() == "":
        _insert_before_element(owner, marker, part_root, (text, start))
        return
    if where == "text":
        owner.text = text[:start]
        owner.insert(0, marker)
    else:
        owner.tail = text[:start]
        owner.addnext(marker)
    marker.tail = text[start:]


def _first_content(element: Any) -> bool:
    """Whether nothing but white space and page markers comes before *element* in its parent."""
    parent = element.getparent()
    if (parent.text or "").strip():
        return False
    for sibling in parent:
        if sibling is element:
            return True
        if not _is_marker(sibling) or (sibling.tail or "").strip():
            return False
    return True


def _insert_before_element(element: Any, marker: Any, part_root: Any, text_start: tuple[str, int] | None) -> None:
    """Put *marker* before the outermost element that begins where *element* begins, where a marker may stand."""
    chain = [element]
    while chain[-1].getparent() is not part_root and _first_content(chain[-1]):
        chain.append(chain[-1].getparent())
    for candidate in reversed(chain):
        if _local(candidate.getparent()) not in NO_PHRASING_CHILDREN:
            if _local(candidate) == "p":
                # At the start of the paragraph, not between two: "p + p" still gives it its indent.
                marker.tail = candidate.text
                candidate.text = None
                candidate.insert(0, marker)
            else:
                candidate.addprevious(marker)
            return
    # Inside a table row or a list item that does not begin the table or list: at the start of its text.
    if text_start is not None:
        text, start = text_start
        element.text = text[:start]
        element.insert(0, marker)
        marker.tail = text[start:]
    else:
        element.addprevious(marker)


# -- cross-references --------------------------------------------------------


def add_page_numbers(root: Any, page_map: PageMap, page_abbreviation: str) -> None:
    """After each link with the class ``pageref``, the printed page of its target: " (p. 17)"."""
    for link in root.iter(f"{{{XHTML_NS}}}a"):
        if "pageref" not in (link.get("class") or "").split():
            continue
        href = link.get("href") or ""
        label = page_map.page_of(href.rsplit("#", 1)[1]) if "#" in href else None
        if label is None:
            continue
        number = etree.SubElement(link, f"{{{XHTML_NS}}}span", {"class": "pageref-page"})
        number.text = f" ({fill_label(page_abbreviation, page=label)})"
