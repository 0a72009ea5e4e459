"""The web edition (``bookbuild build web``) without a browser: its files, links, notes, page markers and
editions.  The browser tests (Selenium, axe-core, the Nu Html Checker) are in test_web_browser.py."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import html as lxml_html

from bookbuild.config import read_config
from bookbuild.errors import BookbuildError, Report, SourceLocation
from bookbuild.leaks import HiddenMaterial, HiddenSentence, check_output, letters_of
from bookbuild.pipeline import build
from bookbuild.project import locate_project
from bookbuild.web.pages import html_body
from bookbuild.web.search import IndexedPage, index_entries

from .conftest import SAMPLE, write_project

TEACHER_SENTENCE = "The teacher edition of this booklet adds model answers"  # manuscript/00-how-to-use.md


@pytest.fixture(scope="module")
def web_sites(tmp_path_factory) -> dict[str, Path]:
    """The sample's web edition for students (build/web) and teachers (build/web-teacher)."""
    out = tmp_path_factory.mktemp("web-build")
    written = build(SAMPLE, ("web",), ["student", "teacher"], out, Report(stream=None))
    assert all(path.is_file() for path in written)
    return {"student": out / "web", "teacher": out / "web-teacher"}


def parse(path: Path):
    return lxml_html.document_fromstring(path.read_bytes())


def chapter_files() -> list[str]:
    config, _ = read_config(locate_project(SAMPLE, None))
    return config.chapters


def test_the_site_has_a_page_per_chapter_the_contents_the_bibliography_and_the_search(web_sites):
    site = web_sites["student"]
    pages = sorted(path.name for path in site.glob("*.html"))
    assert {"index.html", "bibliography.html", "search.html"} <= set(pages)
    assert len(pages) == len(chapter_files()) + 3
    for name in ("search.js", "search-index.js", "css/web.css", "css/common.css", "css/web-print.css",
                 "css/fonts.css", "images/hungary-map.svg", "images/timeline-1956.svg"):
        assert (site / name).is_file(), name
    assert list((site / "fonts").glob("CharisSIL-*.ttf"))


def test_every_page_has_lang_a_skip_link_landmarks_and_the_contents_as_navigation(web_sites):
    site = web_sites["student"]
    chapters = [path.name for path in site.glob("*.html") if path.name not in ("index.html", "search.html")]
    for path in site.glob("*.html"):
        root = parse(path)
        assert root.get("lang") == "en-US"
        skip = root.xpath("//body/a[1]")[0]
        assert skip.get("href") == "#main" and root.xpath('//main[@id="main"]')
        assert root.xpath("//body/header") and root.xpath("//body/footer")
        navigation = root.xpath('//nav[@id="site-contents"]//a/@href')
        assert set(chapters) <= set(navigation) and "index.html" in navigation
        current = root.xpath('//nav[@id="site-contents"]//a[@aria-current="page"]/@href')
        assert current == [path.name]
        assert root.xpath('//link[@rel="stylesheet"][@media="print"]/@href') == ["css/web-print.css"]


def _targets(site: Path):
    """(page, link, target file, fragment) of every relative href and src of the site's pages."""
    for path in sorted(site.glob("*.html")):
        root = parse(path)
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if not value or value.startswith(("http:", "https:", "mailto:")):
                    continue
                parts = urlsplit(value)
                assert not parts.scheme and not parts.netloc and not value.startswith("/"), (path.name, value)
                target = (path.parent / unquote(parts.path)) if parts.path else path
                yield path, value, target, parts.fragment


def test_every_link_is_relative_and_resolves_to_a_file_and_an_id(web_sites):
    ids: dict[Path, set[str]] = {}
    count = 0
    for site in web_sites.values():
        for path, link, target, fragment in _targets(site):
            assert target.resolve().is_file(), f"{path.name}: {link}"
            assert site.resolve() in target.resolve().parents, f"{path.name}: {link} leaves the site"
            if fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(parse(target).xpath("//@id"))
                assert fragment in ids[target], f"{path.name}: {link}"
            count += 1
    assert count > 1000


def test_teacher_material_only_in_the_teacher_site(web_sites):
    student, teacher = web_sites["student"], web_sites["teacher"]
    key = letters_of(TEACHER_SENTENCE)

    def holds(site: Path) -> bool:
        return any(key in letters_of(path.read_text(encoding="utf-8"))
                   for path in site.rglob("*") if path.suffix in (".html", ".js"))

    assert not holds(student)
    assert holds(teacher)
    assert not list(student.glob("**/*teacher*"))
    assert "teaching-notes" not in "".join(path.read_text(encoding="utf-8") for path in student.glob("*.html"))
    assert "teaching-notes" in (teacher / "how-to-use.html").read_text(encoding="utf-8")
    assert TEACHER_SENTENCE.split()[1] in (teacher / "search-index.js").read_text(encoding="utf-8")


