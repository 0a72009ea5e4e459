"""Turn a BibTeX or biblatex file into checked references: ``{key: Reference}``.

bibtexparser splits the file into blocks; this module does the rest, so that
every entry either becomes a :class:`Reference` or is reported:

* values are evaluated (braces, quotes, ``#`` concatenation, ``@string`` and
  month macros); an undefined macro is an error;
* LaTeX is decoded to Unicode (pylatexenc) into :class:`RichText`, which keeps
  braced words ``{Moscow}`` marked as protected from case changes and
  ``\\emph{…}`` as italics;
* ``crossref`` parents lend their fields to their children (biblatex rules);
* BibTeX field and type names are folded into biblatex ones (``journal`` is
  ``journaltitle``, ``address`` is ``location``, ``@phdthesis`` is a
  ``@thesis`` of type ``phdthesis``…);
* names are split into family, given, particle and suffix; a name in double
  braces ``{{United Nations}}`` is kept whole;
* dates come from ``date`` (ISO 8601) or from ``year`` and ``month``.

All problems of the file are collected and raised together, each at the
1-based line of the file (bibtexparser counts lines from 0).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import bibtexparser
from markupsafe import escape
from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts, split_multiple_persons_names
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock, String
from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexwalker import (
    LatexCharsNode,
    LatexCommentNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexWalker,
)

from .errors import BookbuildError, Diagnostics, Report, SourceLocation, closest
from .project import Project

# bibtexparser logs every block it gives up on; we report those ourselves.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("bibtexparser").propagate = False

NAME_FIELDS = ("author", "editor", "translator", "editora", "editorb", "editorc", "bookauthor",
               "commentator", "annotator", "introduction", "foreword", "afterword", "holder")
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "file", "pdf", "verba", "verbb", "verbc", "urlraw"})

# BibTeX names of fields, as biblatex calls them.
FIELD_ALIASES = {
    "journal": "journaltitle",
    "address": "location",
    "school": "institution",
    "annote": "annotation",
    "archiveprefix": "eprinttype",
    "primaryclass": "eprintclass",
    "key": "sortkey",
}

# BibTeX and biblatex entry types that biblatex treats as another type (and the `type` field they imply).
TYPE_ALIASES: dict[str, tuple[str, str]] = {
    "phdthesis": ("thesis", "phdthesis"),
    "mastersthesis": ("thesis", "mathesis"),
    "techreport": ("report", "techreport"),
    "conference": ("inproceedings", ""),
    "electronic": ("online", ""),
    "www": ("online", ""),
}

MONTH_MACROS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May", "jun": "June",
    "jul": "July", "aug": "August", "sep": "September", "oct": "October", "nov": "November", "dec": "December",
}

# Fields a child never takes from its crossref parent (biblatex's defaults).
_NOT_INHERITED = frozenset({
    "ids", "crossref", "xref", "entryset", "entrysubtype", "execute", "label", "options", "presort",
    "related", "relatedoptions", "relatedstring", "relatedtype", "shorthand", "shorthandintro", "sortkey",
})
# Parent types whose titles become the child's book title, and the child types that take them.
_BOOKISH_PARENTS = {"book", "collection", "proceedings", "reference", "mvbook", "mvcollection",
                    "mvproceedings", "mvreference", "periodical"}
_TITLE_FIELDS = ("title", "subtitle", "titleaddon", "shorttitle", "sorttitle", "indextitle", "indexsorttitle")


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Span:
    """A run of text with one set of properties."""

    text: str
    protected: bool = False  # written in braces: its case is never changed
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
    """One person or body; a body (``{{United Nations}}``) has only ``literal``."""

    family: str = ""
    given: str = ""
    particle: str = ""  # "von", "de la": shown before the family name, ignored in sorting
    suffix: str = ""  # "Jr.", "III"
    literal: str = ""

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


@dataclass(frozen=True)
class Date:
    """A calendar date, perhaps partial, perhaps a range; or, failing that, words ("forthcoming")."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    end: Date | None = None
    approximate: bool = False
    literal: str = ""

    def __bool__(self) -> bool:
        return self.year is not None or bool(self.literal)


