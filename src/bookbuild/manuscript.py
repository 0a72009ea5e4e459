"""Turn the chapter files named by the config into a checked Manuscript.

Each chapter is read (UTF-8; a BOM and CRLF line endings are accepted),
parsed with markdown-it, and analysed: its title and headings get ids, its
footnotes are set apart, its citations are listed in reading order (a citation
in a footnote counts where the footnote is called), and its links and images
are checked.  Every problem in every chapter is reported at once.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from markdown_it.token import Token

from .config import ALWAYS_AUDIENCES, BookConfig, explain_yaml_error, front_matter_name, repeated_yaml_keys, slugify
from .errors import BookbuildError, Diagnostics, Report, SourceLocation, closest
from .images import data_url_problems, image_problems, size_problem
from .markdown import make_parser
from .markdown.citation_syntax import Citation
from .markdown.header_references import heading_key, resolve_header_references
from .markdown.identifiers import pandoc_identifier, unique_identifier
from .markdown.pandoc_differences import pandoc_differences
from .metadata import (
    BOOK_KEYS,
    IGNORED_KEYS,
    is_book_metadata,
    title_block,
    without_title_block,
    without_yaml_block,
    yaml_block,
)
from .project import Project
from .remote import RemoteImageError, fetch_remote_image

CHAPTER_KINDS = ("front", "chapter", "back")
FRONT_MATTER_KEYS = {
    "title": "The chapter title, when the file has no level-1 heading.",
    "short-title": "A shorter title for running heads and the table of contents.",
    "id": "The chapter's id for cross-references (default: made from the title).",
    "kind": "front (roman page numbers, no chapter number), chapter (default) or back.",
    "audience": "Whom the whole file is for, such as 'teacher' (see editions).",
    "handout": "true to print this file as a handout of its own.",
}
MAX_CHAPTER_BYTES = 4 * 1024 * 1024  # about 600,000 words: more is a mistake, not a chapter
IMAGE_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
                  ".svg": "image/svg+xml", ".webp": "image/webp"}


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str
    location: SourceLocation
    markdown: str = ""  # the heading's text as written, which Pandoc's implicit header references match


@dataclass(frozen=True)
class Chapter:
    """One Markdown file of the manuscript, parsed and analysed."""

    index: int
    path: Path
    location: SourceLocation  # the file itself, for messages
    source: str
    front_matter: dict[str, Any]
    tokens: list[Token]  # body tokens, without the title heading and without footnote definitions
    title_tokens: list[Token]  # the inline children of the title heading
    footnotes: dict[int, list[Token]]  # footnote id -> block tokens of its text
    id: str
    title: str
    short_title: str
    kind: str
    number: int | None
    audience: str | None
    headings: tuple[Heading, ...]
    citations: tuple[Citation, ...]
    ids: frozenset[str]
    title_classes: tuple[str, ...] = ()  # the classes of the title heading, such as 'unnumbered'

    @property
    def file_stem(self) -> str:
        """The chapter's file name in an EPUB: its id, or an ASCII form of it (ids may hold any letter)."""
        if self.id.isascii() and re.fullmatch(r"[A-Za-z0-9_.-]+", self.id):
            return self.id
        digest = hashlib.sha1(self.id.encode("utf-8")).hexdigest()[:8]
        return f"{slugify(self.id) or 'chapter'}-{digest}"


@dataclass(frozen=True)
class Manuscript:
    chapters: tuple[Chapter, ...]
    ids: dict[str, SourceLocation]  # every id in the book -> where it is defined
    files: tuple[SourceFile, ...]  # the parsed files, for stages that filter and re-analyse them
    project: Project
    remote_images: bool = False  # book.toml's remote-resources: images may come from the web

    @property
    def citations(self) -> tuple[Citation, ...]:
        return tuple(citation for chapter in self.chapters for citation in chapter.citations)


# ---------------------------------------------------------------------------
# Reading


