"""Turn Pandoc's metadata (``metadata.yaml``, YAML blocks, ``%`` title blocks) into book settings.

A book written for Pandoc keeps its title, authors and date in one of:

* ``metadata.yaml`` beside the chapters, read as Pandoc's ``--metadata-file``;
* a YAML block at the top of a chapter (``---`` … ``---`` or ``...``);
* a title block on a chapter's first lines: ``% Title``, ``% Author; Author``,
  ``% Date``.

As in Pandoc, a chapter's values override the file's, and a later chapter's an
earlier one's.  Each Pandoc key is read as the book.toml key of the same
meaning (``author`` as ``authors``, ``lang`` as ``language``, ``csl`` as
``citation-style``, …); book.toml wins where both set a value.  A chapter's
``title`` is the book's when its YAML block also holds book metadata (an
``author``, a ``date``, …) or comes from a title block; otherwise it stays the
chapter's own title, as bookbuild has always read it.  Pandoc's template
variables that mean nothing here (``documentclass``, ``geometry``, …) are
warnings, never silent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .errors import BookbuildError, Problem, SourceLocation
from .project import Project

MAX_METADATA_BYTES = 1024 * 1024

# Pandoc metadata read as a book setting: Pandoc's key -> the book.toml key.
BOOK_KEYS = {
    "title": "title", "subtitle": "subtitle", "author": "authors", "date": "date", "lang": "language",
    "abstract": "description", "description": "description", "bibliography": "bibliography",
    "csl": "citation-style", "citation-style": "citation-style", "keywords": "subjects", "subject": "subjects",
    "publisher": "publisher", "rights": "rights", "nocite": "nocite", "cover-image": "cover",
    "papersize": "paper-size", "identifier": "identifier",
}
# Pandoc settings and template variables that bookbuild has no use for: read, and reported as ignored.
IGNORED_KEYS = frozenset({
    "documentclass", "classoption", "geometry", "fontsize", "mainfont", "sansfont", "monofont", "mathfont",
    "fontfamily", "linestretch", "header-includes", "include-before", "include-after", "toc", "toc-title",
    "toc-depth", "lof", "lot", "numbersections", "secnumdepth", "link-citations", "link-bibliography",
    "linkcolor", "urlcolor", "citecolor", "filecolor", "toccolor", "colorlinks", "margin-left", "margin-right",
    "margin-top", "margin-bottom", "reference-section-title", "suppress-bibliography", "thanks", "institute",
    "css", "pagetitle", "author-meta", "date-meta", "biblio-title", "biblatexoptions", "natbiboptions",
    "mainlang", "otherlangs", "dir", "indent", "subparagraph", "pagestyle", "hyperrefoptions",
    "figPrefix", "tblPrefix", "secPrefix", "eqnPrefix", "lstPrefix", "autoEqnLabels", "cref",
    "crossref", "fig-caption-location", "tbl-cap-location", "number-sections", "format", "output",
    "editor", "bibliography-title", "links-as-notes", "block-headings", "fontenc", "beamer", "aspectratio",
    "header", "footer", "category", "tags", "layout", "permalink",
})
# Names of CSL styles (file names without .csl) and the built-in style of the same kind.
CSL_STYLES = {
    "chicago-note-bibliography": "chicago-notes-bibliography",
    "chicago-notes-bibliography": "chicago-notes-bibliography",
    "chicago-fullnote-bibliography": "chicago-notes-bibliography",
    "chicago-note-bibliography-with-ibid": "chicago-notes-bibliography",
    "chicago-shortened-notes-bibliography": "chicago-notes-bibliography",
    "chicago-author-date": "chicago-author-date",
    "apa": "apa", "apa-7th-edition": "apa", "apa-6th-edition": "apa",
    "modern-language-association": "modern-language-association", "mla": "modern-language-association",
    "modern-language-association-8th-edition": "modern-language-association",
    "modern-language-association-7th-edition": "modern-language-association",
}
BUILT_IN_STYLES = ("chicago-notes-bibliography", "chicago-author-date", "apa", "modern-language-association")
PAPER_SIZES = {"a4": "A4", "a5": "A5", "letter": "letter", "us-letter": "letter", "half-letter": "half-letter",
               "a4paper": "A4", "a5paper": "A5", "letterpaper": "letter"}
_DATE_FORMATS = ("%B %d, %Y", "%d %B %Y", "%b %d, %Y", "%d %b %Y", "%B %Y", "%b %Y", "%d.%m.%Y", "%Y/%m/%d")
_TITLE_BLOCK_RE = re.compile(r"\A(?:%[^\n]*\n(?:[ \t]+[^\n]*\n)*){1,3}")


@dataclass(frozen=True)
class TitleBlock:
    """A Pandoc title block: ``% title``, ``% authors``, ``% date`` (each may be left empty)."""

    title: str = ""
    authors: tuple[str, ...] = ()
    date: str = ""
    lines: int = 0  # how many lines of the file it takes


@dataclass(frozen=True)
class BookMetadata:
    """What Pandoc metadata says about the book, as book.toml keys, with where each was set."""

    values: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, SourceLocation] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()


def title_block(source: str) -> TitleBlock | None:
    """The title block at the start of a chapter's text, or None."""
    text = source.removeprefix("\ufeff")
    match = _TITLE_BLOCK_RE.match(text if text.endswith("\n") else text + "\n")
    if not match:
        return None
    fields: list[str] = []
    for line in match[0].rstrip("\n").split("\n"):
        if line.startswith("%"):
            fields.append(line[1:].strip())
        else:
            fields[-1] += " " + line.strip()  # a field continued on an indented line
    title = fields[0] if fields else ""
    authors = tuple(name.strip() for name in re.split(r";", fields[1]) if name.strip()) if len(fields) > 1 else ()
    date = fields[2] if len(fields) > 2 else ""
    return TitleBlock(title, authors, date, match[0].count("\n"))


