"""The one place bookbuild reaches into WeasyPrint's private layout API.

bookbuild needs more of WeasyPrint's layout than its public API gives: the
page boxes of a laid-out page, a hook on the layout context (to keep notes
by their calls and to give a chunk the page numbers of other chunks), page
margins made after the rest of the page, the page counters and named
strings of each page.  Every such use is a function of this module, so that
a new WeasyPrint release is checked in one place: tests/test_weasy_adapter.py
has a test per private name, and pyproject.toml pins WeasyPrint to the
versions those tests passed on (70.0).

Nothing else in bookbuild names a private attribute of WeasyPrint.
"""

from __future__ import annotations

import copy
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

PAGE = "page"  # WeasyPrint's name of the page counter


def quiet() -> None:
    """WeasyPrint logs CSS it ignores; the theme's CSS is tested, so only errors matter."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)


# -- pages ----------------------------------------------------------------------------------------------------


def page_box(page: Any) -> Any:
    """The root box of a laid-out page (``Page._page_box``)."""
    return page._page_box


# -- rendering ------------------------------------------------------------------------------------------------


def render(source: Any, fonts: Any, options: dict, on_context: Callable[[Any], None] | None = None) -> Any:
    """Lay out *source* (a ``weasyprint.HTML``) with *options*, as ``HTML.render`` does
    (``Document._render``), handing WeasyPrint's layout context to *on_context* before any page is made
    (``Document._build_layout_context``)."""
    from weasyprint.document import Document

    if on_context is None:
        return Document._render(source, fonts, None, None, options)
    hook = on_context

    class HookedDocument(Document):
        @classmethod
        def _build_layout_context(cls, *args, **kwargs):
            context = super()._build_layout_context(*args, **kwargs)
            hook(context)
            return context

    return HookedDocument._render(source, fonts, None, None, options)


@contextmanager
def margin_boxes_left_out() -> Iterator[None]:
    """While in the block, layouts make no page margin boxes (``weasyprint.layout.make_margin_boxes``):
    they are made later, with ``make_margins``, once the page numbers are known."""
    import weasyprint.layout

    def no_margin_boxes(context, page, state):
        return ()

    made = weasyprint.layout.make_margin_boxes
    weasyprint.layout.make_margin_boxes = no_margin_boxes
    try:
        yield
    finally:
        weasyprint.layout.make_margin_boxes = made


def make_margins(context: Any, page_box: Any, state: Any) -> None:
    """Make the margin boxes of one laid-out page (``weasyprint.layout.page.make_margin_boxes``, with their
    backgrounds: ``weasyprint.layout.background.layout_box_backgrounds``) in the page counter *state*."""
    from weasyprint.layout.background import layout_box_backgrounds
    from weasyprint.layout.page import make_margin_boxes

    margins = list(make_margin_boxes(context, page_box, state))
    for box in margins:
        layout_box_backgrounds(page_box, box, context.get_image_from_uri)
    page_box.children = tuple(page_box.children) + tuple(margins)


def page_moved(context: Any, page: Any) -> None:
    """After boxes of a laid-out page were moved: its backgrounds laid out again
    (``weasyprint.layout.background.layout_backgrounds``, as the layout ends with) and its links, anchors and
    bookmarks read again from its boxes (``weasyprint.anchors.gather_anchors``, as ``Page`` does)."""
    from weasyprint.anchors import gather_anchors
    from weasyprint.layout.background import layout_backgrounds

    box = page_box(page)
    layout_backgrounds(box, context.get_image_from_uri)
    page.anchors, page.links, page.bookmarks, page.forms = {}, [], [], {None: []}
    gather_anchors(box, page.anchors, page.links, page.bookmarks, page.forms)


# -- footnotes ------------------------------------------------------------------------------------------------


_NOTES_STAY_CLASSES: dict[type, type] = {}


def keep_notes_with_their_lines(context: Any) -> None:
    """Make a layout context keep footnotes with ``footnote-policy: line`` on the page of their call.

    At the foot of a page, when the next line of a paragraph does not fit and
    breaking one line earlier would leave an orphan, WeasyPrint (in
    ``_linebox_layout``) first moves the page's footnotes to the next page to
    make room for that line: a reader then looks for the note in vain.
    WeasyPrint does not do this inside multiple columns.  Answering "in a
    column" (``LayoutContext.in_column``) to that one question, asked from
    ``_linebox_layout`` (``sys._getframe``), and only while the page holds
    footnotes (``current_page_footnotes``) whose policy is ``line``, makes the
    paragraph start on the next page instead, as the policy asks.
    """
    from weasyprint.layout.block import _linebox_layout

    squeeze = _linebox_layout.__code__
    base = type(context)
    if base not in _NOTES_STAY_CLASSES:
        def in_column(self) -> bool:
            if self.__dict__.get("in_column", False):
                return True
            if sys._getframe(1).f_code is not squeeze:
                return False
            return any(note.style["footnote_policy"] == "line" for note in self.current_page_footnotes)

        def set_in_column(self, value: bool) -> None:
            self.__dict__["in_column"] = value

        _NOTES_STAY_CLASSES[base] = type(f"NotesStay{base.__name__}", (base,),
                                         {"in_column": property(in_column, set_in_column)})
    context.__class__ = _NOTES_STAY_CLASSES[base]
    context.__dict__["footnote_layouts"] = {}  # see footnotes_laid_out_once


@contextmanager
def footnotes_laid_out_once() -> Iterator[None]:
    """While in the block, a footnote is laid out once per place in its page's footnote area, not again each
    time a note joins the area (``weasyprint.layout.block.block_level_layout``).

    WeasyPrint measures the footnote area every time a line calls a note
    (``LayoutContext._update_footnote_area``): it copies the area and lays out
    every note already on the page again, and the page's final area once more.
    A page of six notes lays the first one out seven times, the same way each
    time: same box, same place, same width.  In a layout context marked by
    ``keep_notes_with_their_lines``, a note laid out as a child of the footnote
    area is remembered, for that page's area, with everything its layout
    depends on; the same call again is answered with a copy of that layout.
    Notes that lay out floats, positioned boxes or a part of a note (a split)
    are laid out as WeasyPrint would.
    """
    import weasyprint.layout.block as block
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox

    laid_out = block.block_level_layout

    def remembering(context, box, bottom_space, skip_stack, containing_block, page_is_empty=True,
                    absolute_boxes=None, fixed_boxes=None, adjoining_margins=None, first_letter_style=None,
                    first_line_style=None, discard=False, max_lines=None):
        memory = context.__dict__.get("footnote_layouts")
        if (memory is None or not isinstance(containing_block, FootnoteAreaBox) or skip_stack is not None
                or box.element is None or first_letter_style is not None or first_line_style is not None
                or context.excluded_shapes):
            return laid_out(context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                            absolute_boxes, fixed_boxes, adjoining_margins, first_letter_style, first_line_style,
                            discard, max_lines)
        area = context.current_footnote_area
        if memory.get("area") is not area:  # a new page (or the same page made again): start afresh
            memory.clear()
            memory["area"] = area
        key = (id(box.element), box.element_tag, box.position_x, box.position_y, containing_block.width,
               containing_block.content_box_x(), bottom_space, page_is_empty,
               tuple(adjoining_margins or ()), discard, max_lines, context.current_page)
        found = memory.get(key)
        if found is not None:
            new_box, resume_at, next_page, margins, through, lines = found
            return (new_box.deepcopy() if new_box is not None else None, resume_at, _copied(next_page),
                    _copied(margins), through, lines)
        absolute_boxes = [] if absolute_boxes is None else absolute_boxes
        fixed_boxes = [] if fixed_boxes is None else fixed_boxes
        positioned = len(absolute_boxes), len(fixed_boxes)
        result = laid_out(context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                          absolute_boxes, fixed_boxes, adjoining_margins, first_letter_style, first_line_style,
                          discard, max_lines)
        new_box, resume_at, next_page, margins, through, lines = result
        if (resume_at is None and positioned == (len(absolute_boxes), len(fixed_boxes))
                and not context.excluded_shapes):
            memory[key] = (new_box.deepcopy() if new_box is not None else None, resume_at, _copied(next_page),
                           _copied(margins), through, lines)
        return result

    block.block_level_layout = remembering
    try:
        yield
    finally:
        block.block_level_layout = laid_out


def _copied(value):
    return type(value)(value) if isinstance(value, (dict, list)) else value


# -- leaders --------------------------------------------------------------------------------------------------


def join_leaders(context: Any, page_box: Any) -> int:
    """Set each leader of a laid-out page (``leader(". ")`` in the contents) as one run of text; return how many.

    WeasyPrint fills a leader with one text box per repetition of its string
    (``layout.leader.handle_leader``), side by side: forty boxes for one line
    of the contents, each drawn as a text object of its own.  Replacing them
    with one box holding the string repeated, from the first box's place,
    draws the same glyphs at the same places (the width is checked) with a
    fraction of the work.  A leader whose repetitions differ is left alone.
    """
    from weasyprint.formatting_structure.boxes import TextBox
    from weasyprint.text.line_break import split_first_line

    joined = 0
    for box in _walk(page_box):
        if not getattr(box, "is_leader", False) or len(box.children) < 2:
            continue
        parts = sorted(box.children, key=lambda part: part.position_x)
        first = parts[0]
        if not all(isinstance(part, TextBox) and part.text == first.text and part.position_y == first.position_y
                   for part in parts):
            continue
        text = first.text * len(parts)
        layout, _, resume, width, _, _ = split_first_line(text, first.style, context, None, 0, False)
        expected = parts[-1].position_x + parts[-1].width - first.position_x
        if resume is not None or abs(width - expected) > 0.01:
            continue
        merged = first.copy_with_text(text)
        merged.pango_layout = layout
        merged.width = width
        box.children = (merged,)
        joined += 1
    return joined


def _walk(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _walk(child)


# -- targets (target-counter) ---------------------------------------------------------------------------------


class Elsewhere:
    """Stands for a target box in another chunk: its page counter is all WeasyPrint can ask of it.

    The page counter is given as the box's own counter, final: WeasyPrint then
    prints it once, instead of counting it as missing and laying the pages that
    print it out again on every pass (three passes for a contents chunk).
    """

    def __init__(self, name: str, page: int):
        self.name = name
        self.cached_counter_values: dict = {PAGE: [page]}

    def extract_text(self, style):
        return ""


def add_known_targets(context: Any, targets: dict[str, int]) -> set[str]:
    """Tell the context's target collector the page counters of ids that other chunks hold
    (``target_collector.target_lookup_items``, ``TargetLookupItem``); return the set that fills, as the
    layout goes on, with the names of those the chunk printed (``target_collector.lookup_target``)."""
    from weasyprint.css.targets import TargetLookupItem

    collector = context.target_collector
    for name, page in targets.items():
        if name in collector.target_lookup_items:
            continue  # the chunk holds the id after all
        item = TargetLookupItem("up-to-date")
        item.target_box = Elsewhere(name, page)
        item.cached_page_counter_values = {PAGE: [page]}
        collector.target_lookup_items[name] = item
    used: set[str] = set()
    lookup = collector.lookup_target

    def recording(anchor_token, source_box, css_token, parse_again):
        item = lookup(anchor_token, source_box, css_token, parse_again)
        if isinstance(item.target_box, Elsewhere):
            used.add(item.target_box.name)
        return item

    collector.lookup_target = recording
    return used


# -- page counters and named strings --------------------------------------------------------------------------


def page_counter(context: Any, index: int) -> int:
    """The page counter of the laid-out page *index* (from 0), as the layout left it (``page_maker``)."""
    return context.page_maker[index + 1][3][1].get(PAGE, [0])[-1]


def page_state(context: Any, index: int, page: int, pages: int | None) -> Any:
    """A copy of the counter state of page *index* (``page_maker``), showing page *page* of *pages*."""
    state = copy.deepcopy(context.page_maker[index + 1][3])
    state[1][PAGE] = [page]
    if pages is not None:
        state[1]["pages"] = [pages]
    return state


def last_strings(context: Any, page_count: int) -> dict[str, Any]:
    """The last value of each named string set on the first *page_count* pages (``string_set``)."""
    strings = {}
    for name, assigned in context.string_set.items():
        numbers = [number for number in assigned if number <= page_count and assigned[number]]
        if numbers:
            strings[name] = assigned[max(numbers)][-1]
    return strings


@contextmanager
def strings_carried_in(context: Any, strings: dict[str, Any]) -> Iterator[None]:
    """While in the block, a named string the chunk has not set yet takes its value from *strings*, those in
    force where the chunk starts (``get_string_or_element_for``, ``string_set``, ``current_page``)."""
    lookup = context.get_string_or_element_for

    def with_earlier_chunks(store, page, name, keyword):
        found = lookup(store, page, name, keyword)
        if found or store is not context.string_set or name not in strings or keyword == "all-once":
            return found
        if keyword == "first-except" and context.current_page in store[name]:
            return found
        return (strings[name],)

    context.get_string_or_element_for = with_earlier_chunks
    try:
        yield
    finally:
        context.get_string_or_element_for = lookup


def set_current_page(context: Any, number: int) -> None:
    """The page (from 1) the context makes margins for (``current_page``)."""
    context.current_page = number
