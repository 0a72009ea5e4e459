"""Forms met in real Pandoc books (a textbook written for pandoc-crossref) that the fixtures did not have."""

from __future__ import annotations

import pypandoc

from bookbuild.markdown import make_parser


def _tokens(text: str):
    return make_parser("en").parse(text)


def test_a_caption_line_right_under_a_pipe_table_is_its_caption():
    text = "| A | B |\n|---|---|\n| 1 | 2 |\nTable: Two columns. {#tbl:two}\n"
    tokens = _tokens(text)
    table = next(token for token in tokens if token.type == "table_open")
    assert table.attrGet("id") == "tbl:two"
    caption = "".join(child.content for child in table.meta["caption"].children if child.type == "text")
    assert caption.strip() == "Two columns."
    rows = [token for token in tokens if token.type == "tr_open"]
    assert len(rows) == 2  # the header and one row: the caption is not a row
    html = pypandoc.convert_text(text, "html", format="markdown")
    assert "<caption>" in html and "Two columns." in html and html.count("<tr") == 2


def test_unquoted_attribute_values_with_any_character_keep_the_figure_id():
    tokens = _tokens("![A caption.](pic.png){#fig:tree width=100% .center}\n")
    image = next(token.meta["image"] for token in tokens if token.type == "figure")
    assert image.attrGet("id") == "fig:tree"
    assert image.attrGet("width") == "100%"
    assert "center" in image.attrGet("class")
    html = pypandoc.convert_text("![A caption.](pic.png){#fig:tree width=100% .center}\n", "html", format="markdown")
    assert 'id="fig:tree"' in html
