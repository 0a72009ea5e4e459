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
from collections.abc import Sequence
from dataclasses import dataclass, replace

from markdown_it.token import Token

from .config import ALWAYS_AUDIENCES, BookConfig, EditionOptions
from .errors import BookbuildError, Diagnostics, Report, SourceLocation, closest
from .manuscript import Manuscript, SourceFile, analyse, copy_tokens
from .project import Project

TEACHER = "teacher"
DEFAULT_AUDIENCES = ALWAYS_AUDIENCES
# Boxes that are teacher material by their kind: hidden wherever teacher material is, whatever classes they carry.
TEACHER_KINDS = ("answers", "teaching-notes", "answer-key")
# Box names the theme knows besides its labelled callouts.
THEME_BOXES = ("questions", "glossary")
DEFAULT_EDITION = "student"
ALL_EDITIONS = "all"  # on the command line: every edition
FONT_SIZE_RANGE = (6.0, 36.0)  # points
MAX_STYLESHEET_BYTES = 1024 * 1024  # of a project stylesheet read for the class names it declares
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class Edition(EditionOptions):
    """One printing of the book: which audiences it shows, and how it is set (the settings an
    ``[editions.NAME]`` table may change are those of :class:`~.config.EditionOptions`)."""

    name: str = ""
    all_audiences: tuple[str, ...] = DEFAULT_AUDIENCES
    teacher_kinds: tuple[str, ...] = TEACHER_KINDS  # box names that are teacher material (with book.toml's)

    @property
    def hidden(self) -> frozenset[str]:
        """The audiences whose material this edition does not show."""
        return frozenset(self.all_audiences) - frozenset(self.audiences)

    @property
    def hidden_classes(self) -> frozenset[str]:
        """The classes whose material this edition removes: its hidden audiences and, where teacher material
        is hidden, every teacher kind of box."""
        if TEACHER in self.audiences:
            return self.hidden
        return self.hidden | frozenset(self.teacher_kinds)

    @property
    def interleaves_teacher_pages(self) -> bool:
        """Whether the edition shows teacher material on pages of its own, interleaved with the student
        edition's unchanged pages (``teacher-pages = "interleaved"``), rather than in the flow."""
        return TEACHER in self.audiences and self.teacher_pages == "interleaved"

    @property
    def adds_answer_key(self) -> bool:
        """Whether the edition ends with an answer key: asked for, and the model answers are not already
        printed once on interleaved teacher pages."""
        return self.answer_key and not self.interleaves_teacher_pages

    @property
    def student_view(self) -> Edition:
        """The edition as its student pages show it: the same settings and label, teacher material hidden."""
        return replace(self, audiences=tuple(name for name in self.audiences if name != TEACHER),
                       answer_key=False)

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_EDITION

    @property
    def lacks(self) -> frozenset[str]:
        """The outputs (by name) this edition does not have: ``epub = false`` leaves out its EPUB."""
        return frozenset() if self.epub else frozenset({"epub"})

    def paper_size_in(self, config: BookConfig) -> str:
        """The trim size this edition is printed at: its own, else book.toml's."""
        return self.paper_size or config.paper_size

    @property
    def print_css(self) -> str:
        """CSS for this edition's PDF, after every stylesheet: the size of the body text."""
        return f"html {{ font-size: {self.font_size:g}pt; }}\n" if self.font_size else ""


EDITIONS = {
    "student": Edition(name="student", audiences=("student",)),
    "teacher": Edition(name="teacher", audiences=("student", "teacher"), label="Teacher edition", answer_key=True),
    # An e-reader enlarges the student EPUB's text itself: large print is for paper only.
    "large-print": Edition(name="large-print", audiences=("student",), label="Large print edition",
                           paper_size="A4", font_size=18, stylesheets=("large-print.css",), epub=False),
}


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
    kinds = tuple(dict.fromkeys(TEACHER_KINDS + tuple(config.teacher_boxes)))
    editions = {name: replace(edition, all_audiences=audiences, teacher_kinds=kinds)
                for name, edition in EDITIONS.items()}
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


