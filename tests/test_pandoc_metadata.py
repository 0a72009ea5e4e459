"""Pandoc metadata and zero-config inference: YAML blocks, metadata.yaml, title blocks, front matter by name."""

from __future__ import annotations

import json

import pypandoc
import pytest

from bookbuild.config import discover_chapters, load_config
from bookbuild.errors import Report
from bookbuild.manuscript import parse_manuscript
from bookbuild.pipeline import read_sources
from bookbuild.project import locate_project


def _config(root):
    return load_config(locate_project(root))


def _pandoc_meta(markdown: str) -> dict:
    """Pandoc's metadata for *markdown*, as plain strings (lists of them for lists)."""
    meta = json.loads(pypandoc.convert_text(markdown, "json", format="markdown"))["meta"]

    def plain(value):
        kind, content = value["t"], value.get("c")
        if kind == "MetaList":
            return [plain(item) for item in content]
        if kind == "MetaMap":
            return {key: plain(item) for key, item in content.items()}
        if kind in ("MetaInlines", "MetaBlocks"):
            return pypandoc.convert_text(json.dumps({"pandoc-api-version": [1, 23, 1], "meta": {},
                                                     "blocks": [{"t": "Plain", "c": content}]
                                                     if kind == "MetaInlines" else content}),
                                         "plain", format="json").strip()
        return content

    return {key: plain(value) for key, value in meta.items()}


YAML_CHAPTER = """\
---
title: A History of the Thaw
subtitle: Hungary, 1953–1956
author:
  - name: Ágnes Kovács
    affiliation: ELTE
  - John Smith
date: 2024-05-01
lang: hu
abstract: |
  A short *history*.
keywords: [history, Hungary]
---

# Introduction

Text.
"""


def test_yaml_metadata_block_as_pandoc_reads_it(project):
    root = project({"manuscript/01-intro.md": YAML_CHAPTER})
    config = _config(root)
    pandoc = _pandoc_meta(YAML_CHAPTER)
    assert config.title == pandoc["title"] == "A History of the Thaw"
    assert config.subtitle == pandoc["subtitle"]
    assert config.authors == ("Ágnes Kovács", "John Smith") == (pandoc["author"][0]["name"], pandoc["author"][1])
    assert (config.date, config.language, config.subjects) == ("2024-05-01", "hu", ("history", "Hungary"))
    assert config.description == "A short history."
    # The chapter keeps its own heading as its title; author and date are no longer errors.
    manuscript = parse_manuscript(locate_project(root), config, Report(stream=None))
    assert manuscript.chapters[0].title == "Introduction" and manuscript.chapters[0].number == 1


TITLE_BLOCK = """\
% The Thaw
  and After
% Ágnes Kovács; John Smith
% May 1, 2024

# Introduction

Text.
"""


def test_title_block_gives_title_authors_and_date_and_is_not_printed(project):
    root = project({"manuscript/01.md": TITLE_BLOCK})
    config = _config(root)
    pandoc = _pandoc_meta(TITLE_BLOCK)
    assert config.title == pandoc["title"] == "The Thaw and After"
    assert list(config.authors) == pandoc["author"] == ["Ágnes Kovács", "John Smith"]
    assert config.date == "2024-05-01"
    manuscript = parse_manuscript(locate_project(root), config, Report(stream=None))
    chapter = manuscript.chapters[0]
    assert chapter.title == "Introduction"
    assert not any("%" in token.content for token in chapter.tokens)


def test_metadata_file_chapter_blocks_and_book_toml_in_that_order(project):
    root = project({
        "manuscript/metadata.yaml": "title: From the file\nauthor: File Author\ndate: 2020-01-01\n"
                                    "subtitle: File subtitle\n",
        "manuscript/01.md": "---\nauthor: Chapter Author\n---\n\n# One\n",
        "manuscript/book.toml": 'subtitle = "From book.toml"\n',
    })
    config = _config(root)
    # The chapter's block overrides the metadata file (as in Pandoc); book.toml overrides both.
    assert (config.title, config.authors, config.date, config.subtitle) == (
        "From the file", ("Chapter Author",), "2020-01-01", "From book.toml")
    assert str(config.location_of("authors")) == "manuscript/01.md:2"


