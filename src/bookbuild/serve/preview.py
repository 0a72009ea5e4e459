"""Turn the saved files of a project into the preview of one edition: its print HTML at once, its PDF after.

:meth:`Preview.refresh_html` reads and checks the project as a build does and
renders the edition's printed book to HTML, with the theme's print
stylesheets and a screen sheet that sets it as a column of the page's width;
it takes a few tenths of a second.  :meth:`Preview.refresh_pdf` lays the same
book out again (the layout cache lays out only the chunks that changed) and
keeps the PDF in memory, with the page the edited chapter begins on.

A refresh that finds problems keeps the last good HTML and PDF: the
problems, each with its file and line, are shown above them until a save
fixes them.  Nothing here writes a file: the PDF is served from memory, and the
layout cache is the build's own (``build/.cache``).
"""

from __future__ import annotations

import html as html_escaping
import sys
import threading
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ..editions import Edition, editions_named
from ..errors import BookbuildError, Diagnostics, Problem, Report
from ..layout.printed import (
    LayoutSettings,
    PrintedBook,
    book_chunks,
    jobs_from_environment,
    lay_out,
    print_request,
    print_sheets,
)
from ..manuscript import Chapter
from ..outputs.context import BuildOptions, OutputContext, Sources, check_editions, output_path, render
from ..pipeline import gather_sources, raise_problems
from ..project import Project
from ..render.book import RenderedBook, print_document
from ..render.html import PRINT
from ..stylesheets import THEME_DIR
from ..writers import check_output_folder
from .workers import WarmPool, release_pool, warm_pool

STATIC_DIR = Path(__file__).resolve().parent / "static"
VIEW_PREFIX = "/view/"  # every file the HTML view loads is served under it


@dataclass(frozen=True)
class HtmlView:
    """One good rendering of the edition's printed book as a web page."""

    version: int
    document: str  # the HTML served at /view
    chapter: str | None  # the chapter file edited last, relative to the project
    target: str | None  # the id of the heading nearest the edit: the view scrolls there
    files: dict[str, Path] = field(default_factory=dict, repr=False)  # URL path -> the image it names
    seconds: float = 0.0


@dataclass(frozen=True)
class PdfView:
    """One good layout of the edition's PDF."""

    version: int
    data: bytes = field(repr=False)
    page: int  # the page (from 1) the edited chapter begins on
    page_count: int
    seconds: float = 0.0


@dataclass(frozen=True)
class _PdfJob:
    sources: Sources
    edition: Edition
    book: RenderedBook
    html: str  # the printed book's HTML, as the HTML view was made from it
    chapter_id: str | None
    restyled: bool = False  # a file of the project's styles changed since the last layout


