"""Turn one chunk of the printed book into laid-out pages, then into PDF bytes (in a worker process).

Laying out a chunk takes two steps, because a chunk's pages cannot carry
their numbers before the pages ahead of it are counted:

1. ``lay_out_chunk`` lays out the chunk's content (line and page breaks,
   footnotes, with bookbuild's corrections: see ``corrections.py``) and keeps
   the layout in this process.  WeasyPrint's page margins (page numbers,
   running heads) are left for step 2.  It returns what the rest of the book
   needs to know: how many pages, which page counter each one shows, where
   each id is, the named strings it sets (the book's title for the running
   heads) and which page numbers of other chunks it printed.
2. ``finish_chunk``, given the page counter where the chunk starts and the
   named strings in force there, makes each page's margins as WeasyPrint
   would in the whole book, reads the page map, preflights, and writes the
   pages as PDF.

Page numbers of other chunks that a chunk prints (the contents,
``.pageref`` cross-references: CSS ``target-counter``) are given to
WeasyPrint as targets known in advance; if a guess turns out wrong, the
chunk is laid out again with the right numbers.

This module reaches into WeasyPrint 70's layout stage at three points,
each through ``weasy.py``: the layout context (for the targets), the margin
boxes (made in step 2) and the named strings (to carry them in from earlier
chunks).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BookbuildError
from ..pagemap import PageMapPart, read_page_map_part
from . import weasy
from .corrections import MAX_NOTE_CORRECTIONS, layout_corrections
from .makeup import FILLED_IN_PLACE, fill_in_place, has_moves, rearrange, split_filled
from .pages import last_page_stands_alone, sections
from .preflight import Finding, preflight, printed_page_label

SCALE = 0.75  # PDF points per CSS pixel


@dataclass(frozen=True)
class Styles:
    """The stylesheets every chunk of one book is laid out with: plain values a worker can receive."""

    sheets: tuple[tuple[str, str], ...]  # in cascade order: ("file", path) or ("css", text)
    base_url: str
    roots: tuple[str, ...]  # the folders resources may be read from
    variant: str  # the PDF variant, such as "pdf/ua-1"
    write_options: tuple[tuple[str, Any], ...] = ()  # more options of WeasyPrint's write_pdf


@dataclass(frozen=True)
class LayoutJob:
    key: str  # names the layout in the worker's memory and in the cache
    label: str
    html: str
    styles: Styles
    start_side: str  # "right" or "left": the side of the chunk's first page in the book
    targets: tuple[tuple[str, int], ...]  # the page counter of ids other chunks hold
    sentinel: bool
    corrections: str | None = None  # known corrections (from the cache): lay out once, do not look again


@dataclass(frozen=True)
class ChunkLayout:
    """What the rest of the book needs to know of one laid-out chunk."""

    page_count: int
    counters: tuple[int, ...]  # the page counter of each page, counted from 0 before the chunk
    resets: tuple[bool, ...]  # whether each page sets the page counter itself (counter-reset or -set)
    anchors: tuple[tuple[str, int], ...]  # (id, page of the chunk), for every anchor
    used_targets: tuple[tuple[str, int], ...]  # the page counters of other chunks' ids it printed
    strings: tuple[tuple[str, str], ...]  # the last value of each named string it sets
    corrections: str  # the CSS bookbuild added to keep notes with their calls, headings with their text


@dataclass(frozen=True)
class FinishJob:
    key: str
    label: str
    offset: int  # the page counter of the book's page before the chunk
    total: int | None  # the book's page count, when its stylesheets print it
    strings: tuple[tuple[str, str], ...]  # named strings in force where the chunk starts
    write: bool  # write the PDF (an EPUB needs only the page map)
    identifier: str
    check: bool  # preflight the pages
    root: str  # file names in findings are shown relative to it


@dataclass(frozen=True)
class ChunkPages:
    """One chunk's finished pages."""

    pdf: bytes | None
    page_map: PageMapPart
    bookmarks: tuple[tuple[int, str, int, float, float, str], ...]  # (level, label, page, x, y, state)
    findings: tuple[Finding, ...] = ()  # page numbers counted from the chunk's first page
    last_page_alone: bool = False
    labels: tuple[str | None, ...] = field(default=())  # the number printed on each page


class NotSeparable(Exception):
    """The chunk's end shares a page with the next chunk's start: the book must be laid out whole."""


@dataclass
class _Held:
    document: Any
    context: Any
    pages: list  # without the sentinel's page
    layout: ChunkLayout
    styles: Styles


