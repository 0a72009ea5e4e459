"""Forms met in real Pandoc books (a textbook written for pandoc-crossref) that the fixtures did not have."""

from __future__ import annotations

import pypandoc

from bookbuild.errors import Report
from bookbuild.markdown import make_parser

from .conftest import problems_of


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


# A chapter of a real Pandoc book (written for this test, in that book's form): a licence comment, then the
# YAML block, then the title; its keys are the book website's navigation, which a printed book has no use for.
LICENSED_CHAPTER = """<!--
  Copyright (c) 2026 An Author.
  Licensed under CC BY 4.0.
-->
---
page-title: Rewards
prev-url: "01-introduction"
lectures:
  - video: "https://example.org/lecture-1"
    label: "Lecture 1"
---

# Reward models

A reward model scores a completion.
"""


def _read(project_dir, report):
    from bookbuild.config import load_config
    from bookbuild.manuscript import parse_manuscript
    from bookbuild.project import locate_project

    project = locate_project(project_dir)
    return parse_manuscript(project, load_config(project), report)


def test_a_yaml_block_after_a_licence_comment_is_metadata_as_in_pandoc(project, report):
    manuscript = _read(project({"manuscript/02-rewards.md": LICENSED_CHAPTER,
                                "manuscript/03-more.md": LICENSED_CHAPTER.replace("Reward models", "More")}), report)
    chapter = manuscript.chapters[0]
    assert chapter.title == "Reward models"  # the heading after the block is the chapter's title
    assert chapter.front_matter["page-title"] == "Rewards"
    text = "".join(token.content for token in chapter.tokens)
    assert "prev-url" not in text and "Lecture 1" not in text  # the block is not printed as text
    assert "A reward model scores a completion." in text
    warnings = [warning.format().split("\n")[0] for warning in report.warnings]
    assert warnings == [
        f"manuscript/02-rewards.md:{line}: warning: front matter key '{key}' has no meaning in bookbuild and is ignored"
        " (also in 1 other file)" for line, key in ((6, "page-title"), (7, "prev-url"), (8, "lectures"))]
    # Pandoc, the reference, reads the same block as metadata and prints none of it.
    html = pypandoc.convert_text(LICENSED_CHAPTER, "html", format="markdown")
    assert "prev-url" not in html and "Lecture 1" not in html and 'id="reward-models"' in html
    native = pypandoc.convert_text(LICENSED_CHAPTER, "markdown", format="markdown", extra_args=["--standalone"])
    assert native.startswith("---\n") and "page-title: Rewards" in native


def test_after_a_comment_only_a_yaml_object_is_a_block_as_in_pandoc(project, report):
    text = "<!-- draft -->\n---\nNot metadata, a paragraph under a rule\n---\n\n# Title\n\nText.\n"
    manuscript = _read(project({"manuscript/01.md": text}), report)
    chapter = manuscript.chapters[0]
    assert chapter.front_matter == {}
    assert "Not metadata" in "".join(token.content for token in chapter.tokens)
    assert "Not metadata" in pypandoc.convert_text(text, "html", format="markdown")


def test_a_misspelt_key_or_one_naming_an_audience_is_an_error_not_ignored(project):
    root = project({"manuscript/01.md": "<!-- c -->\n---\naudiance: teacher\nfor: teacher\n---\n\n# T\n\nText.\n"})
    problems = [problem.split("\n")[0] for problem in problems_of(lambda: _read(root, Report(stream=None)))]
    assert problems == [
        "manuscript/01.md:3: error: unknown front matter key 'audiance'; did you mean 'audience'?",
        "manuscript/01.md:4: error: unknown front matter key 'for' names the audience 'teacher'",
    ]


def test_amsmath_alignments_and_arg_are_converted_like_pandoc():
    from bookbuild.markdown.math import draw_math, render_math

    tex = "\\begin{aligned}\n\\theta^* &= \\arg\\max_\\theta J(\\theta) \\\\\n&= c\n\\end{aligned}"
    rendering = render_math(tex, True)
    assert rendering.problem == ""
    assert rendering.mathml.count("<mtr") == 2 and "<mo>arg</mo>" in rendering.mathml
    assert 'columnalign="right"' in rendering.mathml and 'columnalign="left"' in rendering.mathml
    assert draw_math(rendering.mathml) is not None  # print draws it too
    pandoc = pypandoc.convert_text(f"$${tex}$$", "html", format="markdown", extra_args=["--mathml"])
    assert pandoc.count("<mtr") == 2 and "arg" in pandoc
