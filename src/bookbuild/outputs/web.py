"""The web edition: a static site in build/web/ (another edition's in build/web-NAME/), with the printed
book's page numbers as margin markers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import Output

if TYPE_CHECKING:
    from .context import OutputContext


def build(context: OutputContext) -> list[Path]:
    from ..web import build_web

    assert context.edition is not None, "the web edition is made per edition"

    page_map = context.printed_page_map()  # the printed book's page numbers: laid out, or its layout reused
    context.settings.progress.stage(f"making the web edition of {context.edition.name}")
    return build_web(context.sources, context.edition, page_map, context.report)


OUTPUT = Output("web", "the web edition, a static site with the printed page numbers (build/web/)", build,
                noun="web edition", needs_layout=True, render="epub", order=45)
