"""Turn a manuscript and its resolved citations into the HTML documents of one target.

``render_book`` renders every chapter for a target (print or EPUB);
``print_document`` lays the whole book out as one HTML document for
WeasyPrint; ``epub_documents`` makes one XHTML document per chapter plus the
title page, copyright page, navigation and bibliography.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import __version__
from ..citations.model import BibliographyEntry, CitationResult
from ..config import BookConfig
from ..editions import EDITIONS, Edition
from ..labels import load_labels
from ..manuscript import Chapter, Heading, Manuscript
from ..pagemap import PageMap
from ..project import Project
from .html import EPUB, PRINT, Note, RenderContext, RenderProfile, render_inline, render_profile, render_tokens
from .pagebreaks import place_page_markers, plan_page_markers, strip_block_numbers
from .templates import make_environment, render_template

BIBLIOGRAPHY_ID = "bibliography"
GENERATED_COVER = "images/cover.png"  # drawn by the EPUB writer when book.toml names no cover


@dataclass(frozen=True)
class RenderedChapter:
    id: str
    kind: str
    number: int | None
    title: str
    short_title: str
    title_html: str
    body_html: str
    notes: tuple[Note, ...]
    headings: tuple[Heading, ...]
    file_name: str  # the chapter's XHTML file in the EPUB
    source: Chapter = field(repr=False, compare=False)


@dataclass(frozen=True)
class BuildInfo:
    date: dt.datetime  # the build time, from SOURCE_DATE_EPOCH when set
    generator: str = f"bookbuild {__version__}"

    @property
    def day(self) -> str:
        return self.date.strftime("%Y-%m-%d")


@dataclass(frozen=True)
class RenderedBook:
    target: RenderProfile
    config: BookConfig
    edition: Edition
    chapters: tuple[RenderedChapter, ...]
    bibliography: tuple[BibliographyEntry, ...]
    bibliography_title: str
    labels: dict[str, Any]
    build: BuildInfo
    resources: dict[Path, str]  # source file -> URL in the output
    cover: str | None  # URL of the cover image, if any

    @property
    def body_chapters(self) -> tuple[RenderedChapter, ...]:
        return tuple(chapter for chapter in self.chapters if chapter.kind != "front")

    @property
    def built_date(self) -> str:
        """The build day written out in the book's language: "3 December 2026", "2026. december 3."."""
        return long_date(self.build.date.date(), self.config.language)

    @property
    def published_date(self) -> str:
        """book.toml's date, written out in the book's language when it is an ISO date
        ("2026-09" -> "September 2026")."""
        return long_date(self.config.date, self.config.language)


