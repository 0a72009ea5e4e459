"""End to end: the sample booklet built to a PDF and an EPUB, and the real files checked."""

from __future__ import annotations

import re
import shutil
import zipfile

import pikepdf
import pytest
from lxml import etree
from pypdf import PdfReader

from bookbuild.checks import epubcheck
from bookbuild.config import load_config
from bookbuild.errors import BookbuildError, Report
from bookbuild.manuscript import parse_manuscript
from bookbuild.pipeline import build
from bookbuild.project import locate_project

from .conftest import SAMPLE

XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"


@pytest.fixture(scope="module")
def sample_chapters():
    project = locate_project(SAMPLE)
    return parse_manuscript(project, load_config(project), Report(stream=None)).chapters


def outline_titles(pdf: pikepdf.Pdf) -> list[str]:
    titles = []
    with pdf.open_outline() as outline:
        def walk(items):
            for item in items:
                titles.append(item.title)
                walk(item.children)
        walk(outline.root)
    return titles


def test_pdf_is_a_tagged_book_with_embedded_fonts(sample_build, sample_chapters):
    with pikepdf.open(sample_build["pdf"]) as pdf:
        assert len(pdf.pages) >= 28
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang).startswith("en")
        fonts = {}
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                fonts[str(font.BaseFont)] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        assert fonts and all(fonts.values()), fonts
        titles = outline_titles(pdf)
        for chapter in sample_chapters:
            assert chapter.title in titles
        info = pdf.docinfo
        assert str(info["/Title"]).startswith("Hungary")
        assert str(info["/Author"])
        assert str(info["/Subject"])
        assert str(info["/Keywords"])


def test_pdf_text_has_title_page_contents_and_chapters(sample_build, sample_chapters):
    reader = PdfReader(sample_build["pdf"])
    text = "\n".join(page.extract_text() for page in reader.pages[:8])
    assert "Contents" in text
    whole = "\n".join(page.extract_text() for page in reader.pages)
    for name in ("Imre Nagy", "Ernő Gerő", "Mátyás Rákosi", "László Rajk", "János Kádár"):
        assert name in whole, name
    assert "Model answers" not in whole  # the student edition has no teacher material


def test_pdf_page_numbers_roman_then_arabic(sample_build):
    reader = PdfReader(sample_build["pdf"])
    footers = [page.extract_text().strip().split("\n")[-1].strip() for page in reader.pages]
    assert "1" in footers
    first_arabic = footers.index("1")
    assert any(re.fullmatch(r"[ivx]+", footer) for footer in footers[:first_arabic])


def test_epub_passes_epubcheck_without_errors_or_warnings(sample_build):
    messages = [m for m in epubcheck(sample_build["epub"]) if m.level in ("FATAL", "ERROR", "WARNING")]
    assert messages == []


def test_epub_structure_and_metadata(sample_build, sample_chapters):
    with zipfile.ZipFile(sample_build["epub"]) as epub:
        names = epub.namelist()
        assert names[0] == "mimetype"
        assert epub.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        opf = etree.fromstring(epub.read("EPUB/content.opf"))
        for chapter in sample_chapters:
            assert f"EPUB/{chapter.id}.xhtml" in names
            document = etree.fromstring(epub.read(f"EPUB/{chapter.id}.xhtml"))
            assert document.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"
        nav = etree.fromstring(epub.read("EPUB/nav.xhtml"))
        types = [n.get("{http://www.idpf.org/2007/ops}type") for n in nav.iter(f"{XHTML}nav")]
        assert types[:2] == ["toc", "landmarks"]
        assert "EPUB/toc.ncx" in names
        modified = opf.find(f".//{OPF}meta[@property='dcterms:modified']")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", modified.text)
        cover = opf.find(f".//{OPF}item[@properties='cover-image']")
        assert cover is not None
        text = b"".join(epub.read(n) for n in names if n.endswith(".xhtml")).decode()
        assert 'epub:type="noteref"' in text and 'epub:type="footnote"' in text and 'role="doc-backlink"' in text


def test_failed_build_keeps_the_previous_output(sample_copy, tmp_path):
    out = tmp_path / "out"
    [first] = build(sample_copy, ("epub",), None, out, Report(stream=None))
    before = first.read_bytes()
    chapter = next((sample_copy / "manuscript").glob("01-*.md"))
    original = chapter.read_text(encoding="utf-8")
    try:
        chapter.write_text(original + "\n\nA broken link to [nowhere](#no-such-place).\n", encoding="utf-8")
        with pytest.raises(BookbuildError):
            build(sample_copy, ("epub",), None, out, Report(stream=None))
    finally:
        chapter.write_text(original, encoding="utf-8")
    assert first.read_bytes() == before
    assert sorted(p.name for p in out.iterdir() if p.name != ".cache") == [first.name]  # the layout cache


def test_make_targets_exist():
    makefile = (SAMPLE / "Makefile").read_text()
    for target in ("all", "pdf", "epub", "check", "test", "clean"):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_switching_the_sample_to_apa_rebuilds_it_in_apa(tmp_path):
    target = tmp_path / "apa"
    shutil.copytree(SAMPLE / "manuscript", target / "manuscript")
    toml = target / "manuscript" / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'citation-style = "chicago-notes-bibliography"', 'citation-style = "apa"'), encoding="utf-8")
    [epub] = build(target, ("epub",), None, tmp_path / "out", Report(stream=None))
    with zipfile.ZipFile(epub) as archive:
        chapter = archive.read("EPUB/thaw.xhtml").decode()
        references = archive.read("EPUB/bibliography.xhtml").decode()
    text = re.sub(r"<[^>]+>", "", chapter)
    assert "(U.S. Department of State, n.d.; Kramer, 1998)" in text
    assert "<h1" in references and ">References</h1>" in references
    assert "Gati, C. (2006)." in re.sub(r"<[^>]+>", "", references)