def test_csl_names_map_to_built_in_styles_and_unknown_ones_warn(project):
    root = project({"manuscript/01.md": "---\nauthor: A\ncsl: styles/chicago-author-date.csl\n---\n\n# One\n"})
    assert _config(root).citation_style == "chicago-author-date"
    root = project({"manuscript/01.md": "---\nauthor: A\ncsl: harvard-cite-them-right.csl\n"
                                        "documentclass: book\ndate: Spring 2024\n---\n\n# One\n"})
    report = Report(stream=None)
    sources = read_sources(root, None, report)
    assert sources.config.citation_style == "chicago-notes-bibliography"
    assert [problem.format() for problem in report.warnings] == [
        "manuscript/01.md:3: warning: CSL style 'harvard-cite-them-right.csl' is not one bookbuild has; the "
        "book's citation style is used\n  hint: bookbuild has chicago-notes-bibliography, chicago-author-date, "
        "apa, modern-language-association, or a style of your own in styles/citations/NAME/",
        "manuscript/01.md:4: warning: Pandoc's 'documentclass' has no meaning in bookbuild and is ignored\n"
        "  hint: book.toml and the theme's CSS set the book's look; see 'Coming from Pandoc' in the README",
        "manuscript/01.md:5: warning: date 'Spring 2024' is not a date bookbuild can read; the build date is "
        "used\n  hint: write it as YYYY-MM-DD, such as 2024-05-01",
    ]


def test_metadata_names_the_bibliography(project):
    root = project({"manuscript/metadata.yaml": "bibliography: sources.bib\n",
                    "manuscript/sources.bib": "@book{a, author={A, B}, title={T}, year={2000}}\n",
                    "manuscript/other.bib": "@book{b, author={A, B}, title={T}, year={2000}}\n",
                    "manuscript/01.md": "# One\n\nText [@a].\n"})
    assert _config(root).bibliography == "sources.bib"


def test_zero_config_infers_front_matter_and_title_like_pandoc(project):
    root = project({
        "dedication.md": "# Dedication\n\nFor my teachers.\n",
        "acknowledgments.md": "# Acknowledgments\n\nThanks.\n",
        "01-introduction.md": "# Introduction\n\nText.\n",
        "02-preface.md": "# Preface\n\nText.\n",
        "03-thaw.md": "# The Thaw\n\nText.\n",
        "04-references.md": "# References {-}\n\nText.\n",
    })
    config = _config(root)
    assert config.chapters == ("dedication.md", "acknowledgments.md", "01-introduction.md", "02-preface.md",
                               "03-thaw.md", "04-references.md")
    assert config.title == "Introduction"  # not "Dedication"
    manuscript = parse_manuscript(locate_project(root), config, Report(stream=None))
    assert [(c.title, c.kind, c.number) for c in manuscript.chapters] == [
        ("Dedication", "front", None), ("Acknowledgments", "front", None), ("Introduction", "chapter", 1),
        ("Preface", "front", None), ("The Thaw", "chapter", 2), ("References", "back", None)]


def test_unnumbered_first_chapter_is_front_matter_and_title_comes_from_metadata_first(project):
    root = project({"01.md": "# Foreword {.unnumbered}\n\nText.\n", "02.md": "# One\n\nText.\n",
                    "metadata.yaml": "title: The Real Title\n"})
    config = _config(root)
    assert config.title == "The Real Title"
    manuscript = parse_manuscript(locate_project(root), config, Report(stream=None))
    assert [(c.kind, c.number, c.title) for c in manuscript.chapters] == [("front", None, "Foreword"),
                                                                          ("chapter", 1, "One")]


def test_discovery_keeps_name_order_for_numbered_files(tmp_path):
    for name in ("02-b.md", "01-a.md", "00-dedication.md", "preface.md", "README.md"):
        (tmp_path / name).write_text("# x\n")
    assert discover_chapters(tmp_path) == ("preface.md", "00-dedication.md", "01-a.md", "02-b.md")