_held: dict[str, _Held] = {}
_stylesheets: dict[Styles, tuple[list, Any, Any]] = {}


# -- step 1 ---------------------------------------------------------------------------------------------------


def lay_out_chunk(job: LayoutJob) -> ChunkLayout:
    """Lay out the chunk, keep its layout in this process, and return what the book needs to know of it."""
    from weasyprint import HTML

    weasy.quiet()
    _held.pop(job.key, None)
    sheets, fonts, fetcher = _styles(job.styles)
    source = HTML(string=job.html, base_url=job.styles.base_url, url_fetcher=fetcher)
    side = f":root {{ break-before: {job.start_side}; }}\n" if job.start_side == "left" else ""
    corrections = job.corrections or ""
    tightened: set[str] = set()
    for attempt in range(1 if job.corrections is not None else MAX_NOTE_CORRECTIONS + 1):
        if has_moves(corrections):  # figures moved down the text (makeup.py): in a freshly parsed document
            source = HTML(string=job.html, base_url=job.styles.base_url, url_fetcher=fetcher)
            rearrange(source.etree_element, corrections)
        laid, filled = split_filled(corrections)
        document, context, used = _render(source, sheets, fonts, side + laid, job)
        pages = _content_pages(document, job)
        if filled and not fill_in_place(context, list(document.pages), filled):  # not expected: this layout took them
            document, context, used = _render(source, sheets, fonts, side + laid + filled, job)
            pages = _content_pages(document, job)
        if job.corrections is not None or attempt == MAX_NOTE_CORRECTIONS:
            break  # the cache's corrections were found for this very chunk, or no pass is left to lay them out
        more = layout_corrections(document.copy(pages), tightened, corrections)
        if not more:
            break
        if _filled_in_place(document, context, pages, more, set(tightened), corrections, attempt):
            corrections += FILLED_IN_PLACE + more
            break
        corrections += more
    layout = _describe(context, used, pages, job, corrections)
    _held[job.key] = _Held(document, context, pages, layout, job.styles)
    return layout


def _filled_in_place(document, context, pages: list, more: str, tightened: set[str], corrections: str,
                     attempt: int) -> bool:
    """Whether *more* (pages filled out: the corrections' last step) was applied to the layout in place, with
    nothing left to mend after it; else the chunk is laid out again with it, as before.  Moving the boxes
    gives the pages laying the chunk out again would give, at a fraction of the cost."""
    if not fill_in_place(context, list(document.pages), more):
        return False
    if attempt + 1 == MAX_NOTE_CORRECTIONS:
        return True  # the layout with *more* would be the last one: kept without looking at it again
    return not layout_corrections(document.copy(pages), tightened, corrections + more)


def _styles(styles: Styles):
    """The parsed stylesheets (kept for the next chunk of the same book), the font configuration, the fetcher."""
    if styles not in _stylesheets:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from .fetch import ProjectFetcher

        fetcher = ProjectFetcher([Path(root) for root in styles.roots])
        fonts = FontConfiguration()
        sheets = [CSS(filename=value, font_config=fonts, url_fetcher=fetcher) if kind == "file"
                  else CSS(string=value, font_config=fonts, url_fetcher=fetcher) for kind, value in styles.sheets]
        _stylesheets.clear()  # one book at a time: a worker keeps no more than it needs
        _stylesheets[styles] = (sheets, fonts, fetcher)
    return _stylesheets[styles]


def _render(source, sheets: list, fonts, css: str, job: LayoutJob):
    """WeasyPrint's render, with the other chunks' targets known and the page margins left for later."""
    from weasyprint import CSS, DEFAULT_OPTIONS

    from .fetch import ResourceRefused

    captured = {}
    targets = dict(job.targets)

    def prepare(context) -> None:
        weasy.keep_notes_with_their_lines(context)
        captured["used"] = weasy.add_known_targets(context, targets)
        captured["context"] = context

    options = dict(DEFAULT_OPTIONS, stylesheets=sheets + [CSS(string=css, font_config=fonts)],
                   pdf_variant=job.styles.variant)
    try:
        with weasy.margin_boxes_left_out(), weasy.footnotes_laid_out_once():
            document = weasy.render(source, fonts, options, prepare)
    except ResourceRefused as refused:
        raise BookbuildError.at(None, f"resource refused: {refused.reason}: {refused.url[:200]}") from None
    return document, captured["context"], captured["used"]