def without_title_block(source: str) -> str:
    """The chapter's text with its title block made blank lines (so that line numbers stay right)."""
    block = title_block(source)
    if block is None:
        return source
    lines = source.split("\n")
    return "\n".join([""] * block.lines + lines[block.lines:])


_YAML_MAPPING_START = re.compile(r"[ \t]*(?:[^\s:#][^:]*:(?:[ \t]|$)|\{)")


def _comments_end(lines: list[str]) -> int:
    """The index of the first line after the blank lines and HTML comments that open a chapter.

    Pandoc reads a YAML block there too: books often open each chapter with a licence comment.
    """
    index = 0
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        if not lines[index].lstrip().startswith("<!--"):
            break
        end = next((n for n in range(index, len(lines)) if "-->" in lines[n]), None)
        if end is None or lines[end].split("-->", 1)[1].strip():
            break  # an unclosed comment, or text after it on its last line: not a comment block alone
        index = end + 1
    return index


def yaml_block(source: str) -> tuple[str, int] | None:
    """The text of the YAML block that opens a chapter and its first line (1-based), or None.

    The block is the file's first line, or follows the blank lines and HTML comments that open the
    file; there, as Pandoc requires for a block not at the start, its ``---`` is not followed by a
    blank line.  Pandoc ends a block with ``---`` or ``...``.
    """
    lines = source.removeprefix("\ufeff").split("\n")
    start = 0 if lines and lines[0].rstrip() == "---" else _comments_end(lines)
    if start >= len(lines) - 1 or lines[start].rstrip() != "---":
        return None
    if start and not _YAML_MAPPING_START.match(lines[start + 1]):
        return None  # after comments, a block is read only when it is a YAML object, as Pandoc requires
    for number, line in enumerate(lines[start + 1:], start=start + 1):
        if line.rstrip() in ("---", "..."):
            return "\n".join(lines[start + 1:number]), start + 2
    return None


