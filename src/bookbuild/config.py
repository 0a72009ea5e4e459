"""Turn ``manuscript/book.toml`` (or a bare folder of chapters) into a BookConfig.

The schema is a list of :class:`Option` values, one per key, each with its
type, default and the sentence the README uses to document it.  Every problem
in the file (unknown keys, wrong types, missing files) is collected and
reported at once, each with the line of the key.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import Diagnostics, Problem, SourceLocation, closest
from .metadata import BookMetadata, read_metadata
from .project import Project

PAPER_SIZES = {
    # name: (width, height) in millimetres
    "A4": (210.0, 297.0),
    "A5": (148.0, 210.0),
    "letter": (215.9, 279.4),
    "half-letter": (139.7, 215.9),
}

DEFAULT_CITATION_STYLE = "chicago-notes-bibliography"
MAX_CONFIG_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Option:
    """One key of book.toml.

    Kinds: "str", "list[str]", "date", "bool", "int", "number"; "length" (a
    string such as ``"3mm"``, read as millimetres, see ``LENGTH_UNITS``); "table" (a
    TOML table whose keys are ``fields``, read into a read-only mapping with
    defaults filled in) and "tables" (named tables, each with the keys
    ``fields``, such as ``[editions.teacher]``).
    """

    key: str
    kind: str
    doc: str
    choices: tuple[str, ...] = ()
    fields: tuple[Option, ...] = ()
    default: Any = None


@dataclass(frozen=True)
class BookConfig:
    """Everything book.toml says, with defaults filled in."""

    title: str = "Untitled"
    subtitle: str = ""
    authors: tuple[str, ...] = ()
    language: str = "en"
    identifier: str = ""
    date: str = ""
    publisher: str = ""
    rights: str = ""
    description: str = ""
    subjects: tuple[str, ...] = ()
    chapters: tuple[str, ...] = ()
    bibliography: str = ""
    citation_style: str = DEFAULT_CITATION_STYLE
    nocite: tuple[str, ...] = ()
    paper_size: str = "A5"
    cover: str = ""
    edition: str = ""
    version: str = ""
    remote_resources: bool = False
    print: MappingProxyType = field(default_factory=lambda: _table_with_defaults(PRINT_OPTIONS, {}))
    audiences: tuple[str, ...] = ()
    boxes: tuple[str, ...] = ()
    teacher_boxes: tuple[str, ...] = ()
    editions: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    handouts: MappingProxyType = field(default_factory=lambda: _table_with_defaults(HANDOUT_OPTIONS, {}))
    outputs: MappingProxyType = field(default_factory=lambda: _table_with_defaults(OUTPUT_OPTIONS, {}))
    accessibility: MappingProxyType = field(default_factory=lambda: _table_with_defaults(ACCESSIBILITY_OPTIONS, {}))
    # Where each key was written, for error messages of later stages.
    locations: dict[str, SourceLocation] = field(default_factory=dict, compare=False, repr=False)
    # What could not be used of the book's Pandoc metadata, for the pipeline to report.
    warnings: tuple[Problem, ...] = field(default=(), compare=False, repr=False)
    source: SourceLocation | None = field(default=None, compare=False, repr=False)

    def location_of(self, key: str) -> SourceLocation | None:
        """The book.toml line that set *key* (TOML spelling), or the file itself."""
        return self.locations.get(key, self.source)

    @property
    def paper_mm(self) -> tuple[float, float]:
        return PAPER_SIZES[self.paper_size]

    @property
    def slug(self) -> str:
        """The file name stem of the outputs, made from the title."""
        return slugify(self.title) or "book"


# The keys of the [print] table.
PRINT_OPTIONS: tuple[Option, ...] = (
    Option("print-shop", "bool", "Also write `<slug>-print.pdf` for a print shop (bleed, crop marks, PDF/A-2b) "
           "with every PDF build, as `--print-shop` does.", default=False),
    Option("bleed", "length", "How far the print-shop copy's full-bleed backgrounds reach beyond the trim "
           "(default `3mm`).", default=3.0),
    Option("creep", "length", "Creep compensation of the copier booklet: each sheet's pages move this much "
           "further toward the spine than the sheet around it, such as `0.1mm` (default `0mm`, none).",
           default=0.0),
    Option("flip", "str", "How the copier turns a booklet sheet over: `short-edge` (default, the setting to "
           "use) or `long-edge` (for copiers that only flip on the long edge; the backs are turned upside down).",
           choices=("short-edge", "long-edge"), default="short-edge"),
)

# The keys of an [editions.NAME] table; a key left out keeps the built-in edition's value (see editions.py).
EDITION_OPTIONS: tuple[Option, ...] = (
    Option("audiences", "list[str]", "The audiences whose material the edition shows, such as "
           "`[\"student\", \"teacher\"]`; required for a new edition."),
    Option("label", "str", "Printed on the cover, the title page and in the running heads, such as "
           "`Teacher edition`."),
    Option("paper-size", "str", "Trim size of this edition (default: the book's `paper-size`).",
           choices=tuple(PAPER_SIZES)),
    Option("font-size", "number", "Size of the body text in points (default: the theme's, 10); headings, "
           "notes and callouts scale with it."),
    Option("answer-key", "bool", "Add an appendix collecting every chapter's model answers."),
    Option("stylesheets", "list[str]", "Stylesheets added to this edition's PDF, from `styles/css/` or the "
           "theme, such as `[\"large-print.css\"]`."),
    Option("epub", "bool", "Whether the edition has an EPUB (`--edition all` builds it)."),
)

# The keys of the [handouts] table.
HANDOUT_OPTIONS: tuple[Option, ...] = (
    Option("paper-size", "str", "Paper of the handouts: `A4` (default) or `letter`.", choices=("A4", "letter"),
           default="A4"),
    Option("font-size", "number", "Size of the handouts' text in points (default 11).", default=11),
)

# What `bookbuild build all` makes, in this order, and the keys of the [outputs] table that choose it.
OUTPUT_TARGETS = ("pdf", "epub", "handouts", "booklet")
OUTPUT_OPTIONS: tuple[Option, ...] = (
    Option("all", "list[str]", "What `bookbuild build all` (and `make all`) makes: any of `pdf`, `epub`, `handouts` "
           "and `booklet` (default: all four).", choices=OUTPUT_TARGETS, default=OUTPUT_TARGETS),
    Option("editions", "list[str]", "The editions `build all` makes when no `--edition` is given (default "
           "`[\"all\"]`: every edition; `[\"student\"]` for the default edition alone).", default=("all",)),
)

# The conformance claims an EPUB can make (EPUB Accessibility 1.1), and the hazard and feature terms of
# schema.org's accessibility vocabulary that the [accessibility] table accepts.
CONFORMANCE_CLAIMS = tuple(f"EPUB Accessibility 1.1 - WCAG 2.{minor} Level {level}"
                           for minor in (2, 1, 0) for level in ("AA", "AAA", "A")) + ("none",)
ACCESSIBILITY_HAZARDS = ("none", "flashing", "noFlashingHazard", "unknownFlashingHazard", "motionSimulation",
                         "noMotionSimulationHazard", "unknownMotionSimulationHazard", "sound", "noSoundHazard",
                         "unknownSoundHazard", "unknown")
ACCESSIBILITY_FEATURES = ("alternativeText", "annotations", "ARIA", "audioDescription", "bookmarks", "braille",
                          "captions", "ChemML", "describedMath", "displayTransformability", "fullRubyAnnotations",
                          "highContrastAudio", "highContrastDisplay", "index", "largePrint", "latex",
                          "longDescription", "MathML", "MathML-chemistry", "openCaptions", "pageBreakMarkers",
                          "pageNavigation", "printPageNumbers", "readingOrder", "rubyAnnotations", "signLanguage",
                          "structuralNavigation", "synchronizedAudioText", "tableOfContents", "tactileGraphic",
                          "tactileObject", "timingControl", "transcript", "ttsMarkup", "unlocked",
                          "withAdditionalWordSegmentation", "withoutAdditionalWordSegmentation")

# The keys of the [accessibility] table: what the EPUB says about its accessibility.
ACCESSIBILITY_OPTIONS: tuple[Option, ...] = (
    Option("summary", "str", "The accessibility summary, in a sentence or two for readers (default: one "
           "bookbuild writes from what the book has)."),
    Option("conforms-to", "str", "The conformance claim: `EPUB Accessibility 1.1 - WCAG 2.2 Level AA` (default), "
           "another WCAG 2.x level in the same words, or `none` for no claim.", choices=CONFORMANCE_CLAIMS,
           default=CONFORMANCE_CLAIMS[0]),
    Option("certified-by", "str", "Who checked the EPUB and stands behind the claim (default: the `publisher`, "
           "else the `authors`)."),
    Option("certifier-credential", "str", "The certifier's credential or badge, if any."),
    Option("certifier-report", "str", "Web address of the certifier's report, if any."),
    Option("hazards", "list[str]", "Accessibility hazards (default `[\"none\"]`): `flashing`, `motionSimulation`, "
           "`sound`, their `no…Hazard` forms, or `unknown`.", choices=ACCESSIBILITY_HAZARDS, default=("none",)),
    Option("features", "list[str]", "Accessibility features to declare besides those bookbuild finds itself, "
           "such as `[\"describedMath\"]` (schema.org terms).", choices=ACCESSIBILITY_FEATURES, default=()),
)

OPTIONS: tuple[Option, ...] = (
    Option("title", "str", "The book's title, on the cover, title page, running heads and metadata."),
    Option("subtitle", "str", "Subtitle shown under the title."),
    Option("authors", "list[str]", "Authors, in order, as they should be printed."),
    Option("language", "str", "BCP 47 language tag of the text (`en`, `en-GB`, `hu`); sets hyphenation and quotes."),
    Option("identifier", "str", "Unique identifier (ISBN or `urn:uuid:…`); default: a UUID derived from the title."),
    Option("date", "date", "Publication date, `YYYY-MM-DD` (default: the build date)."),
    Option("publisher", "str", "Publisher or school, printed on the copyright page."),
    Option("rights", "str", "Copyright or licence statement."),
    Option("description", "str", "One-paragraph description for catalogues and the PDF subject."),
    Option("subjects", "list[str]", "Subject keywords (PDF keywords, EPUB `dc:subject`)."),
    Option("chapters", "list[str]", "Chapter files in reading order, relative to the manuscript folder "
           "(default: every `*.md` file in name order)."),
    Option("bibliography", "str", "The file of sources: BibTeX/biblatex (`.bib`), or CSL JSON (`.json`) or CSL "
           "YAML (`.yaml`) as Zotero and Pandoc export them (default: the folder's only `.bib` file)."),
    Option("citation-style", "str", "Citation style: `chicago-notes-bibliography` (default), "
           "`chicago-author-date`, `apa`, `modern-language-association`, or a style of the project's own "
           "in `styles/citations/NAME/`."),
    Option("nocite", "list[str]", "Bibliography keys to list in the bibliography without citing them "
           "(`[\"*\"]` lists every entry)."),
    Option("paper-size", "str", "Trim size of the printed booklet.", choices=tuple(PAPER_SIZES)),
    Option("cover", "str", "Cover image (PNG, JPEG or SVG), relative to the manuscript folder."),
    Option("edition", "str", "Edition statement for the copyright page, such as `First edition`."),
    Option("version", "str", "Version of the text, printed on the copyright page with the build date."),
    Option("remote-resources", "bool", "Allow images from http(s) addresses: each is downloaded once (no "
           "redirects, at most 30 MB) into `build/.cache/remote/` and checked like a file of the project "
           "(default: false, and a web address is an error)."),
    Option("print", "table", "Print production: the copier booklet and the print-shop copy (keys below).",
           fields=PRINT_OPTIONS),
    Option("audiences", "list[str]", "Audiences material can be marked for besides `student` and `teacher` "
           "(always known), such as `[\"student\", \"teacher\", \"parent\"]`."),
    Option("boxes", "list[str]", "Box names (`::: name`) of the project's own besides those of the theme, such as "
           "`[\"pullquote\"]`; a box name nobody declares is an error (see editions)."),
    Option("teacher-boxes", "list[str]", "Box names that are teacher material besides `answers`, "
           "`teaching-notes` and `answer-key`, such as `[\"exam-tips\"]`: such a box is shown only in editions "
           "that show teacher material, whatever classes it carries."),
    Option("editions", "tables", "Editions, as `[editions.NAME]` tables (keys below); `student`, `teacher` and "
           "`large-print` are built in.", fields=EDITION_OPTIONS),
    Option("handouts", "table", "The classroom handouts (keys below).", fields=HANDOUT_OPTIONS),
    Option("outputs", "table", "What `bookbuild build all` makes (keys below).", fields=OUTPUT_OPTIONS),
    Option("accessibility", "table", "What the EPUB declares about its accessibility (keys below).",
           fields=ACCESSIBILITY_OPTIONS),
)

def attribute_name(key: str) -> str:
    return key.replace("-", "_")


def slugify(text: str) -> str:
    """A lowercase ASCII slug: 'Hungary, 1956!' -> 'hungary-1956'."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def load_config(project: Project) -> BookConfig:
    """Read book.toml if the project has one, and fill in defaults from the folder; every problem at once."""
    config, diagnostics = read_config(project)
    diagnostics.raise_if_any()
    return config


