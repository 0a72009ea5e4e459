"""Turn the book's title, subtitle and authors into a cover image for the EPUB.

Used when book.toml names no cover: a plain typographic cover, drawn with the
theme's fonts so that it matches the printed booklet's cover page.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from ..render.book import RenderedBook
from .fonts import font_file

WIDTH, HEIGHT = 1600, 2400
INK = (26, 26, 26)
PAPER = (255, 255, 255)


def _font(family: str, style: str, size: int):
    from PIL import ImageFont

    path = font_file(family, style) or font_file("DejaVu Sans", "Bold" if "Bold" in style else "Book")
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(path), size=size)


def _draw_centered(draw, lines: list[str], font, top: int, spacing: float) -> int:
    for line in lines:
        left, upper, right, lower = draw.textbbox((0, 0), line, font=font)
        draw.text(((WIDTH - (right - left)) / 2 - left, top), line, font=font, fill=INK)
        top += int((lower - upper) * spacing)
    return top


def cover_png(book: RenderedBook, cache: Path | None = None) -> bytes:
    """A PNG cover, the same bytes for the same book (kept in *cache* between builds)."""
    if cache is None:
        return _draw_cover(book)
    from ..cache import content_key, files_fingerprint, kept_or_made

    config = book.config
    fonts = [font_file(family, style) for family, style in _FACES]
    key = content_key("cover", config.title, config.subtitle, book.edition.label, "|".join(config.authors),
                      files_fingerprint([path for path in fonts if path is not None]))
    png = kept_or_made(cache / f"{key}.png", lambda: _draw_cover(book))
    assert png is not None  # drawing a cover always gives its bytes
    return png


_FACES = (("Andika", "Bold"), ("Charis SIL", "Italic"), ("Charis SIL", "Regular"), ("DejaVu Sans", "Bold"),
          ("DejaVu Sans", "Book"))


def _draw_cover(book: RenderedBook) -> bytes:
    from PIL import Image, ImageDraw

    config = book.config
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 90), fill=INK)
    title_font = _font("Andika", "Bold", 120)
    top = _draw_centered(draw, textwrap.wrap(config.title, 20), title_font, 560, 1.35)
    if config.subtitle:
        top = _draw_centered(draw, textwrap.wrap(config.subtitle, 34), _font("Charis SIL", "Italic", 70),
                             top + 80, 1.45)
    if book.edition.label:
        top = _draw_centered(draw, [book.edition.label.upper()], _font("Andika", "Bold", 60), top + 110, 1.4)
    if config.authors:
        _draw_centered(draw, textwrap.wrap(", ".join(config.authors), 40), _font("Charis SIL", "Regular", 64),
                       HEIGHT - 520, 1.4)
    draw.rectangle((0, HEIGHT - 90, WIDTH, HEIGHT), fill=INK)
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()