def without_yaml_block(source: str, found: tuple[str, int] | None) -> str:
    """The chapter's text with its YAML block (*found* by ``yaml_block``) made blank lines, so that line
    numbers stay right."""
    if found is None:
        return source
    lines = source.split("\n")
    start = found[1] - 2
    end = next(n for n in range(start + 1, len(lines)) if lines[n].rstrip() in ("---", "..."))
    return "\n".join(lines[:start] + [""] * (end + 1 - start) + lines[end + 1:])


def is_book_metadata(front_matter: dict[str, Any]) -> bool:
    """Whether a chapter's YAML block is Pandoc's document metadata rather than the chapter's own settings."""
    return any(key in BOOK_KEYS and key != "title" for key in front_matter)


def read_metadata(project: Project, chapters: Sequence[str]) -> BookMetadata:
    """The book's Pandoc metadata: metadata.yaml, then each chapter's title block and YAML block."""
    values: dict[str, Any] = {}
    locations: dict[str, SourceLocation] = {}
    warnings: list[Problem] = []
    folder = project.manuscript_dir
    for name in ("metadata.yaml", "metadata.yml"):
        path = folder / name
        if path.is_file() and _inside(path, folder):
            text = project.read_text(path, MAX_METADATA_BYTES, hint_when_large="metadata holds settings, not text")
            data, problem = _load_yaml(text, project.location(path, 1))
            if problem:
                warnings.append(problem)
            _merge(data, text, 1, project.location(path), project, values, locations, warnings, include_title=True)
            break
    for name in chapters:
        path = folder / name
        if not path.is_file() or not _inside(path, folder):
            continue
        try:
            text = project.read_text(path, 4 * 1024 * 1024, hint_when_large="split it into several chapters")
        except BookbuildError:  # the manuscript stage reports an unreadable chapter
            continue
        location = project.location(path)
        block = title_block(text)
        if block is not None:
            for key, value in (("title", block.title), ("authors", block.authors), ("date", block.date)):
                if value:
                    _set(key, value, SourceLocation(location.path, 1 + ("title", "authors", "date").index(key)),
                         project, values, locations, warnings)
            text = without_title_block(text)
        found = yaml_block(text)
        if found is None:
            continue
        data, problem = _load_yaml(found[0], SourceLocation(location.path, found[1]))
        if isinstance(data, dict) and is_book_metadata(data):
            _merge(data, found[0], found[1], location, project, values, locations, warnings, include_title=True)
        elif isinstance(data, dict):
            _merge({key: value for key, value in data.items() if key != "title"}, found[0], found[1], location,
                   project, values, locations, warnings, include_title=False)
    return BookMetadata(values, locations, tuple(warnings))


def _inside(path: Path, folder: Path) -> bool:
    resolved = path.resolve()
    return folder.resolve() in resolved.parents


class _MetadataLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases: metadata is written out in full, and an alias bomb never expands."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in metadata",
                                              self.peek_event().start_mark)
        return super().compose_node(parent, index)