def _content_pages(document, job: LayoutJob) -> list:
    """The chunk's pages, without the page of the next chunk's start (the sentinel)."""
    pages = list(document.pages)
    if not job.sentinel:
        return pages
    if len(pages) < 2:
        raise NotSeparable(job.label)
    last, before = sections(pages[-1]), sections(pages[-2])
    if len(last) != 1 or any(last[0] is section for section in before):
        raise NotSeparable(job.label)
    return pages[:-1]


def _describe(context, used_targets: set[str], pages: list, job: LayoutJob, corrections: str) -> ChunkLayout:
    counters: list = []
    resets: list = []
    anchors: dict = {}
    for index, page in enumerate(pages):
        counters.append(weasy.page_counter(context, index))
        style = weasy.page_box(page).style
        resets.append(any(name == weasy.PAGE
                          for name, _ in (tuple(style["counter_reset"]) + tuple(style["counter_set"]))))
        for name in page.anchors:
            anchors.setdefault(name, index)
    known = dict(job.targets)
    used = {name for name in used_targets if name not in anchors}
    strings = weasy.last_strings(context, len(pages))
    return ChunkLayout(
        page_count=len(pages), counters=tuple(counters), resets=tuple(resets), anchors=tuple(anchors.items()),
        used_targets=tuple(sorted((name, known[name]) for name in used)), strings=tuple(sorted(strings.items())),
        corrections=corrections)


# -- step 2 ---------------------------------------------------------------------------------------------------


class NotHeld(Exception):
    """This worker no longer holds the chunk's layout."""


def finish_chunk(job: FinishJob) -> ChunkPages:
    """Give the held chunk its page margins, then read, check and (if asked) write its pages."""
    held = _held.pop(job.key, None)
    if held is None:
        raise NotHeld(job.key)
    _add_margins(held, job)
    pages = held.pages
    boxes = [weasy.page_box(page) for page in pages]
    page_map = read_page_map_part(boxes)
    view = held.document.copy(pages)
    findings = preflight(view, Path(job.root)) if job.check else ()
    alone = last_page_stands_alone(view) if len(pages) > 1 else bool(pages and sections(pages[0]))
    data = _write(view, held, job) if job.write else None
    return ChunkPages(pdf=data, page_map=page_map, bookmarks=_bookmarks(pages), findings=findings,
                      last_page_alone=alone, labels=tuple(printed_page_label(box) for box in boxes))


def _add_margins(held: _Held, job: FinishJob) -> None:
    """Make each page's margin boxes as the whole book would: its page counter, its named strings."""
    context, layout = held.context, held.layout
    with weasy.strings_carried_in(context, dict(job.strings)):
        shift = job.offset
        for index, page in enumerate(held.pages):
            if layout.resets[index]:
                shift = 0
            weasy.set_current_page(context, index + 1)
            state = weasy.page_state(context, index, layout.counters[index] + shift, job.total)
            weasy.make_margins(context, weasy.page_box(page), state)


def _bookmarks(pages: list) -> tuple:
    found = []
    for index, page in enumerate(pages):
        for level, label, (x, y), state in page.bookmarks:
            found.append((level, label, index, x * SCALE, (page.height - y) * SCALE, state))
    return tuple(found)


def _write(view, held: _Held, job: FinishJob) -> bytes:
    """The chunk's pages as PDF; links to ids in other chunks kept (their destinations join at assembly)."""
    own = set()
    for page in held.pages:
        own.update(page.anchors)
    elsewhere = {target for page in held.pages for kind, target, _, _ in page.links
                 if kind == "internal" and target not in own}
    for page in held.pages:  # the contents' dotted leaders drawn as one run each, not a box per dot
        weasy.join_leaders(held.context, weasy.page_box(page))
    first = held.pages[0]
    for name in sorted(elsewhere):
        first.anchors.setdefault(name, (0, 0, 0, 0))
    try:
        identifier = hashlib.sha256(job.identifier.encode()).hexdigest()[:32]
        return view.write_pdf(pdf_variant=held.styles.variant, pdf_identifier=identifier.encode(),
                              uncompressed_pdf=False, **dict(held.styles.write_options))
    finally:
        for name in elsewhere:
            first.anchors.pop(name, None)



def run(kind: str, job) -> Any:
    """Do one job in this worker: ("layout", LayoutJob), ("finish", FinishJob) or ("both", (LayoutJob, FinishJob))."""
    if kind == "layout":
        return lay_out_chunk(job)
    if kind == "finish":
        return finish_chunk(job)
    if kind == "both":
        layout_job, finish_job = job
        return lay_out_chunk(layout_job), finish_chunk(finish_job)
    if kind == "forget":
        _held.clear()
        return None
    raise ValueError(f"unknown job {kind!r}")

