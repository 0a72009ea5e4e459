"""Turn the theme and a project's ``styles/`` folder into a Jinja2 environment and stylesheets.

Lookup order for a template ``NAME``: the project's ``styles/templates/NAME``,
then the package's default theme.  ``theme/NAME`` always names the default, so
a project template can ``{% extends "theme/book.html.j2" %}`` and replace a
single block.  Stylesheets work the same way: ``styles/css/NAME`` replaces the
theme's, and a project's ``styles/css/custom.css``, if present, is added last
to every output.  Autoescaping is on, undefined variables are errors and templates run
sandboxed, so manuscript text is always data, never template code, and a
template cannot reach into Python.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import signal
import threading
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..cache import read_signed, write_signed
from ..errors import BookbuildError, Diagnostics, Report, SourceLocation, closest
from ..project import Project

THEME_DIR = Path(__file__).resolve().parent.parent / "theme"


def make_environment(project: Project) -> jinja2.Environment:
    theme_templates = THEME_DIR / "templates"
    loaders: list[jinja2.BaseLoader] = []
    project_templates = project.styles_dir / "templates"
    if project_templates.is_dir():
        loaders.append(ContainedLoader(project_templates, project, project.root))
    loaders.append(ContainedLoader(theme_templates, project, THEME_DIR))
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({"theme": ContainedLoader(theme_templates, project, THEME_DIR)}),
        *loaders,
    ])
    # Sandboxed: a project's templates can lay out values, not reach into Python.
    environment = BoundedSandbox(
        loader=loader,
        bytecode_cache=template_cache(project.cache_dir / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["roman"] = roman_numeral
    environment.filters["fill"] = fill_label
    environment.filters["tie_numbers"] = tie_numbers
    environment.filters["tie_last_words"] = tie_last_words
    return environment


_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_WORD_BEFORE_NUMBER = re.compile(r"([^\W\d_]\.?) (?=\d)")


def tie_numbers(fragment: Any) -> Markup:
    """HTML with a no-break space between a word and the number after it ("Chapter 6", "Source 5A", "p. 17")."""
    parts = _TAG_OR_TEXT.split(str(fragment))
    return Markup("".join(part if part.startswith("<") else _WORD_BEFORE_NUMBER.sub("\\1\u00a0", part)
                          for part in parts))



SHORT_LAST_WORD = 10  # letters: a display heading's last word this short never stands alone on its line


def tie_last_words(fragment: Any) -> Markup:
    """HTML whose last two words are kept on one line when the last is short ("…Take to the / Streets" no more).

    They are wrapped in ``<span class="tie">`` (``white-space: nowrap`` in the theme), which leaves the
    text, its bookmarks and its copy-and-paste as they were.  Words split by markup are left alone.
    """
    parts = _TAG_OR_TEXT.split(str(fragment))
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        if part.startswith("<"):
            if part.startswith("</") or part.endswith("/>"):
                continue
            break  # the last text is inside an element that opens here: leave it
        if not part.strip():
            continue
        match = re.search(r"(\S+) (\S+)(\s*)$", part)
        if match and len(match.group(2)) <= SHORT_LAST_WORD and part[:match.start()].strip():
            parts[index] = (part[:match.start()] + f'<span class="tie">{match.group(1)} {match.group(2)}</span>'
                            + match.group(3))
        break
    return Markup("".join(parts))


MAX_TEMPLATE_BYTES = 1024 * 1024


class ContainedLoader(jinja2.BaseLoader):
    """Templates from one folder, each a regular file that stays inside *bound* once symlinks are resolved.

    A project's template (or one it includes or extends) that is a symlink to
    a file elsewhere, a FIFO or a device is an error naming it, never read.
    """

    def __init__(self, folder: Path, project: Project, bound: Path):
        self.folder = folder
        self.project = project
        self.bound = bound

    def get_source(self, environment: jinja2.Environment, template: str):
        path = self.folder.joinpath(*jinja2.loaders.split_template_path(template))
        if not os.path.lexists(path):
            raise jinja2.TemplateNotFound(template)
        source = self.project.read_bytes(path, MAX_TEMPLATE_BYTES, "a template lays out values; keep it small",
                                         inside=self.bound)
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError as error:
            line = source[: error.start].count(b"\n") + 1
            raise BookbuildError.at(self.project.location(path, line), "template is not valid UTF-8",
                                    hint="save the file with UTF-8 encoding") from None
        mtime = path.stat().st_mtime_ns
        return text, str(path), lambda: os.path.exists(path) and path.stat().st_mtime_ns == mtime


def template_cache(folder: Path | None) -> jinja2.BytecodeCache | None:
    """Compiled templates kept between builds (checked against each template's source), if there is a folder."""
    return None if folder is None else SignedBytecodeCache(folder)


class SignedBytecodeCache(jinja2.BytecodeCache):
    """Jinja's compiled templates in ``build/.cache/templates/``, each file signed (see ``cache``).

    Compiled templates are Python code objects: one a project shipped in its
    ``build/`` folder would run when loaded.  Only a file whose signature was
    made with this user's key is loaded; any other is ignored and the template
    compiled again.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.folder / f"{bucket.key}.cache"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = read_signed(self._path(bucket))
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        write_signed(self._path(bucket), bucket.bytecode_to_string())


MAX_TEMPLATE_VALUE = 10_000_000  # characters or items one operation in a template may make
MAX_EXPONENT = 1000


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox, with ``*`` and ``**`` bounded: ``"x" * 10**10`` is an error, not all the memory there is.

    (The sandbox already bounds ``range()``; ``render_template`` bounds the time.)
    """

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT and \
                not (isinstance(left, (int, float)) and abs(left) <= 1):
            raise jinja2.exceptions.SecurityError(f"the exponent {right} is too large")
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) and \
                        len(sequence) * count > MAX_TEMPLATE_VALUE:
                    raise jinja2.exceptions.SecurityError(f"repeating a value {count} times makes it too long")
        return super().call_binop(context, operator, left, right)