def _edition_from_table(name: str, table: EditionOptions, built_in: Edition | None,
                        audiences: tuple[str, ...], config: BookConfig, diagnostics: Diagnostics) -> Edition | None:
    where = _location(config, name)
    if name == ALL_EDITIONS or not _NAME_RE.fullmatch(name):
        reason = ("'all' means every edition on the command line" if name == ALL_EDITIONS
                  else "an edition's name becomes part of file names")
        diagnostics.error(where, f"edition name '{name}' must be lowercase letters, digits and hyphens, "
                                 f"and not 'all'", hint=reason)
        return None
    values = {attribute: getattr(table, attribute) for attribute in table.given}
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
    base = built_in or Edition(name=name, all_audiences=audiences,
                               teacher_kinds=tuple(dict.fromkeys(TEACHER_KINDS + tuple(config.teacher_boxes))))
    return replace(base, **values)


def _location(config: BookConfig, name: str, key: str = "") -> SourceLocation | None:
    """The book.toml line of ``editions.NAME.KEY``, else of the table, else of the file."""
    for dotted in (f"editions.{name}.{key}" if key else "", f"editions.{name}", "editions"):
        if dotted and dotted in config.locations:
            return config.locations[dotted]
    return config.source


def _stylesheet_exists(project: Project, name: str) -> bool:
    from .stylesheets import THEME_DIR

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


def edition_config(config: BookConfig, edition: Edition) -> BookConfig:
    """The book's settings as *edition* prints them: its paper size and its own identifier."""
    identifier = config.identifier
    if not edition.is_default:
        identifier = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"bookbuild:{identifier}:{edition.name}"))
    return replace(config, paper_size=edition.paper_size_in(config), identifier=identifier)


def box_names(config: BookConfig, project: Project | None = None) -> tuple[str, ...]:
    """Every name a fenced div may carry: the theme's boxes, audiences, book.toml's and the project's CSS's."""
    from .labels import load_labels

    names = list(load_labels(config.language).get("callouts", {}))
    names += list(THEME_BOXES) + list(TEACHER_KINDS) + list(config.boxes) + list(config.teacher_boxes)
    names += list(audiences_of(config))
    if project is not None:
        names += _stylesheet_classes(project)
    return tuple(dict.fromkeys(names))


def _stylesheet_classes(project: Project) -> list[str]:
    """The class names the project's own stylesheets style (``.pullquote``): boxes it declares."""
    folder = project.styles_dir / "css"
    found: list[str] = []
    if folder.is_dir():
        for sheet in sorted(folder.glob("*.css")):
            resolved = sheet.resolve()
            if project.root not in resolved.parents or not resolved.is_file():
                continue  # a project reads nothing outside itself
            try:
                text = resolved.read_bytes()[:MAX_STYLESHEET_BYTES].decode("utf-8", "replace")
            except OSError:
                continue
            text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
            found += re.findall(r"\.(-?[A-Za-z_][\w-]*)", re.sub(r"\{[^{}]*\}", "{}", text))
    return found


