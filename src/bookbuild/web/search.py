"""Turn the web pages' bodies into the search index, a script the search page loads.

The index is a JavaScript file (``search-index.js``) rather than JSON fetched
at run time: a browser refuses ``fetch()`` from a ``file://`` folder, but runs
a ``<script src>`` from it, so the search works from a folder, offline.  One
entry per section (a chapter's opening, then each ``<h2>``), with the printed
page the section begins on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from lxml import html as lxml_html

_SECTION_RE = re.compile(r'(?=<h2 id="[^"]+")')
_HEADING_RE = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.DOTALL)
_SPACE_RE = re.compile(r"\s+")
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "div", "section", "header", "blockquote",
           "figcaption", "caption", "td", "th", "aside", "br")


@dataclass(frozen=True)
class IndexedPage:
    """One web page for the index: where it is, its title, its HTML body and the printed page it starts on."""

    url: str
    title: str
    body: str
    page: str


def _text(fragment: str) -> str:
    """The words of an HTML fragment, without its pop-up copies of the notes, the note numbers, the page markers
    and the section's heading (the index gives it apart)."""
    if not fragment.strip():
        return ""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    for element in root.xpath('.//*[contains(concat(" ", @class, " "), " note-popovers ")]'
                              ' | .//*[contains(concat(" ", @class, " "), " page-marker ")]'
                              ' | .//*[contains(concat(" ", @class, " "), " noteref ")]'
                              ' | .//h2 | .//button'):
        tail = element.tail
        parent = element.getparent()
        previous = element.getprevious()
        parent.remove(element)
        if tail:  # keep the text after a removed element
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
    for element in root.iter(*_BLOCKS):  # words of two blocks never run together
        element.tail = " " + (element.tail or "")
    return _SPACE_RE.sub(" ", root.text_content()).strip()


def index_entries(pages: list[IndexedPage]) -> list[dict[str, str]]:
    """Each section of each page: its URL (with the heading's anchor), titles, printed page and text."""
    entries = []
    for page in pages:
        printed = page.page
        for number, part in enumerate(_SECTION_RE.split(page.body)):
            heading = _HEADING_RE.match(part)
            markers = re.findall(r'class="page-marker" id="[^"]+" data-page="([^"]*)"', part)
            text = _text(part)
            if text:
                entries.append({
                    "url": f"{page.url}#{heading[1]}" if heading and number else page.url,
                    "page": page.title,
                    "section": _text(f"<span>{heading[2]}</span>") if heading else "",
                    "printed": printed,
                    "text": text,
                })
            if markers:
                printed = markers[-1]
    return entries


def search_index_script(pages: list[IndexedPage]) -> str:
    """The index as a script that sets ``window.bookbuildSearchIndex``; the text stays readable (not escaped),
    so that the leak check reads it as it reads any page."""
    data = json.dumps(index_entries(pages), ensure_ascii=False, indent=0)
    return ("/* The search index of this web edition, written by bookbuild: loaded as a script so that the "
            "search works from a folder. */\nwindow.bookbuildSearchIndex = " + data + ";\n")
