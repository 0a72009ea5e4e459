"""Books in other languages: citation locales from the CSL files, theme labels, dates and quotation marks."""

from __future__ import annotations

import pytest

from bookbuild.bibliography import Date
from bookbuild.citations.dates import format_date
from bookbuild.citations.locale import available_locales, load_locale

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
