"""Turn the book's title, subtitle and authors into a cover image for the EPUB.

Used when book.toml names no cover: a plain typographic cover, drawn with the
theme's fonts so that it matches the printed booklet's cover page.
"""

from __future__ import annotations

import io
from itertools import combinations
from pathlib import Path

from ..render.book import RenderedBook
from .fonts import font_file

WIDTH, HEIGHT = 1600, 2400
# Grey levels: the cover is black and white, drawn and stored as a greyscale image (a third of the bytes of
# RGB to compress, the same picture).
INK = 26
PAPER = 255


def _font(family: str, style: str, size: int):
    from PIL import ImageFont

    path = font_file(family, style) or font_file("DejaVu Sans", "Bold" if "Bold" in style else "Book")
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(str(path), size=size)


MARGIN = 160  # pixels kept clear on either side of the cover's text
SHORT_WORD = 2  # a word this short (an article, "A") never ends a line
MAX_LINES = 6


def balanced_lines(text: str, width_of, max_width: float) -> list[str]:
    """*text* broken into the fewest lines no wider than *max_width*, as even as can be.

    A line never ends with a one- or two-letter word (so "Revolution: A / Study
    Booklet" is not a choice); a break after a colon, a dash or a comma is
    preferred, as the phrase ends there.  *width_of* measures a line.
    """
    words = text.split()
    if not words:
        return []
    if len(words) > 24:  # too many ways to break: a blurb, not a title
        return _filled(words, width_of, max_width)
    fallback: list[str] | None = None
    for count in range(1, min(MAX_LINES, len(words)) + 1):
        best: tuple[float, bool, list[str]] | None = None
        for breaks in combinations(range(1, len(words)), count - 1):
            bounds = (0, *breaks, len(words))
            lines = [" ".join(words[start:end]) for start, end in zip(bounds, bounds[1:])]
            widths = [width_of(line) for line in lines]
            if max(widths) > max_width:
                continue
            score = max(widths) - min(widths) if count > 1 else 0.0
            short = any(len(line.split()[-1].strip("\"'“”‘’")) <= SHORT_WORD for line in lines[:-1])
            score -= sum(0.25 * max_width for line in lines[:-1] if line[-1] in ":;,—–")
            if best is None or (short, score) < (best[1], best[0]):
                best = (score, short, lines)
        if best is not None and not best[1]:
            return best[2]
        if best is not None and fallback is None:
            fallback = best[2]  # the fewest lines, should no count avoid a short word at a line's end
    if fallback is not None:
        return fallback
    return _filled(words, width_of, max_width)  # no balanced break fits


def _filled(words: list[str], width_of, max_width: float) -> list[str]:
    """The words filled into lines one by one."""
    lines = [words[0]]
    for word in words[1:]:
        if width_of(f"{lines[-1]} {word}") <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _wrap(draw, text: str, font) -> list[str]:
    def width_of(line: str) -> float:
        left, _, right, _ = draw.textbbox((0, 0), line, font=font)
        return right - left

    return balanced_lines(text, width_of, WIDTH - 2 * MARGIN)


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
    key = content_key("cover-grey", config.title, config.subtitle, book.edition.label, "|".join(config.authors),
                      files_fingerprint([path for path in fonts if path is not None]))
    png = kept_or_made(cache / f"{key}.png", lambda: _draw_cover(book))
    assert png is not None  # drawing a cover always gives its bytes
    return png


_FACES = (("Andika", "Bold"), ("Charis SIL", "Italic"), ("Charis SIL", "Regular"), ("DejaVu Sans", "Bold"),
          ("DejaVu Sans", "Book"))


def _draw_cover(book: RenderedBook) -> bytes:
    from PIL import Image, ImageDraw

    config = book.config
    image = Image.new("L", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 90), fill=INK)
    title_font = _font("Andika", "Bold", 120)
    top = _draw_centered(draw, _wrap(draw, config.title, title_font), title_font, 560, 1.35)
    if config.subtitle:
        subtitle_font = _font("Charis SIL", "Italic", 70)
        top = _draw_centered(draw, _wrap(draw, config.subtitle, subtitle_font), subtitle_font, top + 80, 1.45)
    if book.edition.label:
        top = _draw_centered(draw, [book.edition.label.upper()], _font("Andika", "Bold", 60), top + 110, 1.4)
    if config.authors:
        authors_font = _font("Charis SIL", "Regular", 64)
        _draw_centered(draw, _wrap(draw, ", ".join(config.authors), authors_font), authors_font, HEIGHT - 520, 1.4)
    draw.rectangle((0, HEIGHT - 90, WIDTH, HEIGHT), fill=INK)
    output = io.BytesIO()
    image.save(output, format="PNG", compress_level=6)  # 5 times faster than optimize=True, as small
    return output.getvalue()