@dataclass(frozen=True)
class Reference:
    """One entry of the bibliography, decoded and complete (crossref parents merged in)."""

    key: str
    type: str  # biblatex entry type, lowercase: "book", "article", "thesis"…
    fields: Mapping[str, RichText] = field(compare=False, repr=False)
    names: Mapping[str, NameList] = field(compare=False, repr=False)
    date: Date | None = None
    urldate: Date | None = None
    location: SourceLocation | None = field(default=None, compare=False)

    def get(self, name: str) -> RichText:
        """The field *name* (biblatex spelling), or empty text."""
        return self.fields.get(name, _EMPTY)

    def text(self, name: str) -> str:
        return str(self.fields.get(name, _EMPTY))


_EMPTY = RichText()


class Bibliography(Mapping[str, Reference]):
    """The references of one .bib file, in file order, by key."""

    def __init__(self, references: Mapping[str, Reference], path: Path | None = None, shown_path: str = ""):
        self._references = dict(references)
        self.path = path
        self.shown_path = shown_path or (str(path) if path else "")

    def __getitem__(self, key: str) -> Reference:
        return self._references[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._references)

    def __len__(self) -> int:
        return len(self._references)

    def __repr__(self) -> str:
        return f"Bibliography({self.shown_path!r}, {len(self)} entries)"


def load_bibliography(path: Path, project: Project | None = None, report: Report | None = None) -> Bibliography:
    """Read and check the bibliography at *path*; raise a BookbuildError listing every problem in it.

    A ``.bib`` file is BibTeX or biblatex; a ``.json``, ``.yaml`` or ``.yml`` file is CSL JSON or CSL
    YAML (see csl_data), read into the same references.
    """
    path = Path(path)

    def where(line: int | None = None) -> SourceLocation:
        if project is not None:
            return project.location(path, line)
        return SourceLocation(str(path), line)

    text = _read_text(path, where)
    from .csl_data import is_csl_file, load_csl_bibliography

    if is_csl_file(path):
        return load_csl_bibliography(path, where, text, report)
    return parse_bibliography(text, where, path=path)


MAX_BIBLIOGRAPHY_BYTES = 20 * 1024 * 1024