def template_seconds() -> int:
    """The processor time one template may take to render (``BOOKBUILD_TEMPLATE_SECONDS``, default 60)."""
    value = os.environ.get("BOOKBUILD_TEMPLATE_SECONDS", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_TEMPLATE_SECONDS


DEFAULT_TEMPLATE_SECONDS = 60


class _OutOfTime(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: int):
    """Stop what runs inside after *seconds* of this process's processor time (main thread only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum, frame):
        raise _OutOfTime()

    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def render_template(environment: jinja2.Environment, name: str, project: Project, **values: Any) -> str:
    """Render a template; a mistake in a project's template is a user error with its file and line.

    Rendering is bounded: a template that loops for longer than
    ``template_seconds()`` of processor time is stopped with an error naming it.
    """
    seconds = template_seconds()
    try:
        with _time_limit(seconds):
            return environment.get_template(name).render(**values)
    except _OutOfTime as error:
        location = _traceback_location(error, project)
        raise BookbuildError.at(location or SourceLocation(name), f"template '{name}' took more than {seconds} "
                                "seconds of processor time to render and was stopped",
                                hint="a loop in the template may never end; set BOOKBUILD_TEMPLATE_SECONDS to "
                                "allow more") from None
    except jinja2.TemplateSyntaxError as error:
        raise BookbuildError.at(_template_location(error.filename, error.lineno, project),
                                f"template error: {error.message}") from None
    except jinja2.UndefinedError as error:
        location = _traceback_location(error, project)
        raise BookbuildError.at(location, f"template error: {error.message}",
                                hint="see the README for the values a template receives") from None
    except jinja2.exceptions.SecurityError as error:
        location = _traceback_location(error, project)
        raise BookbuildError.at(location, f"template error: {error}",
                                hint="templates may use the values they are given, not Python internals") from None
    except jinja2.TemplateNotFound as error:
        raise BookbuildError.at(None, f"template '{error.name}' not found",
                                hint=f"templates live in {project.location(project.styles_dir / 'templates').path}/ "
                                "or in the default theme") from None


def _template_location(filename: str | None, line: int | None, project: Project):
    if not filename:
        return None
    path = Path(filename)
    return project.location(path, line) if project.is_source(path) else SourceLocation(f"theme/{path.name}", line)


def _traceback_location(error: BaseException, project: Project):
    traceback = error.__traceback__
    location = None
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or filename.endswith(".html"):
            location = _template_location(filename, traceback.tb_lineno, project)
        traceback = traceback.tb_next
    return location


def stylesheet_paths(project: Project, names: tuple[str, ...]) -> list[Path]:
    """The stylesheets for an output, each from the project if it overrides it, then custom.css.

    A project's stylesheet may refer (``url()``, ``@import``) only to files
    inside the project and to ``data:`` URLs; anything else is an error at the
    line that asks for it.
    """
    paths, own = [], []
    for name in names + ("custom.css",):
        override = project.styles_dir / "css" / name
        if os.path.lexists(override):
            paths.append(override)
            own.append(override)
        elif name != "custom.css":
            paths.append(THEME_DIR / "css" / name)
    diagnostics = Diagnostics()
    for path in own:
        try:
            text = project_stylesheet(project, path)
        except BookbuildError as error:
            diagnostics.extend(error)
            continue
        _check_stylesheet_references(path, text, project, diagnostics)
    diagnostics.raise_if_any()
    return paths


MAX_STYLESHEET_BYTES = 2 * 1024 * 1024


def project_stylesheet(project: Project, path: Path) -> str:
    """The text of a project's stylesheet: a regular UTF-8 file inside the project, else an error naming it."""
    return project.read_text(path, MAX_STYLESHEET_BYTES, hint_when_large="a stylesheet this large is not CSS "
                             "written by hand; keep images and fonts in files of their own")


_CSS_REFERENCE_START_RE = re.compile(r"url\(|@import\s*", re.IGNORECASE)
_CSS_URL_RE = re.compile(r"""\s*(?:"([^"\n]*)"|'([^'\n]*)'|([^)"'\s]*))\s*\)""")
_CSS_IMPORT_RE = re.compile(r"""(?:"([^"\n]*)"|'([^'\n]*)')""")


def stylesheet_references(text: str):
    """(offset, reference) of each ``url()`` and ``@import "..."`` in a stylesheet, in time linear in its length.

    Each reference is looked for only between its own ``url(`` and the next
    one, so no run of unclosed ``url(`` makes the search go over the same
    text again.
    """
    starts = [(match.start(), match.end(), match[0][0] == "@") for match in _CSS_REFERENCE_START_RE.finditer(text)]
    for number, (start, end, is_import) in enumerate(starts):
        limit = starts[number + 1][0] if number + 1 < len(starts) else len(text)
        piece = text[end:limit]
        match = (_CSS_IMPORT_RE if is_import else _CSS_URL_RE).match(piece)
        if match:
            yield start, next((group for group in match.groups() if group is not None), "")


def _check_stylesheet_references(path: Path, text: str, project: Project, diagnostics: Diagnostics) -> None:
    from ..images import (
        IMAGE_FILE_SUFFIXES,
        data_url_problems,
        image_problems,
        svg_data_url_problems,
    )

    for offset, reference in stylesheet_references(text):
        reference = reference.strip()
        if not reference or reference.startswith("#"):
            continue
        line = text.count("\n", 0, offset) + 1
        where = project.location(path, line)
        shown = reference[:80]
        if reference[:5].lower() == "data:":
            if reference[5:11].lower() == "image/":
                kind = reference[11:].split(";")[0].split(",")[0].lower()
                problems = svg_data_url_problems(reference) if kind == "svg+xml" else data_url_problems(reference)
                for problem in problems:
                    diagnostics.error(where, f"stylesheet image '{shown}' {problem}")
            continue
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", reference) or reference.startswith("/"):
            diagnostics.error(where, f"stylesheet refers to '{shown}', which is not a file of the project",
                              hint="copy the file into the project and refer to it by a relative path")
            continue
        target = (path.parent / reference.split("?")[0].split("#")[0]).resolve()
        if not (target == project.root or project.root in target.parents):
            diagnostics.error(where, f"stylesheet refers to '{shown}', which lies outside the project")
        elif not target.exists():
            diagnostics.error(where, f"stylesheet refers to '{shown}', which does not exist")
        elif not target.is_file():
            diagnostics.error(where, f"stylesheet refers to '{shown}', which is not a regular file")
        elif target.suffix.lower() in IMAGE_FILE_SUFFIXES:
            for problem in image_problems(target):
                diagnostics.error(where, f"stylesheet image '{shown}' {problem}")


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