def read_source(path: Path, project: Project) -> str:
    """The text of a chapter file: UTF-8, BOM removed, line endings made LF, no control characters."""
    text = project.read_text(path, MAX_CHAPTER_BYTES, hint_when_large="split it into several chapters")
    control = _CONTROL_RE.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        column = control.start() - (text.rfind("\n", 0, control.start()) + 1) + 1
        raise BookbuildError.at(project.location(path, line, column),
                                f"the chapter holds the control character U+{ord(control[0]):04X}, which no book "
                                "can show", hint="remove it (an editor that shows invisible characters helps)")
    return text


MAX_TABLE_COLUMNS = 16


def _wide_tables(tokens: Sequence[Token]) -> Iterator[tuple[int, int]]:
    """(0-based line, columns) of each table with more columns than a page can show."""
    line, columns = None, 0
    for token in tokens:
        if token.type == "table_open":
            line, columns = (token.map[0] if token.map else 0), 0
        elif token.type in ("th_open", "td_open") and line is not None:
            columns += 1
        elif token.type == "tr_close" and line is not None:
            if columns > MAX_TABLE_COLUMNS:
                yield line, columns
            line = None


MAX_WORD_CHARACTERS = 100
_LONG_WORD_RE = re.compile(rf"[^\s/\-\u00ad\u200b]{{{MAX_WORD_CHARACTERS + 1},}}")


def _long_words(tokens: Sequence[Token]) -> Iterator[tuple[int, int]]:
    """(0-based line, length) of the first word too long for any line in each block of text."""
    for token in tokens:
        if token.type == "inline" and token.map:
            for child in token.children or ():
                if child.type == "text":
                    match = _LONG_WORD_RE.search(child.content)
                    if match:
                        yield token.map[0], len(match[0])
                        break


# Characters XML 1.0 (hence EPUB and the PDF's structure) cannot carry: C0 controls but tab and newline.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML without aliases: ``*name`` is never needed in front matter, and lets a few lines expand to billions."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in front matter",
                                              self.peek_event().start_mark)
        return super().compose_node(parent, index)


