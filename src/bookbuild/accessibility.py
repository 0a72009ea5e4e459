"""Turn a manuscript and book.toml into accessibility warnings: skipped heading levels, an unbacked claim.

Readers who move through a book by its headings (a screen reader's heading
list, an e-reader's outline, the PDF's bookmarks) learn its structure from
their levels: a chapter is a level-1 heading, its sections level 2, their
subsections level 3.  A level-4 heading right after a level-2 one leaves a
hole in that outline, and WCAG's "info and relationships" asks for none.
Callouts and discussion questions are labelled with paragraphs, not
headings, so only the author's own ``#`` headings are checked.

An EPUB's claim to meet WCAG (``[accessibility] conforms-to``) must name who
stands behind it; without anyone to name, the EPUB makes no claim, and says
why.
"""

from __future__ import annotations

from .config import BookConfig
from .errors import Report
from .manuscript import Manuscript


def accessibility_certifier(config: BookConfig) -> str:
    """Who stands behind the conformance claim: [accessibility] certified-by, else the publisher, else the authors."""
    return config.accessibility.certified_by or config.publisher or ", ".join(config.authors)


def report_unbacked_claim(config: BookConfig, report: Report) -> None:
    """Warn when the EPUB should claim conformance but no one is named to certify it."""
    if config.accessibility.conforms_to != "none" and not accessibility_certifier(config):
        report.warn(config.location_of("accessibility"),
                    "the EPUB makes no accessibility conformance claim: no one is named to certify it",
                    hint="set 'certified-by' under [accessibility] (or 'publisher'), or conforms-to = \"none\"")


def report_skipped_heading_levels(manuscript: Manuscript, report: Report) -> None:
    """Warn about every heading more than one level below the heading before it in its chapter."""
    for chapter in manuscript.chapters:
        previous = 1  # the chapter's title
        for heading in chapter.headings[1:]:
            if heading.level > previous + 1:
                report.warn(heading.location,
                            f"heading '{heading.text}' skips a level: {'#' * heading.level} after "
                            f"{'#' * previous}",
                            hint=f"write it as {'#' * (previous + 1)}, so that readers who move by headings "
                                 "find every level")
            previous = heading.level