def long_date(value: dt.date | str, language: str) -> str:
    """A date (or an ISO date, year-month or year in text) in words of *language*, by CLDR through Babel."""
    import babel
    from babel.dates import format_date, format_skeleton

    try:
        locale = babel.Locale.parse(language.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        locale = babel.Locale.parse("en")
    if isinstance(value, dt.date):
        return format_date(value, "long", locale=locale)
    text = (value or "").strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return format_date(dt.date.fromisoformat(text), "long", locale=locale)
        except ValueError:
            return text
    if re.fullmatch(r"\d{4}-\d{2}", text) and 1 <= int(text[5:]) <= 12:
        return format_skeleton("yMMMM", dt.date(int(text[:4]), int(text[5:]), 1), locale=locale)
    return text


def render_book(manuscript: Manuscript, citations: CitationResult | None, config: BookConfig, edition: Edition,
                target: RenderProfile | str, build: BuildInfo, resource_url: Callable[[Path], str] | None = None,
                labels: dict[str, Any] | None = None) -> RenderedBook:
    """Render every chapter of *manuscript* for *target* (a profile: PRINT, EPUB, or its name), in the words
    of *labels*."""
    target = render_profile(target)
    if labels is None:
        labels = load_labels(config.language)
    edition = edition_in_language(edition, labels)
    resources: dict[Path, str] = {}

    def default_url(path: Path) -> str:
        if not target.packaged_resources:
            return path.as_uri()
        name = f"images/{_resource_name(path, resources)}"
        return name

    def remember(path: Path) -> str:
        path = edition_variant(path, edition.name)
        if path not in resources:
            resources[path] = (resource_url or default_url)(path)
        return resources[path]

    chapters = []
    front_ids = frozenset(i for chapter in manuscript.chapters if chapter.kind == "front" for i in chapter.ids)
    for chapter in manuscript.chapters:
        context = RenderContext(target=target, chapter=chapter, citations=citations, labels=labels,
                                front_ids=front_ids,
                                resource_url=remember)
        title_html = render_inline(chapter.title_tokens, context) if chapter.title_tokens else _escape(chapter.title)
        body_html = render_tokens(chapter.tokens, context)
        chapters.append(RenderedChapter(
            id=chapter.id, kind=chapter.kind, number=chapter.number, title=chapter.title,
            short_title=chapter.short_title, title_html=title_html, body_html=body_html,
            notes=tuple(context.notes), headings=chapter.headings,
            file_name=f"{chapter.file_stem}.xhtml", source=chapter,
        ))
    if config.cover:
        cover: str | None = remember(manuscript.project.manuscript_dir / config.cover)
    else:
        cover = GENERATED_COVER if target.generated_cover else None
    return RenderedBook(
        target=target, config=config, edition=edition, chapters=tuple(chapters),
        bibliography=citations.bibliography if citations else (),
        bibliography_title=citations.bibliography_title if citations else labels["bibliography"],
        labels=labels, build=build, resources=resources, cover=cover,
    )


def documents_of(book: RenderedBook, project: Project) -> list:
    """The documents *book* becomes in its profile: the one HTML document of print, or the EPUB's files."""
    if book.target.one_document:
        return [print_document(book, project)]
    return epub_documents(book, project)


def edition_variant(path: Path, edition: str) -> Path:
    """The image an edition prints in place of *path*: ``NAME.EDITION.EXT`` beside it, when the project has
    one (``images/map.large-print.svg``: a map whose labels are as large as the large print's text), else
    *path* itself."""
    variant = path.with_name(f"{path.stem}.{edition}{path.suffix}")
    if variant.is_file() and not variant.is_symlink() and variant.resolve().parent == path.resolve().parent:
        return variant
    return path


def edition_in_language(edition: Edition, labels: dict[str, Any]) -> Edition:
    """The edition with its label in the book's language, unless book.toml gave it a label of its own."""
    built_in = EDITIONS.get(edition.name)
    translated = labels.get("editions", {}).get(edition.name)
    if built_in is not None and translated and edition.label == built_in.label:
        return replace(edition, label=translated)
    return edition


def _resource_name(path: Path, taken: dict[Path, str]) -> str:
    """A file name for *path* in the EPUB that no other resource has."""
    used = {Path(url).name for url in taken.values()}
    stem, suffix = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-") or "image", path.suffix.lower()
    name, counter = f"{stem}{suffix}", 2
    while name in used:
        name = f"{stem}-{counter}{suffix}"
        counter += 1
    return name


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def print_document(book: RenderedBook, project: Project) -> str:
    """The whole book as one HTML document, ready for WeasyPrint."""
    environment = make_environment(project)
    return render_template(environment, "book.html.j2", project, book=book, labels=book.labels,
                           bibliography_id=BIBLIOGRAPHY_ID)


@dataclass(frozen=True)
class EpubDocument:
    file_name: str
    title: str
    content: str  # XHTML
    role: str  # "cover", "titlepage", "copyright", "nav", "chapter", "bibliography"
    linear: bool = True


def epub_documents(book: RenderedBook, project: Project, page_map: PageMap | None = None) -> list[EpubDocument]:
    """One XHTML document per page of the EPUB, in reading order, cross-file links resolved.

    With the *page_map* of the edition's printed booklet, the documents get
    its page-break markers and the navigation document its page list.
    """
    environment = make_environment(project)
    values = {"book": book, "labels": book.labels, "bibliography_id": BIBLIOGRAPHY_ID,
              "stylesheets": ["css/" + name for name in (EMBEDDED_FONTS_CSS, *epub_stylesheet_names(project))],
              "page_list": ()}
    documents = []
    if book.cover:
        documents.append(EpubDocument("cover.xhtml", book.labels["cover"],
                                      render_template(environment, "epub/cover.xhtml.j2", project, **values),
                                      "cover"))
    documents.append(EpubDocument("titlepage.xhtml", book.config.title,
                                  render_template(environment, "epub/titlepage.xhtml.j2", project, **values),
                                  "titlepage"))
    documents.append(EpubDocument("copyright.xhtml", book.labels["copyright"],
                                  render_template(environment, "epub/copyright.xhtml.j2", project, **values),
                                  "copyright"))
    documents.append(EpubDocument("nav.xhtml", book.labels["contents"],
                                  render_template(environment, "epub/nav.xhtml.j2", project, **values), "nav"))
    for chapter in book.chapters:
        documents.append(EpubDocument(
            chapter.file_name, chapter.title,
            render_template(environment, "epub/chapter.xhtml.j2", project, chapter=chapter, **values),
            "chapter"))
    if book.bibliography:
        documents.append(EpubDocument("bibliography.xhtml", book.bibliography_title,
                                      render_template(environment, "epub/bibliography.xhtml.j2", project,
                                                      **values), "bibliography"))
    documents = [replace(document, content=with_xml_lang(document.content)) for document in documents]
    if page_map is None:
        return resolve_cross_file_links(strip_block_numbers(documents))
    page_list = plan_page_markers(page_map, documents)
    values["page_list"] = page_list
    documents = [replace(document, content=render_template(environment, "epub/nav.xhtml.j2", project, **values))
                 if document.role == "nav" else document for document in documents]
    documents = place_page_markers(documents, page_list, page_map, book.labels["page_abbreviation"])
    return resolve_cross_file_links(documents)


_START_TAG_RE = re.compile(r"<[A-Za-z][^<>]*>")
_LANG_ATTRIBUTE_RE = re.compile(r'\slang="([^"]*)"')


def with_xml_lang(xhtml: str) -> str:
    """Every element with a ``lang`` also gets ``xml:lang``, as XHTML reading systems look for either."""
    def add(match: re.Match) -> str:
        tag = match[0]
        if "xml:lang=" in tag:
            return tag
        found = _LANG_ATTRIBUTE_RE.search(tag)
        if found is None:
            return tag
        return tag[:found.end()] + f' xml:lang="{found[1]}"' + tag[found.end():]

    return _START_TAG_RE.sub(add, xhtml)


def epub_stylesheet_names(project: Project) -> list[str]:
    from ..stylesheets import stylesheet_paths

    return [path.name for path in stylesheet_paths(project, EPUB_STYLESHEETS)]


PRINT_STYLESHEETS = PRINT.stylesheets
EPUB_STYLESHEETS = EPUB.stylesheets
EMBEDDED_FONTS_CSS = "embedded-fonts.css"  # the @font-face rules of the fonts the EPUB carries, written by its writer

_ID_RE = re.compile(r'\sid="([^"]+)"')
_HREF_RE = re.compile(r'href="#([^"]+)"')


def resolve_cross_file_links(documents: list[EpubDocument]) -> list[EpubDocument]:
    """Point ``href="#id"`` at the document that holds the id, when that is another file."""
    owner: dict[str, str] = {}
    for document in documents:
        for element_id in _ID_RE.findall(document.content):
            owner.setdefault(element_id, document.file_name)

    def fix(document: EpubDocument) -> EpubDocument:
        def replace_href(match: re.Match) -> str:
            target = match[1]
            file_name = owner.get(target)
            if file_name is None or file_name == document.file_name:
                return match[0]
            return f'href="{file_name}#{target}"'

        return EpubDocument(document.file_name, document.title, _HREF_RE.sub(replace_href, document.content),
                            document.role, document.linear)

    return [fix(document) for document in documents]


__all__ = ["EPUB", "PRINT", "RenderedBook", "render_book", "print_document", "epub_documents", "documents_of"]
