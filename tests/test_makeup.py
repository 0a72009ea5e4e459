"""Page makeup: a figure that does not fit waits at the top of the next page; large print's figures."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from bookbuild.layout.makeup import rearrange
from bookbuild.layout_check import check_layout
from bookbuild.render.book import edition_variant

from .conftest import SAMPLE

TEXT = ("The council met in the old hall every morning, and the members argued about the harvest, the roads "
        "and the school until noon, when the bell rang and everybody went home to eat. ")
TALL_FIGURE = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100mm" height="100mm">'
               '<rect x="1" y="1" width="98" height="98" fill="#ddd" stroke="#000"/></svg>\n')


def _build(root: Path) -> Path:
    result = subprocess.run([sys.executable, "-m", "bookbuild", "build", "pdf", "-q", "--project", str(root)],
                            capture_output=True, text=True, cwd=root, timeout=600)
    assert result.returncode == 0, result.stderr
    return root / "build" / "deferred.pdf"


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    return text.split("\f")


def test_a_figure_that_does_not_fit_waits_at_the_top_of_the_next_page_while_the_text_runs_on(project):
    before = "".join(f"{TEXT * 2}\n\n" for _ in range(8))
    after = "".join(f"Paragraph {n} after. {TEXT * 2}\n\n" for n in range(1, 7))
    root = project({
        "manuscript/book.toml": 'title = "Deferred"\npublisher = "A School"\npaper-size = "A5"\n',
        "manuscript/images/tall.svg": TALL_FIGURE,
        "manuscript/01.md": (f"# One\n\n{before}![A grey box.](images/tall.svg \"The grey box.\"){{#fig:box}}\n\n"
                             f"{after}See @fig:box.\n"),
    })
    pdf = _build(root)
    pages = _pages(pdf)
    [figure_page] = [index for index, page in enumerate(pages) if "Figure 1.1: The grey box." in page]
    # The text written after the figure filled the page before it; the figure opens its page (under the
    # running head), the rest of the split paragraph follows it without an indent.
    assert "Paragraph 3 after." in pages[figure_page - 1]
    body = [line for line in pages[figure_page].splitlines() if line.strip()]
    assert body[1].strip() == "Figure 1.1: The grey box."
    assert not body[2].startswith(" ")
    # Its number and the reference to it are unchanged, and no page is left short.
    assert "See Figure 1.1." in "".join(pages)
    assert check_layout(pdf) == []


def test_a_figure_is_not_carried_past_the_next_heading(project):
    before = "".join(f"{TEXT * 2}\n\n" for _ in range(8))
    root = project({
        "manuscript/book.toml": 'title = "Deferred"\npublisher = "A School"\npaper-size = "A5"\n',
        "manuscript/images/tall.svg": TALL_FIGURE,
        "manuscript/01.md": (f"# One\n\n{before}![A grey box.](images/tall.svg \"The grey box.\")\n\n"
                             f"## Next\n\nParagraph after. {TEXT * 6}\n"),
    })
    pages = _pages(_build(root))
    [figure_page] = [index for index, page in enumerate(pages) if "The grey box." in page]
    assert pages[figure_page].index("The grey box.") < pages[figure_page].index("Next")


def _chapter() -> ElementTree.Element:
    return ElementTree.fromstring(
        '<body><section class="chapter"><figure data-b="c:0"><img/></figure>'
        '<p data-b="c:1" id="p">One two <em>three four</em> five six.<span class="footnote" id="n1">A note.</span>'
        ' Seven eight.</p></section></body>')


def test_a_paragraph_is_split_where_the_page_turned_and_the_figure_set_between():
    root = _chapter()
    rearrange(root, "/* defer c:0 into c:1 at 11 justify */\n")  # after "One two three": 11 visible characters
    first, figure, rest = list(root[0])
    assert (first.tag, figure.tag, rest.tag) == ("p", "figure", "p")
    assert "".join(first.itertext()) == "One two three "
    assert "".join(rest.itertext()) == "four five six.A note. Seven eight."
    assert rest.get("class") == "continued" and rest.get("data-b") is None and rest.get("id") is None
    assert first.get("class") == "runs-on" and first.get("id") == "p"
    assert len(root.findall(".//span[@id='n1']")) == 1 and len(root.findall(".//em")) == 2


def test_a_word_broken_at_the_page_turn_keeps_its_hyphen_and_a_move_without_a_split():
    root = _chapter()
    rearrange(root, "/* defer c:0 into c:1 at 8 */\n")  # "One two th-" / "ree four"
    first, _, rest = list(root[0])
    assert "".join(first.itertext()) == "One two th\u2010" and first.get("class") is None
    assert "".join(rest.itertext()).startswith("ree four")
    moved = _chapter()
    rearrange(moved, "/* defer c:0 after c:1 */\n")
    assert [element.tag for element in moved[0]] == ["p", "figure"]


@pytest.mark.parametrize("figure", ["hungary-map.svg", "timeline-1956.svg"])
def test_large_print_uses_each_figures_large_print_variant_whose_text_is_at_least_the_body_size(figure):
    images = SAMPLE / "manuscript" / "images"
    variant = images / figure.replace(".svg", ".large-print.svg")
    assert edition_variant(images / figure, "large-print") == variant
    assert edition_variant(images / figure, "student") == images / figure
    svg = variant.read_text(encoding="utf-8")
    view_width, view_height = (float(n) for n in re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)', svg).groups())
    text_width_mm = 210 - 22 - 18  # A4 less the large print's inner and outer margins: the figure's width
    # Not shrunk by the large print's largest figure height (225 mm, object-fit: contain).
    assert view_height * text_width_mm / view_width <= 225, f"{figure}'s variant is too tall: it would be shrunk"
    smallest = min(float(size) for size in re.findall(r'font-size="([0-9.]+)"', svg))
    smallest_pt = smallest * text_width_mm / view_width / 25.4 * 72
    assert smallest_pt >= 18, f"the smallest label of {figure}'s variant is {smallest_pt:.1f} pt"


# -- facing pages ----------------------------------------------------------------------------------------------

_PAGE_CSS = ("@page { size: 120mm 150mm; margin: 15mm; } html { font: 10pt/14pt serif; } "
             "p { margin: 0; orphans: 2; widows: 2; } .box { break-inside: avoid; margin: 6pt 0; }")


def _laid_out(html: str, css: str):
    from weasyprint import CSS, HTML

    return HTML(string=html).render(stylesheets=[CSS(string=_PAGE_CSS + css)])


def _text_bottom(page) -> float:
    from bookbuild.layout.makeup import _content_bottom, _floor

    return _floor(page) - _content_bottom(page)


def test_a_page_left_short_is_filled_out_without_moving_a_line():
    from bookbuild.layout.makeup import feathered

    line = "A line of words that fills the measure of this small page nearly to its end and then"
    for count in range(6, 20):
        paragraphs = "".join(f'<p data-b="c:{n}">{line} {n}.</p>' for n in range(1, count))
        box = "".join(f"<p>Kept whole {n}.</p>" for n in range(6))
        html = (f'<html><body><section class="chapter">{paragraphs}<div class="box" data-b="c:90">{box}</div>'
                f'{paragraphs.replace("c:", "d:")}</section></body></html>')
        document = _laid_out(html, "")
        step = 14 * 4 / 3
        if 2 * step < _text_bottom(document.pages[0]) < 6 * step:
            break
    else:
        raise AssertionError("no page left short")
    before = [page for page in document.pages]
    css = feathered(document, "")
    assert css
    after = _laid_out(html, css).pages
    assert len(after) == len(before)
    assert _text_bottom(after[0]) < 1.5 * step  # the page now ends with its facing page, within a line
    # The same lines on each page: nothing was moved to another page.
    def lines(page):
        return [round(box.position_y) for box in page._page_box.descendants() if type(box).__name__ == "LineBox"]
    assert len(lines(after[0])) == len(lines(before[0]))


def _laid_out_with_context(html: str, css: str):
    from weasyprint import CSS, DEFAULT_OPTIONS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from bookbuild.layout import weasy

    fonts = FontConfiguration()
    captured = []
    options = dict(DEFAULT_OPTIONS, stylesheets=[CSS(string=_PAGE_CSS + css, font_config=fonts)])
    document = weasy.render(HTML(string=html), fonts, options, captured.append)
    return document, captured[0]


def _geometry(document) -> list:
    return [(type(box).__name__, round(box.position_y, 6), round(box.margin_top, 6), round(box.height, 6))
            for page in document.pages for box in page._page_box.descendants()
            if isinstance(box.margin_top, float | int) and isinstance(box.height, float | int)]


def _short_page_book(lists: bool) -> tuple[str, str]:
    """A chapter whose first page is left short (paragraphs, a box of paragraphs, a list and a heading), and
    the rules ``feathered`` gives it."""
    from bookbuild.layout.makeup import feathered

    line = "A line of words that fills the measure of this small page nearly to its end and then"
    for count in range(4, 20):
        paragraphs = "".join(f'<p data-b="c:{n}">{line} {n}.</p>' for n in range(1, count))
        box = "".join(f"<p>Kept whole {n}.</p>" for n in range(6))
        items = ('<ul data-b="c:80"><li>One</li><li>Two</li></ul><h2 data-b="c:81">Heading</h2>'
                 '<p data-b="c:82">After the heading.</p>' if lists else "")
        html = (f'<html><body><section class="chapter">{paragraphs}{items}<div class="box" data-b="c:90">{box}'
                f'</div>{paragraphs.replace("c:", "d:")}</section></body></html>')
        document, _ = _laid_out_with_context(html, "h2 { margin: 12pt 0 4pt; } ul { margin: 5pt 0; }")
        css = feathered(document, "")
        if css and _text_bottom(document.pages[0]) < 6 * 14 * 4 / 3:
            return html, css
    raise AssertionError("no page left short")


@pytest.mark.parametrize("lists", [False, True])
def test_a_page_filled_out_in_place_is_the_page_laid_out_again(lists):
    """Moving the boxes down (``fill_in_place``) gives the boxes and the PDF that laying out again with the
    rules gives: the worker keeps the moved layout instead of laying the chunk out a second time."""
    from bookbuild.layout.makeup import fill_in_place

    base = "h2 { margin: 12pt 0 4pt; } ul { margin: 5pt 0; }"
    html, css = _short_page_book(lists)
    again, _ = _laid_out_with_context(html, base + css)
    moved, context = _laid_out_with_context(html, base)
    before = _geometry(moved)
    assert fill_in_place(context, list(moved.pages), css)
    assert _geometry(moved) != before  # something moved
    assert _geometry(moved) == _geometry(again)
    assert moved.write_pdf() == again.write_pdf()


def test_a_page_with_a_float_is_laid_out_again_not_filled_in_place():
    from bookbuild.layout.makeup import fill_in_place

    html, css = _short_page_book(False)
    floated = html.replace('<p data-b="c:2">', '<p style="float: right; width: 20mm">Aside.</p><p data-b="c:2">')
    document, context = _laid_out_with_context(floated, "")
    assert not fill_in_place(context, list(document.pages), css)
    assert not fill_in_place(context, list(document.pages), '[data-b="c:2"] { margin-top: 0.3em; }\n')


def test_a_page_whose_framed_box_would_grow_is_laid_out_again_not_filled_in_place():
    """A block with a border or a ground shows its height: how tall a layout makes it is left to the layout."""
    from bookbuild.layout.makeup import fill_in_place

    html, css = _short_page_book(False)
    document, context = _laid_out_with_context(html, "")
    assert fill_in_place(context, list(document.pages), css)
    framed = html.replace('<section class="chapter">', '<section class="chapter" style="border-left: 1px solid">')
    document, context = _laid_out_with_context(framed, "")
    assert not fill_in_place(context, list(document.pages), css)


def test_corrections_filled_in_place_are_split_from_those_laid_out():
    from bookbuild.layout.makeup import FILLED_IN_PLACE, split_filled

    assert split_filled("a { }\n") == ("a { }\n", "")
    assert split_filled("a { }\n" + FILLED_IN_PLACE + "b { }\n") == ("a { }\n", "b { }\n")


def test_the_sample_student_booklet_has_no_layout_fault(sample_build):
    assert [fault.message() for fault in check_layout(sample_build["pdf"])] == []


# -- a footnote too long for the foot of its call's page --------------------------------------------------------

NOTE = ("The minutes of the council were kept by the schoolmaster, who wrote them in a blue exercise book that is "
        "now in the county archive; they record every vote, the names of those who spoke, the price of grain that "
        "week and, now and then, a complaint about the state of the road to the mill, which flooded every spring "
        "and cut the village off from the market for days at a time. ")


def test_a_long_note_that_does_not_fit_under_its_call_is_continued_on_the_next_page(project):
    before = "".join(f"{TEXT * 2}\n\n" for _ in range(3))
    words = " ".join(["word"] * 36)
    after = "".join(f"Paragraph {n} after. {TEXT * 2}\n\n" for n in range(1, 5))
    root = project({
        "manuscript/book.toml": 'title = "Deferred"\npublisher = "A School"\npaper-size = "A5"\n',
        "manuscript/01.md": (f"# One\n\n{before}{words} {TEXT}The call is here.[^long] {TEXT * 3}\n\n{after}"
                             f"The last paragraph calls another note.[^short]\n\n"
                             f"[^long]: {NOTE}And then some more: {NOTE}The end of the long note.\n\n"
                             f"[^short]: A short note.\n"),
    })
    pdf = _build(root)
    pages = _pages(pdf)
    [call_page] = [index for index, page in enumerate(pages) if "The call is here.1" in page]
    here, following = pages[call_page], pages[call_page + 1]
    # The call's line stays where it falls, with the first lines of its note under it ...
    assert "1. The minutes of the council" in here
    assert "The end of the long note." not in here
    # ... and the rest heads the next page's notes, without a number: one note, numbered once.
    notes = following[following.index("Paragraph 1 after"):]
    assert "The end of the long note." in notes
    assert not re.search(r"^\s*\d+\. ", following, re.MULTILINE)
    text = " ".join(" ".join(pages).split())
    assert "2. A short note." in text and "3. " not in text
    # No page is left short.
    assert check_layout(pdf) == []


def test_a_continued_note_is_cut_where_its_line_ended_and_the_rest_called_from_the_next_page():
    root = ElementTree.fromstring(
        '<body><section class="chapter"><p data-b="c:1">One two.<span class="footnote" id="n1">A long note '
        '<em>that goes on</em> and on.</span> Three.</p><p data-b="c:2">Four five six.</p></section></body>')
    rearrange(root, "/* continue-note n1 at 13 in c:2 4 */\n")  # "A long note that" / "goes on and on."
    first, second = list(root[0])
    [note] = first.findall(".//span[@id='n1']")
    assert "".join(note.itertext()) == "A long note that "
    [rest] = second.findall("span")
    assert rest.get("class") == "footnote note-continued" and rest.get("data-note-continues") == "n1"
    assert rest.get("id") is None and "".join(rest.itertext()) == "goes on and on."
    assert second.text == "Four" and rest.tail == " five six."  # called after the line's first word
    undone = ElementTree.fromstring(ElementTree.tostring(_chapter()))
    rearrange(undone, "/* continue-note n1 at 3 in c:1 2 */\n/* continue-note n1 off */\n")
    assert ElementTree.tostring(undone) == ElementTree.tostring(_chapter())


def test_a_chunk_filled_in_place_is_the_chunk_laid_out_again_and_the_cached_one(monkeypatch):
    """The worker keeps a chunk's pages filled out in place (one layout, not two); laid out again from the
    cache's corrections, or with those corrections laid out as CSS, it gives the same PDF."""
    from dataclasses import replace

    from bookbuild.layout import worker
    from bookbuild.layout.makeup import FILLED_IN_PLACE
    from bookbuild.layout.worker import FinishJob, LayoutJob, Styles

    html, _ = _short_page_book(True)
    styles = Styles((("css", _PAGE_CSS + "h2 { margin: 12pt 0 4pt; } ul { margin: 5pt 0; }"),), "file:///", ("/",),
                    "pdf/ua-1")
    renders = []
    render = worker._render
    monkeypatch.setattr(worker, "_render", lambda *args: renders.append(args[3]) or render(*args))

    def pdf(job: LayoutJob) -> tuple[bytes, str]:
        layout = worker.lay_out_chunk(job)
        finished = worker.finish_chunk(FinishJob(job.key, job.label, 0, None, (), True, "id", False, "/"))
        return finished.pdf, layout.corrections

    job = LayoutJob("cold", "chapter", html, styles, "right", (), False)
    cold, corrections = pdf(job)
    assert corrections.startswith(FILLED_IN_PLACE)  # the pages were filled out, and nothing else mended
    assert len(renders) == 1  # not laid out again for it
    cached, _ = pdf(replace(job, key="cached", corrections=corrections))
    laid_out, _ = pdf(replace(job, key="again", corrections=corrections.replace(FILLED_IN_PLACE, "")))
    assert cold == cached == laid_out
    assert FILLED_IN_PLACE not in renders[-1] and "margin-top" in renders[-1]


def test_a_page_with_columns_set_by_their_width_is_laid_out_again_not_filled_in_place():
    """Columns given a width (``columns: 20mm``, count auto) are balanced again by a layout: moving the blocks
    of the first column down would leave the next one where it was."""
    from bookbuild.layout.makeup import fill_in_place

    html, css = _short_page_book(False)
    columns = html.replace('<div class="box" data-b="c:90">', '<div class="box" data-b="c:90" style="columns: 20mm">')
    document, context = _laid_out_with_context(columns, "")
    assert not fill_in_place(context, list(document.pages), css)


def test_a_line_opening_with_a_drop_letter_is_read_with_that_letter():
    # WeasyPrint takes a ::first-letter out of the text into a box of its own; it is still the text's (a cut
    # counted without it would fall one letter early), unlike a note's call or a ::before.
    from bookbuild.layout.makeup import _line_text

    document = _laid_out('<p>Words open this paragraph.</p><p class="b">Second.</p>',
                         "p:first-child::first-letter { font-size: 2em; } .b::before { content: '§ '; }")
    lines = [box for box in document.pages[0]._page_box.descendants() if type(box).__name__ == "LineBox"]
    assert [_line_text(line) for line in lines] == ["Words open this paragraph.", "Second."]

