"""The default theme's typographic rules, checked on laid-out pages (WeasyPrint boxes), for any book."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from weasyprint import CSS, HTML

THEME = Path(__file__).resolve().parents[1] / "src" / "bookbuild" / "theme" / "css"
HYPHEN = "\u2010"
LONG_WORDS = ("Counterrevolutionaries internationalization responsibilities notwithstanding "
              "establishment characteristically indistinguishable representatives ") * 3


def lay_out(body: str, *sheets: str, page: str = "@page { size: 90mm 160mm; }"):
    html = f'<html lang="en"><body>{body}</body></html>'
    stylesheets = [CSS(filename=str(THEME / name)) for name in sheets or ("common.css", "print.css")]
    return HTML(string=html).render(stylesheets=[*stylesheets, CSS(string=page)])


def boxes(box, kind: str):
    if type(box).__name__ == kind:
        yield box
    for child in getattr(box, "children", ()):
        yield from boxes(child, kind)


def text_of(box) -> str:
    return getattr(box, "text", "") + "".join(text_of(child) for child in getattr(box, "children", ()))


def element_boxes(document, tag: str, class_name: str | None = None):
    for page in document.pages:
        for box in boxes(page._page_box, "BlockBox") if tag != "td" else boxes(page._page_box, "TableCellBox"):
            if box.element_tag == tag and (class_name is None or class_name in (box.element.get("class") or "")):
                yield box


def lines_of(box) -> list:
    return list(boxes(box, "LineBox"))


def test_a_table_cell_is_ragged_right_and_unhyphenated():
    cell_text = "Soviet soldiers killed in the fighting of October and November, as counted later by historians " * 2
    document = lay_out(f"<table><tr><th>What was counted</th><th>Figure</th></tr>"
                       f"<tr><td>{cell_text}</td><td>about 31,500 soldiers</td></tr></table>")
    cell = next(element_boxes(document, "td"))
    assert cell.style["text_align_all"] == "left" and cell.style["hyphens"] == "manual"
    lines = lines_of(cell)
    assert len(lines) > 3
    right = cell.content_box_x() + cell.width
    ends = [max(t.position_x + t.width for t in boxes(line, "TextBox")) for line in lines[:-1]]
    assert any(right - end > 3 for end in ends)  # ragged: not every line reaches the cell's edge
    assert not any(text_of(line).rstrip().endswith(HYPHEN) for line in lines)


def test_columns_take_their_width_from_their_content():
    document = lay_out("<table><tr><td>1956</td><td>" + "A long event description that fills the column. " * 4
                       + "</td></tr></table>")
    first, second = list(element_boxes(document, "td"))[:2]
    assert len(lines_of(first)) == 1  # the short column is not squeezed
    assert first.width < second.width / 3


@pytest.mark.parametrize("markup", [f"<h1>{LONG_WORDS}</h1>", f"<h2>{LONG_WORDS}</h2>",
                                    f'<p><span class="smallcaps">{LONG_WORDS}</span></p>',
                                    f"<p><abbr>{LONG_WORDS}</abbr></p>",
                                    f"<table><caption>{LONG_WORDS}</caption></table>",
                                    f'<div class="callout"><p class="callout-label">{LONG_WORDS}</p></div>'])
def test_headings_titles_and_small_caps_are_never_hyphenated(markup):
    document = lay_out(markup)
    lines = [text_of(line) for page in document.pages for line in boxes(page._page_box, "LineBox")]
    assert len(lines) > 3
    assert not any(line.rstrip().endswith(HYPHEN) for line in lines)


def test_running_text_hyphenates_with_three_letters_each_side_and_keeps_short_words_whole():
    words = "The establishment of representative institutions was notwithstanding characteristically slow; " \
            "elected bodies voted, others waited. "
    document = lay_out(f"<p>{words * 12}</p>")
    lines = [text_of(line).rstrip() for page in document.pages for line in boxes(page._page_box, "LineBox")]
    hyphenated = [(line, following) for line, following in itertools.pairwise(lines) if line.endswith(HYPHEN)]
    assert hyphenated, "the paragraph should hyphenate somewhere at this measure"
    for line, following in hyphenated:
        before = re.findall(r"\w+", line)[-1]
        after = re.findall(r"\w+", following)[0]
        assert len(before) >= 3 and len(after) >= 3, (line, following)
        assert len(before + after) >= 8


@pytest.mark.parametrize("markup", [
    '<div class="callout"><p class="probe">{}</p></div>',
    '<div class="questions"><ol><li class="probe">{}</li></ol></div>',
    '<dl><dt>Name</dt><dd class="probe">{}</dd></dl>', '<p>Text.<span class="footnote probe">{}</span></p>'])
def test_narrow_measures_are_ragged_right(markup):
    text = "Armed resistance had largely ended by the tenth of November; the councils organized a general strike " * 3
    document = lay_out(markup.format(text))
    probes = [box for page in document.pages for box in boxes(page._page_box, "BlockBox")
              if "probe" in ((box.element.get("class") or "") if box.element is not None else "")]
    assert probes
    assert all(box.style["text_align_all"] == "left" for box in probes)


def test_every_back_matter_opening_has_no_running_head():
    filler = "<p>" + "Reference material runs on for a while so that it fills a page or more. " * 40 + "</p>"
    body = ('<section class="titlepage"><h1 class="book-title">Book</h1></section>'
            + "".join(f'<section class="chapter kind-back"><header class="chapter-head"><h1 class="chapter-title" '
                      f'data-running="{name}">{name}</h1></header>{filler}</section>'
                      for name in ("Chronology", "Key People", "Glossary")))
    document = lay_out(body)
    openings, continued = [], []
    for page in document.pages:
        heads = "".join(text_of(box) for box in boxes(page._page_box, "MarginBox")
                        if box.at_keyword in ("@top-left", "@top-right")).strip()
        opens = any(box.element_tag == "h1" and "chapter-title" in box.element.get("class", "")
                    for box in boxes(page._page_box, "BlockBox"))
        (openings if opens else continued).append(heads)
    assert len(openings) == 3
    assert openings == ["", "", ""]
    assert len(continued) >= 3 and all(continued[1:])  # the other pages keep theirs (not the title page)


def test_a_display_headings_last_word_never_stands_alone_on_its_line():
    from bookbuild.render.templates import tie_last_words

    assert str(tie_last_words("The Students Take to the Streets")) == \
        'The Students Take to <span class="tie">the Streets</span>'
    assert str(tie_last_words("The Students Take to the <em>Streets</em>")) == \
        "The Students Take to the <em>Streets</em>"  # split by markup: left alone
    assert str(tie_last_words("A Very Long Internationalization")) == "A Very Long Internationalization"
    title = str(tie_last_words("23 October: The Students Take to the Streets"))
    for width in (60, 70, 80, 90):
        document = lay_out(f'<h1 class="chapter-title" style="width: {width}mm">{title}</h1>')
        lines = [text_of(line).strip() for page in document.pages for line in boxes(page._page_box, "LineBox")]
        assert len(lines) > 1 and len(lines[-1].split()) >= 2, lines
