"""Differential tests: Pandoc-Markdown block features read as Pandoc 3 reads them.

Each fixture in ``fixtures/pandoc/blocks/`` is one extension.  It is rendered
through Pandoc (``-f markdown -t html5 --mathjax``) and through bookbuild's HTML
stage (the EPUB rendering of a one-chapter project), and the two are compared
as normalised structure: the cells of every table (text, header or body,
alignment), captions, figure ids, math sources, line blocks, code, and the
citation keys found in captions.  Nothing here is recorded by hand: Pandoc is
the reference.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html

from bookbuild.citations.model import (
    BibliographyEntry,
    CitationResult,
    RenderedCitation,
)
from bookbuild.config import load_config
from bookbuild.editions import EDITIONS, select_edition
from bookbuild.errors import Report
from bookbuild.manuscript import parse_manuscript
from bookbuild.project import locate_project
from bookbuild.render.book import BuildInfo, render_book
from bookbuild.render.html import EPUB, PRINT

pypandoc = pytest.importorskip("pypandoc")
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pandoc" / "blocks"
GOLDEN = Path(__file__).resolve().parent / "golden"
BUILD = BuildInfo(date=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
FIXTURE_NAMES = sorted(path.stem for path in FIXTURES.glob("*.md"))


def citations_of(manuscript) -> CitationResult:
    """Each citation printed as links naming its keys, in the text (an author-date style)."""
    rendered = {c.id: RenderedCitation(text='<span class="citation">(' + "; ".join(
        f'<a data-key="{k}" href="#ref-{k}">{k}</a>' for k in c.keys) + ")</span>")
        for c in manuscript.citations}
    keys = sorted({k for c in manuscript.citations for k in c.keys})
    return CitationResult(rendered, tuple(BibliographyEntry(k, f"ref-{k}", k) for k in keys), "Works cited", False,
                          "test")


def bookbuild_html(tmp_path: Path, source: str, report: Report | None = None, target: str = EPUB) -> str:
    root = tmp_path / "book"
    (root / "manuscript").mkdir(parents=True)
    (root / "manuscript" / "01-fixture.md").write_text("# Fixture\n\n" + source, encoding="utf-8")
    shutil.copy(GOLDEN / "diagram.svg", root / "manuscript" / "diagram.svg")
    project = locate_project(root)
    config = load_config(project)
    report = report or Report(stream=None)
    manuscript = select_edition(parse_manuscript(project, config, report), EDITIONS["student"], report)
    book = render_book(manuscript, citations_of(manuscript), config, EDITIONS["student"], target, BUILD,
                       resource_url=lambda path: path.name)
    return book.chapters[0].body_html


def pandoc_html(source: str) -> str:
    return pypandoc.convert_text(source, "html5", format="markdown", extra_args=["--mathjax"])


# -- normalised structure -------------------------------------------------------


def _text(element) -> str:
    """The text of an element, with each formula as its TeX source (Pandoc writes \\(…\\), bookbuild MathML)."""
    element = lxml_html.fromstring(lxml_html.tostring(element))
    for node in element.xpath(".//*[local-name()='math']"):
        for child in list(node):
            node.remove(child)
        node.text = node.get("alttext")
    text = re.sub(r"\\[()\[\]]", "", element.text_content())
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def _without(element, xpath: str):
    element = lxml_html.fromstring(lxml_html.tostring(element))
    for found in element.xpath(xpath):
        tail = found.tail
        parent = found.getparent()
        previous = found.getprevious()
        parent.remove(found)
        if tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
    return element


_NOT_TEXT = ("//*[contains(concat(' ', @class, ' '), ' citation ')] | //*[contains(@class, 'figure-label')]"
             " | //*[contains(@class, 'table-label')]")


def _align(element) -> str:
    match = re.search(r"text-align:\s*(\w+)", element.get("style") or "")
    return match[1] if match else ""


def _cites(element) -> list[str]:
    keys = []
    for found in element.xpath(".//*[@data-cites]"):
        keys.extend(found.get("data-cites").split())
    keys.extend(found.get("data-key") for found in element.xpath(".//*[@data-key]"))
    return keys


def structure(markup: str) -> dict:
    root = lxml_html.fromstring(f"<div>{markup}</div>")
    tables = []
    for table in root.xpath("//table"):
        caption = table.xpath("./caption")
        rows = []
        for row in table.xpath("./thead/tr | ./tbody/tr | ./tr"):
            rows.append([(cell.tag, _align(cell), _text(_without(cell, _NOT_TEXT))) for cell in row.xpath("./th|./td")])
        tables.append({"id": table.get("id"), "rows": rows,
                       "caption": _text(_without(caption[0], _NOT_TEXT)) if caption else None,
                       "cites": _cites(caption[0]) if caption else []})
    figures = []
    for figure in root.xpath("//figure"):
        caption = figure.xpath("./figcaption")
        figures.append({"id": figure.get("id"),
                        "caption": _text(_without(caption[0], _NOT_TEXT)) if caption else None,
                        "cites": _cites(caption[0]) if caption else [],
                        # Pandoc keeps fig-alt as data-fig-alt; bookbuild makes it the alt text.
                        "alt": figure.xpath(".//img")[0].get("data-fig-alt") or figure.xpath(".//img")[0].get("alt")})
    math = []
    for span in root.xpath("//span[contains(@class, 'math')]"):
        if span.xpath(".//*[local-name()='math'] | .//img"):
            continue  # bookbuild's: counted below
        kind = "display" if "display" in span.get("class") else "inline"
        source = span.xpath("string(.)").strip()
        math.append((kind, re.sub(r"\s+", " ", re.sub(r"^\\[(\[]|\\[)\]]$", "", source)).strip()))
    for node in root.xpath("//*[local-name()='math']"):
        math.append(("display" if node.get("display") == "block" else "inline",
                     re.sub(r"\s+", " ", node.get("alttext"))))
    for img in root.xpath("//img[contains(@class, 'math')]"):
        math.append(("display" if "display" in img.get("class") else "inline", img.get("alt")))
    line_blocks = [[re.sub(r"\s+", " ", line.replace("\u00a0", "·")).strip() for line in
                    lxml_html.tostring(block, encoding="unicode").split("<br>")]
                   for block in root.xpath("//div[contains(@class, 'line-block')]")]
    code = []
    for pre in root.xpath("//pre"):
        classes = (pre.get("class") or "").split() + pre.xpath("string(./code/@class)").split()
        languages = [c.removeprefix("language-") for c in classes
                     if c not in ("sourceCode", "highlight", "numberLines", "numberSource")]
        code.append((languages[0] if languages else "", pre.xpath("string(.)").rstrip("\n")))
    return {"tables": tables, "figures": figures, "math": math, "line_blocks": line_blocks, "code": code}


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_same_structure_as_pandoc(tmp_path, name):
    source = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    expected = structure(pandoc_html(source))
    actual = structure(bookbuild_html(tmp_path, source))
    assert actual["tables"] == expected["tables"]
    assert actual["figures"] == expected["figures"]
    assert actual["math"] == expected["math"]
    assert actual["line_blocks"] == expected["line_blocks"]
    assert actual["code"] == expected["code"]


def test_every_fixture_shows_its_feature():
    """A fixture that Pandoc reads as plain paragraphs would prove nothing."""
    for name in FIXTURE_NAMES:
        found = structure(pandoc_html((FIXTURES / f"{name}.md").read_text(encoding="utf-8")))
        assert any(found.values()), name


def test_plus_minus_is_never_set_as_a_plus_minus_sign(tmp_path):
    body = bookbuild_html(tmp_path, "A corner +--+ and a range +-5.\n\n+---+\n| a |\n+---+\n")
    assert "±" not in body and "+–+" in body and "+-5" in body


def test_math_is_mathml_in_the_epub_and_an_svg_with_its_source_as_alt_text_in_print(tmp_path):
    source = "Energy $E = mc^2$ and\n\n$$\\frac{1}{2}$$ {#eq-half}\n"
    epub = bookbuild_html(tmp_path / "epub", source)
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline" alttext="E = mc^2">' in epub
    assert '<mfrac>' in epub and 'id="eq-half"' in epub
    printed = bookbuild_html(tmp_path / "print", source, target=PRINT)
    assert '<img class="math inline" src="data:image/svg+xml;base64,' in printed
    assert 'alt="E = mc^2"' in printed and 'alt="\\frac{1}{2}"' in printed
    assert "<math" not in printed


def test_a_formula_that_cannot_be_converted_is_a_located_warning_and_shown_as_code(tmp_path):
    report = Report(stream=None)
    body = bookbuild_html(tmp_path, "Fine $x$.\n\nBroken $\\frac{a}$ and $\\notacommand y$ here.\n", report)
    messages = [w.format() for w in report.warnings]
    assert messages == [
        "manuscript/01-fixture.md:5:8: warning: formula '\\frac{a}' 'frac' is missing a part; "
        "it is printed as its TeX source",
        "manuscript/01-fixture.md:5:23: warning: formula '\\notacommand y' unknown command '\\notacommand'; "
        "it is printed as its TeX source",
    ]
    assert '<code>$\\frac{a}$</code>' in body


def test_raw_tex_page_and_line_breaks_and_one_warning_per_file_for_what_is_left_out(tmp_path):
    report = Report(stream=None)
    source = (FIXTURES / "raw_tex.md").read_text(encoding="utf-8") + "\n```{=docx}\n<w:p/>\n```\n"
    body = bookbuild_html(tmp_path, source, report, target=PRINT)
    assert '<div class="page-break"></div>' in body
    assert "A line<br />" in body and "a <br />" in body
    assert "\\" not in re.sub(r'alt="[^"]*"', "", body)  # no TeX command is printed
    assert [w.format() for w in report.warnings] == [
        "manuscript/01-fixture.md:7: warning: 3 pieces of raw TeX and raw docx left out, which bookbuild "
        "cannot print (lines 7, 9, 17)"]


def test_raw_html_passes_through_the_sanitiser(tmp_path):
    body = bookbuild_html(tmp_path, "```{=html}\n<p onclick=\"x()\">kept</p><script>alert(1)</script>\n```\n\n"
                          "Inline `<b onmouseover=\"y()\">b</b>`{=html}.\n")
    assert "kept" in body and "<b>b</b>" in body
    assert "onclick" not in body and "alert" not in body and "onmouseover" not in body


def test_code_with_a_language_is_highlighted_in_both_outputs(tmp_path):
    source = (FIXTURES / "fenced_code_attributes.md").read_text(encoding="utf-8")
    for target in (EPUB, PRINT):
        body = bookbuild_html(tmp_path / target, source, target=target)
        assert '<pre class="highlight"><code class="language-python"><span class="k">def</span>' in body
        assert '<span class="s2">' in body and "&lt; 1956 &amp; more" in body
        assert '<code class="language-haskell">' in body
        assert '<pre><code class="language-pseudo">repeat until done' in body


def test_a_grid_table_with_spanning_cells_is_a_located_warning(tmp_path):
    report = Report(stream=None)
    bookbuild_html(tmp_path, "Text.\n\n+---+---+\n| a | b |\n+---+   |\n| c | d |\n+---+---+\n", report)
    assert [w.format() for w in report.warnings] == [
        "manuscript/01-fixture.md:5: warning: a grid table whose cells span columns or rows is not supported; "
        "it is printed as text"]


def test_an_equation_id_on_the_line_after_display_math(tmp_path):
    body = bookbuild_html(tmp_path, "$$\nx^2\n$$\n{#eq-square}\n\nAfter.\n")
    assert 'class="math display" id="eq-square"' in body and "{#eq" not in body


def test_math_in_a_heading_keeps_its_source_in_the_plain_title(tmp_path):
    root = tmp_path / "book"
    (root / "manuscript").mkdir(parents=True)
    (root / "manuscript" / "01.md").write_text("# Energy $E = mc^2$\n\n## Why $x$\n\nText.\n", encoding="utf-8")
    project = locate_project(root)
    manuscript = parse_manuscript(project, load_config(project), Report(stream=None))
    assert [heading.text for heading in manuscript.chapters[0].headings] == ["Energy E = mc^2", "Why x"]


def test_an_overlong_formula_is_a_warning_not_a_long_wait(tmp_path):
    report = Report(stream=None)
    body = bookbuild_html(tmp_path, "A $" + "x+" * 3000 + "x$ b.\n", report, target=PRINT)
    assert [w.message for w in report.warnings] == [
        "formula 'x+x+x+x+x+x+x+x+x+x+x+x+x+x+x+x+x+x+x...' is longer than 5000 characters; "
        "it is printed as its TeX source"]
    assert '<span class="math-source inline"><code>$x+x+' in body


def _widths(markup: str) -> list[list[float]]:
    root = lxml_html.fromstring(f"<div>{markup}</div>")
    tables = []
    for table in root.xpath("//table"):
        found = [float(re.search(r"width:\s*([\d.]+)%", col.get("style"))[1]) for col in table.xpath(".//col")]
        total = sum(found)
        tables.append([round(100 * width / total) for width in found] if total else [])
    return tables


@pytest.mark.parametrize("name", ["grid_tables", "multiline_tables", "simple_tables", "pipe_tables"])
def test_relative_column_widths_as_in_pandoc(tmp_path, name):
    """Grid and multiline tables keep Pandoc's relative column widths (within a point, after scaling to 100%)."""
    source = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    expected, actual = _widths(pandoc_html(source)), _widths(bookbuild_html(tmp_path, source))
    assert len(expected) == len(actual)
    for theirs, ours in zip(expected, actual, strict=True):
        assert len(theirs) == len(ours) and all(abs(a - b) <= 1 for a, b in zip(theirs, ours, strict=True))


def test_raw_tex_in_a_figure_caption_is_settled_too(tmp_path):
    report = Report(stream=None)
    body = bookbuild_html(tmp_path, "![A caption \\emph{x} and\\newline more](diagram.svg)\n", report)
    assert "<figcaption>A caption  and<br />\nmore</figcaption>" in body
    assert [w.message for w in report.warnings] == [
        "1 piece of raw TeX left out, which bookbuild cannot print (line 3)"]


def test_math_in_a_figure_caption_is_rendered(tmp_path):
    body = bookbuild_html(tmp_path, "![The curve $y = x^2$](diagram.svg)\n")
    assert '<figcaption>The curve <span class="math inline"><math' in body
    assert 'alt="The curve y = x^2"' in body


def test_fig_alt_is_dropped_where_it_means_nothing(tmp_path):
    body = bookbuild_html(tmp_path, '## A heading {fig-alt="x"}\n\n[span]{fig-alt="y"}\n')
    assert "fig-alt" not in body
