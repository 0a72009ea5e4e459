"""Turn book.toml's editions and audiences into Editions, and the full manuscript into one edition's.

Material for one audience is marked in Markdown with a class: a fenced div
``::: {.teacher}``, a span ``[answer]{.teacher}``, or a whole file with
``audience: teacher`` in its front matter.  ``student`` and ``teacher`` are
always audiences; book.toml may add others (``audiences = ["parent"]``).

An edition names the audiences it shows, and may change the paper, the size
of the text and the stylesheets, and add an answer key.  ``student`` (the
default), ``teacher`` and ``large-print`` are built in; an ``[editions.NAME]``
table changes one of them or declares a new one.

Marked material for any audience an edition does not show is removed from
the token stream *before* ids, notes and citations are worked out, so nothing
of it can reach the outputs of that edition: not its text, its notes, its
citations or its bibliography entries, its headings or its bookmarks.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from markdown_it.token import Token

from .config import BookConfig
from .errors import BookbuildError, Diagnostics, Report, SourceLocation, closest
from .manuscript import Manuscript, SourceFile, analyse, copy_tokens
from .project import Project

DEFAULT_AUDIENCES = ("student", "teacher")
DEFAULT_EDITION = "student"
ALL_EDITIONS = "all"  # on the command line: every edition
FONT_SIZE_RANGE = (6.0, 36.0)  # points
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class Edition:
    """One printing of the book: which audiences it shows, and how it is set."""

    name: str
    audiences: tuple[str, ...]
    label: str = ""  # printed on the cover, title page and running heads, such as "Teacher edition"
    all_audiences: tuple[str, ...] = DEFAULT_AUDIENCES
    paper_size: str = ""  # "" keeps book.toml's paper-size
    font_size: float = 0  # body text in points; 0 keeps the theme's
    answer_key: bool = False  # an appendix of every chapter's model answers
    stylesheets: tuple[str, ...] = ()  # added after the theme's print stylesheets
    epub: bool = True  # whether the edition has an EPUB

    @property
    def hidden(self) -> frozenset[str]:
        return frozenset(self.all_audiences) - frozenset(self.audiences)

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_EDITION

    @property
    def print_css(self) -> str:
        """CSS for this edition's PDF, after every stylesheet: the size of the body text."""
        return f"html {{ font-size: {self.font_size:g}pt; }}\n" if self.font_size else ""


EDITIONS = {
    "student": Edition("student", ("student",)),
    "teacher": Edition("teacher", ("student", "teacher"), label="Teacher edition", answer_key=True),
    # An e-reader enlarges the student EPUB's text itself: large print is for paper only.
    "large-print": Edition("large-print", ("student",), label="Large print edition", paper_size="A4",
                           font_size=18, stylesheets=("large-print.css",), epub=False),
}

# book.toml key -> Edition attribute, for [editions.NAME] tables.
_FIELDS = {"audiences": "audiences", "label": "label", "paper-size": "paper_size", "font-size": "font_size",
           "answer-key": "answer_key", "stylesheets": "stylesheets", "epub": "epub"}


# ---------------------------------------------------------------------------
# Editions from book.toml


def audiences_of(config: BookConfig) -> tuple[str, ...]:
    """Every audience material can be marked for: student, teacher and those book.toml adds."""
    return tuple(dict.fromkeys(DEFAULT_AUDIENCES + tuple(config.audiences)))


