"""The printed book's PDF: build/<slug>{-edition}.pdf, tagged (PDF/UA-1), from the edition's print layout.

Its companions (the print-shop copy, with --print-shop) are laid out and
checked before the PDF is written, and written after it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import Output

if TYPE_CHECKING:
    from .context import OutputContext


def build(context: OutputContext) -> list[Path]:
    printed = context.printed()
    pending = []
    for companion in context.companions(OUTPUT):
        assert companion.prepare is not None, f"{companion.name} is a companion: it prepares before the PDF is written"
        pending.append(companion.prepare(context))
    context.report.raise_if_strict()
    assert printed.laid_out.pdf is not None, "laid out with want_pdf"
    written = [context.write(context.path("pdf"), printed.laid_out.pdf, "pdf")]
    for write in pending:
        written.extend(write())
    return written


OUTPUT = Output("pdf", "the printed book as a tagged PDF (build/<slug>.pdf)", build, noun="PDF",
                needs_layout=True, needs_pdf=True, render="print", order=10)