def _read_text(path: Path, where) -> str:
    try:
        if path.stat().st_size > MAX_BIBLIOGRAPHY_BYTES:
            raise BookbuildError.at(where(), f"the bibliography is larger than "
                                             f"{MAX_BIBLIOGRAPHY_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise BookbuildError.at(where(), "bibliography file not found") from None
    except OSError as error:
        raise BookbuildError.at(where(), f"cannot read the bibliography: {error.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BookbuildError.at(where(line), "the bibliography is not UTF-8 text",
                                hint="save the file with UTF-8 encoding") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_bibliography(text: str, where, path: Path | None = None) -> Bibliography:
    """Turn the text of a .bib file into a Bibliography; *where(line)* makes a SourceLocation."""
    diagnostics = Diagnostics()
    library = bibtexparser.parse_string(text, parse_stack=[])

    strings = _evaluate_strings(library, where, diagnostics)
    raw_entries: dict[str, _RawEntry] = {}
    for block in library.blocks:
        if isinstance(block, DuplicateBlockKeyBlock):
            first = block.previous_block
            what = "@string" if isinstance(first, String) else "key"
            diagnostics.error(where(_line(block)), f"duplicate {what} '{block.key}'",
                              hint=f"first defined at {where(_line(first))}")
        elif isinstance(block, DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            if isinstance(entry, Entry):
                _add_entry(entry, strings, raw_entries, where, diagnostics)
        elif isinstance(block, ParsingFailedBlock):
            _report_failed_block(block, where, diagnostics)
        elif isinstance(block, Entry):
            _add_entry(block, strings, raw_entries, where, diagnostics)

    references: dict[str, Reference] = {}
    for key, raw in raw_entries.items():
        merged = _inherit(raw, raw_entries, where, diagnostics)
        reference = _make_reference(merged, where, diagnostics)
        if reference is not None:
            references[key] = reference
    diagnostics.raise_if_any()
    shown = str(where().path)
    return Bibliography(references, path=path, shown_path=shown)


def _line(block) -> int | None:
    return block.start_line + 1 if block.start_line is not None else None


@dataclass
class _RawEntry:
    key: str
    type: str
    line: int | None
    values: dict[str, str]  # evaluated, still LaTeX
    lines: dict[str, int | None]


def _add_entry(entry: Entry, strings: dict[str, str], raw_entries: dict[str, _RawEntry], where,
               diagnostics: Diagnostics) -> None:
    line = _line(entry)
    key = entry.key.strip()
    if not key:
        diagnostics.error(where(line), f"@{entry.entry_type} entry without a key",
                          hint="write a key after the opening brace: @book{gati2006, …}")
        return
    values: dict[str, str] = {}
    lines: dict[str, int | None] = {}
    ok = True
    for fld in entry.fields:
        name = fld.key.strip().lower()
        name = FIELD_ALIASES.get(name, name)
        field_line = fld.start_line + 1 if fld.start_line is not None else line
        if name in values:
            diagnostics.error(where(field_line), f"duplicate field '{name}' in entry '{key}'",
                              hint=f"first given at {where(lines[name])}")
            ok = False
            continue
        value, undefined = _evaluate(str(fld.value), strings)
        for macro in undefined:
            close = closest(macro, list(strings) + list(MONTH_MACROS))
            diagnostics.error(where(field_line), f"undefined macro '{macro}' in field '{name}' of entry '{key}'",
                              hint=f"did you mean '{close}'?" if close else
                              "define it with @string or write the value in braces")
            ok = False
        balance = _brace_balance(value)
        if balance:
            problem = "unclosed brace" if balance > 0 else "unmatched '}'"
            diagnostics.error(where(field_line), f"{problem} in field '{name}' of entry '{key}'")
            ok = False
        values[name] = value
        lines[name] = field_line
    if not ok:
        return
    entry_type = entry.entry_type.strip().lower()
    if entry_type in TYPE_ALIASES:
        entry_type, implied = TYPE_ALIASES[entry_type]
        if implied and "type" not in values:
            values["type"] = implied
            lines["type"] = line
    raw_entries[key] = _RawEntry(key, entry_type, line, values, lines)


_ENTRY_HEAD = re.compile(r"\s*@\s*(\w+)\s*([{(])\s*([^\s,{}()=]*)\s*,?")
_FIELD_START = re.compile(r"^\s*([\w:.+-]+)\s*=")


def _report_failed_block(block: ParsingFailedBlock, where, diagnostics: Diagnostics) -> None:
    raw = block.raw or ""
    head = _ENTRY_HEAD.match(raw)
    key = head.group(3) if head else ""
    kind = head.group(1).lower() if head else ""
    line = _line(block)
    what = f"entry '{key}'" if key else (f"@{kind} block" if kind else "block")
    reason = getattr(block.error, "abort_reason", None) or str(block.error)
    ran_on = "end of file" in reason or "Unexpected block start" in reason
    unclosed = _find_unclosed_field(raw, head) if head and head.group(0).endswith(",") and ran_on else None
    if unclosed is not None:
        offset, name = unclosed
        if name:
            diagnostics.error(where(line + offset if line is not None else None),
                              f"unclosed brace in field '{name.lower()}' of {what}",
                              hint="add the missing '}'; this entry was not read")
        else:
            diagnostics.error(where(line), f"unclosed brace in {what}",
                              hint="a '{' in this entry has no matching '}'; this entry was not read")
        return
    reason = reason.strip().rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    diagnostics.error(where(line), f"cannot read {what}: {reason}", hint="this entry was not read")


def _find_unclosed_field(raw: str, head: re.Match) -> tuple[int, str] | None:
    """Where a brace is left open: (line offset in *raw*, field name), or None.

    A value is still open when a line starting a new field ("year =") is reached
    inside it, or when the block ends inside it; when only the entry's own
    brace is left open, the field name is "".
    """
    base = 1 if head.group(2) == "{" else 0
    depth = base
    current: tuple[int, str] = (0, "")
    body = raw[head.end():]
    first_offset = raw[:head.end()].count("\n")
    for index, text_line in enumerate(body.split("\n")):
        offset = first_offset + index
        start = _FIELD_START.match(text_line)
        if start:
            if depth > base:
                return current
            current = (offset, start.group(1))
        escaped = False
        for char in text_line:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
    if depth > base:
        return current
    return (0, "") if depth > 0 else None


def _brace_balance(value: str) -> int:
    """0 when the braces of *value* pair up; > 0 when some are left open; < 0 when one closes too early."""
    depth = 0
    for match in re.finditer(r"(?<!\\)[{}]", value):
        depth += 1 if match.group() == "{" else -1
        if depth < 0:
            return depth
    return depth


def _evaluate_strings(library, where, diagnostics: Diagnostics) -> dict[str, str]:
    strings: dict[str, str] = {}
    for string in library.strings:
        value, undefined = _evaluate(str(string.value), strings)
        for macro in undefined:
            diagnostics.error(where(_line(string)), f"undefined macro '{macro}' in @string '{string.key}'",
                              hint="define it with @string before this one")
        strings[string.key.strip().lower()] = value
    return strings


def _evaluate(raw: str, strings: Mapping[str, str]) -> tuple[str, list[str]]:
    """The value of a field expression (``{…}``, ``"…"``, numbers and macros joined by ``#``)."""
    parts: list[str] = []
    undefined: list[str] = []
    pos, length = 0, len(raw)
    while pos < length:
        char = raw[pos]
        if char.isspace() or char == "#":
            pos += 1
        elif char == "{":
            end = _matching_brace(raw, pos)
            parts.append(raw[pos + 1:end])
            pos = end + 1
        elif char == '"':
            end = _closing_quote(raw, pos)
            parts.append(raw[pos + 1:end])
            pos = end + 1
        else:
            end = pos
            while end < length and raw[end] != "#" and not raw[end].isspace():
                end += 1
            word = raw[pos:end]
            pos = end
            if word.isdigit():
                parts.append(word)
            elif word.lower() in strings:
                parts.append(strings[word.lower()])
            elif word.lower() in MONTH_MACROS:
                parts.append(MONTH_MACROS[word.lower()])
            else:
                undefined.append(word)
    return "".join(parts), undefined


def _matching_brace(text: str, start: int) -> int:
    depth = 0
    pos = start
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    return len(text)


def _closing_quote(text: str, start: int) -> int:
    depth = 0
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            return pos
        pos += 1
    return len(text)


# --------------------------------------------------------------------------- crossref


def _inherit(raw: _RawEntry, entries: Mapping[str, _RawEntry], where, diagnostics: Diagnostics,
             seen: tuple[str, ...] = ()) -> _RawEntry:
    """*raw* with the fields it takes from its crossref parent (and the parent's parent)."""
    parent_key = raw.values.get("crossref", "").strip()
    if not parent_key:
        return raw
    line = raw.lines.get("crossref")
    if parent_key in seen or parent_key == raw.key:
        diagnostics.error(where(line), f"crossref loop: entry '{raw.key}' refers back to itself through "
                          f"'{parent_key}'")
        return raw
    if parent_key not in entries:
        close = closest(parent_key, entries)
        diagnostics.error(where(line), f"unknown crossref '{parent_key}' in entry '{raw.key}'",
                          hint=f"did you mean '{close}'?" if close else None)
        return raw
    parent = _inherit(entries[parent_key], entries, where, diagnostics, seen + (raw.key,))
    values = dict(raw.values)
    lines = dict(raw.lines)

    def give(source: str, target: str) -> None:
        if source in parent.values and target not in values:
            values[target] = parent.values[source]
            lines[target] = parent.lines.get(source)

    if parent.type in _BOOKISH_PARENTS:
        if parent.type.startswith("mv") and not raw.type.startswith("mv"):
            prefix = "main"  # a volume of a multi-volume work
        elif raw.type.startswith("in") or raw.type in ("bookinbook", "suppbook", "suppcollection"):
            prefix = "book"  # a part of a book
        else:
            prefix = ""
        if prefix:
            for title_field in ("title", "subtitle", "titleaddon"):
                give(title_field, prefix + title_field)
        if parent.type in ("book", "mvbook") and raw.type in ("inbook", "bookinbook", "suppbook"):
            give("author", "bookauthor")
    for name, value in parent.values.items():
        if name in _NOT_INHERITED or name in _TITLE_FIELDS or name in values:
            continue
        values[name] = value
        lines[name] = parent.lines.get(name)
    return _RawEntry(raw.key, raw.type, raw.line, values, lines)


# --------------------------------------------------------------------------- references


def _make_reference(raw: _RawEntry, where, diagnostics: Diagnostics) -> Reference | None:
    fields: dict[str, RichText] = {}
    names: dict[str, NameList] = {}
    ok = True
    for name, value in raw.values.items():
        if name in NAME_FIELDS:
            try:
                names[name] = parse_names(value)
            except _NameProblem as error:
                diagnostics.error(where(raw.lines.get(name)),
                                  f"cannot split the name '{error.name}' in field '{name}' of entry '{raw.key}': "
                                  f"{error.reason}",
                                  hint="write 'Family, Given', 'Family, Jr., Given' or 'Given Family', "
                                  "separated by ' and '; put a body's name in double braces: "
                                  "{{United Nations}}")
                ok = False
        elif name in VERBATIM_FIELDS:
            fields[name] = RichText.plain(_verbatim(value))
        else:
            fields[name] = decode_latex(value)
    # biblatex's "editora = …, editoratype = translator" names a translator.
    for slot in ("editora", "editorb", "editorc"):
        if slot in names:
            role = str(fields.get(slot + "type", _EMPTY)).strip().lower() or "editor"
            if role not in names:
                names[role] = names[slot]
    date = _entry_date(raw, fields, where, diagnostics)
    urldate = None
    if "urldate" in raw.values:
        urldate = _parse_field_date(raw, "urldate", where, diagnostics)
    if date is False or urldate is False:
        ok = False
    if not ok:
        return None
    return Reference(
        key=raw.key,
        type=raw.type,
        fields=MappingProxyType(fields),
        names=MappingProxyType(names),
        date=date or None,
        urldate=urldate or None,
        location=where(raw.line),
    )


def _verbatim(value: str) -> str:
    text = re.sub(r"\\([_%&#$~])", r"\1", value)
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "")).strip()