def read_config(project: Project) -> tuple[BookConfig, Diagnostics]:
    """The settings as far as they can be read, and every problem found.

    A book.toml that is not valid TOML counts as empty; a key with a wrong
    value keeps its default; a chapter file that does not exist is left out.
    So later stages can still check the chapters and report their problems in
    the same run; the build stops before writing anything.
    """
    diagnostics = Diagnostics()
    path = project.config_path
    if os.path.lexists(path):  # a link out of the project, a FIFO or a folder is an error, not "no book.toml"
        text = project.read_text(path, MAX_CONFIG_BYTES, hint_when_large="book.toml holds settings, not text")
        source = project.location(path)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            line, column, message, hint = explain_toml_error(text, str(error))
            diagnostics.error(SourceLocation(source.path, line, column), message, hint=hint)
            data = {}
        except RecursionError:  # arrays or tables nested thousands deep
            diagnostics.error(source, "invalid TOML: values are nested too deeply")
            data = {}
        locations = _key_locations(text, source.path)
        values = _read_table(data, OPTIONS, "", locations, source, diagnostics)
        config = BookConfig(**{attribute_name(key): value for key, value in values.items()},
                            locations=locations, source=source)
    else:
        config = BookConfig(source=None)
    return _with_defaults(config, project, diagnostics), diagnostics


