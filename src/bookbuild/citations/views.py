"""Turn a Reference and a citation item into the values citation templates read (``work`` and ``cite``).

Templates see a work's fields under their biblatex names, already decoded:
text fields are RichText (printed as escaped HTML), names are NameLists,
dates are Dates.  An absent field is empty text, so templates can test
``{% if work.volume %}``; a misspelt attribute is an error (StrictUndefined).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..bibliography import Date, NameList, Reference, RichText, Span
from .locale import Locale, language_of
from .names import family_first
from .titles import main_title

# Which template stands in for an entry type that has none of its own.
TYPE_KINDS = {
    "book": "book", "mvbook": "book", "collection": "book", "mvcollection": "book", "proceedings": "book",
    "mvproceedings": "book", "reference": "book", "mvreference": "book", "booklet": "book", "manual": "book",
    "periodical": "book",
    "inbook": "chapter", "incollection": "chapter", "inreference": "chapter", "bookinbook": "chapter",
    "suppbook": "chapter", "suppcollection": "chapter",
    "article": "article", "suppperiodical": "article",
    "inproceedings": "paper",
    "report": "report",
    "thesis": "thesis",
    "online": "webpage",
}
_NO_NAMES = NameList()
_TITLE_FIELDS = frozenset({"title", "subtitle", "shorttitle", "booktitle", "booksubtitle", "maintitle",
                           "mainsubtitle", "titleaddon"})
_EMPTY = RichText()


def kind_of(entry_type: str) -> str:
    """The family of templates for an entry type: book, chapter, article, paper, report, thesis, webpage, misc."""
    return TYPE_KINDS.get(entry_type, "misc")


def _joined(first: RichText, second: RichText, separator: str = ": ") -> RichText:
    if not second:
        return first
    if not first:
        return second
    return RichText(first.spans + (Span(separator),) + second.spans)


@dataclass(frozen=True)
class TitleInLanguage(RichText):
    """A title in another language than the book's: printed with its ``lang`` (``<i lang="hu">``)."""

    lang: str = ""


def in_language_of(source, result):
    """*result* (a title made from *source*) in the language of *source*, if it has one."""
    lang = getattr(source, "lang", "")
    if lang and isinstance(result, RichText) and not isinstance(result, TitleInLanguage):
        return TitleInLanguage(result.spans, lang=lang)
    return result