@pytest.mark.parametrize("end", ["---", "..."])
def test_yaml_block_may_end_with_dots(project, end):
    root = project({"manuscript/01.md": f"---\ntitle: Book\nauthor: A\n{end}\n\n# One\n\nText.\n"})
    config = _config(root)
    assert config.title == "Book"
    manuscript = parse_manuscript(locate_project(root), config, Report(stream=None))
    assert manuscript.chapters[0].title == "One"


def test_classes_no_stylesheet_knows_are_located_warnings(project):
    root = project({
        "manuscript/01.md": "# One {.chapter-opener}\n\n::: note\nA callout.\n:::\n\n::: sidebar\nText.\n:::\n\n"
                            "A [word]{.smallcaps} and a [phrase]{.glow}, `code`{.python}.\n\n"
                            "## Part {.unnumbered}\n\n::: house\nStyled by the project.\n:::\n",
        "styles/css/custom.css": "/* .commented { } */ .house { color: red; } a[href$='.pdf'] { }\n",
    })
    report = Report(stream=None)
    read_sources(root, None, report)
    assert [problem.format() for problem in report.warnings] == [
        "manuscript/01.md:1: warning: class '.chapter-opener' is not styled by the theme or the project's CSS, "
        "and has no effect\n  hint: style it in styles/css/custom.css (.chapter-opener { … }), or remove it",
        "manuscript/01.md:7: warning: class '.sidebar' is not styled by the theme or the project's CSS, "
        "and has no effect\n  hint: style it in styles/css/custom.css (.sidebar { … }), or remove it",
        "manuscript/01.md:11:37: warning: class '.glow' is not styled by the theme or the project's CSS, "
        "and has no effect\n  hint: style it in styles/css/custom.css (.glow { … }), or remove it",
    ]


def test_strict_makes_an_unknown_class_an_error(project):
    from bookbuild.errors import BookbuildError

    root = project({"manuscript/01.md": "# One\n\nA [phrase]{.glow}.\n"})
    report = Report(stream=None, strict=True)
    read_sources(root, None, report)
    with pytest.raises(BookbuildError) as caught:
        report.raise_if_strict()
    assert "class '.glow'" in caught.value.problems[0].format()


def test_where_pandoc_would_read_the_source_differently_is_a_located_warning(project):
    chapter = ("# One\n\nA paragraph whose hard-wrapped line\n## starts with hash signs.\n"
               "And a line\n> that starts with a quote mark.\n\nText.\n\n---\nauthor: Late\n---\n\nMore.\n\n"
               "```\n---\nkey: in code\n---\n```\n")
    root = project({"manuscript/01.md": chapter})
    report = Report(stream=None)
    read_sources(root, None, report)
    assert [problem.format() for problem in report.warnings] == [
        "manuscript/01.md:4: warning: Pandoc reads this line as part of the paragraph above; bookbuild starts "
        "a heading here\n  hint: put a blank line before it to keep a heading, or write '\\#' to keep it text",
        "manuscript/01.md:6: warning: Pandoc reads this line as part of the paragraph above; bookbuild starts "
        "a block quote here\n  hint: put a blank line before it to keep a block quote, or write '\\>' to keep "
        "it text",
        "manuscript/01.md:10: warning: a YAML metadata block below the top of the file is printed as text "
        "(Pandoc reads it as metadata)\n  hint: move its keys to the block at the top of the first chapter, "
        "or to metadata.yaml",
    ]
    # Pandoc agrees that the first two are text of their paragraphs.
    html = pypandoc.convert_text(chapter, "html5", format="markdown")
    assert "<h2" not in html and "<blockquote>" not in html


def test_a_footnote_never_called_is_a_located_warning(project):
    root = project({"manuscript/01.md": "# One\n\nText.[^used]\n\n[^used]: Printed.\n\n[^lost]: Never called.\n"})
    report = Report(stream=None)
    read_sources(root, None, report)
    assert [problem.format() for problem in report.warnings] == [
        "manuscript/01.md:7: warning: footnote '[^lost]' is never called, so it is not printed\n"
        "  hint: call it in the text with [^lost], or remove it"]
