"""The values the citation stage hands to the render stage.

The render stage knows nothing of styles: for each citation of the manuscript
(by :attr:`Citation.id`) it gets a :class:`RenderedCitation` telling it what to
print in the running text and what footnote, if any, to attach; and it gets
the bibliography as a list of entries, each already formatted.

All strings are HTML fragments (inline content, no block elements), safe to
insert as they are: text from the .bib file is escaped.  Links to a
bibliography entry are written ``href="#ref-KEY"``; the EPUB writer points
them at the right file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedCitation:
    """What one citation becomes.

    * ``text``: HTML printed where the citation stands, or None.  For
      author-date styles, "(Gati 2006, 12)"; for an author-in-text citation in
      any style, the author's name ("Gati" or "Gati (2006, 12)"); for a note
      style citation inside an author's footnote, the note text itself.
    * ``note``: HTML of a footnote to attach where the citation stands (note
      styles), or None.  It is numbered together with the author's footnotes.
    """

    text: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class BibliographyEntry:
    key: str
    anchor: str  # the element id of the entry, "ref-" + a sanitised key
    html: str


@dataclass(frozen=True)
class CitationResult:
    citations: Mapping[str, RenderedCitation]  # by Citation.id
    bibliography: tuple[BibliographyEntry, ...]  # in the order the style sorts them
    bibliography_title: str  # "Bibliography", "References", "Works Cited"
    note_style: bool  # whether citations become footnotes
    style_name: str
