"""Turn a teacher edition into the student edition's pages with teacher pages interleaved ("15a", "15b").

An edition that shows teacher material with ``teacher-pages = "interleaved"``
(the built-in ``teacher`` edition) is printed as

1. the student edition's pages, laid out from the manuscript without the
   teacher material (same pages, same numbers, same contents page), and
2. after each student page that teacher material belongs to, a group of
   teacher pages numbered after it ("15a", "15b"), headed "Teacher notes ·
   page 15", holding in manuscript order the material anchored on that page:
   a block where it stood (after the student block before it), a teacher
   span with a few words of the sentence it is in, a whole teacher file after
   the last page of the part before it.

The material is read from the edition's own print HTML (every element marked
for the teacher, and the ``data-b`` numbers of the main text's blocks); the
student page of its anchor from the student pages' page map.  Each group
takes an even number of pages (a blank one added where needed) and starts on
the side that follows its student page, so that every student page stays on
its side of the spread.  The teacher pages are laid out as one more small
document, through the same layout cache, and their pages joined with the
student pages into one tagged PDF (``assemble.py``); each group is a bookmark
under its chapter.

The EPUB has the teacher material in the flow: the page map this module
returns numbers the student pages' places with the edition's own block
numbers, and places each teacher page at the start of its first block.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..labels import fill_label, interleaved_prefix
from ..pagemap import PageMapPart, PageStart, counted_characters, interleaved_label, join_page_map, part_key
from .assemble import Bookmark, ChunkPdf, assemble_pdf
from .book import BookLayout, LayoutRequest

END = 10 ** 9  # an offset past the end of any block
CONTEXT_WORDS = 8  # words of its sentence shown before an inline teacher span
_INLINE_TAGS = frozenset({"span", "a", "em", "strong", "i", "b", "code", "small", "sub", "sup", "abbr", "cite",
                          "mark", "q", "s", "u", "img", "br", "bdi", "bdo", "dfn", "kbd", "samp", "time", "var"})
_HEADING = re.compile(r"^h([1-6])$")
_EXCLUDED = frozenset({"footnote", "note-again"})  # not counted in the page map's places

# The teacher pages' own page style: a head naming the student page, and the folio "15a", "vi-a" (the group's string
# and a letter counted from the group's first page).  Nothing else of the book's running heads.
TEACHER_PAGES_CSS = """
@page teacher-notes { @top-left { content: none; } @top-right { content: none; }
  @bottom-left { content: none; } @bottom-right { content: none; } }
@page teacher-notes:left {
  @top-left { content: string(teacherhead); }
  @bottom-left { content: string(teacherpage) counter(page, lower-alpha); } }
@page teacher-notes:right {
  @top-right { content: string(teacherhead); }
  @bottom-right { content: string(teacherpage) counter(page, lower-alpha); } }
@page :nth(1 of teacher-notes) { counter-reset: page 1; @top-left { content: none; } @top-right { content: none; } }
.teacher-group { page: teacher-notes; counter-reset: footnote; }
.teacher-group p, .teacher-group li, .teacher-group dd { widows: 3; orphans: 3; }
.teacher-group.start-left { break-before: left; }
.teacher-group.start-right { break-before: right; }
.teacher-group-head { string-set: teacherhead content(), teacherpage attr(data-folio); bookmark-level: 2;
  bookmark-label: content(); font-family: "Andika", "DejaVu Sans", sans-serif; font-size: 8pt;
  letter-spacing: 0.04em; color: #2b4c7e; border-bottom: 0.5pt solid #2b4c7e; padding-bottom: 1mm;
  margin: 0 0 4mm; text-indent: 0; }
