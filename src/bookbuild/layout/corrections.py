"""Turn a laid-out document into the CSS that mends what WeasyPrint's layout got wrong.

The book laid out whole and each chunk laid out in a worker (``worker.py``)
are mended alike, pass after pass (at most ``MAX_NOTE_CORRECTIONS``): a
long footnote that does not fit under its call is continued on the next
page; a block that pushed footnotes off the page of their call, or a heading
left at the foot of a page, starts the next page; a block holding a line broken too
early is set with its words a hair closer.  The handouts use the same test
for lines broken too early.
"""

from __future__ import annotations

from ..pagemap import walk_boxes
from .makeup import continuations_gone_wrong, deferrals, feathered, headings_pulled_up, notes_continued
from .weasy import page_box

MAX_NOTE_CORRECTIONS = 4  # layout passes spent keeping footnotes on the page of their call
HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6")
TIGHTER_WORD_SPACING = "-0.02em"  # for a block with a line WeasyPrint broke too early


def layout_corrections(document, tightened: set[str], done: str = "") -> str:
    """The CSS that mends what a layout got wrong, or "" when nothing needs mending.

    A block that pushed footnotes off their call's page, or a heading left at
    the foot of a page, starts a new page (with the headings just above it); a
    block with a line broken too early, and not *tightened* before, gets
    tighter word spacing and joins *tightened*; a figure that left a hole at
    the foot of the page before it moves down the text, so that the text fills
    the hole, and a footnote too long for the foot of its call's page is
    continued on the next page (``makeup.py``: a move written as a CSS
    comment, not made twice, *done* being the corrections so far; a note
    continued that did not come out as meant is set whole again).  The whole
    book laid out in one process and each chunk laid out in a worker are
    mended alike.
    """
    moves = (deferrals(document, done) or continuations_gone_wrong(document, done)
             or notes_continued(document, done, pushed=True))
    if moves:
        return moves  # the rest is looked at again in the rearranged layout
    blocks = with_their_headings(document, blocks_pushing_notes_away(document) + headings_left_behind(document))
    tight = [block for block in lines_broken_too_early(document) if block not in tightened]
    tightened.update(tight)
    mended = (headings_pulled_up(document, done)
              + "".join(f'[data-b="{block}"] {{ break-before: page; }}\n' for block in blocks)
              + "".join(f'[data-b="{block}"] {{ word-spacing: {TIGHTER_WORD_SPACING}; }}\n' for block in tight))
    if mended:
        return mended
    # Then a long footnote that took its line to the next page is continued there; the last step: pages
    # left short are filled out.
    return notes_continued(document, done) or feathered(document, done)


def blocks_pushing_notes_away(document) -> list[str]:
    """The blocks that made WeasyPrint move footnotes off the page of their call.

    When the second line of a paragraph does not fit at the foot of a page
    that already holds footnotes, WeasyPrint would rather move those notes to
    the next page than leave one line alone (an orphan).  A reader then looks
    for the note in vain.  The block that started at the foot of that page is
    returned, so that it can start on the next page instead.
    """
    call_page: dict[str, int] = {}
    body_page: dict[str, int] = {}
    last_block: dict[int, str] = {}
    for number, page in enumerate(document.pages):
        for box in walk_boxes(page_box(page)):
            element = getattr(box, "element", None)
            if element is None:
                continue
            block = element.get("data-b")
            if block and box.element_tag != "span":
                last_block[number] = block
            if "footnote" in (element.get("class") or "").split() and element.get("id"):
                kind = type(box).__name__
                if kind == "InlineBox":
                    call_page.setdefault(element.get("id"), number)
                elif kind == "BlockBox":
                    body_page.setdefault(element.get("id"), number)
    pages = sorted({call for note, call in call_page.items() if body_page.get(note, call) > call})
    return [last_block[page] for page in pages if page in last_block]


def with_their_headings(document, blocks: list[str]) -> list[str]:
    """Each block to move to the next page, or the heading(s) right before it, which must move with it."""
    order: list[tuple[str, str]] = []
    seen: set[str] = set()
    for page in document.pages:
        for box in walk_boxes(page_box(page)):
            element = getattr(box, "element", None)
            block = element.get("data-b") if element is not None else None
            if block and box.element_tag != "span" and block not in seen:
                seen.add(block)
                order.append((block, box.element_tag))
    position = {block: index for index, (block, _) in enumerate(order)}
    moved = []
    for block in blocks:
        index = position.get(block)
        while index and order[index - 1][1] in HEADING_TAGS:
            index -= 1
        moved.append(order[index][0] if index is not None else block)
    return list(dict.fromkeys(moved))


def early_breaks(document) -> list:
    """The block boxes with a word standing alone on a line in the middle of a paragraph.

    Now and then WeasyPrint (70, with ``hyphens`` other than ``auto``) ends a
    line that only just fits, then ends the next one after a single word
    although the words after it would fit: the word stands alone on a line of
    its own.  Spacing the words of the block a little tighter
    (``TIGHTER_WORD_SPACING``) gives a different, correct, set of lines.
    """
    from weasyprint.formatting_structure import boxes

    def texts(line) -> list:
        return [child for child in walk_boxes(line) if isinstance(child, boxes.TextBox)]

    found = []
    for page in document.pages:
        for box in walk_boxes(page_box(page)):
            if not isinstance(box, boxes.BlockContainerBox):
                continue
            right = box.content_box_x() + box.width  # where every line may end, beside a float too
            lines = [child for child in box.children if isinstance(child, boxes.LineBox)]
            for line, alone, following in zip(lines, lines[1:], lines[2:]):
                before, word, after = texts(line), texts(alone), texts(following)
                if not before or not word or not after or " " in "".join(t.text for t in word).strip():
                    continue
                em = word[0].style["font_size"]
                # The word would have fitted on the line before it, or the next word after it.
                fits_before = before[-1].position_x + before[-1].width + sum(t.width for t in word) + em / 3 < right
                next_word = after[0].text.strip().split(" ")[0]
                next_width = after[0].width * len(next_word) / max(len(after[0].text.strip()), 1)
                fits_after = word[-1].position_x + word[-1].width + next_width + em < right
                if fits_before or fits_after:
                    found.append(box)
                    break
    return found


def lines_broken_too_early(document) -> list[str]:
    """The numbered blocks of the main text (``data-b``) holding a line broken too early."""
    blocks = []
    for box in early_breaks(document):
        element = getattr(box, "element", None)
        block = element.get("data-b") if element is not None else None
        if block:
            blocks.append(block)
    return list(dict.fromkeys(blocks))


def headings_left_behind(document) -> list[str]:
    """The headings that end a page, their text on the next one: each is moved to the next page.

    WeasyPrint keeps a heading with what follows it (``break-after: avoid``)
    until footnotes take room from the page after the heading was placed; then
    the heading can be left alone at the foot of the page.
    """
    last: dict[int, tuple[str, str]] = {}
    for number, page in enumerate(document.pages):
        for box in walk_boxes(page_box(page)):
            element = getattr(box, "element", None)
            block = element.get("data-b") if element is not None else None
            if block and box.element_tag != "span":
                last[number] = (block, box.element_tag)
    return [block for block, tag in last.values() if tag in HEADING_TAGS]
