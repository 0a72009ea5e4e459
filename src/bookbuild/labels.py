"""Turn the book's language into the words the theme prints ("Contents", "Chapter 2", callout labels), and
numbers into the forms it prints them in.

The words are the theme's ``labels/*.toml`` files, over which a project's
``styles/labels/`` files of the same names are laid.
"""

from __future__ import annotations

import copy
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import Diagnostics, Report, SourceLocation, closest
from .project import Project
from .stylesheets import THEME_DIR

LABELS_DIR = THEME_DIR / "labels"
MAX_LABEL_FILE_BYTES = 256 * 1024


def load_labels(language: str, project: Project | None = None, report: Report | None = None,
                where: SourceLocation | None = None) -> dict[str, Any]:
    """The theme's words ("Contents", "Chapter", callout labels) in the book's language.

    Layers, each laid over the one before: the theme's ``en.toml``, its file for the
    primary language (``hu.toml``), its file for the full tag (``en-GB.toml``), then the
    project's ``styles/labels/`` files of the same names.  A project key the theme
    does not know is an error (with a did-you-mean); a language nobody has words for
    keeps English, with one warning naming the file that would give them.
    """
    labels = copy.deepcopy(_theme_labels(language))
    names = _label_file_names(language)
    found_theme = any((LABELS_DIR / name).is_file() for name in names if name != "en.toml") or \
        _primary(language) == "en"
    found_project = False
    if project is not None:
        diagnostics = Diagnostics()
        for name in names:
            path = project.styles_dir / "labels" / name
            if path.is_file():
                found_project = True
                if not project.is_source(path):  # a link to a file outside the project is never read
                    diagnostics.error(project.location(path), "label file lies outside the project",
                                      hint="copy the file into styles/labels/ instead of linking to it")
                    continue
                _merge(labels, _read_project_labels(path, project, diagnostics))
        diagnostics.raise_if_any()
    if not found_theme and not found_project and report is not None:
        wanted = f"{_primary(language)}.toml"
        report.warn(where, f"no labels for language '{language}': neither theme/labels/{wanted} nor "
                          f"styles/labels/{wanted} exists, so the theme's words stay English",
                    hint=f"copy theme/labels/en.toml to styles/labels/{wanted} and translate it")
    return labels


def report_missing_hyphenation(language: str, report: Report, where: SourceLocation | None = None) -> None:
    """Warn when there are no hyphenation patterns for the book's language: justified text would be set unhyphenated."""
    import pyphen  # type: ignore[import-untyped]

    if pyphen.language_fallback(language.replace("-", "_")) is None:
        report.warn(where, f"no hyphenation patterns for language '{language}': the text is set without hyphenation",
                    hint="hyphenation patterns exist for: " + ", ".join(sorted({name.split("_")[0]
                                                                              for name in pyphen.LANGUAGES})))


@lru_cache(maxsize=16)
def _theme_labels(language: str) -> dict[str, Any]:
    labels: dict[str, Any] = {}
    for name in _label_file_names(language):
        path = LABELS_DIR / name
        if path.is_file():
            with open(path, "rb") as file:
                _merge(labels, tomllib.load(file))
    return labels


