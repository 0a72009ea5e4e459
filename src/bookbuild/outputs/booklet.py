"""The copier booklet: build/<slug>{-edition}-booklet.pdf, the PDF's pages imposed two-up for duplex printing.

Under --edition all only the editions whose page size a copier can impose
two-up (A5 on A4, half-letter on letter) get one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import Output

if TYPE_CHECKING:
    from ..errors import Diagnostics, Report
    from .context import OutputContext, Sources


def build(context: OutputContext) -> list[Path]:
    from ..writers.booklet import booklet_settings, impose_booklet, reading_order

    printed = context.printed()
    path = context.path("pdf", "booklet")
    context.settings.progress.stage(f"imposing {path.name}")
    settings = booklet_settings(printed.book.config)
    order = reading_order(printed.laid_out.page_count, printed.laid_out.last_page_alone)
    context.report.raise_if_strict()
    assert printed.laid_out.pdf is not None, "a booklet asks for the PDF (needs_pdf)"
    data = impose_booklet(printed.laid_out.pdf, order, settings)
    return [context.write(path, data, "pdf")]


def check(sources: Sources, report: Report, problems: Diagnostics, building: bool) -> None:
    from ..writers.booklet import booklet_settings
    from .context import collect

    if building:
        collect(problems, booklet_settings, sources.config)


def applies(context: OutputContext) -> bool:
    from ..writers.booklet import BOOKLET_PAPER

    return not context.every_edition or context.config.paper_size in BOOKLET_PAPER


OUTPUT = Output("booklet", "the PDF's pages imposed for printing on a school copier (build/<slug>-booklet.pdf)",
                build, noun="copier booklet", needs_layout=True, needs_pdf=True, render="print", check=check,
                applies=applies, order=30)
