"""Turn a laid-out chunk into the moves that keep a figure or a long note from leaving a hole (page makeup).

WeasyPrint has no page floats: a figure (or a table, a box, a listing kept
whole) that does not fit at the foot of a page goes to the next one and leaves
the foot of its page empty.  A book designer would let the text run on and set
the figure at the top of the next page, as LaTeX and InDesign do.  This module
finds such a figure in a layout and says where to move it in the document:
after the text that fills the hole, the paragraph crossing the page turn split
in two there (its second part ``class="continued"``: no indent, no space
above).  A figure is never carried past the next heading or the end of its
chapter, and keeps its number (numbers are given when the book is rendered).

A footnote too long to stay whole under the line that calls it is
continued at the head of the next page's notes (``notes_continued``): it is
cut at the end of one of its lines, and the rest, a note without call or
number (``class="note-continued"``), is called from the first line the next
page starts with.

The moves are written into the layout's corrections as CSS comments
(``/* defer … */``, ``/* continue-note … */``), so that they are kept in the layout cache with the CSS
rules and applied again, before every layout of the chunk, to a freshly parsed
document (``rearrange``): the result does not depend on the process, the
number of workers or the cache.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ElementTree
from typing import Any

from ..pagemap import is_generated, walk_boxes
from .weasy import page_box

HOLE_LINES = 2.0  # a figure is deferred when it leaves more than this many lines empty at the foot of its page
MOVES_PER_FIGURE = 2  # a figure moved down the text once may be moved further once, when the text after it
# was on a later page the first time (and could not be measured)
WHOLE_TAGS = ("figure", "table", "pre")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6", "header")
_INVISIBLE = "\u00ad\u200b\u2060\u2010"  # soft hyphen, zero-width space, word joiner, the hyphen a line break adds
_MOVE = re.compile(r"/\* defer (\S+) (before|after|into|split) (\S+)(?: at (\d+))?( justify)? \*/")
_CONTINUE = re.compile(r"/\* continue-note (\S+) (?:at (\d+) in (\S+) (\d+)|off) \*/")
_STEP = re.compile(r"/\* (?:defer|continue-note) [^*]*\*/")


def deferrals(document, done: str) -> str:
    """The moves (CSS comments) that set each figure left at the top of a page, after a hole at the foot
    of the page before, further down the text, the text after it filling the hole.  *done* holds the
    moves made before: each figure is moved at most ``MOVES_PER_FIGURE`` times."""
    pages = list(document.pages)
    moves = []
    for number in range(len(pages) - 1):
        move = _deferral(pages[number], pages[number + 1], pages[number + 2] if number + 2 < len(pages) else None)
        if move and done.count(f"/* defer {move.split(' ', 3)[2]} ") < MOVES_PER_FIGURE:
            moves.append(move)
    return "".join(moves)


def _deferral(page, following, after_that) -> str | None:
    first = _opening_block(following)
    if first is None:
        return None
    figure_box, container = first
    figure = figure_box.element
    if not _kept_whole(figure_box) or _holds(page, figure):
        return None  # not kept whole, or begun on the page before (a long table): not pushed on
    name = _block_name(figure)
    if name is None:
        return None
    step = _line_step(page) or _line_step(following)
    if not step:
        return None
    floor = _floor(page)
    end = _content_bottom(page)
    if end is None or floor - end <= HOLE_LINES * step:
        return None
    siblings = list(container.element)
    index = next((i for i, element in enumerate(siblings) if element is figure), None)
    if index is None or index == 0 or siblings[index - 1].tag in HEADINGS:
        return None  # a figure at the top of its part, or under its heading, stays there
    boxes_after = {id(child.element): child for child in container.children if child.element is not None}
    lowest = figure_box.position_y + figure_box.margin_height()  # where the text after the figure starts now
    room = floor - end
    placed: Any = None  # the last element the figure goes after
    used = 0.0  # the height the elements placed so far take
    turned = False
    for element in siblings[index + 1:]:
        if element.tag in HEADINGS or _block_name(element) is None:
            break
        box = boxes_after.get(id(element))
        if box is None and not turned and after_that is not None:
            # The text after the figure did not fit under it: it starts the page after, measured there.
            turned = True
            start = _opening_block(after_that)
            if start is not None and start[0].element is element:
                boxes_after = {id(child.element): child for child in start[1].children if child.element is not None}
                box = boxes_after.get(id(element))
                if box is not None:
                    lowest = box.position_y - used
        if box is None:
            break  # the element is not on this page: the figure goes after the one before it
        if box.position_y + box.margin_height() - lowest <= room:
            placed = element
            used = box.position_y + box.margin_height() - lowest
            continue
        if element.tag == "table":
            rows = _body_rows(box)
            fitting = sum(1 for row in rows if row.position_y + row.height - lowest <= room)
            if 2 <= fitting < len(rows):
                return f"/* defer {name} split {rows[fitting].element.get('data-b')} */\n"
            break
        lines = [line for line in box.children if type(line).__name__ == "LineBox"]
        if element.tag == "p" and lines and len(lines) == len(box.children):
            fitting = sum(1 for line in lines if line.position_y + line.height - lowest <= room)
            fitting = _keep_two(fitting, len(lines))
            if fitting:
                count = sum(_visible_count(_line_text(line)) for line in lines[:fitting])
                justify = " justify" if box.style["text_align_all"] == "justify" else ""
                return f"/* defer {name} into {element.get('data-b')} at {count}{justify} */\n"
        break
    if placed is None:
        return None
    return f"/* defer {name} after {_block_name(placed)} */\n"


def _keep_two(fitting: int, on_page: int) -> int:
    """How many lines stay above the figure: two at least (no orphan), two at least left under it."""
    if fitting < 2:
        return 0
    if on_page - fitting < 2:
        fitting = on_page - 2
    return fitting if fitting >= 2 else 0


def _flow_root(page) -> Any:
    root = page_box(page).children[0] if page_box(page).children else None
    return root


def _opening_block(page) -> tuple[Any, Any] | None:
    """The first block of the main text on *page* and the box of the part (chapter) it belongs to, or None
    (a page without a chapter's text)."""
    root = _flow_root(page)
    return _first_flow_block(root) if root is not None else None


def _first_flow_block(root) -> tuple[Any, Any] | None:
    """The first block of the main text on a page, and the box of the part (chapter) it belongs to."""
    for box in walk_boxes(root):
        element = getattr(box, "element", None)
        if element is None or type(box).__name__ in ("LineBox", "TextBox", "InlineBox"):
            continue
        if "chapter" in (element.get("class") or "").split() and element.tag == "section":
            children = [child for child in box.children if getattr(child, "element", None) is not None]
            if not children:
                return None
            return children[0], box
    return None


def _kept_whole(box) -> bool:
    element = box.element
    if element.tag in WHOLE_TAGS:
        return True
    return box.style["break_inside"] in ("avoid", "avoid-page") and element.tag not in HEADINGS


def _block_name(element) -> str | None:
    """The ``data-b`` number that names a flow element: its own, or its first numbered descendant's."""
    for inner in element.iter():
        if inner.get("data-b"):
            return inner.get("data-b")
    return None


def _line_step(page) -> float:
    heights = sorted(box.height for box in walk_boxes(page_box(page).children[0]) if type(box).__name__ == "LineBox"
                     and box.height)
    return heights[len(heights) // 2] if heights else 0.0


def _floor(page) -> float:
    """Where the text of a page may run down to: the footnotes, or the foot of the text block."""
    box = page_box(page)
    floor = box.content_box_y() + box.height
    for child in box.children:
        if type(child).__name__ == "FootnoteAreaBox" and child.children:
            floor = min(floor, child.position_y)
    return floor


def _content_bottom(page) -> float | None:
    """Where the text and images of a page end (a block broken across the page turn reaches its foot, so
    blocks are not measured; a box's padding under its last line is left out)."""
    bottoms = [box.position_y + box.height for box in walk_boxes(page_box(page).children[0])
               if type(box).__name__ in ("LineBox", "TableRowBox") or "Replaced" in type(box).__name__]
    return max(bottoms, default=None)


def _line_text(line) -> str:
    """The text of a line as the document holds it: generated content (note calls, markers) left out."""
    parts = []

    def walk(box) -> None:
        if is_generated(box):
            return
        if hasattr(box, "text") and type(box).__name__ == "TextBox":
            parts.append(box.text)
        for child in getattr(box, "children", ()):
            walk(child)

    walk(line)
    return "".join(parts)


def _visible(character: str) -> bool:
    return not character.isspace() and character not in _INVISIBLE


def _visible_count(text: str) -> int:
    return sum(1 for character in text if _visible(character))


# -- applying the moves ---------------------------------------------------------------------------------------


def has_moves(corrections: str) -> bool:
    return "/* defer " in corrections or "/* continue-note " in corrections


def rearrange(root, corrections: str) -> None:
    """Make in the document at *root* (an ElementTree element) the moves written in *corrections*, in order:
    figures moved down the text, long notes continued on the next page (``continue-note``, unless undone)."""
    undone = {match.group(1) for match in _CONTINUE.finditer(corrections) if match.group(2) is None}
    for step in _STEP.finditer(corrections):
        note = _CONTINUE.fullmatch(step.group(0))
        if note is not None:
            if note.group(1) not in undone and note.group(2) is not None:
                _continue_note(root, note.group(1), int(note.group(2)), note.group(3), int(note.group(4)))
            continue
        match = _MOVE.fullmatch(step.group(0))
        if match is None:
            continue
        name, how, anchor, count, justify = match.groups()
        parents = {child: parent for parent in root.iter() for child in parent}
        numbered = {element.get("data-b"): element for element in root.iter() if element.get("data-b")}
        figure, target = numbered.get(name), numbered.get(anchor)
        if figure is None or target is None:
            continue
        row = target
        figure = _flow_element(figure, parents)
        target = _flow_element(target, parents)
        if figure is target or parents.get(figure) is not parents.get(target):
            continue
        container = parents[figure]
        container.remove(figure)
        position = list(container).index(target)
        if how == "before":
            container.insert(position, figure)
        elif how == "after":
            container.insert(position + 1, figure)
        elif how == "split":
            container.insert(position + 1, figure)
            container.insert(position + 2, _split_table(target, row, parents))
        else:
            rest = _split(target, int(count or 0))
            if rest is None:
                container.insert(position + 1, figure)
                continue
            rest.set("class", " ".join(((rest.get("class") or "") + " continued").split()))
            if justify:
                target.set("class", " ".join(((target.get("class") or "") + " runs-on").split()))
            container.insert(position + 1, figure)
            container.insert(position + 2, rest)


def _flow_element(element, parents: dict) -> Any:
    """The element directly in the chapter's flow that holds *element*."""
    while element in parents:
        parent = parents[element]
        if parent.tag == "section" and "chapter" in (parent.get("class") or "").split():
            return element
        element = parent
    return element


def _body_rows(table_box) -> list:
    """The rows of a table's body on the page (not its header and footer, repeated on every page)."""
    rows = []

    def walk(box) -> None:
        kind = type(box).__name__
        if kind == "TableRowGroupBox" and (box.is_header or box.is_footer):
            return
        if kind == "TableRowBox":
            if box.element is not None and box.element.get("data-b"):
                rows.append(box)
            return
        for child in getattr(box, "children", ()):
            walk(child)

    walk(table_box)
    return rows


def _split_table(table, row, parents: dict) -> Any:
    """Cut *table* before *row*: it keeps its caption and the rows before; the table returned has a copy of
    its head (without ids and block numbers) and the rows from *row* on."""
    rest = _shell(table)
    rest.set("class", " ".join(((rest.get("class") or "") + " continued").split()))
    for part in table:
        if part.tag == "thead":
            head = copy.deepcopy(part)
            for inner in head.iter():
                inner.attrib.pop("id", None)
                inner.attrib.pop("data-b", None)
            rest.append(head)
    group = parents[row]
    body = _shell(group)
    rest.append(body)
    rows = list(group)
    for moved in rows[rows.index(row):]:
        group.remove(moved)
        body.append(moved)
    parts = list(table)
    for later in parts[parts.index(group) + 1:]:
        if later.tag in ("tbody", "tfoot"):
            table.remove(later)
            rest.append(later)
    return rest


def _shell(element) -> Any:
    """An empty copy of *element*, without what must stay unique (its id, its block number)."""
    return ElementTree.Element(element.tag, {key: value for key, value in element.attrib.items()
                                             if key not in ("id", "data-b")})


def _is_note(element) -> bool:
    return "footnote" in (element.get("class") or "").split()


def _cut(text: str, count: int) -> tuple[int | None, int]:
    """Where in *text* the part after *count* visible characters starts (None: not in it), and what is left."""
    for index, character in enumerate(text):
        if not _visible(character):
            continue
        if count == 0:
            return index, 0
        count -= 1
    return None, count


def _split(element, count: int) -> Any:
    """Cut *element*'s content after *count* visible characters: it keeps the first part; the copy returned
    holds the rest (None when the text is shorter)."""
    rest = _shell(element)
    text = element.text or ""
    cut, count = _cut(text, count)
    if cut is not None:
        element.text, rest.text = _hyphenated(text[:cut], text[cut:]), text[cut:]
        for child in list(element):
            element.remove(child)
            rest.append(child)
        return rest
    children = list(element)
    for index, child in enumerate(children):
        if not _is_note(child):
            inner = _split(child, count) if _visible_count("".join(child.itertext())) >= count else None
            if inner is not None:
                inner.tail, child.tail = child.tail, None
                rest.append(inner)
                _move_after(element, rest, children[index + 1:])
                return rest
            count -= _visible_count("".join(child.itertext()))
        tail = child.tail or ""
        cut, count = _cut(tail, count)
        if cut is not None:
            child.tail, rest.text = _hyphenated(tail[:cut], tail[cut:]), tail[cut:]
            _move_after(element, rest, children[index + 1:])
            return rest
    return None


def _hyphenated(before: str, after: str) -> str:
    """The first part of a word broken at the page turn ends with a hyphen, as the line did."""
    if before and after and _visible(before[-1]) and before[-1].isalpha() and after[0].isalpha():
        return before + "\u2010"
    return before


def _move_after(element, rest, children: list) -> None:
    for child in children:
        element.remove(child)
        rest.append(child)


# -- a note too long for the foot of its call's page: continued at the foot of the next one -----------------

NOTE_LINES_KEPT = 2  # lines of a note left under its call, at least, when the rest goes on to the next page
HOLE_FAULT_LINES = 4  # ... or one line, rather than leave more lines than this empty (check --layout's limit)
NOTE_SLACK_LINES = 0.25  # the room left unused (a part of a line of text), whatever the rounding
CONTINUED = "note-continued"  # the class of a note's part continued on the next page (print.css)
_HYPHENS = ("-", "\u2010", "\u00ad", "\u2011")  # a line ending with one of these breaks a word (or a compound)
_SENTENCE_END = re.compile(r"[.?!:;][\"'\u2019\u201d)\]]*\s*$")


def notes_continued(document, done: str, pushed: bool = False) -> str:
    """The moves (CSS comments) that continue a long footnote on the next page, as Chicago allows and LaTeX
    does, where it would otherwise leave a hole: WeasyPrint sets a note whole, so a note that does not fit
    under its call's line takes the line (``footnote-policy: line``) to the next page with it, leaving the
    foot of the page empty.  The lines of the note that fit stay under their call; the rest, without a
    call or a number, is anchored in the first line the next page will start with, so that it heads that
    page's notes.  With *pushed*, the notes looked at are those WeasyPrint set whole on the page after
    their call's instead (the line stayed): their first lines come back under it.  A note is continued
    once (*done* holds the moves made before)."""
    pages = list(document.pages)
    moves = []
    for number in range(len(pages) - 1):
        move = _note_continuation(pages, number, done, pushed)
        if move:
            moves.append(move)
    return "".join(moves)


def continuations_gone_wrong(document, done: str) -> str:
    """The moves that undo (``off``) each note continued in *done* that did not come out as meant: its call
    and its first part on one page, the rest on the next."""
    wrong = _continuations_gone_wrong(list(document.pages), done)
    return "".join(f"/* continue-note {name} off */\n" for name in wrong)


def _continuations_gone_wrong(pages: list, done: str) -> list[str]:
    made = [match.group(1) for match in _CONTINUE.finditer(done) if match.group(2) is not None]
    undone = {match.group(1) for match in _CONTINUE.finditer(done) if match.group(2) is None}
    wanted = [name for name in dict.fromkeys(made) if name not in undone]
    if not wanted:
        return []
    call: dict[str, int] = {}
    body: dict[str, int] = {}
    rest: dict[str, int] = {}
    for number, page in enumerate(pages):
        for box in walk_boxes(page_box(page)):
            element = getattr(box, "element", None)
            if element is None or not _is_note(element):
                continue
            kind = type(box).__name__
            if element.get("data-note-continues") and kind == "BlockBox":
                rest.setdefault(element.get("data-note-continues"), number)
            elif element.get("id") and kind == "InlineBox":
                call.setdefault(element.get("id"), number)
            elif element.get("id") and kind == "BlockBox":
                body.setdefault(element.get("id"), number)
    return [name for name in wanted if name in call
            and not (body.get(name) == call[name] and rest.get(name) == call[name] + 1)]


def _note_continuation(pages: list, number: int, done: str, pushed: bool) -> str | None:
    page, following = pages[number], pages[number + 1]
    area = _footnote_area(following)
    if area is None or not area.children:
        return None
    note_box = area.children[0]  # the note that heads the next page's notes
    note = getattr(note_box, "element", None)
    if note is None:
        return None
    name = note.get("id")
    if not name or note.get("data-note-continues") or f"/* continue-note {name} " in done:
        return None
    note_lines = [child for child in note_box.children if type(child).__name__ == "LineBox"]
    if len(note_lines) < 2 or len(note_lines) != len(note_box.children):
        return None
    step = _line_step(page)
    end = _content_bottom(page)
    root, root_before = _flow_root(following), _flow_root(page)
    if not step or end is None or root is None or root_before is None:
        return None
    room = _floor(page) - end
    parents = {id(child): box for box in walk_boxes(root) for child in getattr(box, "children", ())}
    lines = [box for box in walk_boxes(root) if type(box).__name__ == "LineBox"]
    if pushed:
        # The call's line is on the page before, its note is not: the note's first lines go back under it.
        parents_before = {id(child): box for box in walk_boxes(root_before)
                          for child in getattr(box, "children", ())}
        call = next((line for line in walk_boxes(root_before) if type(line).__name__ == "LineBox"
                     and _calls(line, note)), None)
        if call is None or not _plain(call, parents_before, root_before):
            return None
        moved, text = 0, 0.0
    else:
        # The call's line is on this page, at its head: it and the lines before it go back to the page before.
        if room <= HOLE_LINES * step:
            return None
        calls = [index for index, line in enumerate(lines) if _calls(line, note)]
        if not calls or not _plain(lines[calls[0]], parents, root):
            return None
        moved = calls[0] + 1 + _more_lines_moved(pages, number, lines[calls[0]], parents)
        if moved >= len(lines) or any(_calls_another_note(line, note) for line in lines[:moved]):
            return None
        if _forced_break(lines[0], parents, root, page):
            return None
        top = min(box.position_y for box in walk_boxes(root)
                  if type(box).__name__ in ("LineBox", "TableRowBox") or "Replaced" in type(box).__name__)
        first = parents.get(id(lines[0]))
        gap = 0.0
        if first is not None and not _holds(page, first.element):
            gap = max(_pixels(first.style["margin_top"]), _last_margin(root_before, following))
        text = _bottom(lines[moved - 1], parents, root) - top + gap
    # The note's first lines go in the page's footnote area (made for them when the page has none).
    here = _footnote_area(page)
    if here is not None and here.children:
        extra = note_box.margin_bottom
    else:
        extra = (note_box.position_y - area.position_y + area.padding_bottom + area.border_bottom_width
                 + area.margin_bottom + note_box.margin_bottom)

    def height(kept: int) -> float:
        return text + extra + note_lines[kept - 1].position_y + note_lines[kept - 1].height - note_box.position_y

    fitting = [kept for kept in range(1, len(note_lines)) if height(kept) <= room - NOTE_SLACK_LINES * step]
    if not pushed and room <= HOLE_FAULT_LINES * step:
        fitting = [kept for kept in fitting if kept >= NOTE_LINES_KEPT]  # a short hole is better than one line
    if not fitting:
        return None
    kept = _best_break(fitting, note_lines)
    if kept is None:
        return None
    anchor = _anchor(lines[moved:], parents, root)
    if anchor is None:
        return None
    anchor_element, anchor_line, anchor_count = anchor
    anchor_name = anchor_element.get("data-b")
    before = _lines_of(pages[:number + 2], anchor_element)
    if anchor_line not in before:
        return None
    previous = sum(_visible_count(_line_text(line)) for line in before[:before.index(anchor_line)])
    count = sum(_visible_count(_line_text(line)) for line in note_lines[:kept])
    return f"/* continue-note {name} at {count} in {anchor_name} {previous + anchor_count} */\n"


def _forced_break(line, parents: dict, root, before) -> bool:
    """Whether the page starts with *line* because a block holding it, begun on this page (not on the page
    *before*), must start a page (``break-before``)."""
    box = line
    parent = parents.get(id(box))
    while parent is not None and parent is not root:
        if parent.children and parent.children[0] is box and parent.style["break_before"] in (
                "page", "left", "right", "recto", "verso") and not _holds(before, parent.element):
            return True
        box, parent = parent, parents.get(id(parent))
    return False


def _last_margin(root, following) -> float:
    """The margin under the last block of a page's text (a paragraph's, a list item's) that ends there (does
    not go on to the page *following*)."""
    lines = [box for box in walk_boxes(root) if type(box).__name__ == "LineBox"]
    if not lines:
        return 0.0
    parents = {id(child): box for box in walk_boxes(root) for child in getattr(box, "children", ())}
    margin = 0.0
    box, parent = lines[-1], parents.get(id(lines[-1]))
    while (parent is not None and parent is not root and parent.children and parent.children[-1] is box
           and not _holds(following, parent.element)):
        margin = max(margin, _pixels(parent.style["margin_bottom"]))
        box, parent = parent, parents.get(id(parent))
    return margin


def _footnote_area(page) -> Any:
    return next((child for child in page_box(page).children if type(child).__name__ == "FootnoteAreaBox"), None)


def _calls(line, note) -> bool:
    return any(type(box).__name__ == "InlineBox" and getattr(box, "element", None) is note for box in walk_boxes(line))


def _calls_another_note(line, note) -> bool:
    return any(type(box).__name__ == "InlineBox" and getattr(box, "element", None) is not None
               and box.element is not note and _is_note(box.element) for box in walk_boxes(line))


def _more_lines_moved(pages: list, number: int, line, parents: dict) -> int:
    """The lines after the call's line that must go with it, so as to leave no orphan or widow."""
    block = parents.get(id(line))
    if block is None or block.element is None:
        return 0
    own = [child for child in block.children if type(child).__name__ == "LineBox"]
    position = own.index(line)
    after = len(own) - position - 1
    more = 0
    if not _holds(pages[number], block.element) and position + 1 < block.style["orphans"] and after:
        more = min(block.style["orphans"] - position - 1, after)
    ends_here = number + 2 >= len(pages) or not _holds(pages[number + 2], block.element)
    left = after - more
    if ends_here and 0 < left < block.style["widows"]:
        more += left
    return more


def _plain(line, parents: dict, root) -> bool:
    """Whether *line* is in the flow of the page's text: not in a float, a column, a table or a note."""
    box = parents.get(id(line))
    while box is not None and box is not root:
        kind = type(box).__name__
        if (box.style["float"] != "none" or box.style["column_count"] != "auto" or box.style["column_width"] != "auto"
                or "Table" in kind
                or (getattr(box, "element", None) is not None and _is_note(box.element))):
            return False
        box = parents.get(id(box))
    return True


def _bottom(line, parents: dict, root) -> float:
    """Where the text down to *line* ends: its foot, and the padding and border under it of the blocks it
    ends (a box of key terms), which must fit on the page too."""
    bottom = line.position_y + line.height
    box = line
    parent = parents.get(id(box))
    while parent is not None and parent is not root and parent.children and parent.children[-1] is box:
        bottom += parent.padding_bottom + parent.border_bottom_width
        box, parent = parent, parents.get(id(parent))
    return bottom


def _pixels(value) -> float:
    return float(value.value) if getattr(value, "unit", None) == "px" else 0.0


def _best_break(fitting: list[int], note_lines: list) -> int | None:
    """The number of the note's lines to keep: as many as fit, in the middle of a sentence (so that the
    reader knows to turn the page, as Chicago asks), at least two going on if that costs no more; never
    after a line ending with a hyphen (a word broken across the page turn): None when no line will do."""
    def ends_sentence(kept: int) -> bool:
        return bool(_SENTENCE_END.search(_line_text(note_lines[kept - 1])))

    fitting = [kept for kept in fitting if not _line_text(note_lines[kept - 1]).rstrip().endswith(_HYPHENS)]
    total = len(note_lines)
    for test in (lambda kept: not ends_sentence(kept) and total - kept >= 2,
                 lambda kept: not ends_sentence(kept),
                 lambda kept: total - kept >= 2):
        chosen = [kept for kept in fitting if test(kept)]
        if chosen:
            return max(chosen)
    return max(fitting, default=None)


def _anchor(lines: list, parents: dict, root) -> tuple[Any, Any, int] | None:
    """Where the continued note is called from: after the first word of the first line of running text that
    the next page will start with (its numbered paragraph, and the visible characters up to that point)."""
    for line in lines[:3]:
        block = parents.get(id(line))
        element = getattr(block, "element", None)
        if (block is None or element is None or element.tag in HEADINGS or not element.get("data-b")
                or _is_note(element) or any(type(child).__name__ != "LineBox" for child in block.children)
                or not _plain(line, parents, root)):
            continue
        words = _line_text(line).split()
        if words:
            return element, line, _visible_count(words[0])
    return None


def _lines_of(pages: list, element) -> list:
    """The lines of *element* on *pages*, in order."""
    found: list = []
    for page in pages:
        root = _flow_root(page)
        if root is None:
            continue
        for box in walk_boxes(root):
            if getattr(box, "element", None) is element and type(box).__name__ not in ("LineBox", "InlineBox"):
                found.extend(child for child in box.children if type(child).__name__ == "LineBox")
    return found


def _continue_note(root, name: str, count: int, anchor_name: str, anchor_count: int) -> None:
    """Cut the note *name* after *count* visible characters; set the rest, as a note continued (no call, no
    number), after *anchor_count* visible characters of the block numbered *anchor_name*."""
    note = next((element for element in root.iter() if element.get("id") == name and _is_note(element)), None)
    anchor = next((element for element in root.iter() if element.get("data-b") == anchor_name), None)
    if note is None or anchor is None or _text_count(anchor) < anchor_count:
        return
    if any(inner is anchor for inner in note.iter()):
        return
    rest = _split(note, count)
    if rest is None:
        return
    rest.tail = None
    rest.set("class", " ".join(((rest.get("class") or "") + " " + CONTINUED).split()))
    rest.set("data-note-continues", name)
    _insert(anchor, anchor_count, rest)


def _text_count(element) -> int:
    """The visible characters of *element*'s text, its notes left out."""
    count = _visible_count(element.text or "")
    for child in element:
        if not _is_note(child):
            count += _text_count(child)
        count += _visible_count(child.tail or "")
    return count


def _after(text: str, count: int) -> tuple[int | None, int]:
    """Where in *text* the *count*-th visible character ends (None: not in it), and what is left."""
    if count == 0:
        return 0, 0
    for index, character in enumerate(text):
        if _visible(character):
            count -= 1
            if count == 0:
                return index + 1, 0
    return None, count


def _insert(element, count: int, node) -> int | None:
    """Put *node* in *element* right after *count* visible characters (its notes not counted): None when
    done, else the count left."""
    index, count = _after(element.text or "", count)
    if index is not None:
        text = element.text or ""
        element.text, node.tail = text[:index], text[index:]
        element.insert(0, node)
        return None
    for position, child in enumerate(list(element)):
        if not _is_note(child):
            left = _insert(child, count, node)
            if left is None:
                return None
            count = left
        index, count = _after(child.tail or "", count)
        if index is not None:
            tail = child.tail or ""
            child.tail, node.tail = tail[:index], tail[index:]
            element.insert(position + 1, node)
            return None
    return count


# -- headings that would fit with less space above them ------------------------------------------------------

TIGHT_HEADING_SPACE = "0.3em"  # the space above a heading that ends a page short of its foot otherwise


def headings_pulled_up(document, done: str) -> str:
    """CSS that sets a little less space above a heading that opens a page when the page before ends more
    than ``HOLE_LINES`` short: with it, the heading and its first lines may fit there (else nothing changes,
    as the space above a heading at the top of a page is dropped anyway)."""
    pages = list(document.pages)
    rules = []
    for page, following in zip(pages, pages[1:]):
        first = _opening_block(following)
        if first is None:
            continue
        heading, section = first
        if heading.element.tag not in ("h2", "h3", "h4") or not heading.element.get("data-b"):
            continue
        rule = f'[data-b="{heading.element.get("data-b")}"] {{ margin-top: {TIGHT_HEADING_SPACE}; }}\n'
        if rule in done or not _holds(page, section.element):
            continue
        step = _line_step(page)
        end = _content_bottom(page)
        if step and end is not None and _floor(page) - end > HOLE_LINES * step:
            rules.append(rule)
    return "".join(rules)


def _holds(page, element) -> bool:
    """Whether *element* (a chapter, a figure) has boxes on *page*."""
    root = _flow_root(page)
    return root is not None and any(getattr(box, "element", None) is element for box in walk_boxes(root))


# -- pages left short: the space shared out between their blocks ---------------------------------------------

FEATHER_FROM_LINES = 1.0  # a page of running text this many lines short of its foot (or more) is filled out
FEATHER_UP_TO_LINES = 8.0  # a larger hole is not spread: it is a fault to mend otherwise (and to report)
FEATHER_GAP_LINES = 1.0  # no space between two blocks grows by more than this
FEATHER_SLACK_LINES = 1.25  # the space left unfilled: a line breaks where it did, whatever the rounding
_FEATHER_WEIGHT = {"h2": 3, "h3": 3, "h4": 2, "figure": 2, "table": 2, "pre": 2}


def feathered(document, done: str) -> str:
    """CSS that spreads the space left at the foot of a page of running text between the blocks on it
    (more above headings and figures than between paragraphs), so that the page ends at the line its
    facing page ends at, as a compositor would.  The line and page breaks stay as they are: the space
    added is less than the space left.  A chapter's last page is left as it is, and a page is filled out
    once (its blocks not in *done*)."""
    pages = list(document.pages)
    rules = []
    for page, following in zip(pages, pages[1:]):
        first = _opening_block(page)
        if first is None:
            continue
        section = first[1]
        if not _holds(following, section.element):
            continue  # the chapter ends on this page
        step = _line_step(page)
        end = _content_bottom(page)
        if not step or end is None:
            continue
        hole = _floor(page) - end
        if not FEATHER_FROM_LINES * step <= hole <= FEATHER_UP_TO_LINES * step:
            continue
        gaps = _gaps(section)
        weight = sum(_FEATHER_WEIGHT.get(child.element.tag, 1) for _, child, _ in gaps)
        if not weight or any(f'[data-b="{child.element.get("data-b")}"] {{ ' in done for _, child, _ in gaps):
            continue
        share = (hole - FEATHER_SLACK_LINES * step) / weight
        for before, child, partner in gaps:
            extra = min(share * _FEATHER_WEIGHT.get(child.element.tag, 1), FEATHER_GAP_LINES * step)
            if partner is not None:  # a term set beside its definition: both are moved down alike
                for box in (child, partner):
                    rules.append(f'[data-b="{box.element.get("data-b")}"] '
                                 f'{{ padding-top: {box.padding_top + extra:.2f}px !important; }}\n')
                continue
            space = max(child.margin_top, before.margin_bottom) + extra
            rules.append(f'[data-b="{child.element.get("data-b")}"] {{ margin-top: {space:.2f}px !important; }}\n')
    return "".join(rules)


def _gaps(box) -> list[tuple[Any, Any, Any]]:
    """The pairs of blocks one after the other on the page, the second one numbered (``data-b``), that
    space may be put between: in the chapter's flow and in the boxes and lists of it.  The third of each
    is the definition beside a term that floats (a glossary's), which must move down with it."""
    children = [child for child in box.children if getattr(child, "element", None) is not None
                and type(child).__name__ not in ("LineBox", "TextBox", "InlineBox")]
    gaps = []
    for index, child in enumerate(children):
        tag = child.element.tag
        if index and child.element.get("data-b") and tag not in ("tr", "dd", "td", "th"):
            partner = None
            if child.style["float"] != "none":
                partner = children[index + 1] if index + 1 < len(children) else None
                if partner is None or partner.element.tag != "dd" or not partner.element.get("data-b"):
                    continue
            gaps.append((children[index - 1], child, partner))
        elif not child.element.get("data-b") and tag in ("div", "ul", "ol", "section", "aside"):
            gaps += _gaps(child)
        elif tag == "dl" and (child.style["column_count"] not in ("auto", 1) or child.element is box.element):
            # A list of terms set in columns: WeasyPrint leaves its columns short of the footnotes when
            # a note's call went on to the next page (its columns are boxes of the same element).  In one
            # column, a floating term is left alone.
            gaps += _gaps(child)
    return gaps


# -- pages filled out without laying them out again ------------------------------------------------------------

FILLED_IN_PLACE = "/* filled out in place */\n"  # in a chunk's corrections: the rules after it were applied so
_FEATHER_RULE = re.compile(r'\[data-b="([^"]+)"\] \{ margin-top: (-?\d+\.\d\d)px !important; \}')


def split_filled(corrections: str) -> tuple[str, str]:
    """The corrections to lay out, and the rules (``feathered``'s) to apply to that layout in place."""
    head, mark, tail = corrections.partition(FILLED_IN_PLACE)
    return (head, tail) if mark else (corrections, "")


def fill_in_place(context, pages: list, rules: str) -> bool:
    """Apply *rules* (``feathered``'s margins above blocks of running text) to a laid-out chunk (*pages*: all
    the pages of its layout, the next chunk's first one too, if laid out) by moving its
    boxes down, as laying it out again with them would place them: each block starts its given margin below the
    block before it, what follows it on the page moves down as much, and the blocks holding it grow.  Line
    and page breaks are left as they are, which is what ``feathered`` makes sure of (the space added is less
    than the space left).  False, with nothing promised of the pages, when a rule is not one of those or
    a page is not plain running text (floats, positioned boxes, columns, clearance): then lay it out again."""
    wanted = {}
    for line in rules.splitlines():
        found = _FEATHER_RULE.fullmatch(line)
        if found is None:
            return False
        wanted[found.group(1)] = float(found.group(2))
    moved = []
    for page, following in zip(pages, [*pages[1:], None]):
        chains = _numbered_chains(page, wanted)
        if chains is None:
            return False
        if not chains:
            continue
        continued = set()
        if following is not None and _flow_root(following) is not None:
            continued = {id(getattr(box, "element", None)) for box in walk_boxes(_flow_root(following))}
        heights = _heights(_flow_root(page))
        for name, chain in reversed(chains):  # from the foot up: the blocks above the one moved are as laid out
            if not _move_down(chain, wanted.pop(name)):
                return False
        if not _refit(_flow_root(page), heights, continued):
            return False
        moved.append(page)
    if wanted:
        return False
    from .weasy import page_moved

    for page in moved:
        page_moved(context, page)
    return True


def _numbered_chains(page, names: dict) -> list | None:
    """(name, [the boxes from the page's flow root down to the block]) of each block of *names* that starts
    on *page*; None when the page holds a box that moving blocks down would not move as a new layout does."""
    chains: list = []
    root = _flow_root(page)
    if root is None:
        return chains

    def walk(box, chain: list) -> bool:
        if type(box).__name__ == "AbsolutePlaceholder" and box.element_tag.endswith("::marker"):
            return True  # a list item's number, placed beside the item: it moves with it
        if box.is_floated() or box.is_absolutely_positioned() or box.is_running():
            return False  # placed by rules of its own, which moving the blocks around it does not follow
        kind = type(box).__name__
        if kind in ("LineBox", "TextBox", "InlineBox") or "Replaced" in kind or kind.startswith("Table"):
            return True
        if kind != "BlockBox" or box.style["column_count"] not in ("auto", 1) or box.style["column_width"] != "auto":
            return False  # columns (a count or a width) are balanced again by a layout, not moved down
        element = getattr(box, "element", None)
        name = element.get("data-b") if element is not None else None
        if name in names and box.element_tag != "span" and all(name != done for done, _ in chains):
            chains.append((name, [*chain, box]))
        return all(walk(child, [*chain, box]) for child in box.children)

    plain = walk(root, [])
    return chains if plain or not chains else None


def _margins_below(box) -> list[float]:
    """The margins that collapse below *box*: its own, and its last child's when nothing parts them."""
    margins = [box.margin_bottom]
    children = [child for child in box.children if type(child).__name__ != "AbsolutePlaceholder"]
    if children and type(children[-1]).__name__ == "BlockBox" and not (box.border_bottom_width or box.padding_bottom):
        margins += _margins_below(children[-1])
    return margins


def _collapsed(margins: list[float]) -> float:
    """Adjoining margins collapsed into one (CSS 2, 8.3.1): the largest positive one and the most negative."""
    return max(0, *margins) + min(0, *margins)


def _move_down(chain: list, margin: float) -> bool:
    """Give the last box of *chain* a margin of *margin* above it (the gap to the block before it grows to
    it), moving it and what follows it down, in its block and in the blocks holding it (their heights are
    made again by ``_refit``)."""
    box, parent = chain[-1], chain[-2] if len(chain) > 1 else None
    if parent is None or getattr(box, "clearance", None) is not None:
        return False
    index = next((number for number, child in enumerate(parent.children) if child is box), 0)
    if not index:
        return False
    before = parent.children[index - 1]
    if type(before).__name__ != "BlockBox" or min(before.margin_bottom, box.margin_top) < 0:
        return False
    top = box.border_box_y()
    bottom = before.border_box_y() + before.border_height()
    above = _margins_below(before)
    if abs(_collapsed([*above, box.margin_top]) - (top - bottom)) > 0.0001:
        return False  # the space between the two blocks is not their margins collapsed: leave it to a layout
    shift = bottom + _collapsed([*above, margin]) - top
    box.translate(dy=shift)
    box.position_y -= margin - box.margin_top
    box.margin_top = margin
    for child in parent.children[index + 1:]:
        child.translate(dy=shift)
    for inner, outer in zip(reversed(chain[1:-1]), reversed(chain[:-2])):
        position = next(number for number, child in enumerate(outer.children) if child is inner)
        for child in outer.children[position + 1:]:
            child.translate(dy=shift)
    return True


def _blocks(root) -> list:
    """The block boxes under *root*, each after the blocks it holds."""
    found = []

    def walk(box) -> None:
        for child in getattr(box, "children", ()):
            if type(child).__name__ == "BlockBox":
                walk(child)
        found.append(box)

    walk(root)
    return found


def _content_end(box) -> float:
    ends = [child.border_box_y() + child.border_height() if type(child).__name__ != "LineBox"
            else child.position_y + child.height
            for child in box.children if type(child).__name__ != "AbsolutePlaceholder"]
    return max(ends, default=box.content_box_y())


def _drawn(box) -> bool:
    """Whether a block's height shows: it has a background, a border or an outline."""
    style = box.style
    return bool(getattr(box, "background", None) is not None
                or box.border_top_width or box.border_bottom_width or box.border_left_width
                or box.border_right_width or style["box_decoration_break"] == "clone"
                or (style["outline_width"] and style["outline_style"] != "none"))


def _heights(root) -> dict:
    """Of each block of a page: where what it holds ends, its height and where its content starts."""
    return {id(box): (_content_end(box), box.height, box.content_box_y()) for box in _blocks(root)}


def _refit(root, heights: dict, continued: set[int]) -> bool:
    """Give each block of a page whose blocks moved the height a layout would give it: taller or shorter
    by as much as what it holds ends lower or higher, and a block going on to the next page (its element
    in *continued*) reaching the foot of the page if it did.  False when that height is not known."""
    for box in _blocks(root):
        end, height, top = heights[id(box)]
        if box.height == "auto" or box.style["height"] != "auto":
            continue
        if box.min_height or box.max_height != float("inf"):
            return False
        content, now = end - top, _content_end(box) - box.content_box_y()  # what it holds, before and now
        if abs(now - content) < 1e-9 and abs(box.content_box_y() - top) < 1e-9:
            continue  # neither moved nor changed
        if _drawn(box):
            return False  # a ground or a frame drawn at the height found here: only a layout is sure of it
        if id(box.element) not in continued:
            box.height = height + now - content
            continue
        if height < content - 0.0001:
            return False  # not the height of what it holds: leave it to a layout
        if height > content + 0.0001:  # it reached the foot of the page: it still does, or goes past it
            box.height = max(now, top + height - box.content_box_y())
        elif now >= content - 0.0001:
            box.height = height + now - content
        else:
            return False  # how far the foot of the page is below it, a layout knows
    return True