def load_editions(config: BookConfig, project: Project | None = None) -> dict[str, Edition]:
    """The built-in editions, changed and added to by book.toml; every problem reported at once.

    With *project*, the stylesheets an edition names must exist.
    """
    diagnostics = Diagnostics()
    audiences = audiences_of(config)
    for name in config.audiences:
        if not _NAME_RE.fullmatch(name):
            diagnostics.error(config.location_of("audiences"),
                              f"audience '{name}' must be lowercase letters, digits and hyphens")
    editions = {name: replace(edition, all_audiences=audiences) for name, edition in EDITIONS.items()}
    for name, table in config.editions.items():
        edition = _edition_from_table(name, table, editions.get(name), audiences, config, diagnostics)
        if edition is not None:
            editions[name] = edition
    if project is not None:
        for edition in editions.values():
            for sheet in edition.stylesheets:
                if not _stylesheet_exists(project, sheet):
                    where = _location(config, edition.name, "stylesheets")
                    diagnostics.error(where, f"stylesheet '{sheet}' of edition '{edition.name}' does not exist",
                                      hint=f"looked in {project.location(project.styles_dir / 'css').path}/ "
                                      "and the default theme")
    diagnostics.raise_if_any()
    return editions


def _edition_from_table(name: str, table: Mapping[str, Any], built_in: Edition | None,
                        audiences: tuple[str, ...], config: BookConfig, diagnostics: Diagnostics) -> Edition | None:
    where = _location(config, name)
    if name == ALL_EDITIONS or not _NAME_RE.fullmatch(name):
        reason = ("'all' means every edition on the command line" if name == ALL_EDITIONS
                  else "an edition's name becomes part of file names")
        diagnostics.error(where, f"edition name '{name}' must be lowercase letters, digits and hyphens, "
                                 f"and not 'all'", hint=reason)
        return None
    values = {_FIELDS[key]: value for key, value in table.items() if value is not None}
    if built_in is None and "audiences" not in values:
        close = closest(name, EDITIONS)
        diagnostics.error(where, f"unknown edition '{name}' sets no 'audiences'",
                          hint=f"did you mean '{close}'?" if close else
                          "a new edition lists the audiences it shows: audiences = [\"student\"]")
        return None
    for audience in values.get("audiences", ()):
        if audience not in audiences:
            close = closest(audience, audiences)
            diagnostics.error(_location(config, name, "audiences"),
                              f"unknown audience '{audience}' in edition '{name}'",
                              hint=f"did you mean '{close}'?" if close else
                              "declare it at the top of book.toml: audiences = [\"student\", \"teacher\", "
                              f"\"{audience}\"]")
    if "audiences" in values and not values["audiences"]:
        diagnostics.error(_location(config, name, "audiences"), f"edition '{name}' shows no audience",
                          hint="list at least one, such as audiences = [\"student\"]")
    size = values.get("font_size")
    if size is not None and not FONT_SIZE_RANGE[0] <= size <= FONT_SIZE_RANGE[1]:
        diagnostics.error(_location(config, name, "font-size"),
                          f"font-size {size:g} of edition '{name}' is not between "
                          f"{FONT_SIZE_RANGE[0]:g} and {FONT_SIZE_RANGE[1]:g} points")
    base = built_in or Edition(name, (), all_audiences=audiences)
    return replace(base, **{key: tuple(value) if isinstance(value, list | tuple) else value
                            for key, value in values.items()})


def _location(config: BookConfig, name: str, key: str = "") -> SourceLocation | None:
    """The book.toml line of ``editions.NAME.KEY``, else of the table, else of the file."""
    for dotted in (f"editions.{name}.{key}" if key else "", f"editions.{name}", "editions"):
        if dotted and dotted in config.locations:
            return config.locations[dotted]
    return config.source


def _stylesheet_exists(project: Project, name: str) -> bool:
    from .render.templates import THEME_DIR

    return (project.styles_dir / "css" / name).is_file() or (THEME_DIR / "css" / name).is_file()


def find_edition(config: BookConfig, name: str | None) -> Edition:
    """The edition called *name* (None: the default edition)."""
    return editions_named(config, [name] if name else None)[0]


def editions_named(config: BookConfig, names: Sequence[str] | None) -> list[Edition]:
    """The editions named on the command line, in order; ``all`` is every edition, none the default one."""
    editions = load_editions(config)
    wanted: list[Edition] = []
    for name in names or [DEFAULT_EDITION]:
        if name == ALL_EDITIONS:
            wanted.extend(editions.values())
        elif name in editions:
            wanted.append(editions[name])
        else:
            close = closest(name, editions)
            raise BookbuildError.at(None, f"unknown edition '{name}'",
                                    hint=(f"did you mean '{close}'? " if close else "")
                                    + "editions: " + ", ".join(editions) + ", or all; "
                                    "declare others as [editions.NAME] in book.toml")
    return list({edition.name: edition for edition in wanted}.values())