def test_the_leak_check_reads_web_pages_text_and_attributes():
    sentence = "The quimbywalrus answer is forty two."
    material = HiddenMaterial("student", (HiddenSentence(sentence, letters_of(sentence),
                                                         SourceLocation("manuscript/01.md", 3)),))
    check_output(material, "build/web/one.html", b"<!DOCTYPE html><p>Nothing hidden here.</p>", "html")
    for data, kind in ((b'<!DOCTYPE html><img alt="The quimbywalrus answer is forty&#32;two." src="a.png">',
                        "html"),
                       (b'window.index = [{"text": "The quimbywalrus answer is forty two."}]', "text"),
                       (b"<!DOCTYPE html><p>The <em>quimbywalrus</em> answer is\nforty two.</p>", "html")):
        with pytest.raises(BookbuildError) as caught:
            check_output(material, "build/web/one.html", data, kind)
        assert caught.value.problems[0].format().startswith("manuscript/01.md:3: error: material hidden from the "
                                                            "student edition appears in build/web/one.html")
    check_output(material, "build/web/one.png", sentence.encode(), "binary")  # images and fonts: no text


def test_printed_page_numbers_stand_in_the_margin_and_match_the_page_references(web_sites):
    site = web_sites["student"]
    october = parse(site / "october.html")
    markers = october.xpath('//main//span[@class="page-marker"]')
    numbers = [int(marker.get("data-page")) for marker in markers]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))) and len(numbers) > 3
    assert markers[0].text_content() == f"p. {numbers[0]}"
    assert markers[0].get("role") == "doc-pagebreak" and markers[0].get("aria-label") == f"Page {numbers[0]}"
    # "see the chronology (p. 55)": the chronology's page begins at that printed page.
    reference = october.xpath('//a[@class="pageref"]')[0]
    page = re.search(r"p\. (\d+)", reference.text_content())[1]
    file_name, anchor = reference.get("href").split("#")
    target = parse(site / file_name)
    before = target.xpath(f'//*[@id="{anchor}"]/preceding::span[@class="page-marker"][1]/@data-page')
    assert before == [page]
    # The contents give each chapter's first printed page.
    contents = parse(site / "index.html")
    assert contents.xpath('//a[@href="october.html"]/following-sibling::span[@class="contents-page"]/text()') == \
        [f"p. {numbers[0]}"]


def test_each_note_opens_as_a_popover_and_is_listed_after_the_chapter(web_sites):
    october = parse(web_sites["student"] / "october.html")
    buttons = october.xpath('//button[@class="noteref-button"]')
    assert len(buttons) > 10
    for button in buttons:
        popover = october.xpath(f'//*[@id="{button.get("popovertarget")}"]')[0]
        assert popover.get("popover") == "auto"
        link = button.getparent().xpath('a[@class="noteref-link"]')[0]
        note = october.xpath(f'//aside[@id="{link.get("href")[1:]}"]')[0]
        assert note.get("role") == "doc-footnote" and note.getparent().get("class") == "footnotes"
        number = button.text_content()
        assert link.text_content() == number and button.get("aria-label") == f"Note {number}"

        def words(element) -> str:
            return " ".join(element.text_content().split())
        assert words(note).removeprefix(f"{number}. ") in words(popover)
        assert not popover.xpath(".//*/@id")  # a copy: the note list keeps the ids
    # Citations in the notes link to the bibliography.
    citations = october.xpath('//a[@class="citation"]/@href')
    assert citations and all(href.startswith("bibliography.html#ref-") for href in citations)


def test_figures_keep_their_caption_and_alt_text(web_sites):
    figures = [figure for path in web_sites["student"].glob("*.html") for figure in parse(path).xpath("//figure")]
    assert len(figures) >= 2
    for figure in figures:
        image = figure.xpath(".//img")[0]
        assert len(image.get("alt", "")) > 20 and figure.xpath("figcaption")


