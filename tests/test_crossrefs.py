"""Numbered cross-references in Quarto and pandoc-crossref syntax: @fig-, @tbl-, @sec-, @eq-, @fig:."""

from __future__ import annotations

import pytest

from bookbuild.editions import find_edition
from bookbuild.errors import Report
from bookbuild.pipeline import read_sources, render
from bookbuild.render.html import EPUB, PRINT
from tests.conftest import problems_of

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'

BIB = """
@book{mapmaker2001,
  author = {Mercator, Gerard},
  title = {Maps},
  year = {2001},
  publisher = {Press},
  location = {Leuven}
}

@book{fig-real,
  author = {Figgis, John},
  title = {A Real Book Whose Key Starts with fig},
  year = {1999},
  publisher = {Press},
  location = {London}
}
"""


def make_book(project, first_extra: str = "", second: str | None = None):
    return project({
        "manuscript/book.toml": 'title = "Refs"\nlanguage = "en"\nchapters = ["01-one.md", "02-two.md"]\n'
                                'bibliography = "refs.bib"\ncitation-style = "chicago-author-date"\n',
        "manuscript/refs.bib": BIB,
        "manuscript/map.svg": SVG,
        "manuscript/01-one.md": "# One\n\nText.\n" + first_extra,
        "manuscript/02-two.md": second if second is not None else """
            # Two

            ## The thaw {#sec-thaw}

            ### Details {#sec-details}

            ![An untracked figure](map.svg)

            ![A *map* of the border [@mapmaker2001]](map.svg){#fig-border}

            ![Another map](map.svg){#fig:second}

            | a | b |
            |---|---|
            | 1 | 2 |

            Table: Deaths in 1956 {#tbl-deaths}

            $$ E = mc^2 $$ {#eq-energy}

            See @fig-border, [see @fig:second, left], @tbl-deaths, @sec-thaw, @sec-details, @eq-energy,
            [-@fig-border] and a real work [@fig-real].
            """,
    })


def rendered(root, target=EPUB):
    report = Report(stream=None)
    sources = read_sources(root, None, report)
    book = render(sources, find_edition(sources.config, "student"), target, report)
    return book


def test_references_print_label_and_number_and_link_to_their_targets(project):
    book = rendered(make_book(project))
    body = book.chapters[1].body_html
    assert '<a class="crossref" href="#fig-border">Figure 2.1</a>' in body
    assert 'see <a class="crossref" href="#fig:second">Figure 2.2</a>, left' in body
    assert '<a class="crossref" href="#tbl-deaths">Table 2.1</a>' in body
    assert '<a class="crossref" href="#sec-thaw">Section 2.1</a>' in body
    assert '<a class="crossref" href="#sec-details">Section 2.1.1</a>' in body
    assert '<a class="crossref" href="#eq-energy">Equation 2.1</a>' in body
    assert '<a class="crossref" href="#fig-border">2.1</a> and a real work' in body
    # The targets carry their numbers.
    assert '<figcaption><span class="figure-label">Figure 2.1:</span> A <em>map</em> of the border (<a' in body
    assert '<caption><span class="table-label">Table 2.1:</span> Deaths in 1956</caption>' in body
    assert '<span class="equation-number">(2.1)</span>' in body
    assert 'id="fig-border"' in body and 'id="tbl-deaths"' in body and 'id="eq-energy"' in body


def test_a_key_of_the_bibliography_starting_fig_still_cites(project):
    book = rendered(make_book(project))
    assert "Figgis" in book.chapters[1].body_html
    assert [entry.key for entry in book.bibliography] == ["fig-real", "mapmaker2001"]


def test_a_citation_in_a_figure_caption_is_resolved_and_in_the_bibliography(project):
    book = rendered(make_book(project))
    body = book.chapters[1].body_html
    assert 'of the border (<a class="citation" href="#ref-mapmaker2001">Mercator 2001</a>)</figcaption>' in body
    assert "@mapmaker2001" not in body


def test_references_across_chapters_point_at_the_other_file_in_the_epub(project):
    from bookbuild.render.book import epub_documents
    root = make_book(project, first_extra="\nAhead, @fig-border shows it.\n")
    book = rendered(root)
    from bookbuild.project import locate_project
    documents = {d.file_name: d.content for d in epub_documents(book, locate_project(root))}
    first = next(content for name, content in documents.items() if name.startswith("one"))
    assert 'href="two.xhtml#fig-border">Figure 2.1</a>' in first


@pytest.mark.parametrize("target", [PRINT, EPUB])
def test_both_outputs_number_alike(project, target):
    body = rendered(make_book(project), target).chapters[1].body_html
    assert "Figure 2.2" in body and "Table 2.1" in body


def test_a_reference_to_a_missing_id_is_an_error_with_a_hint(project):
    root = make_book(project, first_extra="\nSee @fig-boarder and @tbl-nothing.\n")
    assert problems_of(lambda: rendered(root)) == [
        "manuscript/01-one.md:5:5: error: cross-reference to 'fig-boarder', which is not an id in the book\n"
        "  hint: did you mean '@fig-border'?",
        "manuscript/01-one.md:5:22: error: cross-reference to 'tbl-nothing', which is not an id in the book\n"
        "  hint: give the table an id in its caption: Table: Caption {#tbl-name}",
    ]


def test_a_section_reference_to_a_chapter_prints_its_chapter_number(project):
    second = "# Two {#sec-two}\n\nText.\n"
    root = make_book(project, first_extra="\nSee @sec-two.\n", second=second)
    body = rendered(root).chapters[0].body_html
    assert '<a class="crossref" href="#sec-two">Chapter 2</a>' in body


def test_a_handout_numbers_its_figures_as_the_book_does(project):
    second = ("---\nhandout: true\n---\n# Two\n\n![A map](map.svg){#fig-map}\n\n"
              "| a | b |\n|---|---|\n| 1 | 2 |\n\nTable: Numbers {#tbl-numbers}\n\nSee @fig-map and @tbl-numbers.\n")
    root = make_book(project, first_extra="\n![First](map.svg){#fig-first}\n", second=second)
    from bookbuild.pipeline import handout_documents
    report = Report(stream=None)
    [(name, document)] = handout_documents(read_sources(root, None, report), report)
    # (the handouts keep a word and the number after it on one line: a no-break space)
    assert '<span class="figure-label">Figure\xa02.1:</span> A map' in document
    assert '<span class="table-label">Table\xa02.1:</span> Numbers' in document
    assert '<a class="crossref" href="#fig-map">Figure\xa02.1</a>' in document
