"""Books in other languages: citation locales from the CSL files, theme labels, dates and quotation marks."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest
from babel.dates import format_date as babel_date
from pypdf import PdfReader

from bookbuild.bibliography import Date
from bookbuild.checks import epubcheck
from bookbuild.citations.dates import format_date
from bookbuild.citations.locale import available_locales, load_locale
from bookbuild.editions import find_edition
from bookbuild.errors import Report
from bookbuild.labels import LABELS_DIR, fill_label, load_labels
from bookbuild.pipeline import build, read_sources, render
from bookbuild.render.book import print_document

from .conftest import problems_of, write_project

LANGUAGES = ("en-US", "en-GB", "hu", "de", "fr", "es", "it", "pl", "cs", "ro", "nl", "pt")


# --------------------------------------------------------------------------- citation locales (CSL)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_listed_language_has_a_csl_locale_with_bookbuilds_headings(language):
    locale = load_locale(language)
    assert locale.language == language.split("-")[0].lower()
    assert len(locale.months_long) == 12 and all(locale.months_long)
    for term in ("bibliography", "references", "works-cited", "editor", "translator", "and", "no-date"):
        assert locale.term(term), (language, term)


def test_hungarian_citation_terms_come_from_the_csl_file():
    locale = load_locale("hu")
    assert locale.tag == "hu-HU"
    assert locale.term("translator", "short") == "ford."
    assert locale.term("editor", "verb") == "szerkesztette"
    assert locale.term("et-al") == "és mtsai."
    assert locale.term("no-date", "short") == "é. n."
    assert locale.term("bibliography") == "Irodalomjegyzék"
    assert locale.month(11) == "november"
    assert locale.ordinal(2) == "2."
    assert (locale.open_quote, locale.close_quote, locale.open_inner_quote, locale.close_inner_quote) == \
        ("„", "”", "»", "«")
    assert locale.punctuation_in_quote is False


def test_dates_follow_the_locale_order():
    day = Date(1956, 11, 4)
    assert format_date(day, load_locale("hu"), "month-day-year") == "1956. november 4."
    assert format_date(Date(1956, 11), load_locale("hu"), "month-year") == "1956. november"
    assert format_date(day, load_locale("de"), "month-day-year") == "4. November 1956"
    assert format_date(day, load_locale("es"), "day-month-year") == "4 de noviembre de 1956"
    # Brazilian usage writes only the first day as an ordinal.
    assert format_date(day, load_locale("pt-BR"), "month-day-year") == "4 de novembro de 1956"
    assert format_date(Date(1956, 11, 1), load_locale("pt-BR"), "month-day-year") == "1º de novembro de 1956"
    # English keeps the style's own order.
    assert format_date(day, load_locale("en-GB"), "month-day-year") == "November 4, 1956"


def test_a_project_locale_file_is_laid_over_the_csl_data(tmp_path):
    folder = tmp_path / "locales"
    folder.mkdir()
    (folder / "hu-HU.toml").write_text('[terms]\ntranslator = { short = ["ford. ford.", "ford."] }\n', encoding="utf-8")
    locale = load_locale("hu", (folder,))
    assert locale.term("translator", "short") == "ford. ford."
    assert locale.term("editor", "short") == "szerk."  # the rest still from the CSL file
    assert available_locales((folder,))["hu-HU"] == folder / "hu-HU.toml"


# --------------------------------------------------------------------------- a small book in each language

BUILD_EPOCH = 1788566400  # 2026-09-05, as SOURCE_DATE_EPOCH
BUILD_DAY = dt.date(2026, 9, 5)

BIB = """
@book{rainer2006, author = {Rainer, M. János}, title = {Az 1956-os forradalom}, publisher = {Osiris},
      address = {Budapest}, year = {2006}, langid = {hungarian}}
@book{gati2006, author = {Gati, Charles}, title = {Failed Illusions}, publisher = {Stanford University Press},
      year = {2006}, translator = {Kramer, Mark}}
