"""The Markdown parser: the extensions a book needs, token by token."""

from __future__ import annotations

import pytest

from bookbuild.markdown import make_parser
from bookbuild.markdown.citation_syntax import CitationItem, parse_locator


def parse(text: str, language: str = "en"):
    return make_parser(language).parse(text, {})


def citations(text: str):
    out = []
    for token in parse(text):
        for child in token.children or []:
            if child.type == "citation":
                out.append((child.meta["mode"], child.meta["items"]))
    return out


def test_bracketed_citation_with_locator():
    [(mode, items)] = citations("As shown [@gati2006, p. 12].")
    assert mode == "normal"
    assert items == (CitationItem("gati2006", locator="12", label="page"),)


def test_several_works_prefixes_suffixes():
    [(_, items)] = citations("[see @a:b.c-d_1, 4; also @kramer1998, pp. 33–35, chap. 2]")
    assert items[0] == CitationItem("a:b.c-d_1", prefix="see", locator="4")
    assert items[1] == CitationItem("kramer1998", prefix="also", locator="33–35", suffix=", chap. 2")


def test_suppressed_author_and_author_in_text():
    assert citations("[-@gati2006]") == [("normal", (CitationItem("gati2006", suppress_author=True),))]
    assert citations("@gati2006 [p. 30] argues.") == [
        ("author-in-text", (CitationItem("gati2006", locator="30"),))]
    assert citations("As @gati2006 says.") == [("author-in-text", (CitationItem("gati2006"),))]


def test_trailing_punctuation_is_not_part_of_a_key():
    [(_, (item,))] = citations("Read @gati2006.")
    assert item.key == "gati2006"


@pytest.mark.parametrize("text", [
    "Write to teacher@school.example today.",
    "Code `[@not]` and `@not` stays code.",
    "A [link with @ sign](https://example.org).",
    "An [ordinary bracket] and a footnote[^1].\n\n[^1]: Note.",
])
def test_not_citations(text):
    assert citations(text) == []


def test_citation_inside_footnote_is_parsed():
    tokens = parse("Text.[^1]\n\n[^1]: See [@gati2006, 4].\n")
    found = [child for token in tokens for child in token.children or [] if child.type == "citation"]
    assert [child.meta["items"][0].key for child in found] == ["gati2006"]


@pytest.mark.parametrize("text, expected", [
    (", p. 12", ("page", "12", "")),
    (", pp. 33-35", ("page", "33-35", "")),
    (", chap. 2", ("chapter", "2", "")),
    (", 4", ("page", "4", "")),
    (", pp. 33, 35-37", ("page", "33, 35-37", "")),
    (", vol. 3 of the set", ("volume", "3", "of the set")),
    (" emphasis added", ("page", "", "emphasis added")),
    (", {part A}", ("page", "part A", "")),
    (", xiv", ("page", "xiv", "")),
])
def test_locators(text, expected):
    assert parse_locator(text) == expected


def test_fenced_divs_nest_with_equal_fences():
    tokens = parse("::: questions\n1. Why?\n\n::: teacher\nBecause.\n:::\n:::\n\nAfter.\n")
    opened = [(t.type, t.meta.get("classes")) for t in tokens if t.type in ("div_open", "div_close")]
    assert opened == [("div_open", ["questions"]), ("div_open", ["teacher"]), ("div_close", None),
                      ("div_close", None)]
    assert tokens[-2].content == "After."


def test_fenced_div_attributes():
    [div] = [t for t in parse('::: {.source #rajk title="The funeral"}\nText.\n:::\n') if t.type == "div_open"]
    assert div.attrGet("id") == "rajk"
    assert div.attrGet("title") == "The funeral"
    assert div.meta["classes"] == ["source"]


def test_unclosed_fenced_div_is_marked():
    [div] = [t for t in parse("::: note\nNever closed.\n") if t.type == "div_open"]
    assert div.meta["closed"] is False


def test_heading_attributes():
    tokens = parse("# The thaw {#thaw .part}\n")
    assert tokens[0].attrGet("id") == "thaw"
    assert tokens[0].attrGet("class") == "part"
    assert tokens[1].children[-1].content == "The thaw"


def test_lone_image_becomes_figure_with_caption():
    [figure] = parse('![A map of Hungary](map.svg "Hungary in 1956")\n')
    assert figure.type == "figure"
    assert figure.meta["image"].attrGet("title") == "Hungary in 1956"


def test_table_caption():
    tokens = parse("| a | b |\n|---|---|\n| 1 | 2 |\n\nTable: Key dates\n")
    table = tokens[0]
    assert table.meta["caption"].children[0].content == "Key dates"
    assert all(t.type != "paragraph_open" for t in tokens)


def test_smart_typography_and_language_quotes():
    [_, inline, _] = parse('"It\'s" -- a test --- really...\n')
    assert inline.children[0].content == "“It’s” – a test — really…"
    [_, inline, _] = parse('"Igen"\n', "hu")
    assert inline.children[0].content == "„Igen”"


def test_spans_and_definition_lists():
    tokens = parse("An [answer]{.teacher}.\n\nTerm\n: Definition\n")
    span = [c for c in tokens[1].children if c.type == "span_open"][0]
    assert span.attrGet("class") == "teacher"
    assert any(t.type == "dl_open" for t in tokens)


def test_attributes_cannot_add_event_handlers():
    [_, inline, _] = parse('[x]{onclick="alert(1)" .ok}\n')
    span = inline.children[0]
    assert span.attrGet("onclick") is None
    assert span.attrGet("class") == "ok"