class EntryView:
    """A Reference as the templates see it: ``{{ work.title }}``, ``{{ work.editor | names }}``."""

    def __init__(self, reference: Reference, locale: Locale, anchor: str, year_suffix: str = ""):
        self.reference = reference
        self._locale = locale
        self.key = reference.key
        self.type = reference.type
        self.kind = kind_of(reference.type)
        self.anchor = anchor
        self.year_suffix = year_suffix

    def field(self, name: str) -> RichText:
        """Any field by its biblatex name, or empty text.  The titles of a work in another language than
        English are kept as written: title and sentence case are English rules."""
        value = self.reference.get(name)
        if name in _TITLE_FIELDS and value:
            if self.language not in ("", "en"):
                value = RichText(tuple(replace(span, protected=True) for span in value.spans))
            if self.language and self.language != self._locale.language:
                value = TitleInLanguage(value.spans, lang=self.language)
        return value

    @property
    def language(self) -> str:
        """The work's language (primary subtag) from its ``langid`` or ``language`` field, or ""."""
        return language_of(str(self.reference.get("langid") or self.reference.get("language")))

    def has(self, name: str) -> bool:
        return bool(self.reference.get(name)) or bool(self.reference.names.get(name))

    def names(self, role: str) -> NameList:
        """The names of any role ("author", "editor", "translator", "compiler"…)."""
        names = self.reference.names.get(role, _NO_NAMES)
        language = self.language
        return family_first(names, self._locale.language, language) if language else names

    # People.
    @property
    def author(self) -> NameList:
        return self.names("author")

    @property
    def editor(self) -> NameList:
        return self.names("editor")

    @property
    def translator(self) -> NameList:
        return self.names("translator")

    @property
    def bookauthor(self) -> NameList:
        return self.names("bookauthor")

    # Titles.
    @property
    def title(self) -> RichText:
        return in_language_of(self.field("title"), _joined(self.field("title"), self.field("subtitle")))

    @property
    def short_title(self) -> RichText:
        """The ``shorttitle`` field, else the title without its subtitle."""
        return self.field("shorttitle") or in_language_of(self.field("title"), main_title(self.field("title")))

    @property
    def booktitle(self) -> RichText:
        return in_language_of(self.field("booktitle"), _joined(self.field("booktitle"), self.field("booksubtitle")))

    @property
    def maintitle(self) -> RichText:
        return _joined(self.field("maintitle"), self.field("mainsubtitle"))

    @property
    def journal(self) -> RichText:
        return _joined(self.field("journaltitle"), self.field("journalsubtitle"))

    @property
    def container(self) -> RichText:
        """The title of what the work appeared in: journal, book or main work."""
        return self.journal or self.booktitle or self.maintitle

    # Publication facts.
    @property
    def publisher(self) -> RichText:
        return self.field("publisher")

    @property
    def location(self) -> RichText:
        return self.field("location")

    @property
    def institution(self) -> RichText:
        return self.field("institution") or self.field("organization")

    @property
    def organization(self) -> RichText:
        return self.field("organization")

    @property
    def howpublished(self) -> RichText:
        return self.field("howpublished")

    @property
    def series(self) -> RichText:
        return self.field("series")

    @property
    def edition(self) -> RichText:
        return self.field("edition")

    @property
    def volume(self) -> RichText:
        return self.field("volume")

    @property
    def volumes(self) -> RichText:
        return self.field("volumes")

    @property
    def number(self) -> RichText:
        return self.field("number")

    @property
    def issue(self) -> RichText:
        """A journal's issue: the ``issue`` field, else ``number``."""
        return self.field("issue") or self.field("number")

    @property
    def pages(self) -> RichText:
        return self.field("pages")

    @property
    def chapter(self) -> RichText:
        return self.field("chapter")

    @property
    def note(self) -> RichText:
        return self.field("note")

    @property
    def addendum(self) -> RichText:
        return self.field("addendum")

    @property
    def eventtitle(self) -> RichText:
        return self.field("eventtitle")

    @property
    def subtype(self) -> str:
        """biblatex's ``entrysubtype`` ("newspaper", "magazine"), lowercase."""
        return str(self.field("entrysubtype")).strip().lower()

    @property
    def genre(self) -> str:
        """The kind of thesis or report, in words of the locale ("PhD thesis")."""
        kind = str(self.field("type")).strip()
        terms = {"phdthesis": "phdthesis", "mathesis": "mathesis", "mastersthesis": "mathesis",
                 "techreport": "techreport", "patent": "patent"}
        if kind.lower() in terms and self._locale.has_term(terms[kind.lower()]):
            return self._locale.term(terms[kind.lower()])
        return kind

    # Links.
    @property
    def doi(self) -> str:
        text = str(self.field("doi")).strip()
        for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"):
            if text.lower().startswith(prefix):
                return text[len(prefix):]
        return text

    @property
    def url(self) -> str:
        return str(self.field("url")).strip()

    @property
    def isbn(self) -> str:
        return str(self.field("isbn")).strip()

    # Dates.
    @property
    def date(self) -> Date | None:
        return self.reference.date

    @property
    def urldate(self) -> Date | None:
        return self.reference.urldate

    @property
    def year(self) -> str:
        """The year of publication as printed ("2006", "forthcoming"), without a disambiguating letter."""
        date = self.reference.date
        if date is None:
            return ""
        if date.year is None:
            return date.literal
        if date.end is not None and date.end.year is not None and date.end.year != date.year:
            return f"{date.year}{self._locale.range_delimiter}{date.end.year}"
        return str(date.year)

    def __repr__(self) -> str:
        return f"<work {self.key}>"


@dataclass(frozen=True)
class CiteView:
    """One item of a citation as the templates see it: ``{{ cite.locator }}``, ``{% if cite.first %}``."""

    locator: str = ""
    label: str = "page"
    prefix: str = ""
    suffix: str = ""
    position: str = "first"  # or "subsequent"
    suppress_author: bool = False
    author_in_text: bool = False
    in_note: bool = False
    add_title: bool = False  # another cited work has the same author: show the title too (MLA)

    @property
    def first(self) -> bool:
        return self.position == "first"