# --------------------------------------------------------------------------- LaTeX


_TO_TEXT = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)
_PLAIN = re.compile(r"[\\{}~$%`'\-]")
_STYLE_MACROS = {
    "emph": "italic", "textit": "italic", "textsl": "italic", "mkbibemph": "italic", "it": "italic",
    "itshape": "italic", "em": "italic",
    "textbf": "bold", "mkbibbold": "bold", "bf": "bold", "bfseries": "bold",
    "textsc": "smallcaps", "scshape": "smallcaps",
    "textup": "", "textrm": "", "textnormal": "", "textsf": "", "texttt": "", "mbox": "", "hbox": "",
    "nocase": "protect", "NoCaseChange": "protect", "mkbibquote": "quote", "enquote": "quote",
}


def decode_latex(value: str) -> RichText:
    """LaTeX field text as RichText: accents decoded, ``{Braced}`` words protected, ``\\emph`` italic."""
    if not _PLAIN.search(value):
        return RichText.plain(_clean(value))
    # A bare % in a .bib value is a percent sign, not a LaTeX comment.
    value = re.sub(r"(?<!\\)%", r"\\%", value)
    nodes = LatexWalker(value, tolerant_parsing=True).get_latex_nodes()[0]
    spans: list[Span] = []
    _walk(nodes, Span(""), spans, top=True)
    return _merge(spans)


