"""Run the stages in order: config, manuscript, bibliography, editions, citations, render, write.

This is the only module that knows the order of the stages.  Each stage
takes values and returns a new one; user mistakes stop the pipeline with a
BookbuildError before anything is written.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .accessibility import report_skipped_heading_levels, report_unbacked_claim
from .bibliography import load_bibliography
from .citations import load_style, resolve_citations
from .citations.model import CitationResult
from .config import BookConfig, load_config
from .answer_key import add_answer_key
from .editions import (Edition, check_audiences, check_outputs, edition_config, editions_named, find_edition,
                       load_editions, select_edition)
from .handouts import HANDOUT_AUDIENCES, extract_handouts
from .errors import BookbuildError, Report, SourceLocation
from .manuscript import Manuscript, parse_manuscript
from .cache import LayoutCache, files_fingerprint
from .layout.book import BookLayout, LayoutRequest, lay_out_book
from .layout.pool import core_count, shared_pool
from .layout.worker import Styles
from .pagemap import PageMap, join_page_map, print_edition_name
from .progress import QUIET, Progress
from .project import Project, locate_project
from .render.book import BuildInfo, RenderedBook, epub_documents, print_document, render_book
from .render.handout import handout_document, render_handout
from .render.html import EPUB, PRINT
from .render.templates import load_labels
from .preflight import report_findings
from .writers import check_output_folder, remove_stale_temporaries, write_output
from .writers.booklet import BOOKLET_PAPER, booklet_settings, impose_booklet, reading_order
from .writers.epub import write_epub
from .writers.handouts import handout_job, handout_settings, write_handouts
from .writers.pdf import PDF_VARIANT, pdf_identifier, print_sheets, resource_roots
from .writers.printshop import (PRINT_SHOP_VARIANT, PRINT_SHOP_WRITE_OPTIONS, add_crop_marks, print_shop_css,
                                print_shop_settings)

TARGETS = ("pdf", "epub", "handouts")
PRINT_TARGETS = ("pdf", "booklet")  # built from the same laid-out pages


@dataclass(frozen=True)
class Sources:
    """Everything read from the project, checked, before any edition is chosen."""

    project: Project
    config: BookConfig
    manuscript: Manuscript
    bibliography: object  # bookbuild.bibliography.Bibliography
    style: object  # bookbuild.citations.CitationStyle
    build: BuildInfo
    # Each edition's manuscript and citations, worked out once per run and shared by its outputs.
    editions_done: dict[str, tuple[Manuscript, CitationResult]] = field(default_factory=dict, compare=False,
                                                                         repr=False)


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
    load_editions(config, project)
    manuscript = parse_manuscript(project, config, report)
    check_audiences(manuscript, config)
    bibliography = (load_bibliography(project.manuscript_dir / config.bibliography, project)
                    if config.bibliography else {})
    style = load_style(config.citation_style, project, config.language, config.location_of("citation-style"))
    return Sources(project, config, manuscript, bibliography, style, build_info())


def edition_manuscript(sources: Sources, edition: Edition, report: Report) -> tuple[Manuscript, CitationResult]:
    """The manuscript of one edition and its resolved citations (worked out once per run)."""
    if edition.name in sources.editions_done:
        return sources.editions_done[edition.name]
    manuscript = select_edition(sources.manuscript, edition, report)
    report_skipped_heading_levels(manuscript, report)
    if edition.answer_key:
        manuscript = add_answer_key(manuscript, load_labels(sources.config.language))
    citations = resolve_citations(manuscript.citations, sources.bibliography, sources.style,
                                  sources.config.nocite, sources.config.location_of("nocite"))
    sources.editions_done[edition.name] = (manuscript, citations)
    return manuscript, citations


def render(sources: Sources, edition: Edition, target: str, report: Report) -> RenderedBook:
    manuscript, citations = edition_manuscript(sources, edition, report)
    return render_book(manuscript, citations, edition_config(sources.config, edition), edition, target,
                       sources.build)


def output_path(sources: Sources, edition: Edition, extension: str, kind: str = "") -> Path:
    """build/<slug>{-edition}{-kind}.<extension>, such as build/hungary-1956-teacher-booklet.pdf"""
    suffix = "" if edition.is_default else f"-{edition.name}"
    if kind:
        suffix += f"-{kind}"
    return sources.project.out_dir / f"{sources.config.slug}{suffix}.{extension}"


@dataclass(frozen=True)
class LayoutSettings:
    """How the printed book is laid out: in how many processes, and what the terminal shows meanwhile."""

    jobs: int = 0  # worker processes (each under the same limits); 0: one per core
    progress: Progress = QUIET

    @property
    def workers(self) -> int:
        return self.jobs if self.jobs > 0 else core_count()

    def start_workers(self) -> None:
        """Start the layout workers now, so that they import WeasyPrint while this process reads and renders."""
        shared_pool(self.workers).start()


def jobs_from_environment() -> int:
    """BOOKBUILD_JOBS, when set to a whole number (0: one worker per core)."""
    value = os.environ.get("BOOKBUILD_JOBS", "").strip()
    if not value:
        return 0
    if not value.isdigit():
        raise BookbuildError.at(SourceLocation("BOOKBUILD_JOBS"), f"'{value}' is not a whole number of processes")
    return int(value)


@dataclass(frozen=True)
class PrintedBook:
    """One edition laid out for print: the source of its PDF, booklet, print-shop copy and EPUB page numbers."""

    book: RenderedBook
    html: str
    laid_out: BookLayout


def lay_out_print(sources: Sources, book: RenderedBook, html: str, settings: LayoutSettings, *, want_pdf: bool,
                  check: bool, kind: str = "", extra_css: str = "", variant: str = PDF_VARIANT,
                  write_options: tuple = (), tagged: bool = True) -> BookLayout:
    """Lay out one printed book: in chunks, in worker processes (one or more), through the cache.

    Even with ``--jobs 1`` the layout runs in a worker, under the same memory
    and time limits, and gives the same bytes as any other number of workers.
    """
    project = sources.project
    name = output_path(sources, book.edition, "pdf", kind).name
    styles = Styles(sheets=print_sheets(book, project, extra_css), base_url=project.manuscript_dir.as_uri() + "/",
                    roots=tuple(str(root) for root in resource_roots(project)), variant=variant,
                    write_options=tuple(write_options))
    styles_folder = project.styles_dir
    own_files = sorted(path for path in styles_folder.rglob("*") if path.is_file()) if styles_folder.is_dir() else []
    request = LayoutRequest(
        html=html, styles=styles, identifier=pdf_identifier(book, kind),
        plan=f"{book.edition.name}-{kind or 'pdf'}", want_pdf=want_pdf, check=check, root=str(project.root),
        tagged=tagged, fingerprint=files_fingerprint(own_files),
        resources=tuple(sorted(book.resources.values())), label=name,
        created=book.build.date.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return lay_out_book(request, LayoutCache(project.cache_dir), shared_pool(settings.workers), settings.progress)


def print_book(sources: Sources, edition: Edition, report: Report, check_print: bool, want_pdf: bool = True,
               settings: LayoutSettings = LayoutSettings()) -> PrintedBook:
    """Render and lay out one edition's printed book; with *check_print*, preflight it (warnings)."""
    if want_pdf:
        settings.start_workers()  # a cached layout needs none: an EPUB build starts them only when it must
    book = render(sources, edition, PRINT, report)
    html = print_document(book, sources.project)
    report.raise_if_strict()
    laid_out = lay_out_print(sources, book, html, settings, want_pdf=want_pdf, check=check_print)
    settings.progress.clear()
    if check_print:
        location = sources.project.location(output_path(sources, edition, "pdf"))
        report_findings(laid_out.findings, location, report)
    return PrintedBook(book, html, laid_out)


