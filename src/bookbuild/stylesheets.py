"""Turn the names of an output's stylesheets into files: the project's ``styles/css/`` over the default theme's.

A project's ``styles/css/NAME`` replaces the theme's stylesheet of that name,
and its ``styles/css/custom.css``, if present, is added last to every
output.  A project's stylesheet may refer only to files inside the project
and to ``data:`` URLs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from .errors import BookbuildError, Diagnostics
from .project import Project

# The default theme: templates/, css/ and labels/.
THEME_DIR = Path(__file__).resolve().parent / "theme"


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


def stylesheet_references(text: str) -> Iterator[tuple[int, str]]:
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
    from .images import (
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
