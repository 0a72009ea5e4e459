"""The accessible EPUB: metadata, structure, language, images, embedded fonts, and DAISY Ace."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from lxml import etree

from bookbuild.checks import ace, ace_violations, find_ace, find_chromium
from bookbuild.config import load_config
from bookbuild.errors import BookbuildError, Report
from bookbuild.pipeline import build
from bookbuild.project import locate_project
from bookbuild.writers.epubfonts import obfuscate, subset_font

from .conftest import problems_of

XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\x81\xa4\x00\x00\x00\x00IEND\xaeB`\x82")


def package(epub_path: Path) -> etree._Element:
    with zipfile.ZipFile(epub_path) as epub:
        return etree.fromstring(epub.read("EPUB/content.opf"))


def metadata(opf: etree._Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for meta in opf.iter(f"{OPF}meta"):
        if meta.get("property"):
            found.setdefault(meta.get("property"), []).append(meta.text)
    return found


def xhtml_documents(epub_path: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(epub_path) as epub:
        return {name[len("EPUB/"):]: etree.fromstring(epub.read(name))
                for name in epub.namelist() if name.endswith(".xhtml")}


def small_epub(project, tmp_path, toml: str = "", chapter: str = "# One\n\nText.\n") -> Path:
    root = project({"manuscript/book.toml": 'title = "Small"\nlanguage = "en"\n' + toml,
                    "manuscript/01.md": chapter})
    [path] = build(root, ("epub",), None, tmp_path / "out", Report(stream=None))
    return path


# -- metadata ------------------------------------------------------------------------------------------------


def test_sample_declares_its_accessibility(sample_build):
    opf = package(sample_build["epub"])
    assert opf.get(XML_LANG) == "en-US"
    found = metadata(opf)
    assert found["schema:accessMode"] == ["textual", "visual"]
    assert found["schema:accessModeSufficient"] == ["textual", "textual,visual"]
    assert set(found["schema:accessibilityFeature"]) == {
        "tableOfContents", "readingOrder", "structuralNavigation", "ARIA", "displayTransformability",
        "alternativeText", "pageNavigation", "printPageNumbers"}
    assert found["schema:accessibilityHazard"] == ["none"]
    [summary] = found["schema:accessibilitySummary"]
    assert summary.startswith("This publication meets WCAG 2.2 Level AA (EPUB Accessibility 1.1).")
    assert "Page numbers follow the print edition (Hungary 1956: printed booklet, A5," in summary
    assert found["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    assert found["a11y:certifiedBy"] == ["bookbuild sample projects"]  # the publisher
    assert len(found["pageBreakSource"]) == 1
    assert not any(name.startswith("a11y:pageBreakSource") for name in found)  # EPUBCheck rejects it prefixed


def test_accessibility_table_sets_the_claim_and_what_the_book_declares(project, tmp_path):
    path = small_epub(project, tmp_path, """
        [accessibility]
        summary = "Read aloud in class; every figure is described in the text."
        conforms-to = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
        certified-by = "Example School Library"
        certifier-credential = "Trained in EPUB accessibility"
        certifier-report = "https://example.org/a11y-report.html"
        hazards = ["noFlashingHazard", "noMotionSimulationHazard", "noSoundHazard"]
        features = ["describedMath", "ARIA"]
    """)
    opf = package(path)
    found = metadata(opf)
    assert found["schema:accessibilitySummary"] == ["Read aloud in class; every figure is described in the text."]
    assert found["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert found["a11y:certifiedBy"] == ["Example School Library"]
    assert found["a11y:certifierCredential"] == ["Trained in EPUB accessibility"]
    assert found["schema:accessibilityHazard"] == ["noFlashingHazard", "noMotionSimulationHazard", "noSoundHazard"]
    assert found["schema:accessibilityFeature"].count("ARIA") == 1 and "describedMath" in found[
        "schema:accessibilityFeature"]
    report = next(link for link in opf.iter(f"{OPF}link") if link.get("rel") == "a11y:certifierReport")
    assert report.get("href") == "https://example.org/a11y-report.html" and report.get("refines") == "#certifier"
    credential = next(m for m in opf.iter(f"{OPF}meta") if m.get("property") == "a11y:certifierCredential")
    assert credential.get("refines") == "#certifier"
    # Its only image is the cover bookbuild draws, with its alternative text.
    assert found["schema:accessMode"] == ["textual", "visual"]
    assert "alternativeText" in found["schema:accessibilityFeature"]


def test_no_claim_when_asked_or_when_no_one_certifies_it(project, tmp_path):
    opf = package(small_epub(project, tmp_path, 'publisher = "A School"\n[accessibility]\nconforms-to = "none"\n'))
    found = metadata(opf)
    assert "dcterms:conformsTo" not in found and "a11y:certifiedBy" not in found
    assert not found["schema:accessibilitySummary"][0].startswith("This publication meets")


def test_missing_certifier_is_a_warning(project, tmp_path):
    root = project({"manuscript/book.toml": 'title = "Small"\n', "manuscript/01.md": "# One\n\nText.\n"})
    report = Report(stream=None)
    [path] = build(root, ("epub",), None, tmp_path / "out", report)
    assert [warning.format() for warning in report.warnings] == [
        "manuscript/book.toml: warning: the EPUB makes no accessibility conformance claim: no one is named to "
        "certify it\n"
        "  hint: set 'certified-by' under [accessibility] (or 'publisher'), or conforms-to = \"none\""]
    assert "dcterms:conformsTo" not in metadata(package(path))


def test_accessibility_table_mistakes_are_errors_naming_the_line(project):
    root = project({
        "manuscript/book.toml": """
            title = "Small"
            [accessibility]
            conforms-to = "WCAG 2.2 AA"
            hazards = ["none", "flashy"]
            features = "ARIA"
            certifyed-by = "Me"
        """,
        "manuscript/01.md": "# One\n",
    })
    assert problems_of(lambda: load_config(locate_project(root))) == [
        "manuscript/book.toml:3:1: error: 'conforms-to' must be one of EPUB Accessibility 1.1 - WCAG 2.2 Level AA, "
        "EPUB Accessibility 1.1 - WCAG 2.2 Level AAA, EPUB Accessibility 1.1 - WCAG 2.2 Level A, "
        "EPUB Accessibility 1.1 - WCAG 2.1 Level AA, EPUB Accessibility 1.1 - WCAG 2.1 Level AAA, "
        "EPUB Accessibility 1.1 - WCAG 2.1 Level A, EPUB Accessibility 1.1 - WCAG 2.0 Level AA, "
        "EPUB Accessibility 1.1 - WCAG 2.0 Level AAA, EPUB Accessibility 1.1 - WCAG 2.0 Level A, none, "
        "not 'WCAG 2.2 AA'",
        "manuscript/book.toml:4:1: error: 'hazards' has an unknown value 'flashy'\n"
        "  hint: use one of: none, flashing, noFlashingHazard, unknownFlashingHazard, motionSimulation, "
        "noMotionSimulationHazard, unknownMotionSimulationHazard, sound, noSoundHazard, unknownSoundHazard, unknown",
        "manuscript/book.toml:5:1: error: 'features' must be a list of strings, not a string",
        "manuscript/book.toml:6:1: error: unknown key 'certifyed-by' in [accessibility]\n"
        "  hint: did you mean 'certified-by'?",
    ]


# -- structure -------------------------------------------------------------------------------------------------


def test_every_document_has_its_language_and_a_logical_heading_order(sample_build):
    for name, root in xhtml_documents(sample_build["epub"]).items():
        assert root.get("lang") == "en-US" and root.get(XML_LANG) == "en-US", name
        levels = [int(element.tag[-1]) for element in root.iter()
                  if isinstance(element.tag, str) and re.fullmatch(rf"{re.escape(XHTML)}h[1-6]", element.tag)]
        if name in ("cover.xhtml", "copyright.xhtml"):
            assert levels == [], name  # a cover picture and the fine print: labelled regions, no headings
            continue
        assert levels[0] == 1 and levels.count(1) == 1, (name, levels)
        assert all(later <= earlier + 1 for earlier, later in zip(levels, levels[1:])), (name, levels)


def test_structure_is_marked_for_assistive_technology(sample_build):
    documents = xhtml_documents(sample_build["epub"])
    chapter = documents["thaw.xhtml"]
    section = chapter.find(f".//{XHTML}section")
    assert section.get(EPUB_TYPE) == "chapter" and section.get("role") == "doc-chapter"
    noterefs = [a for a in chapter.iter(f"{XHTML}a") if a.get(EPUB_TYPE) == "noteref"]
    assert noterefs and all(a.get("role") == "doc-noteref" for a in noterefs)
    notes = list(chapter.iter(f"{XHTML}aside"))
    assert notes and all(n.get(EPUB_TYPE) == "footnote" and n.get("role") == "doc-footnote" for n in notes)
    glossary = next(d for d in documents["glossary.xhtml"].iter(f"{XHTML}div") if "glossary" in d.get("class", ""))
    assert glossary.get("role") == "doc-glossary" and glossary.get(EPUB_TYPE) == "glossary"
    bibliography = documents["bibliography.xhtml"].find(f".//{XHTML}section")
    assert bibliography.get(EPUB_TYPE) == "bibliography" and bibliography.get("role") == "doc-bibliography"
    nav = documents["nav.xhtml"]
    kinds = [n.get(EPUB_TYPE) for n in nav.iter(f"{XHTML}nav")]
    assert kinds == ["toc", "landmarks", "page-list"]
    page_list = next(n for n in nav.iter(f"{XHTML}nav") if n.get(EPUB_TYPE) == "page-list")
    assert page_list.get("role") == "doc-pagelist" and page_list.get("hidden") is not None


def test_every_image_has_a_text_alternative(sample_build):
    images = [(name, image) for name, root in xhtml_documents(sample_build["epub"]).items()
              for image in root.iter(f"{XHTML}img")]
    assert len(images) >= 3  # the cover and the two figures
    for name, image in images:
        assert image.get("alt") or image.get("role") == "presentation", (name, image.get("src"))


def test_an_image_without_alt_text_stops_the_build_naming_its_line(project, tmp_path):
    root = project({"manuscript/01.md": "# One\n\nText.\n\n![](map.png)\n", "manuscript/map.png": PNG})
    assert problems_of(lambda: build(root, ("epub",), None, tmp_path / "out", Report(stream=None))) == [
        "manuscript/01.md:5:1: error: image 'map.png' has no alt text\n"
        "  hint: describe it for readers who cannot see it: ![what it shows](map.png), "
        "or mark a purely decorative image with {.decorative}"]


def test_a_heading_that_skips_a_level_is_a_warning(project, tmp_path):
    root = project({"manuscript/01.md": "# One\n\n## Part\n\n#### Too deep\n\n### Fine\n"})
    report = Report(stream=None)
    build(root, ("epub",), None, tmp_path / "out", report)
    assert [w.format() for w in report.warnings if "skips" in w.message] == [
        "manuscript/01.md:5: warning: heading 'Too deep' skips a level: #### after ##\n"
        "  hint: write it as ###, so that readers who move by headings find every level"]


def test_strict_build_stops_at_a_skipped_heading_level(project, tmp_path):
    root = project({"manuscript/01.md": "# One\n\n### Too deep\n"})
    with pytest.raises(BookbuildError) as caught:
        build(root, ("epub",), None, tmp_path / "out", Report(stream=None, strict=True))
    assert [p.format() for p in caught.value.problems] == [
        "manuscript/01.md:3: error: heading 'Too deep' skips a level: ### after #\n"
        "  hint: write it as ##, so that readers who move by headings find every level"]


# -- fonts -----------------------------------------------------------------------------------------------------


def test_the_books_fonts_are_embedded_subset_and_obfuscated(sample_build):
    opf = package(sample_build["epub"])
    identifier = next(opf.iter("{http://purl.org/dc/elements/1.1/}identifier")).text
    with zipfile.ZipFile(sample_build["epub"]) as epub:
        fonts = {item.get("href"): item.get("media-type") for item in opf.iter(f"{OPF}item")
                 if item.get("href").startswith("fonts/")}
        encryption = epub.read("META-INF/encryption.xml").decode()
        css = epub.read("EPUB/css/embedded-fonts.css").decode()
        text = "".join("".join(etree.fromstring(epub.read(n)).itertext())
                       for n in epub.namelist() if n.endswith(".xhtml"))
        files = {href: epub.read(f"EPUB/{href}") for href in fonts}
    assert {"fonts/CharisSIL-Regular.ttf", "fonts/CharisSIL-Italic.ttf", "fonts/Andika-Bold.ttf"} <= set(fonts)
    assert set(fonts.values()) == {"font/ttf"}
    assert not any("DejaVuSansMono" in href for href in fonts)  # no code in the sample: its font stays out
    for href, data in files.items():
        assert f'URI="EPUB/{href}"' in encryption
        assert f'src: url("../{href}")' in css
        # obfuscated: not a usable font file as it stands (whichever way fontTools fails on it)
        with pytest.raises(Exception):  # noqa: B017
            TTFont(io.BytesIO(data))
        font = TTFont(io.BytesIO(obfuscate(data, identifier)))
        names = {record.nameID: str(record) for record in font["name"].names if record.platformID == 3}
        assert "SIL Open Font License" in names[13]  # the licence travels with the font
        assert len(data) < 120_000  # a subset, not the whole font
        if href == "fonts/CharisSIL-Regular.ttf":
            cmap = font.getBestCmap()
            missing = {c for c in text if not c.isspace() and ord(c) not in cmap}
            assert not missing, missing  # every character of the book, Hungarian ő included
            assert ord("ő") in cmap and ord("Ő") in cmap  # and its capital, for text set in capitals


def test_font_subsets_are_reproducible(tmp_path):
    from bookbuild.writers.fonts import font_file

    path = font_file("Charis SIL", "Regular")
    if path is None:
        pytest.skip("Charis SIL is not installed (make setup installs fonts-sil-charis)")
    first = subset_font(path, "Hungary 1956 ő ű")
    second = subset_font(path, "Hungary 1956 ő ű")
    assert first == second
    # The subset keeps the font's own timestamp, not the build time.
    assert TTFont(io.BytesIO(first))["head"].modified == TTFont(path)["head"].modified


# -- DAISY Ace -------------------------------------------------------------------------------------------------


def test_ace_report_violations_are_read_from_its_json():
    report = {"assertions": [{"earl:testSubject": {"url": "EPUB/content.opf"}, "assertions": [
        {"earl:test": {"earl:impact": "serious", "dct:title": "metadata-accessmode"},
         "earl:result": {"earl:outcome": "fail", "dct:description": "Publications must declare 'schema:accessMode'"}},
        {"earl:test": {"earl:impact": "minor", "dct:title": "ok"}, "earl:result": {"earl:outcome": "pass"}}]}]}
    [violation] = ace_violations(report)
    assert str(violation) == ("EPUB/content.opf: serious: Publications must declare 'schema:accessMode' "
                              "[metadata-accessmode]")


def test_ace_finds_no_violations_in_the_sample(sample_build):
    if shutil.which("node") is None:
        pytest.skip("DAISY Ace needs Node.js, which is not installed (make setup installs it: apt-get install npm)")
    if find_ace() is None:
        pytest.skip("DAISY Ace is not installed: 'make test' and 'make check' install it into tools/ace/")
    if find_chromium() is None:
        pytest.skip("DAISY Ace needs Chromium, which is not installed (make setup installs it: apt-get install "
                    "chromium)")
    assert [str(violation) for violation in ace(sample_build["epub"])] == []


def test_checks_say_what_is_missing(tmp_path, monkeypatch, capsys):
    from bookbuild import checks

    assert checks.main([]) == 1
    assert capsys.readouterr().err == "usage: python -m bookbuild.checks [--no-ace] FILE.epub ...\n"
    monkeypatch.setattr(checks, "find_ace", lambda: None)
    with pytest.raises(SystemExit) as stopped:
        checks.ace(tmp_path / "book.epub")
    assert str(stopped.value) == "DAISY Ace is not installed: run 'make check', which installs it into tools/ace/"
    monkeypatch.setattr(checks, "find_ace", lambda: tmp_path / "ace-cli")
    monkeypatch.setattr(checks, "find_chromium", lambda: None)
    if shutil.which("node") is not None:
        with pytest.raises(SystemExit) as stopped:
            checks.ace(tmp_path / "book.epub")
        assert str(stopped.value) == "DAISY Ace needs Chromium: apt-get install chromium"