def check_outputs(editions: Sequence[Edition], targets: Sequence[str], names: Sequence[str] | None) -> None:
    """An edition named on the command line must have one of the outputs asked for (an EPUB, say)."""
    if "epub" not in targets or "pdf" in targets or "booklet" in targets:
        return
    if ALL_EDITIONS in (names or ()):
        return
    for edition in editions:
        if not edition.epub:
            raise BookbuildError.at(None, f"edition '{edition.name}' has no EPUB",
                                    hint="an e-reader enlarges the text of the student EPUB itself; "
                                    f"set epub = true under [editions.{edition.name}] in book.toml to build one")


def edition_config(config: BookConfig, edition: Edition) -> BookConfig:
    """The book's settings as *edition* prints them: its paper size and its own identifier."""
    identifier = config.identifier
    if not edition.is_default:
        identifier = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"bookbuild:{identifier}:{edition.name}"))
    return replace(config, paper_size=edition.paper_size or config.paper_size, identifier=identifier)


def check_audiences(manuscript: Manuscript, config: BookConfig) -> None:
    """Every file's front matter ``audience`` must be an audience of the book."""
    audiences = audiences_of(config)
    diagnostics = Diagnostics()
    for source in manuscript.files:
        audience = source.front_matter.get("audience")
        if isinstance(audience, str) and audience not in audiences:
            close = closest(audience, audiences)
            diagnostics.error(_front_matter_line(source, "audience"), f"unknown audience '{audience}'",
                              hint=f"did you mean '{close}'?" if close else
                              "audiences: " + ", ".join(audiences) + "; declare others in book.toml: "
                              f"audiences = [\"student\", \"teacher\", \"{audience}\"]")
    diagnostics.raise_if_any()


def _front_matter_line(source: SourceFile, key: str) -> SourceLocation:
    lines = source.source.split("\n")
    if lines and lines[0].strip() == "---":
        for number, text in enumerate(lines[1:], start=2):
            if text.strip() == "---":
                break
            if text.startswith(f"{key}:"):
                return replace(source.location, line=number)
    return source.location


# ---------------------------------------------------------------------------
# The filter


def select_edition(manuscript: Manuscript, edition: Edition, report: Report) -> Manuscript:
    """The manuscript as readers of *edition* see it."""
    hidden = edition.hidden
    if not hidden:
        return manuscript
    files = [
        replace(source, tokens=remove_hidden(source.tokens, hidden))
        for source in manuscript.files
        if source.front_matter.get("audience") not in hidden
    ]
    diagnostics = Diagnostics()
    selected = analyse(files, manuscript.project, diagnostics, report, manuscript.remote_images)
    diagnostics.raise_if_any()
    return selected


def _is_hidden(token: Token, hidden: frozenset[str]) -> bool:
    classes = str(token.attrGet("class") or "").split() if token.attrs else []
    return any(name in hidden for name in classes)


def remove_hidden(tokens: Sequence[Token], hidden: frozenset[str]) -> list[Token]:
    """A copy of *tokens* without the blocks and spans marked for a hidden audience."""
    return _without_hidden(copy_tokens(tokens), hidden)


def _without_hidden(tokens: Sequence[Token], hidden: frozenset[str]) -> list[Token]:
    result: list[Token] = []
    skip_depth = 0
    for token in tokens:
        if skip_depth:
            skip_depth += token.nesting
            continue
        if _is_hidden(token, hidden):
            if token.nesting == 1:
                skip_depth = 1
            continue
        if token.children:
            token.children = _without_hidden(token.children, hidden)
        if token.type == "figure" and _is_hidden(token.meta["image"], hidden):
            continue
        result.append(token)
    return result