def _toml_error_position(message: str) -> tuple[int | None, int | None, str]:
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
    if match:
        return int(match[1]), int(match[2]), message[: match.start()]
    match = re.search(r"\s*\(at end of document\)\s*$", message)
    if match:
        return None, None, message[: match.start()] + " at end of file"
    return None, None, message


_BARE_VALUE = re.compile(r"^(?P<key>\s*[A-Za-z0-9_.\"'-]+\s*=\s*)(?P<value>[^\"'\[{\s#][^#]*?)\s*(?P<comment>#.*)?$")
_LITERALS = ("true", "false", "inf", "nan", "+inf", "-inf", "+nan", "-nan")


def explain_toml_error(text: str, raw: str) -> tuple[int | None, int | None, str, str | None]:
    """(line, column, message, hint) for a TOML parser's *raw* message: the common slips in plain words,
    each with the line as it should be written."""
    line, column, message = _toml_error_position(raw)
    lines = text.split("\n")

    def at(number: int | None) -> str:
        return lines[number - 1] if number and 0 < number <= len(lines) else ""

    def corrected(new: str) -> str:
        return "write it as: " + new.strip()

    # An unclosed string: the first line with an odd number of quotation marks (outside comments).
    if message.startswith(("Illegal character '\\n'", "Unterminated string")) or \
            re.match(r"Expected ['\"]", message):
        for number in ([line] if line else []) + list(range(1, len(lines) + 1)):
            quote = _unclosed_quote(at(number))
            if quote:
                return (number, None, "a string is never closed: the quotation mark at its end is missing",
                        corrected(at(number).rstrip() + quote))
    if message.startswith("Unclosed array") and line:
        # Two items with no comma between them, on one line ...
        for number in range(line, 0, -1):
            fixed = re.sub(r"""(["'\d\]}])(\s+)(?=["'\[{\d])""", r"\1,\2", at(number))
            if fixed != at(number) and "[" in "".join(lines[:number]):
                return (number, None, "a comma is missing between two items of a list", corrected(fixed))
            if number < line:
                break
        # ... or at the end of the line before, in a list written over several lines (unless the error's line
        # is a new setting or table: then the list was never closed).
        starts_anew = re.match(r"\s*([A-Za-z0-9_\"'.-]+\s*=|\[)", at(line)) and not re.match(r"\s*\[?\s*[\"'\d]",
                                                                                             at(line))
        previous = next((n for n in range(line - 1, 0, -1) if at(n).strip() and not at(n).strip().startswith("#")),
                        None)
        if previous and not starts_anew and not at(previous).rstrip().endswith((",", "[")):
            return (previous, None, "a comma is missing after an item of a list written over several lines",
                    corrected(at(previous).rstrip() + ","))
        end = previous or line
        return (end, None, "a list is never closed: the ']' at its end is missing",
                corrected(at(end).rstrip().rstrip(",") + "]"))
    if message.startswith("Invalid value") and line:
        match = _BARE_VALUE.match(at(line))
        if match and match["value"].startswith(("=", ":")):
            return (line, None, "a setting has one '=' between its key and its value",
                    corrected(match["key"].rstrip() + " " + match["value"].lstrip("=:").strip()))
        if match:
            value = match["value"].strip()
            if value.lower() in ("true", "false") and value not in _LITERALS:
                return (line, None, f"'{value}' is not a value TOML knows: true and false are written in "
                        "lowercase", corrected(match["key"] + value.lower()))
            if not re.fullmatch(r"[+-]?[\d_.eE:TZ+-]+", value):
                return (line, None, "text must be written in quotation marks",
                        corrected(match["key"] + '"' + value.replace('"', '\\"') + '"'))
    if message.startswith("Cannot overwrite a value") and line:
        key = re.match(r"\s*([A-Za-z0-9_\"'.-]+)\s*=", at(line))
        header = re.match(r"\s*\[+\s*([^\]]+?)\s*\]", at(line))
        name = (key[1] if key else header[1] if header else "").strip()
        first = _first_setting(lines, line, name) if name else None
        if key:
            return (line, None, f"the key '{name}' is set twice" + (f" (first on line {first})" if first else ""),
                    "keep one of the two lines and delete the other" + (f" (line {first} or {line})" if first else "")
                    + f"; a list holds several values: {name} = [\"…\", \"…\"]")
        if header:
            return (line, None, f"'{name}' is set as a value" + (f" on line {first}" if first else "")
                    + " and declared again as a table here", f"keep one of them: either {name} = … or [{name}]")
    if message.startswith("Cannot declare") and line:
        header = re.match(r"\s*\[+\s*([^\]]+?)\s*\]", at(line))
        name = header[1] if header else message
        first = next((n for n in range(1, line) if re.match(rf"\s*\[\s*{re.escape(name)}\s*\]", at(n))), None)
        return (line, None, f"the table [{name}] is declared twice" + (f" (first on line {first})" if first else ""),
                f"move the keys under this [{name}] into the first one and delete this line")
    if message.startswith("Expected '=' after a key") and line:
        match = re.match(r"(\s*[A-Za-z0-9_-]+)\s*[:]?\s*(.+)$", at(line))
        if match:
            return (line, None, "a setting needs '=' between its key and its value",
                    corrected(f"{match[1]} = {match[2].strip()}"))
    if message.startswith("Expected ']' at the end of a table declaration") and line:
        return (line, None, "a table name is never closed: the ']' is missing",
                corrected(at(line).rstrip() + "]"))
    return line, column, f"invalid TOML: {message}", None