def _walk(nodes, style: Span, out: list[Span], top: bool) -> None:
    for node in nodes or ():
        if isinstance(node, LatexCommentNode):
            continue
        if isinstance(node, LatexGroupNode):
            children = node.nodelist or []
            first = next((child for child in children if not _is_blank(child)), None)
            if top and not isinstance(first, LatexMacroNode):
                inner = Span("", protected=True, italic=style.italic, bold=style.bold, smallcaps=style.smallcaps)
            else:
                inner = style
            _walk(children, inner, out, top=False)
        elif isinstance(node, LatexMacroNode) and node.macroname in _STYLE_MACROS:
            effect = _STYLE_MACROS[node.macroname]
            inner = style
            if effect in ("italic", "bold", "smallcaps"):
                inner = Span("", protected=style.protected, italic=style.italic or effect == "italic",
                             bold=style.bold or effect == "bold", smallcaps=style.smallcaps or effect == "smallcaps")
            elif effect == "protect":
                inner = Span("", protected=True, italic=style.italic, bold=style.bold, smallcaps=style.smallcaps)
            arguments = [arg for arg in (node.nodeargd.argnlist if node.nodeargd else []) if arg is not None]
            if effect == "quote":
                out.append(_styled("“", style))
            for argument in arguments:
                _walk(argument.nodelist if isinstance(argument, LatexGroupNode) else [argument], inner, out,
                      top=False)
            if effect == "quote":
                out.append(_styled("”", style))
        else:
            out.append(_styled(_TO_TEXT.nodelist_to_text([node]), style))


