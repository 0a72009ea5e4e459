"""The CommonMark spec's examples still read as CommonMark with bookbuild's Pandoc block extensions.

markdown-it-py passes the spec; each extension bookbuild adds (Pandoc tables,
line blocks, raw TeX, dollar math) is a rule that could take over a
construct CommonMark gives another meaning.  Every example is rendered by plain
markdown-it and by markdown-it with those extensions; they must agree, except
where Pandoc's Markdown means something else on purpose (listed below, each
checked against Pandoc itself).  The examples are the spec's own
(``fixtures/commonmark/commonmark.json``, CommonMark 0.31.2, CC BY-SA 4.0).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from bookbuild.markdown.line_blocks import line_block_plugin
from bookbuild.markdown.math import math_plugin
from bookbuild.markdown.pandoc_tables import pandoc_tables_plugin
from bookbuild.markdown.raw import raw_plugin
from bookbuild.markdown.typography import typography_plugin

EXAMPLES = json.loads((Path(__file__).resolve().parent / "fixtures" / "commonmark" / "commonmark.json")
                      .read_text(encoding="utf-8"))

# Example number -> why Pandoc's Markdown reads it otherwise.
PANDOC_DIFFERS = {
    13: "raw_tex: '\\A' and '\\a' are TeX commands in Pandoc's Markdown, left out of HTML",
}


def extended() -> MarkdownIt:
    md = MarkdownIt("commonmark")
    for plugin in (pandoc_tables_plugin, line_block_plugin, math_plugin, raw_plugin, typography_plugin):
        md.use(plugin)
    return md


def test_the_spec_file_is_complete():
    assert len(EXAMPLES) == 652


def test_examples_read_as_commonmark_with_the_extensions():
    plain, ours = MarkdownIt("commonmark"), extended()
    differing = {example["example"] for example in EXAMPLES
                 if plain.render(example["markdown"]) != ours.render(example["markdown"])}
    assert differing == set(PANDOC_DIFFERS)


@pytest.mark.parametrize("number", sorted(PANDOC_DIFFERS))
def test_where_bookbuild_differs_pandoc_differs_too(number):
    pypandoc = pytest.importorskip("pypandoc")
    source = next(example["markdown"] for example in EXAMPLES if example["example"] == number)
    assert 'RawInline (Format "tex")' in pypandoc.convert_text(source, "native", format="markdown")


def test_plain_markdown_it_passes_the_examples_it_is_known_to_pass():
    """A guard on the comparison: the baseline itself is CommonMark."""
    plain = MarkdownIt("commonmark")
    failing = [example["example"] for example in EXAMPLES if plain.render(example["markdown"]) != example["html"]]
    assert len(failing) <= 5, failing
