"""Turn a CSL JSON or CSL YAML bibliography (Zotero's, Better BibTeX's and Pandoc's exports) into references.

The items become the same :class:`~bookbuild.bibliography.Reference` values a
.bib file gives, in biblatex's vocabulary, so that the citation styles read one
model whatever the file's format: CSL item types become biblatex entry types
(``article-journal`` an ``article``, ``chapter`` an ``incollection``…), CSL
variables become biblatex fields (``container-title`` the ``journaltitle`` of
an article and the ``booktitle`` of a chapter, ``publisher-place`` the
``location``…), CSL names and date parts become :class:`Name` and :class:`Date`.
The little HTML CSL allows in titles (``<i>``, ``<b>``, ``<sc>``,
``<span class="nocase">``) becomes italics, bold, small capitals and words
protected from case changes.

Every problem is reported at the line of its item, all at once; an item that
cannot be used (no id, not an object) is an error, an unknown type or
variable a warning, and the item renders with what is sound.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from ..errors import BookbuildError, Problem, SourceLocation
from .dates import parse_date
from .model import Bibliography, Date, EntryProblem, Name, NameList, Reference, RichText, Span

CSL_SUFFIXES = (".json", ".yaml", ".yml")

# CSL item type: (biblatex entry type, entrysubtype or thesis/report type).
TYPES: dict[str, tuple[str, str]] = {
    "article": ("article", ""), "article-journal": ("article", ""),
    "article-magazine": ("article", "magazine"), "article-newspaper": ("article", "newspaper"),
    "book": ("book", ""), "chapter": ("incollection", ""), "entry": ("inreference", ""),
    "entry-dictionary": ("inreference", ""), "entry-encyclopedia": ("inreference", ""),
    "paper-conference": ("inproceedings", ""), "report": ("report", ""), "thesis": ("thesis", ""),
    "webpage": ("online", ""), "post": ("online", ""), "post-weblog": ("online", ""),
    "manuscript": ("unpublished", ""), "speech": ("unpublished", ""), "personal_communication": ("letter", ""),
    "interview": ("misc", ""), "motion_picture": ("video", ""), "broadcast": ("video", ""),
    "song": ("audio", ""), "patent": ("patent", ""), "dataset": ("dataset", ""), "software": ("software", ""),
    "review": ("review", ""), "review-book": ("review", ""), "legal_case": ("jurisdiction", ""),
    "legislation": ("legislation", ""), "map": ("misc", ""), "graphic": ("artwork", ""),
    "document": ("misc", ""), "standard": ("standard", ""), "collection": ("collection", ""),
    "periodical": ("periodical", ""), "classic": ("book", ""), "performance": ("performance", ""),
    "event": ("misc", ""), "hearing": ("misc", ""), "bill": ("legislation", ""), "treaty": ("legal", ""),
    "regulation": ("legislation", ""), "pamphlet": ("booklet", ""), "musical_score": ("book", ""),
}

# CSL name variable -> biblatex name field.
NAME_VARIABLES = {
    "author": "author", "editor": "editor", "translator": "translator", "container-author": "bookauthor",
    "collection-editor": "editor", "editorial-director": "editor", "director": "author",
    "interviewer": "editora", "recipient": "editorb", "illustrator": "annotator",
    "composer": "author", "original-author": "origauthor", "reviewed-author": "editora",
}

# CSL date variable -> the Reference attribute or biblatex field it fills.
DATE_VARIABLES = {"issued": "date", "accessed": "urldate", "original-date": "origdate",
                  "event-date": "eventdate", "submitted": "date"}

# CSL variables that are the same biblatex field whatever the type.
PLAIN_VARIABLES = {
    "title": "title", "title-short": "shorttitle", "publisher": "publisher", "publisher-place": "location",
    "event-place": "venue", "volume": "volume", "number-of-volumes": "volumes", "issue": "number",
    "page": "pages", "number-of-pages": "pagetotal", "edition": "edition", "collection-title": "series",
    "collection-number": "number", "ISBN": "isbn", "ISSN": "issn", "DOI": "doi", "URL": "url",
    "note": "note", "abstract": "abstract", "language": "langid", "genre": "type", "medium": "howpublished",
    "archive": "library", "archive_location": "library", "call-number": "library", "version": "version",
    "chapter-number": "chapter", "event": "eventtitle", "event-title": "eventtitle", "annote": "annotation",
    "status": "pubstate", "PMID": "eprint", "PMCID": "eprint", "original-title": "origtitle",
    "original-publisher": "origpublisher", "original-publisher-place": "origlocation", "section": "part",
    "authority": "institution", "dimensions": "pagetotal", "references": "note", "source": "library",
    "jurisdiction": "location", "scale": "note", "keyword": "keywords", "citation-key": "ids",
    "container-title-short": "shortjournal", "division": "part", "part-number": "part",
    "supplement-number": "issue", "number": "number",
}
# Variables that are links and stay as written.
VERBATIM = frozenset({"doi", "url", "isbn", "issn", "eprint"})
# Variables Zotero and Pandoc add that mean nothing for a printed citation: read quietly.
IGNORED = frozenset({"id", "type", "citation-label", "year-suffix", "system_id", "custom", "categories",
                     "locator", "first-reference-note-number", "citation-number", "_ref_locs", "ignored",
                     "archive-place", "container-title", "collection-editor-role", "language_iso"})

# Fields whose case the styles change (title case, sentence case).
CASED = frozenset({"title", "shorttitle", "origtitle", "series", "eventtitle"})

MAX_CSL_BYTES = 20 * 1024 * 1024


def is_csl_file(path: Path) -> bool:
    return path.suffix.lower() in CSL_SUFFIXES


class _Problems:
    """The problems of the items, kept with the bibliography as the .bib reader keeps its own: a problem of
    an item the book cites is reported when the book is built (see ``report_problems``)."""

    def __init__(self) -> None:
        self.found: list[EntryProblem] = []

    def error(self, location: SourceLocation | None, message: str, hint: str | None = None, key: str = "") -> None:
        self.found.append(EntryProblem(Problem(location, message, hint), key, fatal=True))

    def warning(self, location: SourceLocation | None, message: str, hint: str | None = None, key: str = "") -> None:
        self.found.append(EntryProblem(Problem(location, message, hint, severity="warning"), key))


def load_csl_bibliography(path: Path, where: Callable[[int | None], SourceLocation], text: str) -> Bibliography:
    """Read the CSL JSON or YAML *text* of *path*: every item that can be read, and the problems of the others.

    A file that is not JSON (or YAML) at all is an error at once; an item without an id, or that is not an
    object, is left out with a warning (nothing can cite it); an unknown type or variable is a warning.
    """
    diagnostics = _Problems()
    if path.suffix.lower() == ".json":
        items = list(_json_items(text, where))
    else:
        items = list(_yaml_items(text, where))
    references: dict[str, Reference] = {}
    first_line: dict[str, int] = {}
    markdown = path.suffix.lower() != ".json"  # Pandoc reads CSL YAML's strings as Markdown
    for line, item in items:
        reference = _reference(item, line, where, diagnostics, markdown)
        if reference is None:
            continue
        if reference.key in references:
            diagnostics.warning(where(line), f"duplicate id '{reference.key}': the first item with it is used",
                                hint=f"first defined at {where(first_line[reference.key])}", key=reference.key)
            continue
        references[reference.key] = reference
        first_line[reference.key] = line
    return Bibliography(references, path=path, shown_path=str(where(None).path),
                        problems=tuple(diagnostics.found))


# --------------------------------------------------------------------------- reading the file


def _json_items(text: str, where) -> Iterator[tuple[int, Any]]:
    """Each item of a CSL JSON array with the 1-based line it starts on."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if not text.startswith("[", position):
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            raise BookbuildError.at(where(error.lineno), f"not valid JSON: {error.msg}") from None
        raise BookbuildError.at(where(_line_at(text, position)), "a CSL JSON bibliography is a list of items",
                                hint="export the library as CSL JSON: the file starts with '['")
    position = _skip_space(text, position + 1)
    if text.startswith("]", position):
        return
    while True:
        try:
            item, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise BookbuildError.at(where(error.lineno), f"not valid JSON: {error.msg}",
                                    hint="a missing comma between two items, or a comma after the last one, "
                                    "is the usual cause") from None
        yield _line_at(text, position), item
        position = _skip_space(text, end)
        if text.startswith(",", position):
            position = _skip_space(text, position + 1)
            continue
        if text.startswith("]", position):
            return
        raise BookbuildError.at(where(_line_at(text, position)), "expected ',' or ']' after an item",
                                hint="separate the items of the list with commas")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _yaml_items(text: str, where) -> Iterator[tuple[int, Any]]:
    """Each item of a CSL YAML file (a list, or a mapping with ``references``), with its line.

    Pandoc also reads a Markdown file whose YAML block holds the references: only that block is read.
    """
    block = re.match(r"---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.DOTALL)
    if block:
        text = "---\n" + block.group(1)
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.AliasEvent,)) or getattr(event, "anchor", None):
                raise BookbuildError.at(where(event.start_mark.line + 1),
                                        "anchors and aliases are not allowed in a bibliography",
                                        hint="write each item out in full, as reference managers export them")
        documents = [node for node in yaml.compose_all(text, Loader=yaml.SafeLoader) if node is not None]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise BookbuildError.at(where(line), f"not valid YAML: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise BookbuildError.at(where(None), f"not valid YAML: {error}") from None
    for node in documents:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == "references"), None)
            if node is None:
                continue
        if not isinstance(node, yaml.SequenceNode):
            raise BookbuildError.at(where(node.start_mark.line + 1), "a CSL YAML bibliography is a list of items "
                                    "or a 'references:' list")
        for child in node.value:
            yield child.start_mark.line + 1, yaml.safe_load(yaml.serialize(child))


