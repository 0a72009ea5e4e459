"""Turn one edition's rendered print HTML into its laid-out book: the one entry to the layout stage.

``lay_out`` is what every output that needs the printed pages calls (the PDF,
the copier booklet, the print-shop copy, the EPUB for its page numbers),
with a ``LayoutRequest`` made by ``print_request``.  Whatever the number of
processes (``LayoutSettings.jobs``, 1 included), the book is laid out in
worker processes, in chunks, through the layout cache, and gives the same
bytes (``book.py``).  The result, a ``BookLayout``, holds the PDF, the page
map, the preflight findings and whether the last page stands alone.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..cache import LayoutCache, files_fingerprint
from ..errors import BookbuildError, SourceLocation
from ..pagemap import PageMap, join_page_map, print_edition_name
from ..progress import QUIET, Progress
from ..project import Project
from ..remote import remote_folder
from ..render.book import RenderedBook
from ..stylesheets import THEME_DIR, stylesheet_paths
from . import PDF_VARIANT
from .book import BookLayout, LayoutRequest, lay_out_book
from .pool import shared_pool
from .sizing import free_cores, workers_for, workers_to_start
from .worker import Styles


@dataclass(frozen=True)
class LayoutSettings:
    """How the printed book is laid out: in how many processes, and what the terminal shows meanwhile."""

    jobs: int = 0  # worker processes (each under the same limits); 0: as many as free cores and the book allow
    progress: Progress = QUIET

    @property
    def workers(self) -> int:
        """The workers to start before the book's size is known: the jobs asked for, else one per free core
        (layout/sizing.py)."""
        return workers_to_start(self.jobs)

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
class PrintSetup:
    """What makes one printed copy of an edition differ from its PDF (the print-shop copy: bleed, PDF/A)."""

    kind: str = ""  # "" for the PDF; names the copy otherwise ("print": build/<slug>-print.pdf)
    extra_css: str = ""  # after every other stylesheet
    variant: str = PDF_VARIANT
    write_options: tuple = ()  # more options of WeasyPrint's write_pdf
    tagged: bool = True


@dataclass(frozen=True)
class PrintedBook:
    """One edition laid out for print: the source of its PDF, booklet, print-shop copy and EPUB page numbers."""

    book: RenderedBook
    html: str
    laid_out: BookLayout

    def page_map(self, edition_label: str) -> PageMap:
        """Where each page of the printed booklet begins, and its number, named after the printed edition
        (as book.toml labels it)."""
        config = self.book.config  # the edition's own settings: its paper size
        source = print_edition_name(config.title, edition_label, config.paper_size, self.laid_out.page_count)
        return join_page_map(self.laid_out.page_map, source)


def page_size_css(book: RenderedBook) -> str:
    width, height = book.config.paper_mm
    return f"@page {{ size: {width}mm {height}mm; }}\n"


def print_sheets(book: RenderedBook, project: Project, extra_css: str = "") -> tuple[tuple[str, str], ...]:
    """The printed book's stylesheets in cascade order: ("file", path) or ("css", text).

    The page size first; the edition's own stylesheets (large print) follow
    the theme's; its text size follows them all, then *extra_css*.
    """
    sheets = [("css", page_size_css(book))]
    sheets += [("file", str(path))
               for path in stylesheet_paths(project, book.target.stylesheets + book.edition.stylesheets)]
    if book.edition.print_css:
        sheets.append(("css", book.edition.print_css))
    if extra_css:
        sheets.append(("css", extra_css))
    return tuple(sheets)


def resource_roots(project: Project) -> tuple[Path, ...]:
    """The folders the printed book may read files from."""
    return (project.root, THEME_DIR, remote_folder(project.cache_dir))


def pdf_identifier(book: RenderedBook, kind: str = "") -> bytes:
    """The PDF's file identifier: the same for every build of one edition."""
    suffix = f":{kind}" if kind else ""
    return hashlib.sha256(f"{book.config.identifier}:{book.edition.name}{suffix}".encode()).hexdigest()[:32].encode()


def print_request(book: RenderedBook, html: str, project: Project, label: str, *, want_pdf: bool, check: bool,
                  setup: PrintSetup = PrintSetup()) -> LayoutRequest:
    """What to lay out for one printed copy of *book* (written as *label*), and what to make of it."""
    styles = Styles(sheets=print_sheets(book, project, setup.extra_css),
                    base_url=project.manuscript_dir.as_uri() + "/",
                    roots=tuple(str(root) for root in resource_roots(project)), variant=setup.variant,
                    write_options=tuple(setup.write_options))
    styles_folder = project.styles_dir
    own_files = sorted(path for path in styles_folder.rglob("*") if path.is_file()) if styles_folder.is_dir() else []
    return LayoutRequest(
        html=html, styles=styles, identifier=pdf_identifier(book, setup.kind),
        plan=f"{book.edition.name}-{setup.kind or 'pdf'}", want_pdf=want_pdf, check=check, root=str(project.root),
        tagged=setup.tagged, fingerprint=files_fingerprint(own_files),
        resources=tuple(sorted(book.resources.values())), label=label,
        created=book.build.date.strftime("%Y-%m-%dT%H:%M:%SZ"), cache_dir=str(project.cache_dir))


def book_chunks(book: RenderedBook) -> int:
    """About how many chunks *book* is laid out in: its chapters, the title pages and the contents."""
    return len(book.chapters) + 2


def lay_out(request: LayoutRequest, settings: LayoutSettings = LayoutSettings(), chunks: int = 0) -> BookLayout:
    """Lay out one printed book: in chunks, in worker processes (one or more), through the cache.

    Even with ``--jobs 1`` the layout runs in a worker, under the same memory
    and time limits, and gives the same bytes as any other number of workers.
    """
    # As many workers as the free cores and the book's *chunks* (about its chapters: see book_chunks) allow;
    # the free cores when its size is not given (layout/sizing.py).
    workers = workers_for(settings.jobs, chunks) if chunks else (settings.jobs or free_cores())
    pool = shared_pool(workers)
    return lay_out_book(request, LayoutCache(Path(request.cache_dir)), pool, settings.progress,
                        grow=settings.jobs == 0 and pool.grows)