def _is_blank(node) -> bool:
    return isinstance(node, LatexCharsNode) and not node.chars.strip()


def _styled(text: str, style: Span) -> Span:
    return Span(text, protected=style.protected, italic=style.italic, bold=style.bold, smallcaps=style.smallcaps)


def _merge(spans: list[Span]) -> RichText:
    merged: list[Span] = []
    for span in spans:
        if not span.text:
            continue
        if merged and _same_style(merged[-1], span):
            merged[-1] = _styled(merged[-1].text + span.text, span)
        else:
            merged.append(span)
    cleaned: list[Span] = []
    for index, span in enumerate(merged):
        text = _clean(span.text, strip_start=index == 0, strip_end=index == len(merged) - 1)
        if text:
            cleaned.append(_styled(text, span))
    return RichText(tuple(cleaned))


def _same_style(a: Span, b: Span) -> bool:
    return (a.protected, a.italic, a.bold, a.smallcaps) == (b.protected, b.italic, b.bold, b.smallcaps)


def _clean(text: str, strip_start: bool = True, strip_end: bool = True) -> str:
    text = unicodedata.normalize("NFC", text.replace("ı\u0301", "í"))
    text = re.sub(r"[ \t\n\r]+", " ", text)
    if strip_start:
        text = text.lstrip(" ")
    if strip_end:
        text = text.rstrip(" ")
    return text


def latex_to_plain(value: str) -> str:
    return str(decode_latex(value))


# --------------------------------------------------------------------------- names


class _NameProblem(ValueError):
    def __init__(self, name: str, reason: str):
        super().__init__(reason)
        self.name = name
        self.reason = reason


def parse_names(value: str) -> NameList:
    """Split a BibTeX name list ("Gati, Charles and von Mises, Ludwig and others")."""
    names: list[Name] = []
    others = False
    parts = split_multiple_persons_names(value)
    for index, part in enumerate(parts):
        part = part.strip()
        if part == "others" and index == len(parts) - 1 and index > 0:
            others = True
            continue
        if not part or re.match(r"(?i)^and(\s|$)", part) or part.endswith(","):
            raise _NameProblem(value.strip(), "an empty name in the list")
        names.append(parse_name(part))
    return NameList(tuple(names), others)