def explain_yaml_error(content: str, error: Exception) -> tuple[int, str, str | None]:
    """(0-based line within *content*, message, hint) for a YAML front matter that cannot be read: the
    common slips in plain words, each with the line as it should be written."""
    mark = getattr(error, "problem_mark", None)
    problem = str(getattr(error, "problem", None) or "cannot be read")
    context = str(getattr(error, "context", None) or "")
    lines = content.rstrip("\n").split("\n") or [""]
    line = min(mark.line, len(lines) - 1) if mark is not None else 0

    def corrected(number: int, new: str) -> tuple[int, str, str]:
        return number, message, "write it as: " + new.strip()

    if "quoted scalar" in context:
        start = min(getattr(getattr(error, "context_mark", None), "line", line), len(lines) - 1)
        message = "a quoted value is never closed: the quotation mark at its end is missing"
        text = lines[start]
        quote = '"' if text.count('"') % 2 else "'"
        return corrected(start, text.rstrip() + quote)
    if problem.startswith("found character '\\t'"):
        message = "front matter is indented with a tab; YAML needs spaces"
        return corrected(line, lines[line].replace("\t", "  ").lstrip())
    if problem == "mapping values are not allowed here":
        key = re.match(r"\s*([^:\s][^:]*):\s*(.*)$", lines[line])
        if key and ":" in key[2]:
            message = "a value holding a colon must be written in quotation marks"
            return corrected(line, f'{key[1]}: "{key[2].strip()}"')
        if lines[line][:1].isspace():
            message = "this line is indented: every front matter line starts at the left margin"
            return corrected(line, lines[line].strip())
    if "flow sequence" in context or "flow mapping" in context:
        start = getattr(getattr(error, "context_mark", None), "line", line)
        start = min(start, len(lines) - 1)
        message = "a list in brackets is never closed, or lacks a comma between its items"
        return corrected(start, lines[start].rstrip() + ("]" if "sequence" in context else "}"))
    if "block mapping" in context and "scalar" in problem:
        key = re.match(r"\s*([^:\s][^:]*):\s*(.*)$", lines[line])
        if key:
            message = "a value that starts with a quotation mark must end with it; quote the whole value"
            value = key[2].strip().strip("'\"")
            return corrected(line, f'{key[1]}: "{value}"')
    return line, f"invalid YAML front matter: {problem}", None


