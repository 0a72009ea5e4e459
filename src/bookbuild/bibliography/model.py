"""The values the bibliography stage hands on: references, their text, names and dates.

Every value is frozen.  A :class:`Bibliography` maps keys to :class:`Reference`
objects in file order and carries the :class:`EntryProblem` list found while
reading, so that the pipeline can decide, once it knows which keys are cited,
which problems stop the build and which are warnings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from markupsafe import escape

from ..errors import Problem, SourceLocation


@dataclass(frozen=True)
class Span:
    """A run of text with one set of properties."""

    text: str
    protected: bool = False  # written in braces (or in a non-English entry): its case is never changed
    italic: bool = False
    bold: bool = False
    smallcaps: bool = False


@dataclass(frozen=True)
class RichText:
    """Decoded field text that remembers which words were braced and which were emphasised."""

    spans: tuple[Span, ...] = ()

    @classmethod
    def plain(cls, text: str) -> RichText:
        return cls((Span(text),)) if text else cls()

    def __str__(self) -> str:
        return "".join(span.text for span in self.spans)

    def __bool__(self) -> bool:
        return any(span.text for span in self.spans)

    def protect(self) -> RichText:
        """The same text with every span protected from case changes."""
        return RichText(tuple(Span(s.text, True, s.italic, s.bold, s.smallcaps) for s in self.spans))

    def html(self, flip_italic: bool = False) -> str:
        """The text as HTML, escaped; with *flip_italic*, italic runs are set upright (for use inside italics)."""
        parts: list[str] = []
        for span in self.spans:
            html = str(escape(span.text))
            if span.smallcaps:
                html = f'<span style="font-variant: small-caps">{html}</span>'
            if span.bold:
                html = f"<b>{html}</b>"
            if span.italic:
                html = f'<span style="font-style: normal">{html}</span>' if flip_italic else f"<i>{html}</i>"
            parts.append(html)
        return "".join(parts)

    def __html__(self) -> str:
        return self.html()


@dataclass(frozen=True)
class Name:
    """One person or body; a body (``{{United Nations}}``) has only ``literal``.

    ``useprefix``: the particle belongs to the family name for sorting and short
    forms ("von Mises" rather than "Mises"), as biblatex's option of that name.
    """

    family: str = ""
    given: str = ""
    particle: str = ""  # "von", "de la": shown before the family name, ignored in sorting
    suffix: str = ""  # "Jr.", "III"
    literal: str = ""
    useprefix: bool = False

    def __str__(self) -> str:
        if self.literal:
            return self.literal
        return " ".join(part for part in (self.given, self.particle, self.family, self.suffix) if part)


@dataclass(frozen=True)
class NameList:
    """The names of one field; ``others`` when the list ended with "and others"."""

    names: tuple[Name, ...] = ()
    others: bool = False

    def __bool__(self) -> bool:
        return bool(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[Name]:
        return iter(self.names)


SEASONS = ("spring", "summer", "autumn", "winter")


@dataclass(frozen=True)
class Date:
    """A date as biblatex models it: perhaps partial, perhaps a range; or, failing that, words ("forthcoming").

    * ``year``/``month``/``day``: what is known; ``season`` ("spring"… "winter")
      stands in for the month (EDTF ``1928-21``…``1928-24``, or ``month = {Winter}``);
    * ``end``: the end of a range.  An open end (``1988/``) is a Date with no
      year and ``literal="open"``; an open start (``/1992``) has ``open_start``
      and no year of its own;
    * ``uncertain`` (EDTF ``?``), ``approximate`` (``~``; ``%`` is both);
    * ``unspecified``: which part EDTF's ``X`` left out: "day", "month",
      "year" (``201X``: a decade), "decade" (``19XX``: a century);
    * ``time``: the time of day of a date-time ("11:10:00", with its zone when given).
    """

    year: int | None = None
    month: int | None = None
    day: int | None = None
    end: Date | None = None
    approximate: bool = False
    literal: str = ""
    uncertain: bool = False
    unspecified: str = ""
    season: str = ""
    time: str = ""
    open_start: bool = False

    def __bool__(self) -> bool:
        return self.year is not None or bool(self.literal) or (self.open_start and self.end is not None)

    @property
    def is_range(self) -> bool:
        return self.end is not None

    @property
    def open_end(self) -> bool:
        return self.end is not None and self.end.year is None


@dataclass(frozen=True)
class Reference:
    """One entry of the bibliography, decoded and complete (crossref and xdata parents merged in).

    ``fields`` holds decoded text fields by their biblatex names; ``names`` the
    name lists; ``dates`` every date field ("date", "origdate", "eventdate",
    "urldate"…), with ``date`` the date of publication (from ``date`` or from
    ``year`` and ``month``).  ``unused`` lists the fields of the entry the reader
    could not use, each with the reason.
    """

    key: str
    type: str  # biblatex entry type, lowercase: "book", "article", "thesis"…
    fields: Mapping[str, RichText] = field(compare=False, repr=False)
    names: Mapping[str, NameList] = field(compare=False, repr=False)
    date: Date | None = None
    urldate: Date | None = None
    location: SourceLocation | None = field(default=None, compare=False)
    dates: Mapping[str, Date] = field(default_factory=lambda: MappingProxyType({}), compare=False, repr=False)
    langid: str = ""  # biblatex language ("english", "german"…), lowercase; "" when not given
    options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), compare=False, repr=False)
    related: tuple[str, ...] = ()
    entryset: tuple[str, ...] = ()  # the members of a @set entry: citing the set cites them
    crossref: str = ""
    xref: str = ""
    source_type: str = ""  # the type as written in the file ("phdthesis", "conference"), lowercase
    unused: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), compare=False, repr=False)

    def get(self, name: str) -> RichText:
        """The field *name* (biblatex spelling), or empty text."""
        return self.fields.get(name, _EMPTY)

    def text(self, name: str) -> str:
        return str(self.fields.get(name, _EMPTY))

    @property
    def origdate(self) -> Date | None:
        return self.dates.get("origdate")

    @property
    def eventdate(self) -> Date | None:
        return self.dates.get("eventdate")

    @property
    def entrysubtype(self) -> str:
        return self.text("entrysubtype").strip().lower()

    @property
    def shorthand(self) -> RichText:
        return self.get("shorthand")

    @property
    def english(self) -> bool:
        """Whether the entry is in English (or says nothing of its language): only then is its case changed."""
        return is_english(self.langid)


_ENGLISH = frozenset({"english", "american", "british", "canadian", "australian", "newzealand", "usenglish",
                      "ukenglish", "en"})


def is_english(langid: str) -> bool:
    language = langid.strip().lower()
    return not language or language in _ENGLISH or language.startswith(("en-", "en_"))


_EMPTY = RichText()


@dataclass(frozen=True)
class EntryProblem:
    """Something wrong in the .bib file; ``key`` is the entry it belongs to ("" for the file itself).

    ``fatal``: the entry could not be read at all, so citing it is an error; any
    other problem is a warning (the entry renders with what is sound).
    """

    problem: Problem
    key: str = ""
    fatal: bool = False


class Bibliography(Mapping[str, Reference]):
    """The references of one .bib file, in file order, by key, with the problems found in reading it."""

    def __init__(self, references: Mapping[str, Reference], path: Path | None = None, shown_path: str = "",
                 problems: tuple[EntryProblem, ...] = ()):
        self._references = dict(references)
        self.path = path
        self.shown_path = shown_path or (str(path) if path else "")
        self.problems = tuple(problems)

    def __getitem__(self, key: str) -> Reference:
        return self._references[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._references)

    def __len__(self) -> int:
        return len(self._references)

    def __repr__(self) -> str:
        return f"Bibliography({self.shown_path!r}, {len(self)} entries)"
