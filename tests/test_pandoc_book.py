"""End to end: a small book written in Pandoc's Markdown, with every block feature, builds to PDF and EPUB.

Every figure captioned, every table a table, the math rendered (MathML in the
EPUB, SVG images with their TeX source as alt text in the PDF), no literal
``\\command`` or ``@key`` in the PDF's text, and EPUBCheck clean.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from bookbuild.checks import epubcheck
from bookbuild.errors import Report
from bookbuild.pipeline import build

BOOK = Path(__file__).resolve().parent / "fixtures" / "pandoc" / "book"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("pandoc-book") / "book"
    shutil.copytree(BOOK, root)
    report = Report(stream=None)
    paths = build(root, ("pdf", "epub"), None, root / "build", report)
    return {path.suffix[1:]: path for path in paths}, report


def epub_texts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()
                if name.endswith((".xhtml", ".opf"))}


def test_the_pdf_has_no_literal_tex_or_citation_keys_and_numbers_its_references(built):
    paths, _ = built
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(paths["pdf"]).pages))
    assert not re.search(r"\\[A-Za-z]+", text), re.findall(r"\\[A-Za-z]+", text)
    assert "@" not in text
    for label in ("Figure 1.1", "Table 1.1", "Table 1.2", "Equation 1.1", "Section 1.1"):
        assert label in text
    assert "±" not in text and "Tufte" in text


def test_the_epub_is_epubcheck_clean_with_mathml_declared(built):
    paths, _ = built
    problems = [m for m in epubcheck(paths["epub"]) if m.level in ("FATAL", "ERROR", "WARNING")]
    assert problems == []
    texts = epub_texts(paths["epub"])
    chapter = next(text for name, text in texts.items() if "measures" in name)
    package = next(text for name, text in texts.items() if name.endswith(".opf"))
    assert "<math" in chapter and re.search(r'href="[^"]*measures[^"]*"[^>]*properties="mathml"', package)


def test_every_figure_is_captioned_and_every_table_is_a_table(built):
    paths, _ = built
    body = "".join(text for name, text in epub_texts(paths["epub"]).items() if name.endswith(".xhtml"))
    assert body.count("<figure") == body.count("<figcaption>") == 1
    assert body.count("<table") == 4  # grid, simple, multiline, headerless pipe
    assert body.count("<caption>") == 3
    assert '<pre class="highlight"><code class="language-python">' in body


def test_what_cannot_be_printed_is_one_warning_per_file(built):
    _, report = built
    assert [w.format() for w in report.warnings] == [
        "manuscript/02-code.md:15: warning: 2 pieces of raw TeX left out, which bookbuild cannot print "
        "(lines 15, 19)"]