"""


def small_book(language: str) -> dict[str, str]:
    return {
        "manuscript/book.toml": f"""
            title = "Sample {language}"
            authors = ["Ada Writer"]
            language = "{language}"
            publisher = "School Press"
            date = "2026-09-01"
            bibliography = "refs.bib"
            citation-style = "chicago-notes-bibliography"
        """,
        "manuscript/refs.bib": BIB,
        "manuscript/01-one.md": """
            # First {#first}

            Body "outer 'inner' words" here.[@gati2006, 12] See [the box](#box){.pageref}.
            A word of another language: [Gesellschaftsordnung]{lang=de-AT}.

            ::: keyterms
            Thaw
            : A time of change.
            :::

            ::: {.think #box}
            Why?
            :::

            A note follows.[^n]

            [^n]: Note "noted words" here [@rainer2006, 33].

            ::: questions
            1. Why did it happen?
            :::

            ::: {.answers .teacher}
            1. Because.
            :::
        """,
    }


def flat(text: str) -> str:
    """Text without spaces, line breaks or hyphens, case folded: labels are found whatever the layout."""
    return re.sub(r"[\s\u00ad\u2010\u202f\u00a0-]+", "", text).casefold()


def pdf_text(path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """Each listed language's small book, built once: {language: {file name: path}}."""
    made = {}
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(BUILD_EPOCH)
    try:
        for language in LANGUAGES:
            root = write_project(tmp_path_factory.mktemp(language) / "book", small_book(language))
            written = build(root, ("pdf", "epub"), ["teacher"], None, Report(stream=None))
            made[language] = {path.suffix: path for path in written}
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return made


def expected_words(language: str) -> list[str]:
    labels = load_labels(language)
    locale = load_locale(language)
    return [
        labels["contents"],
        fill_label(labels["chapter"], number=1),
        labels["editions"]["teacher"],
        labels["callouts"]["keyterms"],
        labels["callouts"]["think"],
        labels["teacher_pages"].split("{page}")[0],  # the head of the interleaved teacher pages
        fill_label(labels["built"], date=babel_date(BUILD_DAY, "long", locale=language.replace("-", "_"))),
        fill_label(labels["published_by"], publisher="School Press"),
        locale.term("bibliography"),
        locale.term("translator", "verb"),  # in the bibliography: "Translated by"
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_printed_book_speaks_its_language(books, language):
    text = flat(pdf_text(books[language][".pdf"]))
    for words in expected_words(language):
        assert flat(words) in text, (language, words)
    marks = load_locale(language)
    # Body and notes alike use the language's quotation marks, outer and inner.
    for quoted in ("outer", "noted"):
        assert flat(marks.open_quote + quoted) in text, (language, quoted)
    assert flat(marks.open_inner_quote + "inner" + marks.close_inner_quote) in text, language
    # A cross-reference prints its page in the language's words.
    page_words = fill_label(load_labels(language)["page_abbreviation"], page="1")
    assert flat(f"({page_words})") in text, (language, page_words)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_epub_speaks_its_language(books, language):
    with zipfile.ZipFile(books[language][".epub"]) as epub:
        files = {name: epub.read(name).decode("utf-8") for name in epub.namelist() if name.endswith(".xhtml")}
    labels = load_labels(language)
    nav = files["EPUB/nav.xhtml"]
    assert f">{labels['contents']}<" in nav
    chapter = next(text for name, text in files.items() if name.endswith("first.xhtml"))
    assert fill_label(labels["chapter"], number=1) in chapter
    assert f'lang="{language}"' in chapter and f'xml:lang="{language}"' in chapter
    # A passage in another language carries both attributes in the EPUB's XHTML.
    assert '<span lang="de-AT" xml:lang="de-AT">Gesellschaftsordnung</span>' in chapter
    # So does the title of a work in another language (langid = {hungarian}), in notes and bibliography.
    hungarian_title = '<i lang="hu" xml:lang="hu">Az 1956-os forradalom</i>'
    if language == "hu":
        assert 'lang="hu" xml:lang="hu">Az' not in files["EPUB/bibliography.xhtml"]
    else:
        assert hungarian_title in files["EPUB/bibliography.xhtml"]
        assert hungarian_title in chapter
    marks = load_locale(language)
    assert marks.open_quote + "outer " + marks.open_inner_quote + "inner" + marks.close_inner_quote in chapter
    copyright_page = files["EPUB/copyright.xhtml"]
    built = fill_label(labels["built"], date=babel_date(BUILD_DAY, "long", locale=language.replace("-", "_")))
    assert built.replace("\u202f", " ") in copyright_page.replace("\u202f", " ")
    published = babel_date(dt.date(2026, 9, 1), "long", locale=language.replace("-", "_"))
    assert published in copyright_page


def test_dates_on_the_copyright_page_are_written_in_the_language(books):
    text = pdf_text(books["hu"][".pdf"])
    assert "Készült: 2026. szeptember 5." in text
    assert "Kiadó: School Press, 2026. szeptember 1." in text
    text = pdf_text(books["de"][".pdf"])
    assert "Erstellt am 5. September 2026." in text
    text = pdf_text(books["en-GB"][".pdf"])
    assert "Built 5 September 2026." in text
    text = pdf_text(books["en-US"][".pdf"])
    assert "Built September 5, 2026." in text


def test_british_english_quotes_alike_in_body_and_notes(books):
    text = pdf_text(books["en-GB"][".pdf"])
    assert "‘outer “inner” words’" in text
    assert "‘noted words’" in text


def test_a_hungarian_book_writes_hungarian_names_family_first(books):
    text = pdf_text(books["hu"][".pdf"])
    assert "Rainer M. János" in text  # a Hungarian work: family name first, no comma
    assert "Charles Gati" in text or "Gati, Charles" in text  # not a Hungarian work: as usual
    english = pdf_text(books["en-US"][".pdf"])
    assert "M. János Rainer" in english  # the same work in an English book: given names first


# --------------------------------------------------------------------------- label files


def test_every_theme_label_file_gives_only_known_labels_and_keeps_the_placeholders():
    english = tomllib.loads((LABELS_DIR / "en.toml").read_text(encoding="utf-8"))

    def walk(data, known, where):
        for key, value in data.items():
            assert key in known, f"{where}: unknown label {key}"
            if isinstance(value, dict):
                walk(value, known[key], where)
            else:
                for placeholder in re.findall(r"\{\w+\}", known[key]):
                    assert placeholder in value, f"{where}: {key} lacks {placeholder}"

    names = sorted(path.name for path in LABELS_DIR.glob("*.toml"))
    for name in names:
        walk(tomllib.loads((LABELS_DIR / name).read_text(encoding="utf-8")), english, name)
    for language in ("hu", "de", "fr", "es", "it", "pl", "cs", "ro", "nl", "pt"):
        data = tomllib.loads((LABELS_DIR / f"{language}.toml").read_text(encoding="utf-8"))
        assert set(data) == set(english), language  # every label translated
        for table in ("editions", "callouts", "handouts"):
            assert set(data[table]) == set(english[table]), (language, table)


LABEL_PROJECT = {
    "manuscript/book.toml": 'title = "Labels"\nlanguage = "hu"\n',
    "manuscript/01.md": "# Egy\n\nSzöveg.\n",
}


def test_a_project_label_file_overrides_the_theme(project):
    root = project({**LABEL_PROJECT,
                    "styles/labels/hu.toml": 'contents = "Tartalomjegyzék"\n[callouts]\nthink = "Gondolkodj!"\n'})
    sources = read_sources(root, None, Report(stream=None))
    assert sources.labels["contents"] == "Tartalomjegyzék"
    assert sources.labels["callouts"]["think"] == "Gondolkodj!"
    assert sources.labels["callouts"]["keyterms"] == "Kulcsfogalmak"  # the rest from the theme


def test_an_unknown_label_is_an_error_with_a_did_you_mean(project):
    root = project({**LABEL_PROJECT,
                    "styles/labels/hu.toml": 'contnets = "Tartalom"\n\n[callouts]\nthnik = "Gondolkodj!"\n'})
    assert problems_of(lambda: read_sources(root, None, Report(stream=None))) == [
        "styles/labels/hu.toml:1: error: unknown label 'contnets'\n"
        "  hint: did you mean 'contents'? the labels are those of theme/labels/en.toml",
        "styles/labels/hu.toml:4: error: unknown label 'callouts.thnik'\n"
        "  hint: did you mean 'callouts.think'? the labels are those of theme/labels/en.toml",
    ]


def test_a_language_without_labels_keeps_english_with_one_warning(project):
    root = project({**LABEL_PROJECT, "manuscript/book.toml": 'title = "Labels"\nlanguage = "sw"\n'})
    report = Report(stream=None)
    sources = read_sources(root, None, report)
    assert sources.labels["contents"] == "Contents"
    label_warnings = [w.format() for w in report.warnings if "labels" in w.message]
    assert any("no hyphenation patterns for language 'sw'" in w.message for w in report.warnings)
    assert label_warnings == [
        "manuscript/book.toml:2:1: warning: no labels for language 'sw': neither theme/labels/sw.toml nor "
        "styles/labels/sw.toml exists, so the theme's words stay English\n"
        "  hint: copy theme/labels/en.toml to styles/labels/sw.toml and translate it"]
    # A project that brings its own file is not warned.
    root2 = write_project(root.parent / "book2", {**LABEL_PROJECT,
                                                  "manuscript/book.toml": 'title = "L"\nlanguage = "sw"\n',
                                                  "styles/labels/sw.toml": 'contents = "Yaliyomo"\n'})
    report2 = Report(stream=None)
    assert read_sources(root2, None, report2).labels["contents"] == "Yaliyomo"
    assert not [w for w in report2.warnings if "labels" in w.message]


def test_a_passage_in_another_language_keeps_its_lang_in_print(tmp_path):
    root = write_project(tmp_path / "book", small_book("hu"))
    sources = read_sources(root, None, Report(stream=None))
    book = render(sources, find_edition(sources.config, "student"), "print", Report(stream=None))
    document = print_document(book, sources.project)
    assert '<html lang="hu">' in document
    assert '<span lang="de-AT">Gesellschaftsordnung</span>' in document
    # Titles and the cover are never hyphenated; the body follows each element's lang.
    css = (LABELS_DIR.parent / "css" / "print.css").read_text(encoding="utf-8")
    assert ".cover, .titlepage, .chapter-title" in css


# --------------------------------------------------------------------------- the Hungarian example project

EXAMPLE_HU = Path(__file__).resolve().parent.parent / "examples" / "hu"


@pytest.fixture(scope="module")
def hungarian_example(tmp_path_factory):
    root = tmp_path_factory.mktemp("example-hu") / "hu"
    shutil.copytree(EXAMPLE_HU, root, ignore=shutil.ignore_patterns("build"))
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(BUILD_EPOCH)
    try:
        report = Report(stream=None)
        written = build(root, ("pdf", "epub", "handouts"), ["teacher"], None, report)
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return {"written": written, "report": report, "root": root}


def test_the_hungarian_example_builds_without_warnings(hungarian_example):
    assert [w.format() for w in hungarian_example["report"].warnings] == []
    names = sorted(path.name for path in hungarian_example["written"])
    assert "magyarorszag-1956-teacher.pdf" in names and "magyarorszag-1956-teacher.epub" in names


def test_the_hungarian_example_prints_every_label_date_and_term_in_hungarian(hungarian_example):
    pdf = next(path for path in hungarian_example["written"] if path.name == "magyarorszag-1956-teacher.pdf")
    text = pdf_text(pdf)
    flat_text = flat(text)
    for words in ("Tartalom", "1. fejezet", "Tanári kiadás", "Kulcsfogalmak", "Gondold végig!", "Forrás",
                  "Időrend", "Mintaválaszok", "Módszertani megjegyzések", "Tanári jegyzetek · ", "Irodalomjegyzék",
                  "Kiadó: A bookbuild mintaprojektjei, 2026. november 26.", "Készült: 2026. szeptember 5.",
                  "Verzió: 1.0.", "Azonosító:", "Szedés: bookbuild"):
        assert flat(words) in flat_text, words
    # Citation terms and names in Hungarian: "szerk." for an editor, family name first for Hungarian authors.
    assert flat("Szabó József, szerk.") in flat_text  # an edited Hungarian book: "szerk." after the names
    assert "Izsák Lajos" in text and "Rainer M. János" in text
    # Hungarian alphabetical order in the bibliography: Gati < Granville < Izsák < Khrushchev < Kramer < Rainer.
    bibliography = text[text.rindex("Irodalomjegyzék"):]
    order = [bibliography.index(name) for name in ("Gati,", "Granville,", "Izsák Lajos", "Khrushchev,", "Kramer,",
                                                    "Rainer M. János", "U.S. Department")]
    assert order == sorted(order)
    # No English word of the theme is left.
    for english in ("Contents", "Chapter", "Teacher edition", "Key terms", "Think about it", "Bibliography",
                    "Published by", "Built", "Answer key", "Model answers", "trans.", "ed. by", "edited by"):
        assert english not in text, english
    # Quotation marks: „…” in the body, »…« inside.
    assert "„olvadásnak”" in text


def test_the_hungarian_example_handouts_are_in_hungarian(hungarian_example):
    sheets = [path for path in hungarian_example["written"] if path.suffix == ".pdf" and "handouts" in path.parts]
    assert sheets
    text = "".join(pdf_text(path) for path in sheets)
    for words in ("Munkalap", "Tanári lap", "Név", "Osztály", "Dátum", "Kulcsfogalmak", "1. fejezet", "1/2. oldal"):
        assert flat(words) in flat(text), words
    assert "Name" not in text and "Class" not in text and "Page" not in text


def test_the_hungarian_example_epub_is_valid_and_in_hungarian(hungarian_example):
    epub_path = next(path for path in hungarian_example["written"] if path.suffix == ".epub")
    messages = [m for m in epubcheck(epub_path) if m.level in ("FATAL", "ERROR", "WARNING")]
    assert messages == []
    with zipfile.ZipFile(epub_path) as epub:
        files = {name: epub.read(name).decode("utf-8") for name in epub.namelist() if name.endswith(".xhtml")}
    assert ">Tartalom<" in files["EPUB/nav.xhtml"]
    assert "Készült: 2026. szeptember 5." in files["EPUB/copyright.xhtml"]
    chapter = next(text for name, text in files.items() if name.endswith("olvadas.xhtml"))
    assert '<i lang="en" xml:lang="en">Failed Illusions' in files["EPUB/bibliography.xhtml"]
    assert '<span lang="ru-Latn" xml:lang="ru-Latn">Ottyepel</span>' in chapter
    assert '<span lang="en" xml:lang="en">secret speech</span>' in chapter


def test_hungarian_collation_puts_digraphs_and_long_vowels_where_the_alphabet_does():
    from bookbuild.citations.names import collation

    names = ["Zsámboki", "Csizmadia", "Ödön", "Cukor", "Zrínyi", "Ozsvári", "Gyula", "Gál", "Nyárai", "Nagy"]
    assert sorted(names, key=collation("hu")) == [
        "Cukor", "Csizmadia", "Gál", "Gyula", "Nagy", "Nyárai", "Ozsvári", "Ödön", "Zrínyi", "Zsámboki"]
    # English keeps its own folding: accents do not count.
    assert sorted(["Ödön", "Ozsvári"], key=collation("en")) == ["Ödön", "Ozsvári"]


PARAGRAPH = ("A forradalom kirobbanásának körülményeit a történettudomány alaposan feldolgozta,"
             " és a visszaemlékezések sokasága egészíti ki a levéltári forrásokat.")


def test_hyphenation_follows_the_language_but_never_touches_the_cover_or_titles(tmp_path):
    import pyphen

    long_word = "Megszentségteleníthetetlenségeskedéseitekért"
    files = small_book("hu")
    files["manuscript/book.toml"] = files["manuscript/book.toml"].replace(
        'title = "Sample hu"', f'title = "{long_word} {long_word}"')
    files["manuscript/01-one.md"] = files["manuscript/01-one.md"].replace(
        "# First {#first}", f"# {long_word} {long_word} {{#first}}") + (
        "\n            " + " ".join([PARAGRAPH] * 6) + "\n")
    root = write_project(tmp_path / "book", files)
    written = build(root, ("pdf",), ["student"], None, Report(stream=None))
    pages = [page.extract_text() for page in PdfReader(written[0]).pages]
    # The cover and the chapter title keep the long word whole.
    assert long_word in pages[0] and "\u2010" not in pages[0]
    chapter_page = next(page for page in pages if "1. fejezet".upper() in page.upper() and long_word in page)
    assert chapter_page.count(long_word) == 2
    # The body is hyphenated, at the places Hungarian patterns allow.
    dictionary = pyphen.Pyphen(lang="hu")
    paragraph_words = set(re.findall(r"\w+", PARAGRAPH.lower()))
    breaks = [(before, after) for before, after in re.findall(r"(\w+)\u2010\n(\w+)", "\n".join(pages))
              if (before + after).lower() in paragraph_words]
    assert breaks
    for before, after in breaks:
        word = (before + after).lower()
        assert len(before) in dictionary.positions(word), (before, after)