def check_audiences(manuscript: Manuscript, config: BookConfig, project: Project | None = None) -> None:
    """Every audience and box name the manuscript uses must be declared; all problems reported at once.

    A file's front matter ``audience`` must be an audience of the book; every
    class of a fenced div must be a box name or an audience (see
    :func:`box_names`); a class of a heading, span, link or image that is not
    an audience but is spelt like one (``.teachers``) is an error too, since
    the material it marks would otherwise reach every edition.
    """
    audiences = audiences_of(config)
    boxes = box_names(config, project)
    shown = [name for name in box_names(config) if name not in audiences]
    teacher = tuple(dict.fromkeys(TEACHER_KINDS + tuple(config.teacher_boxes)))
    diagnostics = Diagnostics()
    for source in manuscript.files:
        audience = source.front_matter.get("audience")
        if isinstance(audience, str) and audience not in audiences:
            close = closest(audience, audiences)
            diagnostics.error(_front_matter_line(source, "audience"), f"unknown audience '{audience}'",
                              hint=f"did you mean '{close}'? " if close else ""
                              + "audiences: " + ", ".join(audiences) + "; declare others in book.toml: "
                              f"audiences = [\"student\", \"teacher\", \"{audience}\"]")
        lines = source.source.split("\n")
        for token, inline in _marked_tokens(source.tokens):
            classes = _classes(token)
            if not classes:
                continue
            if token.type == "div_open":
                where = replace(source.location, line=token.map[0] + 1) if token.map else source.location
                for name in classes:
                    if name in boxes:
                        continue
                    close = closest(name, boxes)
                    if close is None:
                        # Not a slip of a known name: a class of the author's own (Pandoc books have many, such
                        # as .table-wrap). It is reported as a class nothing styles (known_classes), a warning.
                        continue
                    what = "audience" if close in audiences else "box name"
                    diagnostics.error(where, f"unknown {what} '{name}'",
                                      hint=(f"did you mean '{close}'? " if close else "")
                                      + "box names: " + ", ".join(shown) + "; audiences: " + ", ".join(audiences)
                                      + "; declare a box of your own in book.toml: boxes = [\"" + name + "\"]")
                continue
            for name in classes:
                if name in audiences or name in boxes:
                    continue
                close = closest(name, audiences + teacher)
                if close is None:
                    continue
                where = _class_location(token, inline, name, lines, source.location)
                what = "audience" if close in audiences else "class"
                diagnostics.error(where, f"unknown {what} '{name}'",
                                  hint=f"did you mean '{close}'? audiences: " + ", ".join(audiences)
                                  + "; teacher material: " + ", ".join(teacher))
    diagnostics.raise_if_any()


def _classes(token: Token) -> list[str]:
    return str(token.attrGet("class") or "").split() if token.attrs else []


def _marked_tokens(tokens: Sequence[Token], inline: Token | None = None):
    """(token, its inline block token or None) for every token that can carry classes, at any depth."""
    for token in tokens:
        yield token, inline
        if token.type == "figure":
            yield token.meta["image"], token.meta.get("inline")
        if token.children:
            yield from _marked_tokens(token.children, token if token.type == "inline" else inline)


def _class_location(token: Token, inline: Token | None, name: str, lines: Sequence[str],
                    file_location: SourceLocation) -> SourceLocation:
    block = token if token.map else inline
    if block is None or not block.map:
        return file_location
    for number in range(block.map[0], min(block.map[1], len(lines))):
        column = lines[number].find("." + name)
        if column >= 0:
            return replace(file_location, line=number + 1, column=column + 1)
    return replace(file_location, line=block.map[0] + 1)


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


def select_edition(manuscript: Manuscript, edition: Edition, report: Report,
                   problems: Diagnostics | None = None) -> Manuscript:
    """The manuscript as readers of *edition* see it.

    Removed: a file whose front matter ``audience`` is hidden, or whose title
    heading is marked for a hidden audience; a block, span, image or heading
    marked for a hidden audience (a heading with its whole section, down to the
    next heading of the same or a higher level); and, where teacher material
    is hidden, every box of a teacher kind (``answers``, ``teaching-notes``,
    ``answer-key`` and book.toml's ``teacher-boxes``) whatever it is marked.
    With *problems*, what the edition's own checks find (a link into hidden
    material) is added there instead of raised.
    """
    hidden = edition.hidden_classes
    if not hidden or not any(_hides_material(source, hidden) for source in manuscript.files):
        return manuscript  # nothing to remove: the manuscript as parsed (not a copy analysed again)
    files = [
        replace(source, tokens=remove_hidden(source.tokens, hidden))
        for source in manuscript.files
        if source.front_matter.get("audience") not in hidden and not _title_hidden(source.tokens, hidden)
    ]
    diagnostics = Diagnostics() if problems is None else problems
    selected = analyse(files, manuscript.project, diagnostics, report, manuscript.remote_images)
    if problems is None:
        diagnostics.raise_if_any()
    return selected


@dataclass(frozen=True)
class FileSplit:
    """One file as an edition divides it: the tokens it shows and those it hides (for the leak check)."""

    source: SourceFile
    kept: tuple[Token, ...]
    removed: tuple[Token, ...]