def repeated_yaml_keys(content: str) -> list[tuple[int, str, int]]:
    """(0-based line, key, 0-based line of its first setting) of every top-level key set twice: YAML readers
    keep the last silently."""
    seen: dict[str, int] = {}
    repeated = []
    for number, text in enumerate(content.split("\n")):
        match = re.match(r"([A-Za-z0-9_-]+)\s*:", text)
        if not match:
            continue
        if match[1] in seen:
            repeated.append((number, match[1], seen[match[1]]))
        else:
            seen[match[1]] = number
    return repeated


def _unclosed_quote(line: str) -> str | None:
    """The quotation mark a TOML line leaves open, if it does."""
    open_quote = None
    index = 0
    while index < len(line):
        character = line[index]
        if open_quote is None:
            if character == "#":
                break
            if character in "\"'":
                open_quote = character
        elif character == "\\" and open_quote == '"':
            index += 1
        elif character == open_quote:
            open_quote = None
        index += 1
    return open_quote


def _first_setting(lines: list[str], before: int, name: str) -> int | None:
    """The first line before *before* that sets *name* in the same table."""
    for number in range(before - 1, 0, -1):
        text = lines[number - 1]
        if re.match(rf"\s*{re.escape(name)}\s*=", text):
            candidate = number
            # the same table: no header between it and the line of the error
            if not any(re.match(r"\s*\[", lines[n - 1]) for n in range(candidate + 1, before)):
                return candidate
        if re.match(rf"\s*\[+\s*{re.escape(name)}\s*\]", text):
            return number
    return None


def _key_locations(text: str, path: str) -> dict[str, SourceLocation]:
    """Map every dotted key in a TOML text to the line that sets it."""
    locations: dict[str, SourceLocation] = {}
    table: list[str] = []
    key_pattern = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'
    dotted = rf"{key_pattern}(?:\s*\.\s*{key_pattern})*"
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = re.match(rf"^\[\[?\s*({dotted})\s*\]\]?", stripped)
        if header:
            table = _split_dotted(header[1])
            locations.setdefault(".".join(table), SourceLocation(path, number, 1))
            continue
        assignment = re.match(rf"^({dotted})\s*=", stripped)
        if assignment:
            column = line.index(stripped[0]) + 1
            key = ".".join(table + _split_dotted(assignment[1]))
            locations.setdefault(key, SourceLocation(path, number, column))
    return locations


def _split_dotted(key: str) -> list[str]:
    parts = re.findall(r'"[^"]*"|\'[^\']*\'|[^.\s]+', key)
    return [part.strip("\"'") for part in parts]


def _read_table(data: dict[str, Any], options: tuple[Option, ...], prefix: str,
                locations: dict[str, SourceLocation], source: SourceLocation,
                diagnostics: Diagnostics) -> dict[str, Any]:
    """The values of one table of book.toml ("" for the top level), checked against *options*."""
    by_key = {option.key: option for option in options}
    values: dict[str, Any] = {}
    for key, value in data.items():
        where = locations.get(prefix + key, locations.get(prefix.rstrip("."), source))
        option = by_key.get(key)
        if option is None:
            hint = closest(key, by_key)
            place = f"[{prefix.rstrip('.')}]" if prefix else "book.toml"
            diagnostics.error(where, f"unknown key '{key}' in {place}",
                              hint=f"did you mean '{hint}'?" if hint else "see the README for the keys of book.toml")
            continue
        converted = _convert(option, value, where, diagnostics, prefix + key, locations, source)
        if converted is not None:
            values[key] = converted
    return values


def _table_with_defaults(options: tuple[Option, ...], values: dict[str, Any]) -> MappingProxyType:
    return MappingProxyType({option.key: values.get(option.key, option.default) for option in options})


_TYPE_NAMES = {"str": "a string", "list[str]": "a list of strings", "date": "a date (YYYY-MM-DD)",
               "bool": "true or false", "int": "a whole number", "number": "a number", "table": "a table",
               "tables": "a table of tables", "length": 'a length such as "3mm"'}

# Units a length in book.toml may have, in millimetres.
LENGTH_UNITS = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}


