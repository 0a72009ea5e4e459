"""Turn the theme's and a project's templates into a Jinja2 environment, and render them.

Lookup order for a template ``NAME``: the project's ``styles/templates/NAME``,
then the package's default theme.  ``theme/NAME`` always names the default, so
a project template can ``{% extends "theme/book.html.j2" %}`` and replace a
single block (stylesheets are found the same way: see ``stylesheets``; the
theme's words are in ``labels``).  Autoescaping is on, undefined variables are errors and templates run
sandboxed, so manuscript text is always data, never template code, and a
template cannot reach into Python.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..errors import BookbuildError, SourceLocation
from ..labels import fill_label, roman_numeral
from ..project import Project
from ..stylesheets import THEME_DIR
from ..template_cache import template_cache


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