class Preview:
    """The latest good preview of one edition of a project, and the problems of its latest refresh."""

    def __init__(self, project_dir: Path | str, edition_name: str | None = None,
                 settings: LayoutSettings | None = None):
        self.project_dir = Path(project_dir)
        self.edition_name = edition_name
        self.settings = settings or LayoutSettings(jobs=jobs_from_environment())
        self.html: HtmlView | None = None
        self.pdf: PdfView | None = None
        self.problems: tuple[Problem, ...] = ()  # of the latest HTML refresh: none when it succeeded
        self.pdf_problems: tuple[Problem, ...] = ()
        self.warnings: tuple[Problem, ...] = ()
        self.project: Project | None = None
        self.keep_warm = True  # keep the layout workers started between layouts (False: the preview is closing)
        self._pool: WarmPool | None = None
        self._restyled = False
        self._version = 0
        self._texts: dict[Path, str] = {}  # each chapter file's text at the latest good refresh
        self._edited: Path | None = None
        self._target: str | None = None
        self._pending: _PdfJob | None = None
        self._lock = threading.Lock()

    # -- the HTML view ---------------------------------------------------------------------------------

    def refresh_html(self, changed: Iterable[Path] = ()) -> bool:
        """Read, check and render the book again after *changed* files were saved; True when the view changed.

        With problems, the view stays as it was and :attr:`problems` lists them.
        """
        started = time.perf_counter()
        changed = list(changed)
        if self.project is not None:
            styles = self.project.styles_dir.resolve()
            self._restyled = self._restyled or any(path.resolve().is_relative_to(styles) for path in changed)
        report = Report(None)
        try:
            sources, edition, book, document = self._render_view(report)
        except BookbuildError as error:
            self.problems = tuple(error.problems)
            self.warnings = tuple(report.warnings)
            return False
        except Exception:  # noqa: BLE001 - a bug in bookbuild: shown, and the server goes on
            traceback.print_exc()
            self.problems = (Problem(None, "internal error while rendering the preview (a bug in bookbuild, not in "
                                     "your manuscript; the traceback is in the terminal)"),)
            return False
        chapters = sources.manuscript.chapters
        self._edited = _edited_file(changed, chapters, self._edited)
        chapter = next((item for item in chapters if item.path == self._edited), None)
        target = _edited_heading(chapter, self._texts.get(chapter.path) if chapter else None, self._target)
        if target is None or f'id="{target}"' not in document:
            target = chapter.id if chapter is not None else None
        self._target = target
        self._texts = {item.path: item.source for item in chapters}
        page, files = view_document(book, document, sources.project)
        with self._lock:
            self._version += 1
            self.project = sources.project
            self.html = HtmlView(self._version, page, sources.project.location(chapter.path).path if chapter else None,
                                 target, files, time.perf_counter() - started)
            self.problems = ()
            self.warnings = tuple(report.warnings)
            restyled = self._restyled or (self._pending is not None and self._pending.restyled)  # not laid out yet
            self._pending = _PdfJob(sources, edition, book, document, chapter.id if chapter else None, restyled)
            self._restyled = False
        return True

    def _render_view(self, report: Report) -> tuple[Sources, Edition, RenderedBook, str]:
        problems = Diagnostics()
        sources = gather_sources(self.project_dir, None, report, problems)
        if sources is None:
            raise_problems(problems)
        assert sources is not None
        edition = self._edition(sources, problems)
        if edition is not None:
            check_editions(sources, [edition], [PRINT], report, problems)
        raise_problems(problems)
        assert edition is not None
        book = render(sources, edition, PRINT, report)
        return sources, edition, book, print_document(book, sources.project)

    def _edition(self, sources: Sources, problems: Diagnostics) -> Edition | None:
        try:
            editions = editions_named(sources.config, [self.edition_name] if self.edition_name else None)
        except BookbuildError as error:
            problems.extend(error)
            return None
        if len(editions) != 1:
            problems.error(None, f"serve previews one edition, not '{self.edition_name}'",
                           hint="name one: --edition " + " | --edition ".join(edition.name for edition in editions))
            return None
        return editions[0]

    # -- the PDF -----------------------------------------------------------------------------------------

    @property
    def pdf_wanted(self) -> bool:
        """Whether a good HTML refresh has not been laid out yet."""
        return self._pending is not None

    def refresh_pdf(self) -> bool:
        """Lay out the book of the latest good HTML refresh; True when a new PDF is served.

        The very HTML of the view is laid out (it is not rendered again), and
        only its chunks that changed (the layout cache has the others), in
        layout workers kept started from one save to the next (``workers.py``).
        """
        with self._lock:
            job, self._pending = self._pending, None
        if job is None:
            return False
        started = time.perf_counter()
        self.warm_up()
        assert self._pool is not None
        if job.restyled:
            self._pool.restart()  # its workers hold the stylesheets as they were
        try:
            check_output_folder(job.sources.project)  # the layout cache goes into build/, as in a build
            label = output_path(job.sources, job.edition, "pdf").name
            printed = self._lay_out(job, label)
            page_map = printed.page_map(job.edition.label)
        except BookbuildError as error:
            self.pdf_problems = tuple(error.problems)
            return False
        except Exception:  # noqa: BLE001 - a bug in bookbuild: shown, and the server goes on
            if not self.keep_warm:
                return False  # the preview is closing: its workers were stopped under the layout
            traceback.print_exc(file=sys.stderr)
            self.pdf_problems = (Problem(None, "internal error while laying out the PDF (a bug in bookbuild, not in "
                                         "your manuscript; the traceback is in the terminal)"),)
            return False
        finally:
            if self.keep_warm:
                self._pool.start()  # a layout that failed stopped them
        page = 1
        if job.chapter_id is not None:
            page = next((number for number, start in enumerate(page_map.pages, 1)
                         if start.part == f"#{job.chapter_id}"), 1)
        with self._lock:
            self._version += 1
            self.pdf = PdfView(self._version, printed.laid_out.pdf or b"", page, printed.laid_out.page_count,
                               time.perf_counter() - started)
            self.pdf_problems = ()
        return True

    def _lay_out(self, job: _PdfJob, label: str) -> PrintedBook:
        """The edition's printed book as a build lays it out: the view's very HTML, or, for an edition with
        interleaved teacher pages, its student pages with the teacher pages inserted after them."""
        if not job.edition.interleaves_teacher_pages:
            laid_out = lay_out(print_request(job.book, job.html, job.sources.project, label, want_pdf=True,
                                             check=False), self.settings, book_chunks(job.book))
            return PrintedBook(job.book, job.html, laid_out)
        context = OutputContext(job.sources, job.edition, Report(), BuildOptions(settings=self.settings), ())
        book, html = context.print_html()
        request = print_request(book, html, job.sources.project, label, want_pdf=True, check=False)
        return PrintedBook(book, html, context.lay_out(request, book))

    def warm_up(self) -> None:
        """Start the layout workers (they import WeasyPrint while the book is read and rendered)."""
        if self._pool is None:
            self._pool = warm_pool(self.settings.workers)
        self._pool.start()

    def close(self) -> None:
        """Stop the layout workers kept started for the preview."""
        self.keep_warm = False
        if self._pool is not None:
            release_pool(self._pool)
            self._pool = None

    # -- what the page is told ---------------------------------------------------------------------------

    def state(self, pdf_busy: bool = False) -> dict:
        """The preview as the page shows it: versions, where the edit is, problems and warnings."""
        with self._lock:
            html, pdf = self.html, self.pdf
            problems = self.problems + self.pdf_problems
            warnings = self.warnings
        return {
            "html": None if html is None else {"version": html.version, "chapter": html.chapter,
                                               "target": html.target, "seconds": round(html.seconds, 3)},
            "pdf": None if pdf is None else {"version": pdf.version, "page": pdf.page, "pages": pdf.page_count,
                                             "seconds": round(pdf.seconds, 3)},
            "pdf_busy": pdf_busy or self.pdf_wanted,
            "problems": [_problem_json(problem) for problem in problems],
            "warnings": [_problem_json(problem) for problem in warnings],
        }