# --------------------------------------------------------------------------- items


_UPPER_VARIABLES = {"doi": "DOI", "url": "URL", "isbn": "ISBN", "issn": "ISSN", "pmid": "PMID", "pmcid": "PMCID"}


def _reference(item: Any, line: int, where, diagnostics: _Problems, markdown: bool = False) -> Reference | None:
    if not isinstance(item, dict):
        diagnostics.warning(where(line), "an item of the bibliography is not a set of variables: left out",
                          hint="each item is an object such as {\"id\": \"gati2006\", \"type\": \"book\", …}")
        return None
    key = str(item.get("id", "")).strip()
    if not key:
        diagnostics.warning(where(line), "an item has no 'id': left out",
                            hint="give it the key the manuscript cites it by")
        return None
    csl_type = str(item.get("type", "")).strip()
    entry_type, subtype = TYPES.get(csl_type, ("misc", ""))
    if not csl_type:
        diagnostics.warning(where(line), f"item '{key}' has no type: cited as a 'misc'",
                            hint="give it a CSL type such as \"book\", \"article-journal\" or \"webpage\"")
    elif csl_type not in TYPES:
        diagnostics.warning(where(line), f"unknown CSL type '{csl_type}' of item '{key}': cited as a 'misc'")
    fields: dict[str, RichText] = {}
    names: dict[str, NameList] = {}
    dates: dict[str, Date] = {}
    if subtype:
        fields["entrysubtype" if entry_type == "article" else "type"] = RichText.plain(subtype)
    rich = _rich_markdown if markdown else _rich
    for variable, value in item.items():
        variable = _UPPER_VARIABLES.get(variable, variable)
        if variable in IGNORED or value in (None, "", []):
            continue
        if variable in NAME_VARIABLES:
            names.setdefault(NAME_VARIABLES[variable], _names(value, variable, key, line, where, diagnostics))
        elif variable in DATE_VARIABLES:
            date = _date(value, variable, key, line, where, diagnostics)
            if date:
                dates.setdefault(DATE_VARIABLES[variable], date)
        elif variable in PLAIN_VARIABLES:
            field = PLAIN_VARIABLES[variable]
            if field in VERBATIM:
                fields.setdefault(field, RichText.plain(str(value).strip()))
            elif field in CASED:
                fields.setdefault(field, _as_written(rich(value)))
            else:
                fields.setdefault(field, rich(value))
        else:
            diagnostics.warning(where(line), f"item '{key}' has the variable '{variable}', which bookbuild does "
                                "not use: left out")
    container = item.get("container-title")
    if container:
        name = "journaltitle" if entry_type in ("article", "review") else "booktitle"
        if entry_type in ("online",):
            name = "organization"
        fields[name] = _as_written(rich(container))
    if entry_type == "online" and "publisher" in fields and "organization" not in fields:
        # A web page's publisher is biblatex's 'organization' (the site's owner).
        fields["organization"] = fields.pop("publisher")
    if entry_type == "misc" and "publisher" in fields and "howpublished" not in fields:
        fields["howpublished"] = fields.pop("publisher")
    if entry_type in ("thesis", "report") and "publisher" in fields and "institution" not in fields:
        # CSL has one 'publisher'; biblatex calls a thesis's university and a report's issuer 'institution'.
        fields["institution"] = fields.pop("publisher")
    if entry_type == "thesis" and "type" in fields:
        fields["type"] = RichText.plain(_thesis_type(str(fields["type"])))
    if entry_type == "inproceedings" and "eventtitle" in fields and "booktitle" not in fields:
        fields["booktitle"] = fields["eventtitle"]
    for name in ("origdate", "eventdate"):
        if name in dates:
            fields[name] = RichText.plain(_iso(dates[name]))
    if "date" in dates:
        fields["year"] = RichText.plain(str(dates["date"].year) if dates["date"].year is not None
                                        else dates["date"].literal)
    language = str(item.get("language", "")).strip()
    return Reference(key=key, type=entry_type, fields=MappingProxyType(fields), names=MappingProxyType(names),
                     date=dates.get("date"), urldate=dates.get("urldate"), location=where(line),
                     dates=MappingProxyType(dict(dates)), langid=_langid(language), source_type=csl_type)