def split_material(manuscript: Manuscript, edition: Edition) -> list[FileSplit]:
    """Each file divided into what *edition* shows and what it hides, worked out apart from
    :func:`select_edition`'s result so that the leak check does not take its word for it.  A hidden file is
    all hidden; a footnote called only from hidden material is hidden with it."""
    hidden = edition.hidden_classes
    splits = []
    for source in manuscript.files:
        if hidden and (source.front_matter.get("audience") in hidden or _title_hidden(source.tokens, hidden)):
            splits.append(FileSplit(source, (), tuple(source.tokens)))
            continue
        if not _hides_material(source, hidden):
            splits.append(FileSplit(source, tuple(source.tokens), ()))
            continue
        taken: list[Token] = []
        kept = _without_hidden(copy_tokens(source.tokens), hidden, taken)
        orphaned = _orphaned_notes(kept, taken)
        gone = {id(token) for token in orphaned}
        splits.append(FileSplit(source, tuple(token for token in kept if id(token) not in gone),
                                tuple(taken + orphaned)))
    return splits


def _orphaned_notes(kept: Sequence[Token], taken: Sequence[Token]) -> list[Token]:
    """The text of the footnotes called only from removed material: it is hidden with it."""
    def calls(tokens: Sequence[Token]) -> set[int]:
        return {child.meta["id"] for token in tokens for child in (token.children or [])
                if child.type == "footnote_ref"} | {token.meta["id"] for token in tokens
                                                    if token.type == "footnote_ref"}
    orphaned = calls(taken) - calls(kept)
    notes: list[Token] = []
    current = None
    for token in kept:
        if token.type == "footnote_open":
            current = token.meta.get("id")
        elif token.type == "footnote_close":
            current = None
        elif current in orphaned:
            notes.append(token)
    return notes


def _hides_material(source: SourceFile, hidden: frozenset[str]) -> bool:
    """Whether an edition hiding *hidden* removes anything of *source*: the whole file (its ``audience``), or a
    token :func:`_without_hidden` would take out (a block, heading, span or figure marked with a hidden class)."""
    return (source.front_matter.get("audience") in hidden
            or any(_is_hidden(token, hidden) for token, _ in _marked_tokens(source.tokens)))


def _title_hidden(tokens: Sequence[Token], hidden: frozenset[str]) -> bool:
    """Whether the file's title heading (its first block, a level-1 heading) is marked for a hidden audience."""
    return bool(tokens) and tokens[0].type == "heading_open" and tokens[0].tag == "h1" and _is_hidden(tokens[0],
                                                                                                        hidden)


def _is_hidden(token: Token, hidden: frozenset[str]) -> bool:
    return any(name in hidden for name in _classes(token))


def remove_hidden(tokens: Sequence[Token], hidden: frozenset[str]) -> list[Token]:
    """A copy of *tokens* without the blocks, sections and spans marked for a hidden audience."""
    return _without_hidden(copy_tokens(tokens), hidden)


def _without_hidden(tokens: Sequence[Token], hidden: frozenset[str],
                    removed: list[Token] | None = None) -> list[Token]:
    """*tokens* without the hidden ones (changed in place: their children too); those taken out go to *removed*."""
    taken: list[Token] = [] if removed is None else removed
    result: list[Token] = []
    skip_depth = 0
    section: tuple[int, int] | None = None  # (heading level, nesting depth) of a hidden heading's section
    depth = 0
    for token in tokens:
        if skip_depth:
            skip_depth += token.nesting
            depth += token.nesting
            taken.append(token)
            continue
        if section is not None:
            level, at = section
            ends = (depth + token.nesting < at  # the block holding the section closes
                    or token.type == "footnote_block_open"  # the notes after the chapter's last block
                    or (token.type == "heading_open" and depth == at and int(token.tag[1]) <= level))
            if not ends:
                depth += token.nesting
                taken.append(token)
                continue
            section = None
        if _is_hidden(token, hidden):
            taken.append(token)
            if token.type == "heading_open":
                section = (int(token.tag[1]), depth)
                depth += token.nesting
            elif token.nesting == 1:
                skip_depth = 1
                depth += 1
            continue
        depth += token.nesting
        if token.children:
            token.children = _without_hidden(token.children, hidden, taken)
        if token.type == "figure" and _is_hidden(token.meta["image"], hidden):
            taken.append(token)
            continue
        result.append(token)
    return result