def parse_name(text: str) -> Name:
    """One BibTeX name; a name wholly in braces is a body's name, kept as written."""
    stripped = text.strip()
    if stripped.startswith("{") and _matching_brace(stripped, 0) == len(stripped) - 1:
        return Name(literal=latex_to_plain(stripped))
    try:
        parts = parse_single_name_into_parts(stripped, strict=True)
    except InvalidNameError as error:
        reason = error.reason[:1].lower() + error.reason[1:]
        raise _NameProblem(stripped, reason) from None
    family = latex_to_plain(" ".join(parts.last))
    if not family:
        raise _NameProblem(stripped, "no family name")
    return Name(
        family=family,
        given=latex_to_plain(" ".join(parts.first)),
        particle=latex_to_plain(" ".join(parts.von)),
        suffix=latex_to_plain(" ".join(parts.jr)),
    )


# --------------------------------------------------------------------------- dates


_ISO_DATE = re.compile(r"^(-?\d{1,4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?([~?%]?)$")
_MONTH_NAMES = {name.lower(): number for number, name in enumerate(MONTH_MACROS.values(), start=1)}
_MONTH_NAMES.update({abbr: number for number, abbr in enumerate(MONTH_MACROS, start=1)})
_MONTH_NAMES["sept"] = 9


def _entry_date(raw: _RawEntry, fields: dict[str, RichText], where, diagnostics) -> Date | None | bool:
    if "date" in raw.values:
        return _parse_field_date(raw, "date", where, diagnostics)
    year_text = str(fields.get("year", _EMPTY)).strip()
    month_text = str(fields.get("month", _EMPTY)).strip()
    if not year_text:
        return None
    month = None
    if month_text:
        month = parse_month(month_text)
        if month is None:
            diagnostics.error(where(raw.lines.get("month")),
                              f"cannot read the month '{month_text}' in entry '{raw.key}'",
                              hint="write a number from 1 to 12 or a month macro such as mar")
            return False
    if re.fullmatch(r"-?\d{1,4}", year_text):
        day_text = str(fields.get("day", _EMPTY)).strip()
        day = int(day_text) if day_text.isdigit() and month else None
        return Date(year=int(year_text), month=month, day=day)
    return Date(literal=year_text)


def parse_month(text: str) -> int | None:
    text = text.strip().rstrip(".").lower()
    if text.isdigit():
        number = int(text)
        return number if 1 <= number <= 12 else None
    return _MONTH_NAMES.get(text)


def _parse_field_date(raw: _RawEntry, name: str, where, diagnostics) -> Date | bool:
    text = _verbatim(raw.values[name]).strip()
    date = parse_date(text)
    if date is None:
        diagnostics.error(where(raw.lines.get(name)), f"cannot read the date '{text}' in field '{name}' of entry "
                          f"'{raw.key}'", hint="write YYYY, YYYY-MM or YYYY-MM-DD; a range as YYYY/YYYY")
        return False
    return date


def parse_date(text: str) -> Date | None:
    """An ISO 8601 / EDTF date ("1956-11-04", "1956/1957", "1956~"), or None."""
    if "/" in text:
        start_text, _, end_text = text.partition("/")
        start = parse_date(start_text) if start_text.strip() not in ("", "..") else None
        end = parse_date(end_text) if end_text.strip() not in ("", "..") else None
        if start is None or (end_text.strip() not in ("", "..") and end is None):
            return None
        return Date(start.year, start.month, start.day, end=end or Date(literal="open"),
                    approximate=start.approximate)
    match = _ISO_DATE.match(text.strip())
    if not match:
        return None
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= 31:
        return None
    return Date(year, month, day, approximate=bool(match.group(4)))