def _primary(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()


def _label_file_names(language: str) -> tuple[str, ...]:
    """en.toml, then the primary language's file, then the full tag's: "en-GB" -> en.toml, en-GB.toml."""
    tag = language.replace("_", "-")
    parts = tag.split("-")
    full = "-".join([parts[0].lower(), *(part.upper() if len(part) == 2 else part for part in parts[1:])])
    return tuple(dict.fromkeys(("en.toml", f"{_primary(language)}.toml", f"{full}.toml")))


def _read_project_labels(path: Path, project: Project, diagnostics: Diagnostics) -> dict[str, Any]:
    """A project's label file, every key checked against the theme's English labels."""
    text = project.read_text(path, MAX_LABEL_FILE_BYTES, "a label file holds a few dozen words")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        diagnostics.error(project.location(path, getattr(error, "lineno", None)),
                          f"cannot read label file: {error.args[0] if error.args else error}")
        return {}
    _check_label_keys(data, _theme_labels("en"), (), path, text, project, diagnostics)
    return data


def _check_label_keys(data: dict[str, Any], known: dict[str, Any], table: tuple[str, ...], path: Path, text: str,
                      project: Project, diagnostics: Diagnostics) -> None:
    for key, value in data.items():
        dotted = ".".join((*table, key))
        where = project.location(path, _key_line(text, table, key))
        if key not in known:
            close = closest(key, [name for name in known if isinstance(known[name], dict) == isinstance(value, dict)])
            diagnostics.error(where, f"unknown label '{dotted}'",
                              hint=(f"did you mean '{'.'.join((*table, close))}'? " if close else "")
                              + "the labels are those of theme/labels/en.toml")
        elif isinstance(known[key], dict):
            if isinstance(value, dict):
                _check_label_keys(value, known[key], (*table, key), path, text, project, diagnostics)
            else:
                diagnostics.error(where, f"label '{dotted}' is a table of labels ([{dotted}]), not one word")
        elif not isinstance(value, str):
            diagnostics.error(where, f"label '{dotted}' must be text in quotes")


def _key_line(text: str, table: tuple[str, ...], key: str) -> int | None:
    """The line that sets *key* in the TOML table *table* (1-based), for error messages."""
    current: tuple[str, ...] = ()
    key_re = re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*[=.]""")
    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            current = tuple(part.strip().strip('"\'') for part in header[1].split("."))
            continue
        if current == table and key_re.match(line):
            return number
        if not table and current == (key,):
            return number
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"^\s*\[\s*{re.escape('.'.join((*table, key)))}\s*\]", line):
            return number
    return None


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def fill_label(label: str, **values: Any) -> str:
    """A label with its ``{placeholders}`` filled in: ("Chapter {number}", number=2) -> "Chapter 2".

    A label without the placeholder (a project's ``chapter = "Kapitel"``) gets the
    values after it, as the theme printed labels before they had placeholders.
    """
    if any("{" + name + "}" in label for name in values):
        for name, value in values.items():
            label = label.replace("{" + name + "}", str(value))
        return label
    return " ".join([label, *(str(value) for value in values.values())]).strip()


def label_around(label: str, *names: str) -> tuple[str, ...]:
    """The text of *label* around its placeholders, in order: ("Page {page} of {pages}", "page", "pages")
    -> ("Page ", " of ", ""), for stylesheets that put counters between the pieces."""
    pieces = []
    rest = label
    for name in names:
        before, found, after = rest.partition("{" + name + "}")
        if not found:
            before, after = rest + " ", ""
        pieces.append(before)
        rest = after
    pieces.append(rest)
    return tuple(pieces)


def roman_numeral(number: int) -> str:
    """1 -> 'i', 4 -> 'iv', 1999 -> 'mcmxcix'."""
    numerals = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
    out = []
    for value, letters in numerals:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


_ROMAN_NUMERAL = re.compile(r"^(?=[ivxlcdm]+$)m*(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_INTERLEAVED = re.compile(r"^(?:(\d+)|([ivxlcdm]+|[IVXLCDM]+)-)([a-z])$")


def interleaved_label(label: str, number: int) -> str:
    """The label of the *number*-th (from 1) teacher page after the page labelled *label*: "15a", "15b"; after
    a roman numeral with a hyphen, "vi-a", "vi-b" (not "via", which reads as a word or as another numeral)."""
    return interleaved_prefix(label) + "abcdefghijklmnopqrstuvwxyz"[min(number, 26) - 1]


def interleaved_prefix(label: str) -> str:
    """What the labels of the teacher pages after the page labelled *label* start with: "15", "vi-"."""
    return f"{label}-" if _ROMAN_NUMERAL.match(label.lower()) else label


def interleaved_parts(label: str) -> tuple[str, int] | None:
    """("15", 2) for "15b", ("vi", 2) for "vi-b": the label of an interleaved teacher page; None for any other
    label."""
    match = _INTERLEAVED.match(label)
    if match is None:
        return None
    return match.group(1) or match.group(2), ord(match.group(3)) - ord("a") + 1