def build_pdfs(sources: Sources, edition: Edition, printed: PrintedBook, print_shop: bool,
               report: Report, settings: LayoutSettings = LayoutSettings()) -> list[Path]:
    """Write one edition's PDF and, with *print_shop*, its print-shop copy (laid out again, with bleed)."""
    project = sources.project
    shop = None
    shop_path = output_path(sources, edition, "pdf", "print")
    if print_shop:
        shop_settings = print_shop_settings(printed.book.config)
        laid_out = lay_out_print(sources, printed.book, printed.html, settings, want_pdf=True, check=True,
                                 kind="print", extra_css=print_shop_css(project, shop_settings),
                                 variant=PRINT_SHOP_VARIANT, write_options=PRINT_SHOP_WRITE_OPTIONS, tagged=False)
        settings.progress.clear()
        report_findings(laid_out.findings, project.location(shop_path), report)
        shop = add_crop_marks(laid_out.pdf, shop_settings)
    report.raise_if_strict()
    written = [write_output(project, output_path(sources, edition, "pdf"), printed.laid_out.pdf)]
    if shop is not None:
        written.append(write_output(project, shop_path, shop))
    return written


def build_booklet(sources: Sources, edition: Edition, printed: PrintedBook, report: Report) -> Path:
    """Write one edition's copier booklet, imposed from the pages of its PDF."""
    settings = booklet_settings(printed.book.config)
    order = reading_order(printed.laid_out.page_count, printed.laid_out.last_page_alone)
    report.raise_if_strict()
    data = impose_booklet(printed.laid_out.pdf, order, settings)
    return write_output(sources.project, output_path(sources, edition, "pdf", "booklet"), data)