def _load_yaml(text: str, location: SourceLocation) -> tuple[Any, Problem | None]:
    # A metadata file may be written as a block, between '---' and '---' or '...', as Pandoc reads it.
    block = re.match(r"---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.DOTALL)
    if block and not text[block.end():].strip():
        text = block.group(1)
    try:
        return yaml.load(text, Loader=_MetadataLoader) if text.strip() else {}, None  # noqa: S506 - a safe loader
    except RecursionError:
        return {}, Problem(location, "invalid YAML (values nested too deeply): the metadata is not read",
                           severity="warning")
    except yaml.YAMLError as error:
        # The manuscript stage reports a chapter's YAML mistakes; metadata.yaml's are reported here.
        mark = getattr(error, "problem_mark", None)
        where = replace(location, line=mark.line + 1 + (1 if block else 0)) if mark is not None else location
        reason = getattr(error, "problem", None) or "not valid YAML"
        return {}, Problem(where, f"invalid YAML ({reason}): the metadata is not read", severity="warning")


def _merge(data: Any, text: str, first_line: int, location: SourceLocation, project: Project,
           values: dict[str, Any], locations: dict[str, SourceLocation], warnings: list[Problem],
           include_title: bool) -> None:
    if not isinstance(data, dict):
        return
    lines = text.split("\n")
    for key, value in data.items():
        line = next((first_line + n for n, row in enumerate(lines) if row.startswith(f"{key}:")), first_line)
        where = SourceLocation(location.path, line)
        if key in BOOK_KEYS and (key != "title" or include_title):
            _set(BOOK_KEYS[key], value, where, project, values, locations, warnings)
        elif key in IGNORED_KEYS:
            warnings.append(Problem(where, f"Pandoc's '{key}' has no meaning in bookbuild and is ignored",
                                    hint="book.toml and the theme's CSS set the book's look; see "
                                    "'Coming from Pandoc' in the README", severity="warning"))


def _set(key: str, value: Any, where: SourceLocation, project: Project, values: dict[str, Any],
         locations: dict[str, SourceLocation], warnings: list[Problem]) -> None:
    """Convert one Pandoc value to the book.toml key's type; a value that cannot be used is a warning."""
    def warn(message: str, hint: str | None = None) -> None:
        warnings.append(Problem(where, message, hint, severity="warning"))

    converted: Any = None
    if key in ("title", "subtitle", "publisher", "rights", "description", "identifier"):
        converted = _text(value)
    elif key in ("authors", "subjects"):
        converted = _names(value)
    elif key == "date":
        converted = _date(value)
        if converted is None:
            warn(f"date '{_text(value)}' is not a date bookbuild can read; the build date is used",
                 hint="write it as YYYY-MM-DD, such as 2024-05-01")
    elif key == "language":
        converted = _text(value)
    elif key == "bibliography":
        files = _names(value)
        if len(files) > 1:
            warn(f"several bibliography files ({', '.join(files)}); only '{files[0]}' is read",
                 hint="join them into one .bib file")
        converted = files[0] if files else None
    elif key == "citation-style":
        converted = _citation_style(_text(value), project, warn)
    elif key == "nocite":
        keys = re.findall(r"@(\*|[\w:.#$%&+?<>~/-]+)", _text(value) if not isinstance(value, list)
                          else " ".join(_text(item) for item in value))
        converted = tuple(key.rstrip(".,;") for key in keys) or None
    elif key == "cover":
        converted = _text(value)
    elif key == "paper-size":
        converted = PAPER_SIZES.get(_text(value).lower())
        if converted is None:
            warn(f"paper size '{_text(value)}' is not one bookbuild has; the book's paper-size is used",
                 hint="A4, A5, letter or half-letter")
    if converted in (None, "", ()):
        return
    values[key] = converted
    locations[key] = where


def _text(value: Any) -> str:
    """A metadata value as plain text: lists joined, Pandoc's emphasis marks left out."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("text") or ""
    if isinstance(value, list):
        return " ".join(_text(item) for item in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value if value is not None else "").strip()
    return re.sub(r"(?<!\\)[*_]{1,2}(?=\S)|(?<=\S)(?<!\\)[*_]{1,2}", "", text).replace("\n", " ").strip()


def _names(value: Any) -> tuple[str, ...]:
    """Authors as Pandoc allows them: a string, a list of strings, or maps with a ``name``."""
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(name for name in (_text(item) for item in value) if name)
    name = _text(value)
    return (name,) if name else ()


def _date(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value)
    if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        return text
    for pattern in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return parsed.isoformat()[:7] if "%d" not in pattern else parsed.isoformat()
    return None


def _citation_style(name: str, project: Project, warn) -> str | None:
    stem = Path(name).name.removesuffix(".csl")
    if (project.styles_dir / "citations" / stem).is_dir():
        return stem
    if stem in CSL_STYLES:
        return CSL_STYLES[stem]
    warn(f"CSL style '{name}' is not one bookbuild has; the book's citation style is used",
         hint="bookbuild has " + ", ".join(BUILT_IN_STYLES) + ", or a style of your own in styles/citations/NAME/")
    return None