.teacher-group h1, .teacher-group h2, .teacher-group h3, .teacher-group h4, .teacher-group h5,
.teacher-group h6 { bookmark-level: 3; string-set: none; break-before: auto; }
.teacher-group h1 { font-size: 1.3em; margin: 0.5em 0; }
.teacher-group .teacher-inline { text-indent: 0; margin: 0.4em 0; padding-left: 2mm;
  border-left: 1.5pt solid #2b4c7e; }
.teacher-group .teacher-context { color: #555; font-style: italic; }
.teacher-group-end { height: 0; margin: 0; }
"""


@dataclass(frozen=True)
class TeacherBlock:
    """One piece of teacher material and where it stood among the student pages' blocks."""

    part: str  # the part of the book it is in ("#<chapter heading id>")
    block: int  # the student block it follows (or is in, for a span), numbered as the student pages number them
    offset: int  # letters and digits of that block before it (END: after the block)
    html: str  # its HTML, ids prefixed so as not to clash with the student pages'
    first: int = 0  # the edition's data-b number of its first numbered block (0: none), for the EPUB


@dataclass(frozen=True)
class TeacherMaterial:
    """Every piece of teacher material of an edition, in manuscript order, and the edition's block numbers."""

    blocks: tuple[TeacherBlock, ...]
    numbering: tuple[tuple[str, tuple[int, ...]], ...]  # (part, the edition's number of student block 1, 2 …)


@dataclass(frozen=True)
class TeacherGroup:
    """The teacher pages after one student page."""

    page: int  # the student page's index in the student pages, from 0
    label: str  # its printed number
    blocks: tuple[TeacherBlock, ...]

    @property
    def start_side(self) -> str:
        """The side its first page is on: the back of a right-hand student page is a left-hand one."""
        return "left" if self.page % 2 == 0 else "right"


def read_teacher_material(edition_html: str, teacher_classes: frozenset[str],
                          student_parts: frozenset[str]) -> TeacherMaterial:
    """The teacher material of an edition's print HTML (*edition_html*, with it in the flow): every element
    carrying one of *teacher_classes*, a heading's whole section with it, and each part (chapter) that is not
    among the student pages' *student_parts*."""
    from lxml import html as lxml_html

    document = lxml_html.document_fromstring(edition_html)
    body = document.find("body")
    blocks: list[TeacherBlock] = []
    numbering: list[tuple[str, tuple[int, ...]]] = []
    previous_part: str | None = None
    for section in body if body is not None else ():
        if not isinstance(section.tag, str):
            continue
        part = part_key(section)
        if part is None:
            continue
        if part not in student_parts:
            if previous_part is not None:  # a teacher file: after the last page of the part before it
                content = [copy.deepcopy(child) for child in section if isinstance(child.tag, str)]
                blocks.append(TeacherBlock(previous_part, END, END, _html_of(content), _first_number(content)))
            continue
        walker = _Walker(part, teacher_classes)
        walker.walk(section)
        blocks.extend(walker.found)
        numbering.append((part, tuple(walker.numbers)))
        previous_part = part
    return TeacherMaterial(tuple(blocks), tuple(numbering))


class _Walker:
    """Walks one part in document order, numbering the student blocks and taking the teacher material."""

    def __init__(self, part: str, teacher_classes: frozenset[str]):
        self.part = part
        self.teacher_classes = teacher_classes
        self.numbers: list[int] = []  # the edition's data-b number of each student block, in order
        self.found: list[TeacherBlock] = []
        self.current: object = None  # the student block being walked

    def is_teacher(self, element) -> bool:
        return bool(self.teacher_classes & set((element.get("class") or "").split()))

    def walk(self, element) -> None:
        children = [child for child in element if isinstance(child.tag, str)]
        skip_until_level: int | None = None
        for child in children:
            heading = _HEADING.match(child.tag)
            if skip_until_level is not None:
                if heading and int(heading.group(1)) <= skip_until_level:
                    skip_until_level = None
                else:
                    self.found[-1] = replace(self.found[-1], html=self.found[-1].html + _html_of([child]),
                                             first=self.found[-1].first or _first_number([child]))
                    continue
            if self.is_teacher(child):
                self.take(child)
                if heading:
                    skip_until_level = int(heading.group(1))
                continue
            number = _number(child)
            if number:
                self.numbers.append(number)
                self.current = child
            self.walk(child)

    def take(self, element) -> None:
        if element.tag in _INLINE_TAGS and self.current is not None:
            before = _text_before(self.current, element)
            words = " ".join(before.split()[-CONTEXT_WORDS:])
            inner = _inner_html(element)
            text = (f'<p class="teacher-inline"><span class="teacher-context">…{html.escape(words)}</span> '
                    f'{inner}</p>')
            self.found.append(TeacherBlock(self.part, len(self.numbers), counted_characters(before),
                                           _prefixed(text), 0))
            return
        self.found.append(TeacherBlock(self.part, len(self.numbers), END, _html_of([element]),
                                       _first_number([element])))


def _number(element) -> int:
    value = element.get("data-b") or ""
    return int(value.rsplit(":", 1)[1]) if ":" in value and value.rsplit(":", 1)[1].isdigit() else 0


def _first_number(elements) -> int:
    for element in elements:
        for inner in element.iter():
            if isinstance(inner.tag, str) and _number(inner):
                return _number(inner)
    return 0


def _text_before(block, target) -> str:
    """The text of *block* before *target* (notes left out, as the page map counts)."""
    parts: list[str] = []

    class Found(Exception):
        pass

    def visit(element) -> None:
        if element is target:
            raise Found
        excluded = bool(_EXCLUDED & set((element.get("class") or "").split()))
        if not excluded:
            parts.append(element.text or "")
        for child in element:
            if isinstance(child.tag, str) and not excluded:
                visit(child)
            parts.append(child.tail or "")

    try:
        visit(block)
    except Found:
        pass
    return "".join(parts)


def _inner_html(element) -> str:
    from lxml import etree

    text = html.escape(element.text or "")
    return text + "".join(etree.tostring(child, encoding="unicode", method="html") for child in element)


def _html_of(elements) -> str:
    from lxml import etree

    return _prefixed("".join(etree.tostring(copy.deepcopy(element), encoding="unicode", method="html",
                                            with_tail=False) for element in elements))


def _prefixed(text: str) -> str:
    """*text* with its ids (and the references to them within it) prefixed, apart from the student pages' ids."""
    own = set(re.findall(r'\sid="([^"]+)"', text))
    if not own:
        return text
    text = re.sub(r'(\sid=")([^"]+")', r"\1tp-\2", text)
    text = re.sub(r'(\saria-labelledby=")([^"]+)(")',
                  lambda m: m.group(1) + " ".join("tp-" + name if name in own else name
                                                  for name in m.group(2).split()) + m.group(3), text)
    return re.sub(r'(\shref="#)([^"]+)(")',
                  lambda m: m.group(1) + ("tp-" if m.group(2) in own else "") + m.group(2) + m.group(3), text)


# -- where the material goes ---------------------------------------------------------------------------------------


def group_material(material: TeacherMaterial, pages: Sequence[PageStart]) -> list[TeacherGroup]:
    """The teacher material gathered by the student page its anchor is on, in page order."""
    by_page: dict[int, list[TeacherBlock]] = {}
    for block in material.blocks:
        by_page.setdefault(anchor_page(block, pages), []).append(block)
    return [TeacherGroup(page, pages[page].label, tuple(blocks)) for page, blocks in sorted(by_page.items())]


def anchor_page(block: TeacherBlock, pages: Sequence[PageStart]) -> int:
    """The student page *block*'s anchor is on: the last page of its part that begins at or before it."""
    in_part = [index for index, page in enumerate(pages) if page.part == block.part]
    if not in_part:
        return len(pages) - 1
    before = [index for index in in_part if (pages[index].block, pages[index].offset) <= (block.block, block.offset)]
    return before[-1] if before else in_part[0]


def teacher_document(edition_html: str, groups: Sequence[TeacherGroup], labels: dict) -> str:
    """The teacher pages as an HTML document of their own: the edition's head, a section per group."""
    head = edition_html[:edition_html.index("<body")]
    body_tag = re.search(r"<body[^>]*>", edition_html)
    sections = []
    for number, group in enumerate(groups, start=1):
        title = fill_label(labels.get("teacher_pages", "Teacher notes · page {page}"), page=group.label)
        sections.append(
            f'<section class="teacher-group start-{group.start_side}" id="teacher-group-{number}" '
            f'aria-label="{html.escape(title)}">\n'
            f'<p class="teacher-group-head" data-page="{html.escape(group.label)}" '
            f'data-folio="{html.escape(interleaved_prefix(group.label))}">{html.escape(title)}</p>\n'
            + "\n".join(block.html for block in group.blocks)
            + f'\n<div class="teacher-group-end" id="teacher-group-{number}-end"></div>\n</section>')
    return head + (body_tag.group(0) if body_tag else "<body>") + "\n" + "\n".join(sections) + "\n</body>\n</html>\n"


# -- the interleaved book ----------------------------------------------------------------------------------------


def interleave(student: BookLayout, teacher: BookLayout | None, groups: Sequence[TeacherGroup],
               material: TeacherMaterial, request: LayoutRequest) -> BookLayout:
    """The student pages with each group's teacher pages after its student page: the edition's BookLayout."""
    first_page: dict[str, int] = dict(_first_pages(teacher)) if teacher is not None else {}
    student_map = join_page_map(student.page_map, "")
    after: dict[int, tuple[int, TeacherGroup]] = {group.page: (number, group)
                                                  for number, group in enumerate(groups, start=1)}
    order: list[tuple[int, int] | None] = []
    final_of_student: list[int] = []
    labels: list[str] = []
    starts: list[tuple[str | None, int, int]] = []
    folios: list[str | None] = []
    bookmarks: list[Bookmark] = []
    teacher_marks: dict[int, list[Bookmark]] = {}  # the groups' heads (level 2) and the teacher headings under them
    for mark in teacher.bookmarks if teacher is not None else ():
        teacher_marks.setdefault(mark.page, []).append(mark)
    numbers = dict(material.numbering)
    student_starts = [start for part in student.page_map for start in part.starts]
    for index, page in enumerate(student_map.pages):
        final_of_student.append(len(order))
        order.append((0, index))
        labels.append(page.label)
        part, block, offset = student_starts[index]
        own = numbers.get(part or "")
        if own and 0 < block <= len(own):
            block = own[block - 1]
        starts.append((part, block, offset))
        folios.append(page.label)  # as the student pages number it (their own folios infer the unprinted ones)
        if index not in after or teacher is None:
            continue
        number, group = after[index]
        first = first_page.get(f"teacher-group-{number}")
        last = first_page.get(f"teacher-group-{number}-end", first)
        if first is None or last is None:  # every group has a head: it is on a page, or the layout lost it
            raise RuntimeError(f"the teacher pages after page {page.label} were not laid out")
        place = next(((block.part, block.first, 0) for block in group.blocks if block.first), (None, 0, 0))
        for count, teacher_page in enumerate(range(first, max(first, last) + 1), start=1):
            bookmarks.extend(replace(mark, page=len(order)) for mark in teacher_marks.get(teacher_page, ()))
            order.append((1, teacher_page))
            label = interleaved_label(page.label, count)
            labels.append(label)
            starts.append(place)
            folios.append(label)
        if (max(first, last) - first + 1) % 2:  # an even number of pages: the student pages keep their sides
            order.append(None)
            label = interleaved_label(page.label, max(first, last) - first + 2)
            labels.append(label)
            starts.append(place)
            folios.append(label)
    marks = [replace(mark, page=final_of_student[mark.page]) for mark in student.bookmarks]
    bookmarks = sorted(marks + bookmarks, key=lambda mark: mark.page)  # stable: each page's marks keep their order
    first_seen = tuple((element_id, final_of_student[at]) for element_id, at in _first_pages(student))
    references = tuple(sorted({name for part in student.page_map for name in part.references}))
    page_map = (PageMapPart(tuple(starts), tuple(folios), first_seen, references),)
    pdf = None
    if request.want_pdf and student.pdf is not None and teacher is not None and teacher.pdf is not None:
        pdf = assemble_pdf([ChunkPdf(student.pdf, None), ChunkPdf(teacher.pdf, None)], bookmarks,
                           request.identifier, tagged=request.tagged, created=request.created, labels=labels,
                           order=order)
    elif request.want_pdf:
        pdf = student.pdf
    findings = tuple(replace(finding, page=final_of_student[finding.page])
                     if 0 <= finding.page < len(final_of_student) else finding for finding in student.findings)
    if teacher is not None:
        teacher_final = {page: final for final, place in enumerate(order)
                         if place is not None and place[0] == 1 for page in [place[1]]}
        findings += tuple(replace(finding, page=teacher_final[finding.page]) for finding in teacher.findings
                          if finding.page in teacher_final)
    return BookLayout(page_count=len(order), pdf=pdf, page_map=page_map, findings=findings,
                      last_page_alone=student.last_page_alone, chunks=student.chunks, bookmarks=tuple(bookmarks),
                      anchors=student.anchors)


def _first_pages(laid_out: BookLayout) -> list[tuple[str, int]]:
    """(id, the page it first appears on) for every id of a laid-out book, pages counted through the book."""
    found: dict[str, int] = {}
    offset = 0
    for piece in laid_out.page_map:
        for element_id, at in piece.first_page:
            found.setdefault(element_id, offset + at)
        offset += len(piece.starts)
    return list(found.items())


def teacher_request(student: LayoutRequest, edition_html: str, groups: Sequence[TeacherGroup],
                    labels: dict, tight: frozenset[int] = frozenset()) -> LayoutRequest:
    """What to lay out for the teacher pages: their document, with the student pages' styles and theirs;
    the groups numbered in *tight* (from 1) set closer (``TIGHT_GROUP_CSS``)."""
    css = TEACHER_PAGES_CSS + "".join(TIGHT_GROUP_CSS.format(group=number) for number in sorted(tight))
    styles = replace(student.styles, sheets=student.styles.sheets + (("css", css),))
    return replace(student, html=teacher_document(edition_html, groups, labels), styles=styles,
                   plan=student.plan + "-teacher-pages", label=student.label + " (teacher pages)")


# A group of teacher pages that runs over on to an odd page takes a blank page more (the student pages keep
# their sides): set closer, it may end a page earlier and save the sheet.
TIGHT_GROUP_CSS = """#teacher-group-{group}, #teacher-group-{group} * {{ line-height: 1.22; }}
#teacher-group-{group} p, #teacher-group-{group} li {{ margin-top: 0.15em; margin-bottom: 0.15em; }}
"""


def group_pages(laid_out: BookLayout, count: int) -> dict[int, int]:
    """How many pages each of the *count* groups of laid-out teacher pages takes (groups numbered from 1)."""
    first = dict(_first_pages(laid_out))
    pages = {}
    for number in range(1, count + 1):
        start = first.get(f"teacher-group-{number}")
        end = first.get(f"teacher-group-{number}-end", start)
        if start is not None and end is not None:
            pages[number] = max(start, end) - start + 1
    return pages


def overrunning_groups(laid_out: BookLayout, count: int) -> frozenset[int]:
    """The groups that take an odd number of pages, three or more: each is followed by a blank page."""
    return frozenset(number for number, pages in group_pages(laid_out, count).items() if pages >= 3 and pages % 2)
