"""The settings of a citation style's ``style.toml``, each declared once (see :mod:`.schema`).

``citations.styles`` reads a style's settings against these declarations;
the README's table of them is generated from here too.  Besides these keys a
``style.toml`` may hold the locale tables ``[terms]``, ``[months]`` and
``[punctuation]`` (see ``citations.locale``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .schema import Table, option, options_of

# How a page range is printed (see citations.numbers.page_range).
PAGE_RANGE_FORMATS = ("expanded", "minimal", "minimal-two", "chicago", "as-written")
# "main-title": a volume of a multivolume work sorts under the main work's title and its volume, as APA prints it.
SORT_KEYS = ("author", "year", "title", "main-title")
STYLE_CLASSES = ("note", "in-text")
# The tables of style.toml that change the locale's words rather than set the style.
LOCALE_TABLES = ("terms", "months", "punctuation")


@dataclass(frozen=True)
class CitationOptions(Table):
    """The ``[citation]`` table of style.toml: how the works of one in-text citation are joined."""

    NAME: ClassVar[str] = "citation"

    prefix: str = option("", "Printed before the works of an in-text citation, such as `\"(\"`.")
    suffix: str = option("", "Printed after them, such as `\")\"`.")
    delimiter: str = option("; ", "Printed between two works.")


@dataclass(frozen=True)
class StyleSettings(Table):
    """What a citation style's ``style.toml`` says, beyond its templates."""

    NAME: ClassVar[str] = "style.toml"

    title: str = option("", "The style's full name.")
    style_class: str = option("", "`note`: citations become footnotes; `in-text`: they stay in the text "
                              "(author-date, author-page); required.", choices=STYLE_CLASSES, key="class",
                              default_doc="none: required")
    based_on: str = option("", "A style whose templates and settings fill in what this one lacks.")
    bibliography_title: str = option("bibliography", "The heading of the bibliography: a term of the locale, such "
                                     "as `references`, or words.")
    page_range_format: str = option("expanded", "How page ranges are printed: `expanded`, `minimal`, "
                                    "`minimal-two`, `chicago` or `as-written`.", choices=PAGE_RANGE_FORMATS)
    bibliography_sort: tuple[str, ...] = option(("author", "year", "title"), "Sort keys of the bibliography, in "
                                                "order: `author`, `year`, `title`, `main-title` (a volume under its "
                                                "main work's title).", choices=SORT_KEYS)
    first_note_per_chapter: bool = option(False, "Give a full note at a work's first citation in each chapter.")
    year_suffix: bool = option(False, "Tell apart works of one author and year with 2006a, 2006b.")
    add_title_when_ambiguous: bool = option(False, "Add the title when two cited works share an author: "
                                            "(Gati, *Failed Illusions* 12).")
    subsequent_author_substitute: str = option("", "What replaces the creators of a bibliography entry by the "
                                               "same creators as the one before, such as `\"———\"`.")
    initials_for_shared_surnames: bool = option(False, "Name a cited author with initials when another cited "
                                                "author has the same surname: (J. Smith 2001; M. Smith 2003).")
    demote_particle: bool = option(True, "For works with biblatex's `useprefix` option: an inverted name ends "
                                   "with its particle (\"Gennep, Arnold van\") rather than starting with it.")
    citation: CitationOptions = option(CitationOptions(), "How the works of one in-text citation are joined "
                                       "(keys below).")

    @property
    def note_style(self) -> bool:
        """Whether citations become footnotes (``class = "note"``)."""
        return self.style_class == "note"


StyleSettings.UNKNOWN_KEY_HINT = "known settings: " + ", ".join(sorted(
    option.key for option in options_of(StyleSettings)))

# The tables of style.toml, in the order the README documents them.
STYLE_TABLES: tuple[type, ...] = (StyleSettings, CitationOptions)
