"""Turn a .bib file into a :class:`Bibliography`: read, fold, inherit, decode, and collect every problem.

The steps, in order: :mod:`.values` reads the blocks and evaluates the
values; :mod:`.datamodel` folds BibTeX names into biblatex's and merges
xdata and crossref parents; this module decodes each field (LaTeX, names,
dates, links) into a :class:`Reference`.  Nothing a biber run accepts is
refused: every problem is an :class:`EntryProblem` of the bibliography, and
:func:`report_problems` turns them into warnings, or errors for cited entries
that could not be read, once the cited keys are known.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from types import MappingProxyType

from ..errors import BookbuildError, Problem, Report
from ..project import Project
from .datamodel import fold_fields, inherit, key_list, resolve_xdata, set_from_members
from .dates import is_placeholder, parse_date, parse_month, parse_season
from .latex import decode, latex_to_plain, preamble_macros
from .links import normalise_doi, normalise_url, verbatim
from .model import Bibliography, Date, NameList, Reference, RichText, is_english
from .names import read_names
from .values import Problems, RawEntry, brace_balance, read_blocks, read_text, where_in

NAME_FIELDS = frozenset({"author", "editor", "translator", "editora", "editorb", "editorc", "bookauthor",
                         "commentator", "annotator", "introduction", "foreword", "afterword", "holder",
                         "shortauthor", "shorteditor", "sortname", "namea", "nameb", "namec"})
VERBATIM_FIELDS = frozenset({"eprint", "verba", "verbb", "verbc", "urlraw"})
LINK_FIELDS = frozenset({"doi", "url"})
IGNORED_FIELDS = {"file": "a link to a file on the author's computer (Zotero, JabRef)",
                  "abstract": "not shown in citations", "keywords": "not shown in citations",
                  "annotation": "not shown in citations", "timestamp": "reference manager data",
                  "owner": "reference manager data", "groups": "reference manager data",
                  "mendeley-groups": "reference manager data", "mendeley-tags": "reference manager data",
                  "ranking": "reference manager data", "readstatus": "reference manager data",
                  "printed": "reference manager data", "qualityassured": "reference manager data",
                  "creationdate": "reference manager data", "modificationdate": "reference manager data",
                  "date-added": "reference manager data", "date-modified": "reference manager data",
                  "bdsk-url-1": "reference manager data", "bdsk-url-2": "reference manager data",
                  "bdsk-file-1": "reference manager data", "ids": "other keys of the entry",
                  "xdata": "its fields are merged in", "crossref": "its fields are merged in",
                  "entryset": "citing a set cites its members",
                  "execute": "LaTeX code is never run"}
DATE_FIELDS = frozenset({"date", "origdate", "eventdate", "urldate"})
# Fields whose words a style may change the case of; in a non-English entry they are protected.
_CASED = re.compile(r"(title|subtitle|titleaddon)$")


# Fields that are links, each with the function that makes a valid link of it (or says why it cannot).
_LINK_NORMALISERS = {"doi": normalise_doi, "url": normalise_url}


def load_bibliography(path: Path, project: Project | None = None) -> Bibliography:
    """Read the bibliography at *path*: every entry that can be read, and the problems of the others.

    A ``.bib`` file is BibTeX or biblatex; a ``.json``, ``.yaml`` or ``.yml`` file is CSL JSON or CSL
    YAML, as Zotero and Pandoc export them (see :mod:`.csl`), read into the same references.
    """
    from .csl import is_csl_file, load_csl_bibliography

    path = Path(path)
    where = where_in(path, project)
    problems = Problems(where)
    text = read_text(path, where, problems)
    if is_csl_file(path):
        read = load_csl_bibliography(path, where, text)
        return Bibliography(dict(read.items()), path=path, shown_path=read.shown_path,
                            problems=tuple(problems.found) + read.problems)
    return parse_bibliography(text, where, path=path, problems=problems)


def parse_bibliography(text: str, where, path: Path | None = None, problems: Problems | None = None) -> Bibliography:
    """Turn the text of a .bib file into a Bibliography; *where(line)* makes a SourceLocation."""
    problems = problems if problems is not None else Problems(where)
    raw_file = read_blocks(text, problems)
    macros = preamble_macros(raw_file.preambles)
    folded = {key: fold_fields(raw, problems) for key, raw in raw_file.entries.items()}
    with_xdata = resolve_xdata(folded, problems)
    references: dict[str, Reference] = {}
    for key, raw in with_xdata.items():
        if raw.type == "xdata":
            continue  # @xdata entries only lend their fields
        merged = inherit(raw, with_xdata, problems)
        if merged.type == "set":
            merged = set_from_members(merged, with_xdata, problems)
        references[key] = make_reference(merged, macros, problems)
    for reference in references.values():
        for field_name, keys in (("xref", (reference.xref,) if reference.xref else ()),
                                 ("related", reference.related), ("entryset", reference.entryset)):
            for other in keys:
                if other not in references:
                    problems.warn(reference.location.line if reference.location else None,
                                  f"unknown entry '{other}' in field '{field_name}' of entry '{reference.key}'",
                                  key=reference.key)
    shown = str(where().path)
    found = sorted(problems.found, key=lambda p: (p.problem.location.line or 0) if p.problem.location else 0)
    return Bibliography(references, path=path, shown_path=shown, problems=tuple(found))


def make_reference(raw: RawEntry, macros: Mapping[str, tuple[int, str]], problems: Problems) -> Reference:
    """One entry, decoded: what cannot be read is left out with a warning."""
    key = raw.key
    options = _options(raw.values.get("options", ""))
    langid = raw.values.get("langid", "").strip().strip("{}").lower()
    english = is_english(langid)
    useprefix = options.get("useprefix", "false") in ("true", "")
    fields: dict[str, RichText] = {}
    names: dict[str, NameList] = {}
    dates: dict[str, Date] = {}
    unused: dict[str, str] = {}

    def warn(name: str, message: str, hint: str | None = None) -> None:
        problems.warn(raw.lines.get(name, raw.line), message, key=key, hint=hint)

    for name, value in raw.values.items():
        if name in IGNORED_FIELDS:
            unused[name] = IGNORED_FIELDS[name]
        elif not value.strip() or not value.replace("{", "").replace("}", "").strip():
            unused[name] = "empty"
        elif name in NAME_FIELDS:
            name_list, name_problems = read_names(value, macros, useprefix)
            for problem in name_problems:
                subject, _, reason = problem.partition(": ")
                if problem == "unbalanced braces":
                    warn(name, f"unbalanced braces in field '{name}' of entry '{key}'; they are dropped",
                         hint="BibTeX counts every brace, also \\{ and \\}; pair them up")
                    continue
                warn(name, f"{subject} in field '{name}' of entry '{key}'" + (f": {reason}" if reason else ""),
                     hint="write 'Family, Given', 'Family, Jr., Given' or 'Given Family', separated by ' and '; "
                     "put a body's name in double braces: {{United Nations}}")
            if name_list:
                names[name] = name_list
            else:
                unused[name] = "no name could be read"
        elif name in _LINK_NORMALISERS:
            link, problem = _LINK_NORMALISERS[name](value)
            if link:
                fields[name] = RichText.plain(link)
            else:
                warn(name, f"field '{name}' of entry '{key}': {problem}; it is left out")
                unused[name] = problem
        elif name in VERBATIM_FIELDS:
            fields[name] = RichText.plain(verbatim(value))
        elif name in DATE_FIELDS:
            text = verbatim(value)
            date = parse_date(text)
            if date is None:
                if is_placeholder(text):
                    warn(name, f"the date '{text}' in field '{name}' of entry '{key}' is a placeholder; "
                         "it is left out")
                else:
                    warn(name, f"cannot read the date '{text}' in field '{name}' of entry '{key}'; it is left out",
                         hint="write YYYY, YYYY-MM or YYYY-MM-DD; a range as YYYY/YYYY")
                unused[name] = f"'{text}' is not a date"
            else:
                dates[name] = date
        else:
            if brace_balance(value) != 0:
                warn(name, f"the braces of field '{name}' in entry '{key}' do not pair up; the stray ones are "
                     "dropped")
                value = value.replace("\\{", "\x00").replace("\\}", "\x01")
                value = value.replace("{", "").replace("}", "").replace("\x00", "\\{").replace("\x01", "\\}")
            decoded = decode(value, macros)
            for command in decoded.unknown:
                warn(name, f"unknown LaTeX command '\\{command}' in field '{name}' of entry '{key}'; "
                     "its argument is shown as plain text",
                     hint="define it with \\newcommand in @preamble, or write the text itself")
            rich = decoded.text
            if not english and _CASED.search(name):
                rich = rich.protect()
            fields[name] = rich
    # biblatex's "editora = …, editoratype = translator" names a translator.
    for slot in ("editora", "editorb", "editorc"):
        if slot in names:
            role = str(fields.get(slot + "type", RichText())).strip().lower() or "editor"
            if role not in names:
                names[role] = names[slot]
    date = dates.get("date") or _year_month_date(raw, fields, unused, warn)
    if date is not None:
        dates.setdefault("date", date)
    return Reference(
        key=key,
        type=raw.type,
        fields=MappingProxyType(fields),
        names=MappingProxyType(names),
        date=date,
        urldate=dates.get("urldate"),
        location=problems.where(raw.line),
        dates=MappingProxyType(dates),
        langid=langid,
        options=MappingProxyType(options),
        related=tuple(key_list(raw.values.get("related", ""))),
        entryset=tuple(key_list(raw.values.get("entryset", ""))),
        crossref=raw.values.get("crossref", "").strip(),
        xref=raw.values.get("xref", "").strip(),
        source_type=raw.source_type or raw.type,
        unused=MappingProxyType(unused),
    )


def _options(value: str) -> dict[str, str]:
    """biblatex's ``options = {useprefix=true, skipbib}`` as {"useprefix": "true", "skipbib": ""}."""
    options: dict[str, str] = {}
    for part in value.replace("{", "").replace("}", "").split(","):
        name, _, setting = part.partition("=")
        if name.strip():
            options[name.strip().lower()] = setting.strip().lower()
    return options


