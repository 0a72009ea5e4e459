"""Turn the handouts' HTML documents into PDFs in ``build/handouts/``, several at once.

WeasyPrint lays out one document on one core, so when there are several
handouts they are laid out in worker processes, as many as the machine has
cores.  The workers are started fresh ("spawn"), never forked from a process
that may already hold WeasyPrint's fonts and Pango's threads.  A worker only
lays out and returns the PDF's bytes (or the problem it met); the main process
writes every file, atomically, once all of them have been made.  Handouts in
the folder that the manuscript no longer makes are removed.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from ..config import BookConfig
from ..errors import BookbuildError, Problem
from ..layout.pool import Limits, allow_seconds, apply_limits, limits_from_environment
from ..project import Project
from ..remote import remote_folder
from ..stylesheets import THEME_DIR, stylesheet_paths
from . import remove_owned_file, write_output
from .pdf import PDF_VARIANT, TIGHTER_WORD_SPACING, early_breaks

HANDOUTS_DIR = "handouts"
HANDOUT_STYLESHEETS = ("common.css", "handout.css")
HANDOUT_SUFFIXES = ("-student.pdf", "-teacher.pdf")
FONT_SIZE_RANGE = (8.0, 24.0)  # points


@dataclass(frozen=True)
class HandoutSettings:
    paper_size: str  # "A4" or "letter", a CSS page size
    font_size: float  # points


@dataclass(frozen=True)
class HandoutJob:
    """Everything a worker process needs to lay out one handout: plain, picklable values."""

    name: str
    html: str
    stylesheets: tuple[str, ...]  # file paths, in order
    css: str  # the page size and text size, after the stylesheets
    base_url: str
    roots: tuple[str, ...]  # the folders resources may be read from
    identifier: str  # the PDF's /ID, stable from build to build


def handout_settings(config: BookConfig) -> HandoutSettings:
    """The ``[handouts]`` table of book.toml, checked."""
    size = config.handouts.font_size
    if not FONT_SIZE_RANGE[0] <= size <= FONT_SIZE_RANGE[1]:
        raise BookbuildError.at(config.location_of("handouts.font-size"),
                                f"handouts font-size {size:g} is not between {FONT_SIZE_RANGE[0]:g} and "
                                f"{FONT_SIZE_RANGE[1]:g} points")
    return HandoutSettings(config.handouts.paper_size, size)


def handout_job(name: str, html: str, config: BookConfig, project: Project, settings: HandoutSettings) -> HandoutJob:
    identifier = hashlib.sha256(f"{config.identifier}:handout:{name}".encode()).hexdigest()[:32]
    return HandoutJob(
        name=name, html=html,
        stylesheets=tuple(str(path) for path in stylesheet_paths(project, HANDOUT_STYLESHEETS)),
        css=f"@page {{ size: {settings.paper_size}; }}\nhtml {{ font-size: {settings.font_size:g}pt; }}\n",
        base_url=project.manuscript_dir.as_uri() + "/",
        roots=(str(project.root), str(THEME_DIR), str(remote_folder(project.cache_dir))),
        identifier=identifier,
    )


def lay_out_handout(job: HandoutJob) -> tuple[bytes | None, Problem | None]:
    """The handout's PDF, or the problem that stopped it (problems travel back from workers as values)."""
    import logging

    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from .fetch import ProjectFetcher, ResourceRefused

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = ProjectFetcher([Path(root) for root in job.roots])
    fonts = FontConfiguration()
    stylesheets = [CSS(filename=path, font_config=fonts, url_fetcher=fetcher) for path in job.stylesheets]
    source = HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher)

    def render(css: str):
        return source.render(stylesheets=stylesheets + [CSS(string=css, font_config=fonts)], font_config=fonts,
                             pdf_variant=PDF_VARIANT)

    try:
        document = render(job.css)
        if early_breaks(document):
            # A word left alone on a line: try the words a hair closer (see writers/pdf.py).
            tighter = render(job.css + f"body {{ word-spacing: {TIGHTER_WORD_SPACING}; }}\n")
            if len(early_breaks(tighter)) < len(early_breaks(document)):
                document = tighter
    except ResourceRefused as refused:
        return None, Problem(None, f"handout {job.name}: resource refused: {refused.reason}: {refused.url[:200]}")
    return document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=job.identifier.encode()), None


def _start_worker(limits: Limits) -> None:
    """A handout worker: the layout workers' limits, then WeasyPrint (a limit too small for it stops the pool)."""
    apply_limits(limits)
    try:
        import weasyprint  # noqa: F401
    except (ImportError, MemoryError, OSError):
        os._exit(70)  # the main process reports the stopped pool, naming the limits


def _lay_out_within(limits: Limits, job: HandoutJob) -> tuple[bytes | None, Problem | None]:
    allow_seconds(limits.seconds)
    try:
        return lay_out_handout(job)
    except MemoryError:
        return None, Problem(None, f"handout {job.name}: laying out needed more than {limits.memory_mb} MB of memory",
                             hint="set BOOKBUILD_WORKER_MEMORY_MB to allow more")


def worker_count(jobs: int) -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, jobs))


def lay_out_handouts(jobs: Sequence[HandoutJob], done: Callable[[int], None] = lambda count: None) -> list[bytes]:
    """Every handout's PDF, in the order of *jobs*, in worker processes (in parallel when there are several
    and several cores), each under the limits the book's layout workers have, however many there are.

    *done* is told how many are laid out, as they finish.
    """
    if not jobs:
        return []
    limits = limits_from_environment()
    results = []
    done(0)
    try:
        with ProcessPoolExecutor(max_workers=worker_count(len(jobs)), mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_start_worker, initargs=(limits,)) as pool:
            for result in pool.map(functools.partial(_lay_out_within, limits), jobs):
                results.append(result)
                done(len(results))
    except BrokenProcessPool:
        raise BookbuildError.at(None, f"handouts: laying out was stopped: it took more than {limits.seconds} seconds "
                                f"of processor time or {limits.memory_mb} MB of memory",
                                hint="set BOOKBUILD_WORKER_SECONDS or BOOKBUILD_WORKER_MEMORY_MB to allow more") \
            from None
    problems = [problem for _, problem in results if problem is not None]
    if problems:
        raise BookbuildError(problems)
    return [data for data, _ in results if data is not None]  # without problems, every handout has its bytes


def handouts_folder(project: Project) -> Path:
    return project.out_dir / HANDOUTS_DIR


def write_handouts(jobs: Sequence[HandoutJob], project: Project,
                   check: Callable[[str, Path, bytes], None] | None = None,
                   done: Callable[[int], None] = lambda count: None) -> list[Path]:
    """Lay out and write every handout to build/handouts/NAME.pdf; remove handouts no longer made.

    *check* (name, path, bytes) sees every handout before any is written, and may stop the build;
    *done* is told how many are laid out, as they finish.
    """
    folder = handouts_folder(project)
    laid_out = list(zip(jobs, lay_out_handouts(jobs, done), strict=True))
    if check is not None:
        for job, data in laid_out:
            check(job.name, folder / f"{job.name}.pdf", data)
    written = [write_output(project, folder / f"{job.name}.pdf", data) for job, data in laid_out]
    for stale in sorted(folder.glob("*.pdf")):  # a real folder: write_output made sure of it
        if stale not in written and stale.name.endswith(HANDOUT_SUFFIXES):
            remove_owned_file(stale)
    return written
