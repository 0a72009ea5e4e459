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

from .errors import BookbuildError, Diagnostics, SourceLocation, closest
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
    editions: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    handouts: MappingProxyType = field(default_factory=lambda: _table_with_defaults(HANDOUT_OPTIONS, {}))
    accessibility: MappingProxyType = field(default_factory=lambda: _table_with_defaults(ACCESSIBILITY_OPTIONS, {}))
    # Where each key was written, for error messages of later stages.
    locations: dict[str, SourceLocation] = field(default_factory=dict, compare=False, repr=False)
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
    Option("bibliography", "str", "The BibTeX/biblatex file of sources (default: the folder's only `.bib` file)."),
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
    Option("editions", "tables", "Editions, as `[editions.NAME]` tables (keys below); `student`, `teacher` and "
           "`large-print` are built in.", fields=EDITION_OPTIONS),
    Option("handouts", "table", "The classroom handouts (keys below).", fields=HANDOUT_OPTIONS),
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
    """Read book.toml if the project has one, and fill in defaults from the folder."""
    path = project.config_path
    if os.path.lexists(path):  # a link out of the project, a FIFO or a folder is an error, not "no book.toml"
        text = project.read_text(path, MAX_CONFIG_BYTES, hint_when_large="book.toml holds settings, not text")
        source = project.location(path)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            line, column, message = _toml_error_position(str(error))
            raise BookbuildError.at(
                SourceLocation(source.path, line, column), f"invalid TOML: {message}"
            ) from None
        except RecursionError:  # arrays or tables nested thousands deep
            raise BookbuildError.at(source, "invalid TOML: values are nested too deeply") from None
        locations = _key_locations(text, source.path)
        config = _config_from_table(data, locations, source)
    else:
        config = BookConfig(source=None)
    return _with_defaults(config, project)


def _toml_error_position(message: str) -> tuple[int | None, int | None, str]:
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
    if match:
        return int(match[1]), int(match[2]), message[: match.start()]
    match = re.search(r"\s*\(at end of document\)\s*$", message)
    if match:
        return None, None, message[: match.start()] + " at end of file"
    return None, None, message


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


def _config_from_table(data: dict[str, Any], locations: dict[str, SourceLocation],
                       source: SourceLocation) -> BookConfig:
    diagnostics = Diagnostics()
    values = _read_table(data, OPTIONS, "", locations, source, diagnostics)
    diagnostics.raise_if_any()
    return BookConfig(**{attribute_name(key): value for key, value in values.items()},
                      locations=locations, source=source)


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


def _with_defaults(config: BookConfig, project: Project) -> BookConfig:
    """Fill in what book.toml left out from the manuscript folder itself."""
    diagnostics = Diagnostics()
    folder = project.manuscript_dir
    chapters = config.chapters
    if not chapters:
        chapters = tuple(path.name for path in sorted(folder.glob("*.md")) if path.name.lower() != "readme.md")
        for name in chapters:  # found, not named: still only regular files inside the folder
            _check_source_file(folder, name, "chapter file", project.location(folder / name), project, diagnostics)
        if not chapters:
            diagnostics.error(config.source or project.location(folder), "no chapters: the manuscript folder "
                              "has no *.md files", hint="add chapter files or list them under 'chapters'")
    else:
        for name in chapters:
            _check_source_file(folder, name, "chapter file", config.location_of("chapters"), project, diagnostics)
        duplicates = sorted({name for name in chapters if chapters.count(name) > 1})
        for name in duplicates:
            diagnostics.error(config.location_of("chapters"), f"chapter '{name}' is listed twice")
    bibliography = config.bibliography
    if bibliography:
        _check_source_file(folder, bibliography, "bibliography file", config.location_of("bibliography"), project,
                           diagnostics)
    else:
        candidates = sorted(path.name for path in folder.glob("*.bib"))
        if len(candidates) == 1:
            bibliography = candidates[0]
            _check_source_file(folder, bibliography, "bibliography file", project.location(folder / bibliography),
                               project, diagnostics)
        elif len(candidates) > 1:
            diagnostics.error(config.source or project.location(folder),
                              f"several .bib files ({', '.join(candidates)}) and no 'bibliography' key",
                              hint="name the one to use: bibliography = \"" + candidates[0] + "\"")
    if config.cover:
        found = len(diagnostics.problems)
        _check_source_file(folder, config.cover, "cover image", config.location_of("cover"), project, diagnostics)
        if len(diagnostics.problems) == found:  # the checks a chapter's images get (size, pixels, SVG)
            from .images import image_problems

            for problem in image_problems(folder / config.cover):
                diagnostics.error(config.location_of("cover"), f"cover image '{config.cover}' {problem}")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", config.language):
        diagnostics.error(config.location_of("language"), f"'{config.language}' is not a BCP 47 language tag",
                          hint="for example 'en', 'en-GB' or 'hu'")
    diagnostics.raise_if_any()

    title = config.title
    if "title" not in config.locations:
        title = _first_heading(folder / chapters[0]) or project.root.name
    identifier = config.identifier or "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "bookbuild:" + title))
    return replace(config, title=title, identifier=identifier, chapters=chapters, bibliography=bibliography)


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


