"""Turn a laid-out chunk into the moves that keep a figure from leaving a hole (page makeup).

WeasyPrint has no page floats: a figure (or a table, a box, a listing kept
whole) that does not fit at the foot of a page goes to the next one and leaves
the foot of its page empty.  A book designer would let the text run on and set
the figure at the top of the next page, as LaTeX and InDesign do.  This module
finds such a figure in a layout and says where to move it in the document:
after the text that fills the hole, the paragraph crossing the page turn split
in two there (its second part ``class="continued"``: no indent, no space
above).  A figure is never carried past the next heading or the end of its
chapter, and keeps its number (numbers are given when the book is rendered).

The moves are written into the layout's corrections as CSS comments
(``/* defer … */``), so that they are kept in the layout cache with the CSS
rules and applied again, before every layout of the chunk, to a freshly parsed
document (``rearrange``): the result does not depend on the process, the
number of workers or the cache.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ElementTree
from typing import Any

from ..pagemap import walk_boxes
from .weasy import page_box

HOLE_LINES = 2.0  # a figure is deferred when it leaves more than this many lines empty at the foot of its page
MOVES_PER_FIGURE = 2  # a figure moved down the text once may be moved further once, when the text after it
# was on a later page the first time (and could not be measured)
WHOLE_TAGS = ("figure", "table", "pre")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6", "header")
_INVISIBLE = "\u00ad\u200b\u2060\u2010"  # soft hyphen, zero-width space, word joiner, the hyphen a line break adds
_MOVE = re.compile(r"/\* defer (\S+) (before|after|into|split) (\S+)(?: at (\d+))?( justify)? \*/")


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
    body = _flow_root(following)
    if body is None:
        return None
    first = _first_flow_block(body)
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
            root = _flow_root(after_that)
            start = _first_flow_block(root) if root is not None else None
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
        if getattr(box, "pseudo_type", None):
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
    return "/* defer " in corrections


def rearrange(root, corrections: str) -> None:
    """Make in the document at *root* (an ElementTree element) the moves written in *corrections*, in order."""
    for match in _MOVE.finditer(corrections):
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


# -- headings that would fit with less space above them ------------------------------------------------------

TIGHT_HEADING_SPACE = "0.3em"  # the space above a heading that ends a page short of its foot otherwise


def headings_pulled_up(document, done: str) -> str:
    """CSS that sets a little less space above a heading that opens a page when the page before ends more
    than ``HOLE_LINES`` short: with it, the heading and its first lines may fit there (else nothing changes,
    as the space above a heading at the top of a page is dropped anyway)."""
    pages = list(document.pages)
    rules = []
    for page, following in zip(pages, pages[1:]):
        root = _flow_root(following)
        first = _first_flow_block(root) if root is not None else None
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
        root = _flow_root(page)
        first = _first_flow_block(root) if root is not None else None
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
    chains = []
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
        if kind != "BlockBox" or box.style["column_count"] not in ("auto", 1):
            return False
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