def page_map_of(printed: PrintedBook, edition: Edition) -> PageMap:
    """Where each page of one edition's printed booklet begins, and its number."""
    config = printed.book.config
    source = print_edition_name(config.title, edition.label, edition.paper_size or config.paper_size,
                                printed.laid_out.page_count)
    return join_page_map(printed.laid_out.page_map, source)


def build_epub(sources: Sources, edition: Edition, page_map: PageMap, report: Report) -> Path:
    """Write one edition's EPUB, with the page numbers of its printed booklet."""
    book = render(sources, edition, EPUB, report)
    report_unbacked_claim(book.config, report)
    documents = epub_documents(book, sources.project, page_map)
    report.raise_if_strict()
    return write_epub(documents, book, sources.project, output_path(sources, edition, "epub"), page_map)


def build(project_dir: Path | str, targets: Sequence[str], edition_names: Sequence[str] | None,
          out_dir: Path | str | None, report: Report, *, print_shop: bool = False,
          check_print: bool = False, settings: LayoutSettings | None = None) -> list[Path]:
    """Build *targets* for the named editions (default: the default edition); return the files written.

    *print_shop* (or ``[print] print-shop``) adds the print-shop copy to every
    PDF; *check_print* preflights the PDF and the booklet as well (the
    print-shop copy is always preflighted).  *settings* say how many processes lay
    out the printed book (default: ``BOOKBUILD_JOBS``, else one per core).
    """
    settings = settings or LayoutSettings(jobs=jobs_from_environment())
    if any(target in PRINT_TARGETS for target in targets):
        settings.start_workers()
    sources = read_sources(project_dir, out_dir, report)
    editions = editions_named(sources.config, edition_names)
    check_outputs(editions, targets, edition_names)
    print_shop = print_shop or sources.config.print["print-shop"]
    if "booklet" in targets:
        booklet_settings(sources.config)
    if print_shop and "pdf" in targets:
        print_shop_settings(sources.config)
    report.raise_if_strict()
    check_output_folder(sources.project)
    remove_stale_temporaries(sources.project.out_dir)
    written = []
    want_pdf = any(target in PRINT_TARGETS for target in targets)
    for edition in editions:
        printed = None
        for target in targets:
            if target == "handouts" or (target == "epub" and not edition.epub):
                continue  # handouts are made once, below; an edition without an EPUB is skipped
            if target == "booklet" and "all" in (edition_names or ()) and \
                    (edition.paper_size or sources.config.paper_size) not in BOOKLET_PAPER:
                continue  # --edition all: only editions whose pages can be imposed two-up get a booklet
            if target in PRINT_TARGETS:
                printed = printed or print_book(sources, edition, report, check_print, want_pdf, settings)
                if target == "pdf":
                    written.extend(build_pdfs(sources, edition, printed, print_shop, report, settings))
                else:
                    written.append(build_booklet(sources, edition, printed, report))
            elif target == "epub":
                # The EPUB carries the printed booklet's page numbers: lay it out, or reuse its layout.
                printed = printed or print_book(sources, edition, report,
                                                check_print and any(t in PRINT_TARGETS for t in targets),
                                                want_pdf, settings)
                written.append(build_epub(sources, edition, page_map_of(printed, edition), report))
            else:
                raise ValueError(f"unknown target {target!r}")
    if "handouts" in targets:
        written.extend(build_handouts(sources, report))
    return written


def handout_documents(sources: Sources, report: Report) -> list[tuple[str, str]]:
    """(name, HTML) of every handout: each chapter's worksheets and the files declared as handouts."""
    editions = []
    for name in HANDOUT_AUDIENCES:
        edition = find_edition(sources.config, name)
        editions.append((edition, select_edition(sources.manuscript, edition, report)))
    documents = []
    for handout in extract_handouts(editions, sources.manuscript.files):
        citations = resolve_citations(handout.citations, sources.bibliography, sources.style)
        rendered = render_handout(handout, citations, sources.config, sources.build)
        documents.append((handout.name, handout_document(rendered, sources.project)))
    return documents


def build_handouts(sources: Sources, report: Report) -> list[Path]:
    """Write the handouts to build/handouts/, laid out in parallel."""
    settings = handout_settings(sources.config)
    documents = handout_documents(sources, report)
    report.raise_if_strict()
    jobs = [handout_job(name, html, sources.config, sources.project, settings) for name, html in documents]
    return write_handouts(jobs, sources.project)


def check(project_dir: Path | str, report: Report) -> Sources:
    """Read, check and render every edition to HTML, without laying out or writing anything."""
    sources = read_sources(project_dir, None, report)
    for edition in editions_named(sources.config, ["all"]):
        for target in (PRINT, EPUB) if edition.epub else (PRINT,):
            book = render(sources, edition, target, report)
            if target == PRINT:
                print_document(book, sources.project)
            else:
                epub_documents(book, sources.project)
    handout_settings(sources.config)
    handout_documents(sources, report)
    report.raise_if_strict()
    return sources