def parse_length(text: str) -> float | None:
    """A length such as '0.1mm', '3 mm' or '0.125in' in millimetres; None if it is not one."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)\s*", text)
    if not match or match[2] not in LENGTH_UNITS:
        return None
    return float(match[1]) * LENGTH_UNITS[match[2]]


def _convert(option: Option, value: Any, where: SourceLocation, diagnostics: Diagnostics,
             dotted: str = "", locations: dict[str, SourceLocation] | None = None,
             source: SourceLocation | None = None) -> Any:
    def wrong_type() -> None:
        diagnostics.error(where, f"'{option.key}' must be {_TYPE_NAMES[option.kind]}, "
                                 f"not {_toml_type_name(value)}")

    locations = locations or {}
    if option.kind == "table":
        if not isinstance(value, dict):
            return wrong_type()
        inner = _read_table(value, option.fields, dotted + ".", locations, source or where, diagnostics)
        return _table_with_defaults(option.fields, inner)
    if option.kind == "tables":
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            return wrong_type()
        return MappingProxyType({
            name: _table_with_defaults(option.fields, _read_table(
                table, option.fields, f"{dotted}.{name}.", locations, source or where, diagnostics))
            for name, table in value.items()
        })
    if option.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return wrong_type()
        return value
    if option.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return wrong_type()
        return value
    if option.kind == "length":
        if not isinstance(value, str):
            return wrong_type()
        millimetres = parse_length(value)
        if millimetres is None:
            diagnostics.error(where, f"'{option.key}' must be a length such as \"3mm\", not '{value}'",
                              hint="write a number and a unit: mm, cm, in or pt")
        return millimetres

    if option.kind == "str":
        if not isinstance(value, str):
            return wrong_type()
        if option.choices and value not in option.choices:
            choices = ", ".join(option.choices)
            diagnostics.error(where, f"'{option.key}' must be one of {choices}, not '{value}'")
            return None
        return value
    if option.kind == "list[str]":
        if isinstance(value, str) and option.key == "authors":
            return (value,)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return wrong_type()
        unknown = [item for item in value if option.choices and item not in option.choices]
        for item in unknown:
            diagnostics.error(where, f"'{option.key}' has an unknown value '{item}'",
                              hint="use one of: " + ", ".join(option.choices))
        return None if unknown else tuple(value)
    if option.kind == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str) and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
            return value
        return wrong_type()
    if option.kind == "bool":
        if not isinstance(value, bool):
            return wrong_type()
        return value
    raise AssertionError(f"unknown option kind {option.kind}")


def _toml_type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return "a date"
    return type(value).__name__


def _with_defaults(config: BookConfig, project: Project, diagnostics: Diagnostics) -> BookConfig:
    """Fill in what book.toml left out from the manuscript folder itself; leave out what cannot be used."""
    folder = project.manuscript_dir
    chapters = config.chapters
    if not chapters:
        found = discover_chapters(folder)
        usable = []
        for name in found:  # found, not named: still only regular files inside the folder
            before = len(diagnostics.problems)
            _check_source_file(folder, name, "chapter file", project.location(folder / name), project, diagnostics)
            if len(diagnostics.problems) == before:
                usable.append(name)
        chapters = tuple(usable)
        if not found:
            diagnostics.error(config.source or project.location(folder), "no chapters: the manuscript folder "
                              "has no *.md files", hint="add chapter files or list them under 'chapters'")
    else:
        usable = []
        for name in chapters:
            before = len(diagnostics.problems)
            _check_source_file(folder, name, "chapter file", config.location_of("chapters"), project, diagnostics)
            if len(diagnostics.problems) == before and name not in usable:
                usable.append(name)
        duplicates = sorted({name for name in chapters if chapters.count(name) > 1})
        for name in duplicates:
            diagnostics.error(config.location_of("chapters"), f"chapter '{name}' is listed twice")
        chapters = tuple(usable)
    config = _with_metadata(config, read_metadata(project, chapters))
    bibliography = config.bibliography
    if bibliography:
        before = len(diagnostics.problems)
        _check_source_file(folder, bibliography, "bibliography file", config.location_of("bibliography"), project,
                           diagnostics)
        if len(diagnostics.problems) > before:
            bibliography = ""
    else:
        candidates = sorted(path.name for path in folder.glob("*.bib"))
        if len(candidates) == 1:
            bibliography = candidates[0]
            before = len(diagnostics.problems)
            _check_source_file(folder, bibliography, "bibliography file", project.location(folder / bibliography),
                               project, diagnostics)
            if len(diagnostics.problems) > before:
                bibliography = ""
        elif len(candidates) > 1:
            diagnostics.error(config.source or project.location(folder),
                              f"several .bib files ({', '.join(candidates)}) and no 'bibliography' key",
                              hint="name the one to use: bibliography = \"" + candidates[0] + "\"")
    cover = config.cover
    if cover:
        before = len(diagnostics.problems)
        _check_source_file(folder, cover, "cover image", config.location_of("cover"), project, diagnostics)
        if len(diagnostics.problems) == before:  # the checks a chapter's images get (size, pixels, SVG)
            from .images import image_problems

            for problem in image_problems(folder / cover):
                diagnostics.error(config.location_of("cover"), f"cover image '{cover}' {problem}")
        if len(diagnostics.problems) > before:
            cover = ""
    language = config.language
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", config.language):
        diagnostics.error(config.location_of("language"), f"'{config.language}' is not a BCP 47 language tag",
                          hint="for example 'en', 'en-GB' or 'hu'")
        language = "en"

    title = config.title
    if "title" not in config.locations:
        # Like Pandoc: the metadata's title (metadata.yaml, a YAML or title block; merged above with its
        # location), failing that the first heading of the first chapter that is not front matter.
        body = [name for name in chapters if not front_matter_name(name)] or list(chapters)
        title = (_first_heading(folder / body[0]) if body else None) or project.root.name
    identifier = config.identifier or "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "bookbuild:" + title))
    return replace(config, title=title, identifier=identifier, chapters=chapters, bibliography=bibliography,
                   cover=cover, language=language)


def unlisted_chapters(config: BookConfig, project: Project) -> list[Path]:
    """The Markdown files of the manuscript folder that book.toml's ``chapters`` leaves out (none when
    book.toml lists no chapters: then every file is a chapter)."""
    if "chapters" not in config.locations:
        return []
    listed = {(project.manuscript_dir / name).resolve() for name in config.chapters}
    return [path for path in sorted(project.manuscript_dir.glob("*.md"))
            if path.name.lower() != "readme.md" and path.resolve() not in listed]


# Files named like front matter, in the order books print them: they come first and are not numbered.
FRONT_MATTER_NAMES = ("half-title", "title", "copyright", "dedication", "epigraph", "contents", "toc", "foreword",
                      "preface", "acknowledgments", "acknowledgements", "abstract", "abbreviations")


def front_matter_name(file_name: str) -> str | None:
    """The front-matter part a chapter file is named for ('00-Dedication.md' -> 'dedication'), or None."""
    stem = re.sub(r"^[\d\s._-]+", "", Path(file_name).stem).lower().replace("_", "-").replace(" ", "-")
    return stem if stem in FRONT_MATTER_NAMES else None


def discover_chapters(folder: Path) -> tuple[str, ...]:
    """The chapters of a folder without a chapter list: front matter first, then every *.md file in name order."""
    names = sorted(path.name for path in folder.glob("*.md") if path.name.lower() != "readme.md")
    front = sorted((name for name in names if front_matter_name(name) and not re.match(r"^\d", name)),
                   key=lambda name: FRONT_MATTER_NAMES.index(front_matter_name(name) or ""))
    return tuple(front + [name for name in names if name not in front])


def _with_metadata(config: BookConfig, metadata: BookMetadata) -> BookConfig:
    """Fill in what book.toml left out from the book's Pandoc metadata (book.toml wins)."""
    changes: dict[str, Any] = {}
    locations = dict(config.locations)
    by_key = {option.key: option for option in OPTIONS}
    for key, value in metadata.values.items():
        if key in config.locations or key not in by_key:
            continue
        changes[attribute_name(key)] = value
        locations[key] = metadata.locations[key]
    return replace(config, **changes, locations=locations, warnings=config.warnings + metadata.warnings)


