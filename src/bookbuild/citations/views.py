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
    "patent": "patent",
}
_NO_NAMES = NameList()
# biblatex's (babel's and polyglossia's) names of English.
_ENGLISH = frozenset({"english", "american", "british", "canadian", "australian", "newzealand", "usenglish",
                      "ukenglish", "en"})
_TITLE_FIELDS = frozenset({"title", "subtitle", "shorttitle", "booktitle", "booksubtitle", "maintitle",
                           "mainsubtitle", "titleaddon"})
_EMPTY = RichText()


# biblatex's localisation keys for the ``type`` field, and the terms they are.
_TYPE_TERMS = {"mastersthesis": "mathesis", "resreport": "resreport", "patentus": "patentus"}
# Words for the keys a locale may not have (English: biblatex's own strings).
_TYPE_WORDS = {
    "resreport": "research report", "techreport": "technical report", "phdthesis": "PhD thesis",
    "mathesis": "master’s thesis", "candthesis": "Candidate thesis", "software": "computer software",
    "patent": "patent", "patentus": "U.S. patent", "patenteu": "European patent", "patentfr": "French patent",
    "patentde": "German patent", "patentuk": "British patent", "patreq": "patent request",
    "patrequs": "U.S. patent request", "patreqeu": "European patent request",
    "patreqfr": "French patent request", "patreqde": "German patent request", "patrequk": "British patent request",
}
_EPRINT_URLS = {
    "arxiv": "https://arxiv.org/abs/{}", "jstor": "https://www.jstor.org/stable/{}",
    "pubmed": "https://www.ncbi.nlm.nih.gov/pubmed/{}", "hdl": "https://hdl.handle.net/{}",
    "googlebooks": "https://books.google.com?id={}",
}


def _split_list(text: RichText, word: str = " and ") -> tuple[RichText, ...]:
    """A biblatex list field split at " and " (never inside braces)."""
    parts: list[list[Span]] = [[]]
    for span in text.spans:
        if span.protected or word not in span.text:
            parts[-1].append(span)
            continue
        for index, piece in enumerate(span.text.split(word)):
            if index:
                parts.append([])
            if piece:
                parts[-1].append(Span(piece, span.protected, span.italic, span.bold, span.smallcaps))
    return tuple(RichText(tuple(part)) for part in parts if RichText(tuple(part)))


def kind_of(entry_type: str) -> str:
    """The family of templates for an entry type: book, chapter, article, paper, report, thesis, webpage, patent,
    misc."""
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

    def __init__(self, reference: Reference, locale: Locale, anchor: str, year_suffix: str = "",
                 repeats_author: bool = False, tell_apart: bool = False, disambiguate: bool = False):
        self.reference = reference
        self._locale = locale
        self.key = reference.key
        self.type = reference.type
        self.kind = kind_of(reference.type)
        # An issue of a periodical with a title of its own is cited like an article in the periodical.
        self._issue = reference.type == "periodical" and bool(reference.get("issuetitle"))
        if self._issue:
            self.kind = "article"
        self.anchor = anchor
        self.year_suffix = year_suffix
        # In the bibliography: the entry before has the same creators (MLA prints "———" for them).
        self.repeats_author = repeats_author
        # In citations: another cited author has the same surname, so the first creator is named with initials.
        self.tell_apart = tell_apart
        # In note styles: another cited work's short note would read the same, so this one says more.
        self.disambiguate = disambiguate

    def creators(self) -> NameList:
        """Who made the work, as a bibliography entry opens: the authors, else the editors, else the translators."""
        return self.author or self.editor or self.translator

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
        if self._issue:
            return in_language_of(self.field("issuetitle"),
                                  _joined(self.field("issuetitle"), self.field("issuesubtitle")))
        return in_language_of(self.field("title"), _joined(self.field("title"), self.field("subtitle")))

    @property
    def short_title(self) -> RichText:
        """The ``shorttitle`` field, else the title without its subtitle."""
        if self._issue:
            return in_language_of(self.field("issuetitle"), main_title(self.field("issuetitle")))
        return self.field("shorttitle") or in_language_of(self.field("title"), main_title(self.field("title")))

    @property
    def booktitle(self) -> RichText:
        return in_language_of(self.field("booktitle"), _joined(self.field("booktitle"), self.field("booksubtitle")))

    @property
    def maintitle(self) -> RichText:
        return _joined(self.field("maintitle"), self.field("mainsubtitle"))

    @property
    def journal(self) -> RichText:
        if self._issue:
            return _joined(self.field("title"), self.field("subtitle"))
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
        return _TYPE_WORDS.get(kind.lower(), kind)  # biblatex's keys ("resreport"), else as written

    @property
    def english(self) -> bool:
        """Whether the work is in English (its ``langid``, else ``hyphenation``, is English or absent):
        only English titles are recased, as CSL processors do."""
        language = str(self.field("langid") or self.field("hyphenation")).strip().lower()
        return not language or language in _ENGLISH or language.startswith("en-") or language == "en"

    @property
    def publishers(self) -> tuple[RichText, ...]:
        """The publishers: biblatex's ``publisher`` is a list ("Deutscher Taschenbuch-Verlag and Walter de
        Gruyter"); a braced "{and}" is part of a name."""
        return _split_list(self.field("publisher"))

    @property
    def version(self) -> RichText:
        return self.field("version")

    @property
    def origyear(self) -> str:
        """The year of the original edition of a reprint (``origdate``, or BibTeX's ``origyear``)."""
        date = getattr(self.reference, "origdate", None)  # read as a date by the bibliography stage
        if date is not None and date.year is not None:
            return str(date.year)
        text = str(self.field("origdate") or self.field("origyear")).strip()
        return text[:4] if text[:4].isdigit() else text

    @property
    def origpublisher(self) -> RichText:
        return self.field("origpublisher")

    @property
    def editor_is_translator(self) -> bool:
        """The same people edited and translated the work ("ed. and trans. Kalman P. Bland")."""
        return bool(self.editor) and self.editor == self.translator

    @property
    def kind_words(self) -> str:
        """A report's, patent's or thesis's kind in words, from its ``type`` field ("technical report",
        "U.S. patent"); a word the locale does not know is shown as written."""
        kind = str(self.field("type")).strip()
        key = _TYPE_TERMS.get(kind.lower(), kind.lower())
        if self._locale.has_term(key):
            return self._locale.term(key)
        if self._locale.has_term(kind.lower()):
            return self._locale.term(kind.lower())
        return _TYPE_WORDS.get(key, kind)

    @property
    def useprefix(self) -> bool:
        """biblatex's ``useprefix`` option (in ``options``): a name's particle counts as part of the surname."""
        for option in str(self.field("options")).split(","):
            name, _, value = option.partition("=")
            if name.strip().lower() == "useprefix":
                return value.strip().lower() in ("", "true")
        return False

    # Links.
    @property
    def eprint_url(self) -> str:
        """An ``eprint`` of a known ``eprinttype`` as a URL (arXiv, JSTOR, PubMed, Handle, Google Books)."""
        eprint = str(self.field("eprint")).strip()
        kind = str(self.field("eprinttype")).strip().lower()
        if not eprint or kind not in _EPRINT_URLS:
            return ""
        return _EPRINT_URLS[kind].format(eprint)

    @property
    def link_url(self) -> str:
        """Where a reader finds the work: its DOI, else its URL, else its eprint."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.url or self.eprint_url

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