def _year_month_date(raw: RawEntry, fields: dict[str, RichText], unused: dict[str, str], warn) -> Date | None:
    year_text = str(fields.get("year", RichText())).strip()
    month_text = str(fields.get("month", RichText())).strip()
    if "date" in raw.values:
        return None  # the date field was there and could not be read
    if not year_text:
        if month_text:
            unused["month"] = "no year to go with it"
        return None
    month = None
    season = ""
    end_month = None
    day_in_month = None
    if month_text:
        month = parse_month(month_text)
        if month is None:
            season = parse_season(month_text)
        if month is None and not season:
            # "May/June", "July–August": a range of months; "September 4": a month and a day.
            pieces = re.split(r"\s*(?:/|–|--?|—)\s*", month_text)
            if len(pieces) == 2 and parse_month(pieces[0]) and parse_month(pieces[1]):
                month, end_month = parse_month(pieces[0]), parse_month(pieces[1])
            else:
                match = re.fullmatch(r"(\w+)\.?\s+(\d{1,2})", month_text)
                if match and parse_month(match.group(1)) and 1 <= int(match.group(2)) <= 31:
                    month, day_in_month = parse_month(match.group(1)), int(match.group(2))
        if month is None and not season:
            if is_placeholder(month_text):
                warn("month", f"the month '{month_text}' of entry '{raw.key}' is a placeholder; it is left out")
            else:
                warn("month", f"cannot read the month '{month_text}' of entry '{raw.key}'; it is left out",
                     hint="write a number from 1 to 12, a month macro such as mar, or a season such as Winter")
            unused["month"] = f"'{month_text}' is not a month"
    date = parse_date(year_text)
    if date is None:
        if is_placeholder(year_text):
            warn("year", f"the year '{year_text}' of entry '{raw.key}' is a placeholder; it is left out")
            unused["year"] = f"'{year_text}' is a placeholder"
            return None
        return Date(literal=year_text)
    if date.month is None and not date.season and date.end is None and (month or season):
        day_text = str(fields.get("day", RichText())).strip()
        day = int(day_text) if day_text.isdigit() and month and 1 <= int(day_text) <= 31 else day_in_month
        end = Date(date.year, end_month) if end_month else None
        return Date(date.year, month, day, end=end, approximate=date.approximate, uncertain=date.uncertain,
                    unspecified=date.unspecified, season=season)
    return date


def report_problems(bibliography, cited: Collection[str] | None, report: Report) -> None:
    """Warn of every problem of *bibliography*; raise for those that leave a cited entry unreadable.

    *cited*: the keys the book cites (None: every key, as ``nocite = ["*"]``).
    """
    problems = getattr(bibliography, "problems", ())
    errors: list[Problem] = []
    for found in problems:
        problem = found.problem
        if found.fatal and found.key and (cited is None or found.key in cited):
            errors.append(Problem(problem.location, problem.message, problem.hint))
        else:
            report.warn(problem.location, problem.message, problem.hint)
    if errors:
        raise BookbuildError(errors)


__all__ = ["latex_to_plain", "load_bibliography", "parse_bibliography", "report_problems"]
