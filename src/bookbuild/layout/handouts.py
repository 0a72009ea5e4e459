"""Turn the handouts' HTML documents into PDF bytes, several at once.

WeasyPrint lays out one document on one core, so when there are several
handouts they are laid out in worker processes, as many as the machine has
cores.  The workers are started fresh ("spawn"), never forked from a process
that may already hold WeasyPrint's fonts and Pango's threads.  A worker only
lays out and returns the PDF's bytes (or the problem it met); the writer
(``writers/handouts.py``) writes them.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from ..errors import BookbuildError, Problem
from . import PDF_VARIANT, weasy
from .corrections import TIGHTER_WORD_SPACING, early_breaks
from .pool import Limits, allow_seconds, apply_limits, limits_from_environment


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


def lay_out_handout(job: HandoutJob) -> tuple[bytes | None, Problem | None]:
    """The handout's PDF, or the problem that stopped it (problems travel back from workers as values)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from .fetch import ProjectFetcher, ResourceRefused

    weasy.quiet()
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
            # A word left alone on a line: try the words a hair closer (see corrections.py).
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
    pdfs = [data for data, _ in results if data is not None]
    assert len(pdfs) == len(results), "a handout without its PDF comes with a problem"
    return pdfs