# CSL gives an item's language as a BCP 47 tag; biblatex's langid is a language name.
_LANGIDS = {"en": "english", "de": "german", "fr": "french", "hu": "magyar", "es": "spanish", "it": "italian",
            "pl": "polish", "cs": "czech", "ro": "romanian", "nl": "dutch", "pt": "portuguese", "ru": "russian"}


def _langid(tag: str) -> str:
    if not tag:
        return ""
    return _LANGIDS.get(tag.split("-")[0].lower(), tag.lower())


def _thesis_type(genre: str) -> str:
    lowered = genre.lower()
    if "phd" in lowered or "doctor" in lowered or "diss" in lowered:
        return "phdthesis"
    if "master" in lowered or lowered.startswith("ma ") or lowered.startswith("m.a"):
        return "mathesis"
    return genre


def _names(value: Any, variable: str, key: str, line: int, where, diagnostics: _Problems) -> NameList:
    if not isinstance(value, list):
        value = [value]
    names: list[Name] = []
    for person in value:
        if isinstance(person, str):
            names.append(Name(literal=_straighten(person).strip()))
        elif isinstance(person, dict):
            if person.get("literal"):
                names.append(Name(literal=_straighten(str(person["literal"])).strip()))
                continue
            particle = " ".join(_straighten(str(person.get(part, ""))).strip() for part in
                                ("dropping-particle", "non-dropping-particle") if person.get(part))
            family = _straighten(str(person.get("family", ""))).strip()
            given = _straighten(str(person.get("given", ""))).strip()
            if not family and not given:
                diagnostics.warning(where(line), f"a name in '{variable}' of item '{key}' has neither a family "
                                    "nor a given name: left out")
                continue
            if not family:
                names.append(Name(literal=given))
                continue
            names.append(Name(family=family, given=given, particle=particle,
                              suffix=_straighten(str(person.get("suffix", ""))).strip()))
        else:
            diagnostics.warning(where(line), f"a name in '{variable}' of item '{key}' is neither text nor a name "
                                "object: left out")
    return NameList(tuple(names))