def _unencodable(value: Any) -> bool:
    """Whether *value* holds a lone surrogate (a YAML escape such as "\\ud800"), which no file can hold."""
    if isinstance(value, str):
        return any("\ud800" <= character <= "\udfff" for character in value)
    if isinstance(value, dict):
        return any(_unencodable(key) or _unencodable(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_unencodable(item) for item in value)
    return False


def parse_manuscript(project: Project, config: BookConfig, report: Report,
                     problems: Diagnostics | None = None) -> Manuscript:
    """Read, parse and check every chapter listed in the config.

    With *problems*, they are added there and the manuscript is returned as far as it could be read (to go on
    checking the other stages); without, they are raised.
    """
    diagnostics = Diagnostics() if problems is None else problems
    parsed: list[SourceFile] = []
    examples: dict = {"count": 0, "labels": {}}  # Pandoc's example lists are numbered through the book
    ignored: dict[str, list[SourceLocation]] = {}  # front matter keys without meaning, and where they are
    for index, name in enumerate(config.chapters):
        path = project.manuscript_dir / name
        try:
            source = read_source(path, project)
        except BookbuildError as error:
            diagnostics.extend(error)
            continue
        parsed.append(_parse_file(index, path, source, project, config, diagnostics, ignored, examples))
    if len(parsed) < len(config.chapters):
        # A file that cannot be read would make links into it look broken: stop here.
        diagnostics.raise_if_any()
    _warn_ignored_keys(ignored, report)
    manuscript = analyse(parsed, project, diagnostics, report, config.remote_resources)
    if problems is None:
        diagnostics.raise_if_any()
    return manuscript


@dataclass(frozen=True)
class SourceFile:
    """A chapter file after parsing, before ids and citations are settled."""

    index: int
    path: Path
    location: SourceLocation
    source: str
    front_matter: dict[str, Any]
    tokens: list[Token]
    env: dict


def _parse_file(index: int, path: Path, source: str, project: Project, config: BookConfig,
                diagnostics: Diagnostics, ignored: dict[str, list[SourceLocation]],
                examples: dict | None = None) -> SourceFile:
    location = project.location(path)
    env: dict = {"examples": examples if examples is not None else {"count": 0, "labels": {}}}
    block = title_block(source)
    text = without_title_block(source)
    found = yaml_block(text)
    audiences = frozenset(ALWAYS_AUDIENCES) | frozenset(config.audiences)
    front_matter = _read_front_matter(found[0], found[1], location, diagnostics, ignored, audiences) if found else {}
    tokens = make_parser(config.language).parse(without_yaml_block(text, found), env)
    if block is not None or is_book_metadata(front_matter):
        # Pandoc's document metadata: its title is the book's (see metadata.py), not this chapter's.
        front_matter = {key: value for key, value in front_matter.items() if key != "title"}
    if not any(token.type not in ("footnote_block_open", "footnote_block_close") for token in tokens):
        diagnostics.error(location, "chapter is empty", hint="write some text, or remove the file from 'chapters'")
    return SourceFile(index, path, location, source, front_matter, tokens, env)


def _read_front_matter(content: str, first_line: int, location: SourceLocation, diagnostics: Diagnostics,
                       ignored: dict[str, list[SourceLocation]], audiences: frozenset[str]) -> dict[str, Any]:
    """The chapter's YAML block, whose text starts on *first_line* (1-based), checked key by key."""
    try:
        data = yaml.load(content, Loader=_FrontMatterLoader) if content.strip() else {}  # noqa: S506
    except RecursionError:
        diagnostics.error(replace(location, line=first_line), "invalid YAML front matter: nested too deeply")
        return {}
    except yaml.YAMLError as error:
        line, message, hint = explain_yaml_error(content, error)
        diagnostics.error(replace(location, line=first_line + line), message, hint=hint)
        return {}
    for line, key, first in repeated_yaml_keys(content):
        diagnostics.error(replace(location, line=first_line + line),
                          f"front matter key '{key}' is set twice (first on line {first_line + first})",
                          hint="keep one of the two lines and delete the other")
    if not isinstance(data, dict):
        diagnostics.error(replace(location, line=first_line), "front matter must be a set of 'key: value' lines")
        return {}
    if _unencodable(data):
        diagnostics.error(replace(location, line=first_line), "invalid YAML front matter: it holds a lone "
                          "surrogate (an escape such as \\ud800), which is not a character")
        return {}
    lines = content.split("\n")
    for key, value in data.items():
        line = next((first_line + n for n, text in enumerate(lines) if text.startswith(f"{key}:")), first_line)
        where = replace(location, line=line)
        if key in BOOK_KEYS or key in IGNORED_KEYS:
            continue  # Pandoc's metadata: read as the book's settings, or reported as ignored (metadata.py)
        if key not in FRONT_MATTER_KEYS:
            _unknown_front_matter_key(str(key), value, where, diagnostics, ignored, audiences)
        elif key == "kind" and value not in CHAPTER_KINDS:
            diagnostics.error(where, f"'kind' must be one of {', '.join(CHAPTER_KINDS)}, not '{value}'")
        elif key == "handout" and not isinstance(value, bool):
            diagnostics.error(where, "'handout' must be true or false")
        elif key in ("title", "short-title", "id", "audience") and not isinstance(value, str):
            diagnostics.error(where, f"'{key}' must be a string")
    return data


_COMMENT_ONLY = re.compile(r"\s*(?:<!--.*?-->\s*)+", re.DOTALL)


def _after_comments(tokens: list[Token]) -> int:
    """The index of the first token that is not an HTML block holding comments alone."""
    index = 0
    while index < len(tokens) and tokens[index].type == "html_block" and _COMMENT_ONLY.fullmatch(tokens[index].content):
        index += 1
    return index


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest letters inserted, deleted or changed to turn *a* into *b*."""
    previous = list(range(len(b) + 1))
    for i, letter in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (letter != other)))
        previous = current
    return previous[-1]


_KNOWN_KEYS_HINT = ("known keys: " + ", ".join(FRONT_MATTER_KEYS) + "; and Pandoc's metadata "
                    "(title, subtitle, author, date, lang, abstract, bibliography, csl, …)")


def _unknown_front_matter_key(key: str, value: Any, where: SourceLocation, diagnostics: Diagnostics,
                              ignored: dict[str, list[SourceLocation]], audiences: frozenset[str]) -> None:
    """A key bookbuild does not know: an error when it looks like a slip, else a warning that it is ignored.

    A misspelt key ('autor', 'audiance') or one whose value names an audience ('for: teacher') may have been
    meant to mark the chapter, and teacher material must never print because of a slip; any other key is
    a Pandoc template variable or a website's setting (such as 'prev-url'), which has no meaning in a book.
    """
    near = closest(key, [*FRONT_MATTER_KEYS, *BOOK_KEYS])
    if near is not None and _edit_distance(key.lower(), near.lower()) > max(1, min(2, len(near) // 4)):
        near = None  # 'meta-description' is a website's key of its own, not a slip for 'description'
    values = value if isinstance(value, list) else [value]
    named = sorted({item for item in values if isinstance(item, str) and item.strip().lower() in audiences})
    if near is not None and near != key:
        diagnostics.error(where, f"unknown front matter key '{key}'; did you mean '{near}'?", hint=_KNOWN_KEYS_HINT)
    elif named:
        diagnostics.error(where, f"unknown front matter key '{key}' names the audience '{named[0]}'",
                          hint="to mark the whole file for one audience write 'audience: " + named[0] + "'; "
                          + _KNOWN_KEYS_HINT)
    else:
        ignored.setdefault(key, []).append(where)


def _warn_ignored_keys(ignored: dict[str, list[SourceLocation]], report: Report) -> None:
    """One warning per ignored key, at its first place: a book's chapters often share their website's keys."""
    for key, places in ignored.items():
        others = len({place.path for place in places[1:]} - {places[0].path})
        also = f" (also in {others} other file{'s' if others > 1 else ''})" if others else ""
        report.warn(places[0], f"front matter key '{key}' has no meaning in bookbuild and is ignored{also}",
                    hint=_KNOWN_KEYS_HINT)


# ---------------------------------------------------------------------------
# Analysis: ids, headings, footnotes, citations, links, images


def analyse(files: Sequence[SourceFile], project: Project, diagnostics: Diagnostics,
            report: Report, remote_images: bool = False) -> Manuscript:
    """Settle ids and numbers across the book, then check links and images."""
    used_ids: dict[str, SourceLocation] = {}
    chapters: list[Chapter] = []
    number = 0
    for parsed in files:
        for line, columns in _wide_tables(parsed.tokens):
            report.warn(replace(parsed.location, line=line + 1), f"table has {columns} columns: a printed page "
                        f"has room for about {MAX_TABLE_COLUMNS}, and columns that do not fit are cut off at its edge",
                        hint="split the table, or turn it round (rows for columns)")
        for line, length in _long_words(parsed.tokens):
            report.warn(replace(parsed.location, line=line + 1), f"a word of {length} characters is wider than a "
                        "line: what does not fit is cut off at the page edge",
                        hint="break it with spaces or hyphens, or shorten it")
        for line in parsed.env.get("flattened", ()):
            report.warn(replace(parsed.location, line=line + 1), "text nested more than 20 levels deep (quotes, "
                        "lists, emphasis): the deeper levels are kept as plain text",
                        hint="nest quotes, lists and emphasis less deeply")
        kind = parsed.front_matter.get("kind") or _inferred_kind(parsed, numbered=number > 0)
        if kind == "chapter":
            number += 1
        chapters.append(_analyse_chapter(parsed, number if kind == "chapter" else None, kind,
                                         used_ids, diagnostics, report))
    manuscript = Manuscript(chapters=tuple(chapters), ids=used_ids, files=tuple(files), project=project,
                            remote_images=remote_images)
    _resolve_header_references(manuscript)
    for chapter in manuscript.chapters:
        _check_links_and_images(chapter, manuscript, project, diagnostics)
    return manuscript


def _resolve_header_references(manuscript: Manuscript) -> None:
    """Point Pandoc's implicit header references (``[General options]``) at the heading of that text."""
    headings: dict[str, str] = {}
    for chapter in manuscript.chapters:
        for heading in chapter.headings:
            headings.setdefault(heading_key(heading.markdown or heading.text), heading.id)
    for chapter in manuscript.chapters:
        inlines = {id(inline): inline for inline, _, _ in iter_inline(chapter.tokens, chapter.footnotes)}
        title = Token("inline", "", 0, children=chapter.title_tokens)
        resolve_header_references([title, *inlines.values()], headings)


def _inferred_kind(parsed: SourceFile, numbered: bool) -> str:
    """A chapter's kind when its front matter does not say, as a Pandoc book implies it.

    A file named like front matter (dedication, preface, acknowledgments…) is
    front matter; so is a chapter whose heading is unnumbered (``# Preface {-}``)
    before the first numbered chapter, and after it such a chapter is back matter.
    """
    if front_matter_name(parsed.path.name):
        return "front"
    tokens = parsed.tokens
    if tokens and tokens[0].type == "heading_open" and tokens[0].tag == "h1" and \
            "unnumbered" in str(tokens[0].attrGet("class") or "").split():
        return "back" if numbered else "front"
    return "chapter"


def _analyse_chapter(parsed: SourceFile, number: int | None, kind: str, used_ids: dict[str, SourceLocation],
                     diagnostics: Diagnostics, report: Report) -> Chapter:
    tokens, footnotes = _split_footnotes(copy_tokens(parsed.tokens))
    location = parsed.location
    lines = parsed.source.split("\n")
    for line, message, hint in pandoc_differences(parsed.source, parsed.tokens):
        report.warn(replace(location, line=line), message, hint=hint)
    for label, note_id in parsed.env.get("footnotes", {}).get("refs", {}).items():
        if note_id == -1:  # defined, never called: neither Pandoc nor bookbuild prints it
            name = label.removeprefix(":")
            defined = next((n for n, text in enumerate(lines, 1) if text.lstrip().startswith(f"[^{name}]:")), None)
            report.warn(replace(location, line=defined), f"footnote '[^{name}]' is never called, so it is not printed",
                        hint=f"call it in the text with [^{name}], or remove it")

    # The title: the first level-1 heading, or the front matter's title.
    title_tokens: list[Token] = []
    title_classes: tuple[str, ...] = ()
    title = parsed.front_matter.get("title") or ""
    explicit_id = parsed.front_matter.get("id")
    title_location = location
    body = tokens
    first = _after_comments(tokens)  # a licence comment may come before the title, as in many Pandoc books
    if len(tokens) >= first + 3 and tokens[first].type == "heading_open" and tokens[first].tag == "h1":
        heading = tokens[first]
        title_tokens = tokens[first + 1].children or []
        title = title or _plain_text(title_tokens)
        explicit_id = explicit_id or heading.attrGet("id")
        title_classes = tuple(str(heading.attrGet("class") or "").split())
        title_location = replace(location, line=heading.map[0] + 1 if heading.map else None)
        body = tokens[:first] + tokens[first + 3:]
    elif not title:
        title = Path(parsed.path).stem.lstrip("0123456789-_ ").replace("-", " ").strip().capitalize() or "Untitled"
        report.warn(location, "chapter has no title", hint="start the file with a level-1 heading: '# Title'")
    chapter_id = _claim_id(str(explicit_id) if explicit_id else pandoc_identifier(title),
                           explicit_id is not None, title_location, used_ids, diagnostics)
    ids = {chapter_id}

    headings: list[Heading] = [Heading(1, chapter_id, title, title_location,
                                       tokens[first + 1].content if title_tokens else title)]
    for index, token in enumerate(body):
        explicit = token.attrGet("id")
        token_location = replace(location, line=token.map[0] + 1) if token.map else location
        if token.type == "heading_open":
            text = _plain_text(body[index + 1].children or [])
            if token.tag == "h1":
                report.warn(token_location, "a second level-1 heading in one chapter",
                            hint="start a new chapter file, or use '##' for a section")
            heading_id = _claim_id(str(explicit) if explicit else pandoc_identifier(text),
                                   explicit is not None, token_location, used_ids, diagnostics)
            token.attrSet("id", heading_id)
            ids.add(heading_id)
            headings.append(Heading(int(token.tag[1]), heading_id, text, token_location, body[index + 1].content))
        elif explicit and token.nesting >= 0:
            ids.add(_claim_id(str(explicit), True, token_location, used_ids, diagnostics))
        if token.type == "div_open" and not token.meta.get("closed", True):
            diagnostics.error(token_location, "fenced div is never closed",
                              hint=f"add a line '{token.markup}' where it ends")
        if token.type in ("inline", "figure"):
            inline_token = token.meta["inline"] if token.type == "figure" else token
            for child in inline_token.children or []:
                child_id = child.attrGet("id") if child.attrs else None
                if child_id and child.nesting >= 0:
                    ids.add(_claim_id(str(child_id), True, token_location, used_ids, diagnostics))
                undefined = re.search(r"\[\^([^\]\s]+)\]", child.content) if child.type == "text" else None
                if undefined:
                    label = undefined[1]
                    report.warn(token_location, f"footnote '[^{label}]' is never defined",
                                hint=f"add a line '[^{label}]: text of the note'")

    for token, offset, message in parsed.env.get("bookbuild_warnings", []):
        # What the parser's extensions could not render as written (markdown/math.py, markdown/raw.py).
        report.warn(locate(token, offset, lines, location) if token.type == "inline" else
                    replace(location, line=token.map[0] + 1 if token.map else None), message)

    chapter = Chapter(
        index=parsed.index, path=parsed.path, location=location, source=parsed.source,
        front_matter=parsed.front_matter, tokens=body, title_tokens=title_tokens, footnotes=footnotes,
        id=chapter_id, title=title, short_title=parsed.front_matter.get("short-title") or title,
        kind=kind, number=number, audience=parsed.front_matter.get("audience"),
        headings=tuple(headings), citations=(), ids=frozenset(ids), title_classes=title_classes,
    )
    return replace(chapter, citations=tuple(collect_citations(chapter, lines)))


def _claim_id(wanted: str, explicit: bool, location: SourceLocation, used: dict[str, SourceLocation],
              diagnostics: Diagnostics) -> str:
    """Reserve an id book-wide: explicit duplicates are errors, generated ones get a number as Pandoc's do."""
    if explicit:
        if wanted in used:
            diagnostics.error(location, f"duplicate id '{wanted}'",
                              hint=f"it is already used at {used[wanted]}")
        else:
            used[wanted] = location
        return wanted
    candidate = unique_identifier(wanted, used)
    used[candidate] = location
    return candidate


def _split_footnotes(tokens: list[Token]) -> tuple[list[Token], dict[int, list[Token]]]:
    """Take the footnote block markdown-it appends off the token list."""
    if not any(token.type == "footnote_block_open" for token in tokens):
        return tokens, {}
    start = next(i for i, token in enumerate(tokens) if token.type == "footnote_block_open")
    body, block = tokens[:start], tokens[start + 1:-1]
    footnotes: dict[int, list[Token]] = {}
    current: list[Token] | None = None
    for token in block:
        if token.type == "footnote_open":
            current = footnotes.setdefault(token.meta["id"], [])
        elif token.type == "footnote_close":
            current = None
        elif token.type != "footnote_anchor" and current is not None:
            current.append(token)
    return body, footnotes


def _plain_text(children: Sequence[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline", "math_inline", "math_inline_double"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_plain_text(child.children or []))
        elif child.type == "citation":
            parts.append(child.content)
    return "".join(parts).strip()


def plain_text(children: Sequence[Token]) -> str:
    """The text of inline tokens without markup."""
    return _plain_text(children)


# ---------------------------------------------------------------------------
# Citations in reading order


def iter_inline(tokens: Sequence[Token], footnotes: dict[int, list[Token]],
                in_note: bool = False) -> Iterator[tuple[Token, Token, bool]]:
    """(inline block token, child token, inside a footnote) in reading order.

    A footnote's text is visited where the footnote is first called, the way
    a reader meets it.
    """
    visited: set[int] = set()

    def walk(block_tokens: Sequence[Token], note: bool) -> Iterator[tuple[Token, Token, bool]]:
        for token in block_tokens:
            figure = token.type == "figure" and not token.meta["image"].attrGet("title")
            if token.type == "figure":
                token = token.meta["inline"]
            elif token.type == "table_open" and token.meta and "caption" in token.meta:
                token = token.meta["caption"]
            if token.type != "inline":
                continue
            for child in token.children or []:
                yield token, child, note
                if child.type == "image" and figure:
                    # A figure's caption is its alt text: citations and notes in it count.
                    for part in child.children or []:
                        yield token, part, note
                if child.type == "footnote_ref":
                    note_id = child.meta["id"]
                    if note_id not in visited and note_id in footnotes:
                        visited.add(note_id)
                        yield from walk(footnotes[note_id], True)

    yield from walk(tokens, in_note)


def collect_citations(chapter: Chapter, lines: Sequence[str]) -> list[Citation]:
    citations: list[Citation] = []
    sequence = 0
    for inline, child, in_note in iter_inline(
        [Token("inline", "", 0, children=chapter.title_tokens, content="")] + chapter.tokens, chapter.footnotes
    ):
        if child.type != "citation":
            continue
        sequence += 1
        where = locate(inline, child.meta.get("offset", 0), lines, chapter.location)
        items = tuple(replace(item, location=where) for item in child.meta["items"])
        citation = Citation(id=f"cite-{chapter.id}-{sequence}", items=items, mode=child.meta["mode"],
                            in_note=in_note, chapter=chapter.id, location=where)
        child.meta["id"] = citation.id
        citations.append(citation)
    return citations


def locate(inline: Token, offset: int, lines: Sequence[str], file_location: SourceLocation) -> SourceLocation:
    """The line and column in the source file of *offset* within an inline token's text."""
    if not inline.map:
        return file_location
    content = inline.content
    line_in_block = content.count("\n", 0, offset)
    line_start = content.rfind("\n", 0, offset) + 1
    line_end = content.find("\n", offset)
    content_line = content[line_start:line_end if line_end != -1 else len(content)]
    number = inline.map[0] + line_in_block
    if number >= len(lines):
        return replace(file_location, line=inline.map[0] + 1)
    source_line = lines[number]
    found = source_line.rfind(content_line.rstrip()) if content_line.strip() else -1
    column = (found if found >= 0 else 0) + (offset - line_start) + 1
    return replace(file_location, line=number + 1, column=column)


# ---------------------------------------------------------------------------
# Links and images


def _check_links_and_images(chapter: Chapter, manuscript: Manuscript, project: Project,
                            diagnostics: Diagnostics) -> None:
    lines = chapter.source.split("\n")
    chapter_files = {c.path.name: c for c in manuscript.chapters}
    for inline, child, _ in iter_inline(chapter.tokens, chapter.footnotes):
        if child.type == "link_open":
            href = str(child.attrGet("href") or "")
            target = internal_target(href, chapter_files)
            if target is None:
                continue
            if target not in manuscript.ids:
                where = locate(inline, _offset_of(inline, "](" + href), lines, chapter.location)
                hint = closest(target, manuscript.ids)
                diagnostics.error(where, f"link to '#{target}', which is not an id in the book",
                                  hint=f"did you mean '#{hint}'?" if hint else
                                  "headings get ids from their text; set one with '# Heading {#id}'")
            else:
                child.attrSet("href", "#" + target)
        elif child.type == "image":
            _check_image(chapter, inline, child, lines, manuscript, diagnostics)


def internal_target(href: str, chapter_files: dict[str, Chapter]) -> str | None:
    """The id a link points to inside the book, or None for an external link."""
    if href.startswith("#"):
        return unquote(href[1:])  # markdown-it percent-encodes letters outside ASCII
    match = re.fullmatch(r"([^:/?#]+\.md)(?:#(.*))?", href)
    if match and match[1] in chapter_files:
        return unquote(match[2]) if match[2] else chapter_files[match[1]].id
    return None


def _check_image(chapter: Chapter, inline: Token, image: Token, lines: Sequence[str], manuscript: Manuscript,
                 diagnostics: Diagnostics) -> None:
    project = manuscript.project
    src = str(image.attrGet("src") or "")
    where = locate(inline, _offset_of(inline, "](" + src), lines, chapter.location)
    alt = _plain_text(image.children or [])
    classes = str(image.attrGet("class") or "").split()
    if not alt and "decorative" not in classes:
        diagnostics.error(where, f"image '{src}' has no alt text",
                          hint="describe it for readers who cannot see it: ![what it shows](" + src + "), "
                          "or mark a purely decorative image with {.decorative}")
    for name in ("width", "height"):
        value = image.attrGet(name)
        if value is not None and (problem := size_problem(str(value))):
            diagnostics.error(where, f"image '{src}': {name} {problem}")
    shown = src if len(src) <= 60 else src[:57] + "..."
    if manuscript.remote_images and re.match(r"^https?://", src, re.IGNORECASE):
        try:
            local = fetch_remote_image(src, project.cache_dir)
        except RemoteImageError as error:
            diagnostics.error(where, f"image URL '{shown}' {error}")
            return
        for problem in image_problems(local):
            diagnostics.error(where, f"image '{shown}' {problem}")
        image.attrSet("src", str(local))
        return
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src) or src.startswith("//"):
        if not src.startswith("data:image/"):
            diagnostics.error(where, f"image '{shown}' is not a file of the project",
                              hint="download it into the manuscript folder and link to it by relative path"
                              + ("" if not re.match(r"^https?://", src, re.I) else
                                 ", or allow images from the web with remote-resources = true in book.toml"))
        else:
            for problem in data_url_problems(src):
                diagnostics.error(where, f"image '{shown}' {problem}")
        return
    path = (chapter.path.parent / src).resolve()
    if not _inside(path, project.manuscript_dir) and not _inside(path, project.root):
        diagnostics.error(where, f"image '{src}' lies outside the project")
    elif not path.exists():
        diagnostics.error(where, f"image file '{src}' does not exist")
    elif not path.is_file():
        diagnostics.error(where, f"image '{src}' is not a regular file")
    elif path.suffix.lower() not in IMAGE_SUFFIXES:
        diagnostics.error(where, f"image '{src}' is not a PNG, JPEG, GIF, WebP or SVG file")
    else:
        for problem in image_problems(path):
            diagnostics.error(where, f"image '{src}' {problem}")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder.resolve() in path.parents


def _offset_of(inline: Token, needle: str) -> int:
    found = inline.content.find(needle)
    if found < 0:
        return 0
    # Point at the start of the link or image, not at "](".
    opening = inline.content.rfind("[", 0, found)
    if opening > 0 and inline.content[opening - 1] == "!":
        opening -= 1
    return max(opening, 0)


def copy_tokens(tokens: Sequence[Token]) -> list[Token]:
    """A deep copy of a token list, for stages that reshape tokens.

    Ten times faster than ``copy.deepcopy``: it copies what a stage may change
    (attributes, children, meta) and shares what none changes (strings, the
    citation items, which are frozen).  A token met twice (a figure's image is
    also a child of its inline token) is copied once.
    """
    memo: dict[int, Token] = {}
    return [_copy_token(token, memo) for token in tokens]


def _copy_token(token: Token, memo: dict[int, Token]) -> Token:
    done = memo.get(id(token))
    if done is not None:
        return done
    new = copy.copy(token)
    memo[id(token)] = new
    new.attrs = dict(token.attrs)
    if token.children is not None:
        new.children = [_copy_token(child, memo) for child in token.children]
    if token.meta:
        new.meta = {key: _copy_token(value, memo) if isinstance(value, Token)
                    else list(value) if isinstance(value, list) else value
                    for key, value in token.meta.items()}
    return new