def _problem_json(problem: Problem) -> dict:
    return {"where": str(problem.location) if problem.location is not None else "", "severity": problem.severity,
            "message": problem.message, "hint": problem.hint or ""}


def _edited_file(changed: Iterable[Path], chapters: Iterable[Chapter], previous: Path | None) -> Path | None:
    """The chapter file saved last: among *changed*, else the one edited before, else the newest on disk."""
    files = {chapter.path.resolve(): chapter.path for chapter in chapters}

    def saved(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    touched = [files[path.resolve()] for path in changed if path.resolve() in files]
    if touched:
        return max(touched, key=saved)
    if previous is not None and previous in files.values():
        return previous
    return max(files.values(), key=saved, default=None)


def _edited_heading(chapter: Chapter | None, before: str | None, previous: str | None) -> str | None:
    """The id of the heading above the first line that changed in *chapter* (None: its title)."""
    if chapter is None:
        return None
    own = {chapter.id, *(heading.id for heading in chapter.headings)}
    if before is None or before == chapter.source:
        return previous if previous in own else None  # not edited (a style was, or another file): stay
    old, new = before.split("\n"), chapter.source.split("\n")
    line = next((number for number, (a, b) in enumerate(zip(old, new), 1) if a != b), min(len(old), len(new)) + 1)
    above = [heading for heading in chapter.headings
             if heading.location.line is not None and heading.location.line <= line]
    return above[-1].id if above else chapter.id


def view_document(book: RenderedBook, document: str, project: Project) -> tuple[str, dict[str, Path]]:
    """The printed book's HTML as a web page: the print stylesheets linked, a screen sheet, images served.

    Returns the page and the images it may load (URL path -> file); the
    stylesheets are served from the theme and the project's styles folder.
    """
    links = []
    for kind, value in print_sheets(book, project):
        if kind == "css":
            links.append(f"<style>{value}</style>")
            continue
        url = _sheet_url(Path(value), project)
        if url is not None:
            links.append(f'<link rel="stylesheet" href="{html_escaping.escape(url)}">')
    width = max(60.0, book.config.paper_mm[0] - 31)  # the trim width less the theme's inner and outer margins
    links.append(f'<link rel="stylesheet" href="/static/screen.css">\n<style>body {{ width: {width:.0f}mm; }}</style>')
    files = {}
    for number, (path, uri) in enumerate(sorted(book.resources.items())):
        url = f"{VIEW_PREFIX}file/{number}/{quote(path.name)}"
        files[f"{VIEW_PREFIX}file/{number}/{path.name}"] = path
        for written in {uri, html_escaping.escape(uri)}:
            document = document.replace(f'"{written}"', f'"{url}"')
    head = "\n".join(links) + "\n</head>"
    return document.replace("</head>", head, 1), files


def _sheet_url(path: Path, project: Project) -> str | None:
    resolved = path.resolve()
    for prefix, folder in (("theme", THEME_DIR), ("styles", project.styles_dir)):
        if resolved.is_relative_to(folder.resolve()):
            try:
                version = resolved.stat().st_mtime_ns  # a changed stylesheet gets a new URL: the page loads it again
            except OSError:
                version = 0
            return f"{VIEW_PREFIX}{prefix}/{quote(resolved.relative_to(folder.resolve()).as_posix())}?v={version}"
    return None


def served_file(view: HtmlView | None, project: Project | None, path: str) -> Path | None:
    """The file a URL path under /view/ (decoded) names, if the view may load it: an image of the book, or a file of the
    theme or of the project's styles folder (symlinks resolved; nothing outside them)."""
    if view is None or project is None:
        return None
    full = VIEW_PREFIX + path
    if full in view.files:
        candidate = view.files[full].resolve()
        return candidate if candidate.is_file() and candidate.is_relative_to(project.root) else None
    prefix, _, rest = path.partition("/")
    folder = {"theme": THEME_DIR, "styles": project.styles_dir}.get(prefix)
    if folder is None or not rest:
        return None
    base = folder.resolve()
    candidate = (base / rest).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate
