"""Turn the EPUB's XHTML chapter documents into the bodies of web pages.

The EPUB rendering already holds everything a web page needs: noterefs and
their notes, the printed booklet's page-break markers, figures with their alt
text and captions, citations linked to the bibliography.  This module only
changes what HTML served as ``text/html`` says differently:

- ``epub:type`` and ``xml:lang`` go (the ARIA roles stay);
- links to ``.xhtml`` documents point at the ``.html`` pages;
- a page-break marker becomes a quiet, visible margin marker, "p. 15";
- a noteref becomes a link to the note list (what works everywhere) beside a
  ``popovertarget`` button that opens a copy of the note as a pop-up, without
  scripts; the stylesheet shows the button only where popovers work;
- an element the XHTML wrote as ``<span/>`` is written out as a start and an
  end tag.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_BODY_RE = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
_EPUB_TYPE_RE = re.compile(r'\sepub:type="[^"]*"')
_XML_LANG_RE = re.compile(r'\sxml:lang="[^"]*"')
_XHTML_LINK_RE = re.compile(r'href="([^"#:/?]+)\.xhtml(#[^"]*)?"')
_PAGE_BREAK_RE = re.compile(r'<span\b(?=[^>]*role="doc-pagebreak")([^>]*?)\s*/>')
_ATTRIBUTE_RE = re.compile(r'([\w:-]+)="([^"]*)"')
_NOTEREF_RE = re.compile(r'<a class="noteref" role="doc-noteref" id="([^"]+)" href="#([^"]+)">([^<]*)</a>')
_NOTE_RE = re.compile(r'<aside id="([^"]+)" class="footnote" role="doc-footnote">(.*?)</aside>', re.DOTALL)
_BACKLINK_RE = re.compile(r'<a class="note-backlink"[^>]*>([^<]*)</a>')
_ID_ATTRIBUTE_RE = re.compile(r'\sid="[^"]*"')
# Elements HTML has no empty-element syntax for, which an XHTML serializer may write as <x/>.
_NOT_VOID = ("span", "div", "p", "a", "td", "th", "li", "i", "b", "em", "strong", "sup", "sub", "code", "section")
_SELF_CLOSED_RE = re.compile(r"<(" + "|".join(_NOT_VOID) + r")(\s[^<>]*?)?\s*/>")
_VOID_RE = re.compile(r"<(br|img|hr|wbr|col|input|source)(\s[^<>]*?)?\s*/>")
_MARKER_RE = re.compile(r'<span class="page-marker" id="([^"]+)" data-page="([^"]*)"')


@dataclass(frozen=True)
class PageMarker:
    """One printed page that begins in a web page: its anchor and its number."""

    id: str
    label: str


def xhtml_body(xhtml: str) -> str:
    """What lies between ``<body>`` and ``</body>`` of an EPUB document."""
    found = _BODY_RE.search(xhtml)
    return found[1].strip() if found else xhtml


def html_body(xhtml: str, labels: dict) -> str:
    """An EPUB document's body as HTML for a web page (see the module's docstring)."""
    body = xhtml_body(xhtml)
    body = _EPUB_TYPE_RE.sub("", body)
    body = _XML_LANG_RE.sub("", body)
    body = _XHTML_LINK_RE.sub(lambda match: f'href="{match[1]}.html{match[2] or ""}"', body)
    body = _PAGE_BREAK_RE.sub(lambda match: _page_marker(match[1], labels), body)
    body = _SELF_CLOSED_RE.sub(lambda match: f"<{match[1]}{match[2] or ''}></{match[1]}>", body)
    body = _VOID_RE.sub(lambda match: f"<{match[1]}{match[2] or ''}>", body)
    return _with_note_popovers(body, labels)


def _page_marker(attributes: str, labels: dict) -> str:
    values = dict(_ATTRIBUTE_RE.findall(attributes))
    page = values.get("aria-label", "")
    spoken = html.escape(labels["web"]["page_marker"].replace("{page}", page))
    shown = html.escape(labels["page_abbreviation"].replace("{page}", page))
    return (f'<span class="page-marker" id="{html.escape(values.get("id", ""))}" data-page="{html.escape(page)}" '
            f'role="doc-pagebreak" aria-label="{spoken}">{shown}</span>')


def _with_note_popovers(body: str, labels: dict) -> str:
    """Each noteref as a link to its note plus a button opening the note as a pop-up; the pop-ups at the end."""
    notes = {note_id: content.strip() for note_id, content in _NOTE_RE.findall(body)}
    if not notes:
        return body
    popovers = []

    def noteref(match: re.Match) -> str:
        ref_id, note_id, number = match[1], match[2], match[3]
        if note_id not in notes:
            return match[0]
        name = html.escape(f"{labels['note']} {number}")
        popover_id = f"pop-{note_id}"
        content = _ID_ATTRIBUTE_RE.sub("", _BACKLINK_RE.sub(r'<span class="note-number">\1</span>', notes[note_id]))
        popovers.append(
            f'<div popover="auto" id="{popover_id}" class="note-popover" role="doc-footnote" aria-label="{name}">\n'
            f"{content}\n"
            f'<p class="note-popover-actions"><a href="#{note_id}">{html.escape(labels["notes"])}</a> '
            f'<button type="button" popovertarget="{popover_id}" popovertargetaction="hide">'
            f'{html.escape(labels["web"]["close"])}</button></p>\n</div>')
        return (f'<span class="noteref" id="{ref_id}">'
                f'<a class="noteref-link" role="doc-noteref" href="#{note_id}" aria-label="{name}">{number}</a>'
                f'<button type="button" class="noteref-button" popovertarget="{popover_id}" aria-label="{name}">'
                f"{number}</button></span>")

    body = _NOTEREF_RE.sub(noteref, body)
    return body + '\n<div class="note-popovers">\n' + "\n".join(popovers) + "\n</div>"


def page_markers(body: str) -> list[PageMarker]:
    """The printed pages whose first line is in *body*, in order."""
    return [PageMarker(marker_id, page) for marker_id, page in _MARKER_RE.findall(body)]


def first_page(body: str, before: str) -> str:
    """The printed page on which the heading of *body* stands: a marker above its ``<h1``, else *before*."""
    heading = body.find("<h1")
    found = _MARKER_RE.findall(body[:heading] if heading >= 0 else "")
    return found[-1][1] if found else before
