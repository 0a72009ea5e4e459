"""Turn ``manuscript/book.toml`` (or a bare folder of chapters) into a BookConfig.

book.toml is read against the options :mod:`.book` declares.  Every problem
in the file (unknown keys, wrong types, missing files) is collected and
reported at once, each with the line of the key.
"""

from __future__ import annotations

import os
import re
import tomllib
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import Diagnostics, SourceLocation
from ..metadata import BookMetadata, read_metadata
from ..project import Project
from .book import BookConfig
from .explain import explain_toml_error, key_locations
from .schema import TableReader, attribute_name, options_of

MAX_CONFIG_BYTES = 1024 * 1024


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
        locations = key_locations(text, source.path)
        values = TableReader(locations, source, diagnostics).values(data, BookConfig)
        config = BookConfig(**values, locations=locations, source=source)
    else:
        config = BookConfig(source=None)
    return _with_defaults(config, project, diagnostics), diagnostics


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
            from ..images import image_problems

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
    by_key = {option.key: option for option in options_of(BookConfig)}
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