def _check_source_file(folder: Path, name: str, what: str, where: SourceLocation | None, project: Project,
                       diagnostics: Diagnostics) -> None:
    """A file named in book.toml must be a regular file inside the manuscript folder (symlinks resolved)."""
    path = folder / name
    resolved = path.resolve()
    root = folder.resolve()
    if resolved != root and root not in resolved.parents:
        diagnostics.error(where, f"{what} '{name}' lies outside the manuscript folder",
                          hint="a book only reads files inside its manuscript folder")
    elif not resolved.exists():
        diagnostics.error(where, f"{what} '{name}' does not exist", hint=f"looked for {project.location(path).path}")
    elif not resolved.is_file():
        diagnostics.error(where, f"{what} '{name}' is not a regular file")


def _first_heading(path: Path) -> str | None:
    """The text of the first level-1 heading (or front-matter title) of a chapter file."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    front = re.match(r"\A\ufeff?---\n(.*?)\n---\n", text.replace("\r\n", "\n"), re.S)
    if front:
        title = re.search(r"^title:\s*['\"]?(.+?)['\"]?\s*$", front[1], re.M)
        if title:
            return title[1]
    in_fence = False
    for line in text.splitlines():
        if re.match(r"^\s{0,3}(```|~~~)", line):
            in_fence = not in_fence
        elif not in_fence:
            match = re.match(r"^#\s+(.+?)\s*(\{[^}]*\})?\s*#*\s*$", line)
            if match:
                return match[1]
    return None