def test_the_search_index_is_a_script_with_every_section_and_its_printed_page(web_sites):
    script = (web_sites["student"] / "search-index.js").read_text(encoding="utf-8")
    assert script.lstrip().startswith("/*") and "window.bookbuildSearchIndex = [" in script
    assert "fetch(" not in (web_sites["student"] / "search.js").read_text(encoding="utf-8")
    search = parse(web_sites["student"] / "search.html")
    assert search.xpath("//script/@src") == ["search-index.js", "search.js"]
    assert search.xpath("//noscript")
    assert '"url": "october.html#the-students-organize"' in script


def test_the_index_splits_a_page_at_its_sections_without_note_numbers_or_markers():
    body = html_body(
        '<body><section><span role="doc-pagebreak" id="page-4" aria-label="4"/><h1 id="a">One</h1>'
        '<p>First words.<a class="noteref" role="doc-noteref" id="fnref-a-1" href="#fn-a-1">1</a> More.</p>'
        '<span role="doc-pagebreak" id="page-5" aria-label="5"/><h2 id="b">Two</h2><p>Sec<em>ond</em> part.</p>'
        '<section class="footnotes"><aside id="fn-a-1" class="footnote" role="doc-footnote"><p>'
        '<a class="note-backlink" role="doc-backlink" href="#fnref-a-1">1.</a> The note.</p></aside></section>'
        '</section></body>', {"note": "Note", "notes": "Notes", "page_abbreviation": "p. {page}",
                              "web": {"close": "Close", "page_marker": "Page {page}"}})
    entries = index_entries([IndexedPage("one.html", "One", body, "4")])
    assert [(entry["url"], entry["section"], entry["printed"]) for entry in entries] == [
        ("one.html", "", "4"), ("one.html#b", "Two", "5")]
    assert entries[0]["text"] == "One First words. More."
    assert entries[1]["text"] == "Second part. 1. The note."
    assert "<span></span>" not in body and "/>" not in body


def test_an_edition_site_lies_in_its_own_folder_and_stale_pages_go(tmp_path):
    root = write_project(tmp_path / "book", {
        "manuscript/book.toml": 'title = "Small"\nchapters = ["01.md", "02.md"]\n',
        "manuscript/01.md": "# One\n\nFirst chapter.\n",
        "manuscript/02.md": "# Two\n\nSecond chapter.\n\n::: {.teacher}\nOnly teachers read this long sentence.\n:::\n",
    })
    build(root, ("web",), ["teacher"], None, Report(stream=None))
    site = root / "build" / "web-teacher"
    assert (site / "two.html").is_file() and not (root / "build" / "web").exists()
    (root / "manuscript" / "book.toml").write_text('title = "Small"\nchapters = ["01.md"]\n', encoding="utf-8")
    build(root, ("web",), ["teacher"], None, Report(stream=None))
    assert not (site / "two.html").exists() and (site / "one.html").is_file()
    assert "two.html" not in (site / "index.html").read_text(encoding="utf-8")


def test_the_command_builds_the_web_edition(tmp_path, capsys):
    from bookbuild.cli import main

    root = write_project(tmp_path / "book", {"manuscript/book.toml": 'title = "Small"\nlanguage = "hu"\n',
                                             "manuscript/01.md": "# Egy\n\nSzöveg.[^1]\n\n[^1]: Jegyzet.\n"})
    assert main(["build", "web", "--project", str(root)]) == 0
    page = (root / "build" / "web" / "egy.html").read_text(encoding="utf-8")
    assert '<html lang="hu">' in page and "Ugrás a szövegre" in page and 'aria-label="Jegyzet 1"' in page
    assert "build/web/index.html" in capsys.readouterr().out


def test_a_project_replaces_a_web_template_block_and_adds_to_the_stylesheet(tmp_path):
    root = write_project(tmp_path / "book", {
        "manuscript/book.toml": 'title = "Small & Co"\n',
        "manuscript/01.md": "# One & Two\n\nText.\n",
        "styles/templates/web/page.html.j2":
            '{% extends "theme/web/page.html.j2" %}\n'
            '{% block main %}<p class="banner">Class 9B</p>{{ super() }}{% endblock %}\n',
        "styles/css/custom.css": ".banner { font-weight: bold; }\n",
    })
    build(root, ("web",), None, None, Report(stream=None))
    site = root / "build" / "web"
    page = (site / "one-two.html").read_text(encoding="utf-8")
    assert '<main id="main" tabindex="-1">\n<p class="banner">Class 9B</p>' in page
    assert "<title>One &amp; Two · Small &amp; Co</title>" in page
    assert '<link rel="stylesheet" href="css/custom.css">' in page
    assert (site / "css" / "custom.css").read_text(encoding="utf-8") == ".banner { font-weight: bold; }\n"
