"""Each private name of WeasyPrint that bookbuild uses, through layout/weasy.py, on a small document.

A WeasyPrint release that renames or changes one of them fails its test
here, before a book comes out wrong; pyproject.toml pins WeasyPrint to the
versions these tests passed on.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from pathlib import Path

import pytest

weasyprint = pytest.importorskip("weasyprint")

from bookbuild.layout import weasy  # noqa: E402 (after the importorskip)
from bookbuild.pagemap import walk_boxes  # noqa: E402

MARGIN_CSS = "@page { size: 100mm 80mm; margin: 15mm; @bottom-center { content: counter(page) } }"


def lay_out(html: str, css: str = "", on_context=None):
    from weasyprint import CSS, DEFAULT_OPTIONS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    options = dict(DEFAULT_OPTIONS, stylesheets=[CSS(string=MARGIN_CSS + css, font_config=fonts)])
    return weasy.render(HTML(string=html), fonts, options, on_context)


def text_of(box) -> str:
    return "".join(child.text for child in walk_boxes(box) if hasattr(child, "text"))


def margin_texts(page) -> list[str]:
    return [text_of(child) for child in weasy.page_box(page).children if type(child).__name__ == "MarginBox"]


def test_page_box_is_the_pages_root_box():
    document = lay_out("<p>One</p>")
    box = weasy.page_box(document.pages[0])
    assert type(box).__name__ == "PageBox"
    assert next(child.element_tag for child in box.children if hasattr(child, "element_tag")) == "html"
    assert "One" in text_of(box)


def test_render_hands_the_layout_context_over_before_the_pages_are_made():
    seen = []
    document = lay_out("<p>One</p>", on_context=lambda context: seen.append(context))
    assert len(seen) == 1 and len(document.pages) == 1
    context = seen[0]
    for name in ("target_collector", "page_maker", "string_set", "get_string_or_element_for", "current_page",
                 "get_image_from_uri", "current_page_footnotes"):
        assert hasattr(context, name), name


def test_a_moved_page_has_its_backgrounds_and_anchors_read_again():
    seen = []
    html = '<p>One</p><div id="box" style="background: #ccc"><a href="#box">Two</a></div>'
    document = lay_out(html, on_context=seen.append)
    page = document.pages[0]
    block = next(box for box in walk_boxes(weasy.page_box(page)) if getattr(box, "element_tag", "") == "div")
    anchor_y, link_y = page.anchors["box"][1], page.links[0][2][1]
    painted_y = block.background.layers[0].painting_area[1]
    block.translate(dy=20)
    weasy.page_moved(seen[0], page)
    assert page.anchors["box"][1] == pytest.approx(anchor_y + 20)
    assert page.links[0][2][1] == pytest.approx(link_y + 20)
    assert block.background.layers[0].painting_area[1] == pytest.approx(painted_y + 20)


def test_without_a_hook_render_is_weasyprints_own():
    assert len(lay_out("<p>One</p>").pages) == len(weasyprint.HTML(string="<p>One</p>").render(
        stylesheets=[weasyprint.CSS(string=MARGIN_CSS)]).pages)


def test_margin_boxes_are_left_out_then_made_with_a_given_page_number():
    plain = lay_out("<p>One</p>")
    assert margin_texts(plain.pages[0]) == ["1"]
    contexts = []
    with weasy.margin_boxes_left_out():
        document = lay_out("<p>One</p>", on_context=contexts.append)
    page = document.pages[0]
    assert margin_texts(page) == []
    weasy.set_current_page(contexts[0], 1)
    weasy.make_margins(contexts[0], weasy.page_box(page), weasy.page_state(contexts[0], 0, 7, None))
    assert margin_texts(page) == ["7"]
    assert margin_texts(lay_out("<p>One</p>").pages[0]) == ["1"]  # and WeasyPrint is itself again


def test_page_counter_reads_each_pages_counter():
    contexts = []
    lay_out('<p>One</p><p style="break-before: page">Two</p><p style="break-before: page">Three</p>',
            on_context=contexts.append)
    assert [weasy.page_counter(contexts[0], index) for index in range(3)] == [1, 2, 3]


def test_the_pages_total_is_given_with_the_state():
    contexts = []
    css = "@page { @bottom-center { content: counter(page) '/' counter(pages) } }"
    with weasy.margin_boxes_left_out():
        document = lay_out("<p>One</p>", css, on_context=contexts.append)
    weasy.make_margins(contexts[0], weasy.page_box(document.pages[0]), weasy.page_state(contexts[0], 0, 3, 40))
    assert margin_texts(document.pages[0]) == ["3/40"]


def test_named_strings_are_read_and_carried_into_a_later_chunk():
    css = "h1 { string-set: title content() } @page { @top-center { content: string(title) } }"
    contexts = []
    with weasy.margin_boxes_left_out():
        lay_out("<h1>Hungary</h1><p>One</p>", css, on_context=contexts.append)
    strings = weasy.last_strings(contexts[0], 1)
    assert list(strings) == ["title"] and "Hungary" in str(strings["title"])
    later = []
    with weasy.margin_boxes_left_out():
        document = lay_out("<p>Two</p>", css, on_context=later.append)
    page = document.pages[0]
    with weasy.strings_carried_in(later[0], strings):
        weasy.set_current_page(later[0], 1)
        weasy.make_margins(later[0], weasy.page_box(page), weasy.page_state(later[0], 0, 2, None))
    assert "Hungary" in margin_texts(page)
    assert later[0].get_string_or_element_for.__name__ != "with_earlier_chunks"  # put back after the block


def test_known_targets_give_other_chunks_page_numbers_and_record_those_printed():
    css = "a.ref::after { content: target-counter(attr(href url), page) }"
    used = []
    document = lay_out('<p><a class="ref" href="#far">see page </a></p>', css,
                       on_context=lambda context: used.append(weasy.add_known_targets(context, {"far": 12,
                                                                                              "unused": 3})))
    assert "see page 12" in text_of(weasy.page_box(document.pages[0]))
    assert used[0] == {"far"}


def test_notes_stay_with_their_lines_answers_in_column_only_to_the_line_layout():
    from weasyprint.layout.block import _linebox_layout

    assert hasattr(_linebox_layout, "__code__")
    contexts = []
    lay_out("<p>One</p>", on_context=lambda context: (weasy.keep_notes_with_their_lines(context),
                                                       contexts.append(context)))
    context = contexts[0]
    assert type(context).__name__.startswith("NotesStay")
    assert context.in_column is False  # asked from here, not from _linebox_layout
    context.in_column = True
    assert context.in_column is True
    context.in_column = False


def test_weasyprint_is_the_version_pyproject_pins():
    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    [pin] = [line for line in pyproject["project"]["dependencies"] if line.startswith("weasyprint")]
    low, high = re.fullmatch(r"weasyprint>=([\d.]+),<([\d.]+)", pin).groups()

    def version(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split(".")[:2])

    assert version(low) <= version(weasyprint.__version__) < version(high)


NOTES_CSS = """
@page { @footnote { border-top: 0.5pt solid black; padding-top: 1mm; margin-top: 2mm; max-height: 50%; } }
.note { float: footnote; footnote-policy: line; font-size: 7pt; hyphens: auto; }
"""


def notes_document() -> str:
    words = "the crowd gathered at the statue while the radio building became the centre of a struggle "
    paragraphs = "".join(f'<p>{words * 2} call <span class="note">Note {n}: {words * (1 + n % 3)}</span> '
                         f'{words}</p>' for n in range(14))
    return f'<html lang="en"><body>{paragraphs}</body></html>'


def test_notes_laid_out_once_give_the_same_pages_and_lay_out_fewer_notes(monkeypatch):
    import weasyprint.layout.block as block
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox

    laid_out = block.block_level_layout
    notes = []

    def counting(context, box, *args, **kwargs):
        if isinstance(args[2] if len(args) > 2 else kwargs.get("containing_block"), FootnoteAreaBox):
            notes.append(box.element)
        return laid_out(context, box, *args, **kwargs)

    monkeypatch.setattr(block, "block_level_layout", counting)

    def pdf(remember: bool) -> tuple[bytes, int]:
        notes.clear()
        layout = weasy.footnotes_laid_out_once() if remember else contextlib.nullcontext()
        with layout:
            document = lay_out(notes_document(), NOTES_CSS, on_context=weasy.keep_notes_with_their_lines)
        return document.write_pdf(pdf_identifier=b"0" * 32), len(notes)

    plain, plain_notes = pdf(False)
    remembered, remembered_notes = pdf(True)
    assert remembered == plain
    assert len(pdf_pages(plain)) > 1
    assert remembered_notes * 3 < plain_notes * 2  # each note once per place, not again for each note after it
    assert block.block_level_layout is counting  # put back


def pdf_pages(data: bytes) -> list:
    import io

    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data)).pages


def test_a_leader_is_joined_into_one_run_of_the_same_dots_and_width():
    from weasyprint.formatting_structure.boxes import TextBox

    css = 'a::after { content: leader(". ") "12"; } li { list-style: none; }'
    contexts = []
    document = lay_out('<ul><li><a href="#x">Chapter one</a></li><li><a href="#x">Two</a></li></ul>', css,
                       on_context=contexts.append)
    page = weasy.page_box(document.pages[0])
    leaders = [box for box in walk_boxes(page) if getattr(box, "is_leader", False)]
    assert len(leaders) == 2 and all(len(box.children) > 3 for box in leaders)
    before = [(min(part.position_x for part in box.children),
               max(part.position_x + part.width for part in box.children),
               "".join(part.text for part in box.children)) for box in leaders]
    text_before = text_of(page)
    assert weasy.join_leaders(contexts[0], page) == 2
    for box, (left, right, dots) in zip(leaders, before):
        [run] = box.children
        assert isinstance(run, TextBox) and run.text == dots
        assert run.position_x == left and abs(run.position_x + run.width - right) < 0.01
    assert text_of(page) == text_before
    assert document.write_pdf()  # the joined run is drawn
