"""The print-shop copy: build/<slug>{-edition}-print.pdf, with bleed, crop marks and PDF/A-2b.

Made with the PDF when ``--print-shop`` or ``[print] print-shop = true``
asks for it, or alone with ``bookbuild build print-shop``.  It is laid out
again (its backgrounds run into the bleed) and always preflighted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import Output

if TYPE_CHECKING:
    from ..errors import Diagnostics, Report
    from .context import OutputContext, Sources

KIND = "print"


def prepare(context: OutputContext) -> Callable[[], list[Path]]:
    """Lay out and preflight the copy; return what writes it."""
    from ..layout.preflight import report_findings
    from ..layout.printed import PrintSetup, print_request
    from ..writers.printshop import (
        PRINT_SHOP_VARIANT,
        PRINT_SHOP_WRITE_OPTIONS,
        add_crop_marks,
        print_shop_css,
        print_shop_settings,
    )

    book, html = context.print_html()
    project = context.sources.project
    settings = print_shop_settings(book.config)
    path = context.path("pdf", KIND)
    setup = PrintSetup(kind=KIND, extra_css=print_shop_css(project, settings), variant=PRINT_SHOP_VARIANT,
                       write_options=PRINT_SHOP_WRITE_OPTIONS, tagged=False)
    laid_out = context.lay_out(print_request(book, html, project, path.name, want_pdf=True, check=True,
                                             setup=setup), book)
    context.settings.progress.clear()
    report_findings(laid_out.findings, project.location(path), context.report)
    assert laid_out.pdf is not None, "laid out with want_pdf"
    data = add_crop_marks(laid_out.pdf, settings)
    return lambda: [context.write(path, data, "pdf")]


def build(context: OutputContext) -> list[Path]:
    write = prepare(context)
    context.report.raise_if_strict()
    return write()


def check(sources: Sources, report: Report, problems: Diagnostics, building: bool) -> None:
    from ..writers.printshop import print_shop_settings
    from .context import collect

    if building:
        collect(problems, print_shop_settings, sources.config)


def enabled(context: OutputContext) -> bool:
    return context.options.print_shop or bool(context.sources.config.print.print_shop)


OUTPUT = Output("print-shop", "the PDF for a print shop: bleed, crop marks, PDF/A-2b (build/<slug>-print.pdf)",
                build, noun="print-shop copy", render="print", check=check, companion_of="pdf", enabled=enabled,
                prepare=prepare, lays_out=True, order=20)