_SEASONS = {1: 21, 2: 22, 3: 23, 4: 24, "spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}


def _date(value: Any, variable: str, key: str, line: int, where, diagnostics: _Problems) -> Date | None:
    if isinstance(value, dt.date):
        return Date(value.year, value.month, value.day)
    if isinstance(value, str):
        value = {"raw": value}
    if isinstance(value, (int, float)):
        value = {"date-parts": [[int(value)]]}
    if not isinstance(value, dict):
        diagnostics.warning(where(line), f"cannot read the date in '{variable}' of item '{key}': left out")
        return None
    approximate = bool(value.get("circa"))
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        try:
            start = _from_parts(parts[0], approximate)
            end = _from_parts(parts[1], approximate) if len(parts) > 1 and parts[1] else None
        except (TypeError, ValueError):
            diagnostics.warning(where(line), f"cannot read the date parts {parts!r} in '{variable}' of item "
                                f"'{key}': left out")
            return None
        if end is not None and end != start:
            return Date(start.year, start.month, start.day, end=end, approximate=approximate)
        return start
    for text_key in ("raw", "literal"):
        text = str(value.get(text_key, "")).strip()
        if text:
            parsed = parse_date(text)
            if parsed is not None:
                return parsed
            return Date(literal=text)
    if value.get("season") and value.get("year"):
        return Date(literal=f"{value['season']} {value['year']}")
    diagnostics.warning(where(line), f"the date in '{variable}' of item '{key}' is empty: left out")
    return None


def _from_parts(parts: list[Any], approximate: bool) -> Date:
    numbers = [int(str(part).strip()) for part in parts[:3]]
    year = numbers[0]
    month = numbers[1] if len(numbers) > 1 and 1 <= numbers[1] <= 12 else None
    day = numbers[2] if len(numbers) > 2 and month and 1 <= numbers[2] <= 31 else None
    return Date(year, month, day, approximate=approximate)


def _iso(date: Date) -> str:
    if date.year is None:
        return date.literal
    text = f"{date.year:04d}"
    if date.month:
        text += f"-{date.month:02d}"
        if date.day:
            text += f"-{date.day:02d}"
    return text


# CSL's rich text: a few HTML tags in any string variable.
_TAG = re.compile(r"<(/?)(i|b|sc|sup|sub|span)(\s[^>]*)?>", re.IGNORECASE)


def _rich(value: Any) -> RichText:
    text = str(value) if not isinstance(value, list) else ", ".join(str(part) for part in value)
    spans: list[Span] = []
    italic = bold = smallcaps = 0
    protected: list[bool] = []
    position = 0
    for match in _TAG.finditer(text):
        if match.start() > position:
            spans.append(Span(_straighten(html.unescape(text[position:match.start()])), protected=any(protected),
                              italic=italic > 0, bold=bold > 0, smallcaps=smallcaps > 0))
        closing, tag = match.group(1) == "/", match.group(2).lower()
        step = -1 if closing else 1
        if tag == "i":
            italic = max(0, italic + step)
        elif tag == "b":
            bold = max(0, bold + step)
        elif tag == "sc":
            smallcaps = max(0, smallcaps + step)
        elif tag == "span":
            if closing:
                if protected:
                    protected.pop()
            else:
                protected.append("nocase" in (match.group(3) or ""))
        position = match.end()
    if position < len(text):
        spans.append(Span(_straighten(html.unescape(text[position:])), protected=any(protected),
                          italic=italic > 0, bold=bold > 0, smallcaps=smallcaps > 0))
    return RichText(tuple(span for span in spans if span.text))


_CAPITALISED = re.compile(r"(?<![\w’'-])(\w[\w’'-]*)")


def _as_written(text: RichText) -> RichText:
    """CSL's convention for a title: stored in sentence case, so every capital after the first is meant.

    A capitalised word other than the first (a proper noun, or the first word of a subtitle) is
    protected from case changes; lowercase words stay free, so title case can still capitalise
    them and sentence case leaves the title as written, as CSL processors do.
    """
    spans: list[Span] = []
    first = True
    for span in text.spans:
        if span.protected:
            spans.append(span)
            first = False
            continue
        position = 0
        for match in _CAPITALISED.finditer(span.text):
            word = match.group(1)
            if first:
                first = False
                continue
            if word[0].isupper() or any(letter.isupper() for letter in word[1:]):
                if match.start() > position:
                    spans.append(Span(span.text[position:match.start()], italic=span.italic, bold=span.bold,
                                      smallcaps=span.smallcaps))
                spans.append(Span(word, protected=True, italic=span.italic, bold=span.bold,
                                  smallcaps=span.smallcaps))
                position = match.end()
        if position < len(span.text):
            spans.append(Span(span.text[position:], italic=span.italic, bold=span.bold, smallcaps=span.smallcaps))
    return RichText(tuple(spans))


# Pandoc's Markdown in CSL YAML strings, as the HTML tags CSL JSON uses.
_MARKDOWN = (
    (re.compile(r"\[([^\]]*)\]\{\.nocase\}"), r'<span class="nocase">\1</span>'),
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"<b>\1</b>"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"<i>\1</i>"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"<i>\1</i>"),
    (re.compile(r"\[([^\]]*)\]\{\.smallcaps\}"), r"<sc>\1</sc>"),
    (re.compile(r"(?<!-)---(?!-)"), "\u2014"),
    (re.compile(r"(?<!-)--(?!-)"), "\u2013"),
)


def _rich_markdown(value: Any) -> RichText:
    text = html.escape(str(value) if not isinstance(value, list) else ", ".join(str(part) for part in value),
                       quote=False)
    escaped: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        escaped.append(match.group(1))
        return f"\x00{len(escaped) - 1}\x00"

    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!'\"])", placeholder, text)
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    text = re.sub(r"\x00(\d+)\x00", lambda match: html.escape(escaped[int(match.group(1))]), text)
    return _rich(text)


def _straighten(text: str) -> str:
    """Composed Unicode, whitespace as one space, straight apostrophes between letters as typographic ones.

    Converters write LaTeX's ``{\\'\\i}`` as a dotless i with a combining accent: it becomes í.
    """
    text = unicodedata.normalize("NFC", text.replace("\u0131\u0301", "\u00ed"))
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"(?<=\w)'(?=\w)", "\u2019", text)
