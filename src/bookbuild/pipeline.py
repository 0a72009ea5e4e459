"""Run the stages in order: config, manuscript, bibliography, editions, citations, render, write.

This is the only module that knows the order of the stages.  Each stage
takes values and returns a new one; user mistakes stop the pipeline with a
BookbuildError before anything is written.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .bibliography import load_bibliography
from .citations import load_style, resolve_citations
from .citations.model import CitationResult
from .config import BookConfig, load_config
from .editions import Edition, find_edition, select_edition
from .errors import BookbuildError, Report, SourceLocation
from .manuscript import Manuscript, parse_manuscript
from .project import Project, locate_project
from .render.book import BuildInfo, RenderedBook, epub_documents, print_document, render_book
from .render.html import EPUB, PRINT
from .writers import remove_stale_temporaries
from .writers.epub import write_epub
from .writers.pdf import write_pdf

TARGETS = ("pdf", "epub")


@dataclass(frozen=True)
class Sources:
    """Everything read from the project, checked, before any edition is chosen."""

    project: Project
    config: BookConfig
    manuscript: Manuscript
    bibliography: object  # bookbuild.bibliography.Bibliography
    style: object  # bookbuild.citations.CitationStyle
    build: BuildInfo


def build_info() -> BuildInfo:
    """The build time: SOURCE_DATE_EPOCH when set (reproducible builds), else the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise BookbuildError.at(SourceLocation("SOURCE_DATE_EPOCH"),
                                    f"'{epoch}' is not a number of seconds since 1970") from None
    else:
        moment = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return BuildInfo(date=moment)


def read_sources(project_dir: Path | str, out_dir: Path | str | None, report: Report) -> Sources:
    """Read and check the config, the chapters and the bibliography."""
    project = locate_project(project_dir, out_dir)
    config = load_config(project)
    manuscript = parse_manuscript(project, config, report)
    bibliography = (load_bibliography(project.manuscript_dir / config.bibliography, project)
                    if config.bibliography else {})
    style = load_style(config.citation_style, project, config.language, config.location_of("citation-style"))
    return Sources(project, config, manuscript, bibliography, style, build_info())


def edition_manuscript(sources: Sources, edition: Edition, report: Report) -> tuple[Manuscript, CitationResult]:
    """The manuscript of one edition and its resolved citations."""
    manuscript = select_edition(sources.manuscript, edition, report)
    citations = resolve_citations(manuscript.citations, sources.bibliography, sources.style,
                                  sources.config.nocite, sources.config.location_of("nocite"))
    return manuscript, citations


def render(sources: Sources, edition: Edition, target: str, report: Report) -> RenderedBook:
    manuscript, citations = edition_manuscript(sources, edition, report)
    return render_book(manuscript, citations, sources.config, edition, target, sources.build)


def output_path(sources: Sources, edition: Edition, extension: str) -> Path:
    suffix = "" if edition.is_default else f"-{edition.name}"
    return sources.project.out_dir / f"{sources.config.slug}{suffix}.{extension}"


def build(project_dir: Path | str, targets: Sequence[str], edition_names: Sequence[str] | None,
          out_dir: Path | str | None, report: Report) -> list[Path]:
    """Build *targets* for the named editions (default: the default edition); return the files written."""
    sources = read_sources(project_dir, out_dir, report)
    editions = [find_edition(sources.config, name) for name in (edition_names or [None])]
    report.raise_if_strict()
    remove_stale_temporaries(sources.project.out_dir)
    written = []
    for edition in editions:
        for target in targets:
            if target == "pdf":
                book = render(sources, edition, PRINT, report)
                html = print_document(book, sources.project)
                report.raise_if_strict()
                written.append(write_pdf(html, book, sources.project, output_path(sources, edition, "pdf")))
            elif target == "epub":
                book = render(sources, edition, EPUB, report)
                documents = epub_documents(book, sources.project)
                report.raise_if_strict()
                written.append(write_epub(documents, book, sources.project, output_path(sources, edition, "epub")))
            else:
                raise ValueError(f"unknown target {target!r}")
    return written


def check(project_dir: Path | str, report: Report) -> Sources:
    """Read, check and render every edition to HTML, without laying out or writing anything."""
    sources = read_sources(project_dir, None, report)
    for edition in (find_edition(sources.config, None),):
        for target in (PRINT, EPUB):
            book = render(sources, edition, target, report)
            if target == PRINT:
                print_document(book, sources.project)
            else:
                epub_documents(book, sources.project)
    report.raise_if_strict()
    return sources
