"""Rules of CSL and the style manuals that bookbuild's citation stage follows for any bibliography.

Each test states one rule with entries written for it (not taken from biblatex-examples.bib): title case of
compounds, capitals and dashes; sentence case around the title of another work; where punctuation goes after an
italic title that ends in quotation marks; a DOI as printed and as linked; CSL's numeric test and plural label
for report and patent numbers; a biblatex @set cited as its members.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from bookbuild.bibliography import RichText, Span, load_bibliography
from bookbuild.citations import load_style, resolve_citations
from bookbuild.citations.numbers import is_numeric, several_numbers
from bookbuild.citations.preview import render_entries
from bookbuild.citations.punctuation import tidy
from bookbuild.citations.titles import sentence_case, title_case
from bookbuild.markdown.citation_syntax import Citation, CitationItem


def plain(fragment: str) -> str:
    text = re.sub(r"</?i(?:\s[^>]*)?>", "*", fragment)
    return html.unescape(re.sub(r"<[^>]*>", "", text)).replace("\u00a0", " ")


def bib(tmp_path: Path, text: str):
    path = tmp_path / "refs.bib"
    path.write_text(text, encoding="utf-8")
    return load_bibliography(path)


def cite_each(bibliography, style_name: str, keys, locator: str = "12"):
    citations = [Citation(id=key, items=(CitationItem(key=key, locator=locator),)) for key in keys]
    return resolve_citations(citations, bibliography, load_style(style_name))


# --------------------------------------------------------------------------- title case


def test_title_case_treats_each_part_of_a_compound_as_a_word():
    # The rest of a compound whose first part is braced ({Pd-N}-heterocyclic, {S}-matrix) is a word too.
    title = RichText((Span("saturated "), Span("Pd-N", protected=True), Span("-heterocyclic carbenes")))
    assert str(title_case(title)) == "Saturated Pd-N-Heterocyclic Carbenes"
    title = RichText((Span("remarks on the "), Span("S", protected=True), Span("-matrix")))
    assert str(title_case(title)) == "Remarks on the S-Matrix"
    # A stop word inside a compound stays lowercase, unless it opens the compound at the start of the title.
    assert str(title_case("high-speed digital-to-analog converters")) == "High-Speed Digital-to-Analog Converters"
    assert str(title_case("state-of-the-art methods")) == "State-of-the-Art Methods"
    assert str(title_case("twentieth-century europe")) == "Twentieth-Century Europe"


def test_title_case_after_a_dash_is_no_new_start():
    assert str(title_case("earl, saint, skald – and music")) == "Earl, Saint, Skald – and Music"
    assert str(title_case("the road — a history of the way")) == "The Road — a History of the Way"
    # A colon still starts the subtitle.
    assert str(title_case("roads: a history")) == "Roads: A History"


def test_a_title_of_one_word_in_capitals_is_kept():
    assert str(title_case("CTAN")) == "CTAN"
    assert str(title_case("UNESCO")) == "UNESCO"
    # A longer title typed in capitals is recased (CSL's rule for uppercase strings).
    assert str(title_case("THE FIRST DOMINO")) == "The First Domino"


def test_sentence_case_leaves_the_title_of_another_work_in_quotation_marks():
    assert str(sentence_case("Aristotle’s “De Motu Animalium” and Its Readers")) == \
        "Aristotle’s “De Motu Animalium” and its readers"
    assert str(sentence_case("Reading “The Waste Land”: A New Commentary")) == \
        "Reading “The Waste Land”: A new commentary"
    # An apostrophe is no quotation mark: the words after it are cased as usual.
    assert str(sentence_case("The Students’ Guide To NATO")) == "The students’ guide to NATO"
    assert str(sentence_case("Skald – And Music")) == "Skald – and music"


# --------------------------------------------------------------------------- punctuation


def test_punctuation_stays_outside_an_italic_title_ending_in_quotation_marks():
    # The marks belong to the title (a title within a title), not to the style: the period follows the title.
    assert str(tidy("<i>Aristotle’s “De Motu Animalium”</i>. Princeton")) == \
        "<i>Aristotle’s “De Motu Animalium”</i>. Princeton"
    # Quotation marks the style sets still take the period or comma inside, links or not.
    assert str(tidy("“A Study”</a>, in <i>Essays</i>")) == "“A Study,”</a> in <i>Essays</i>"
    assert str(tidy("“A Study”. Next")) == "“A Study.” Next"


def test_an_italic_title_ending_in_a_quotation_in_every_style(tmp_path):
    bibliography = bib(tmp_path, r"""
        @book{n, author = {Nash, Mary}, title = {Aristotle's \mkbibquote{De Motu Animalium}}, date = 1978,
              publisher = {Princeton University Press}, langid = {english}}
    """)
    expected = {
        "chicago-notes-bibliography": "Nash, Mary. *Aristotle’s “De Motu Animalium”*. Princeton University Press, "
                                      "1978.",
        "chicago-author-date": "Nash, Mary. 1978. *Aristotle’s “De Motu Animalium”*. Princeton University Press.",
        "apa": "Nash, M. (1978). *Aristotle’s “De Motu Animalium”*. Princeton University Press.",
        "modern-language-association": "Nash, Mary. *Aristotle’s “De Motu Animalium”*. Princeton University Press, "
                                       "1978.",
    }
    for style_name, entry in expected.items():
        result = cite_each(bibliography, style_name, ["n"])
        assert plain(result.bibliography[0].html) == entry, style_name


# --------------------------------------------------------------------------- links


def test_a_doi_is_printed_as_written_and_linked_percent_encoded(tmp_path):
    bibliography = bib(tmp_path, r"""
        @article{s, author = {Sig, Emma}, title = {Charges}, journal = {J. Comp. Chem.}, volume = 19, date = 1998,
                 pages = {377--395}, doi = {10.1002/(SICI)1096-987X(199803)19:4<377::AID-JCC1>3.0.CO;2-P}}
    """)
    for style_name in ("chicago-notes-bibliography", "apa"):
        entry = cite_each(bibliography, style_name, ["s"]).bibliography[0].html
        href = re.search(r'href="([^"]*)"', entry).group(1)
        assert href == "https://doi.org/10.1002/(SICI)1096-987X(199803)19:4%3C377::AID-JCC1%3E3.0.CO;2-P"
        assert "https://doi.org/10.1002/(SICI)1096-987X(199803)19:4<377::AID-JCC1>3.0.CO;2-P" in plain(entry)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(("text", "numeric", "several"), [
    ("42", True, False), ("2b", True, False), ("D2", True, False), ("99-02", True, True), ("2 & 4", True, True),
    ("3, 5", True, True), ("RC-6947", False, True), ("EU-29702195U", False, True), ("EU29702195U", True, False),
    ("draft", False, False),
])
def test_numbers_are_numeric_and_plural_as_csl_tells(text, numeric, several):
    assert is_numeric(text) is numeric
    assert several_numbers(text) is several


def test_report_and_patent_numbers_are_labelled_as_csl_labels_them(tmp_path):
    bibliography = bib(tmp_path, r"""
        @report{one, author = {Ames, Ann}, title = {Lakes}, type = {techreport}, institution = {Institute},
                date = 1999, number = {42}}
        @report{range, author = {Berg, Bo}, title = {Rivers}, type = {techreport}, institution = {Institute},
                date = 1999, number = {99-02}}
        @report{code, author = {Cole, Cy}, title = {Seas}, type = {techreport}, institution = {Institute},
                date = 1999, number = {RC-6947}}
        @patent{pat, author = {Dahl, Di}, title = {Horn}, number = {EU-29702195U}, date = 1998}
    """)
    chicago = cite_each(bibliography, "chicago-notes-bibliography", ["one", "range", "code"])
    entries = {entry.key: plain(entry.html) for entry in chicago.bibliography}
    assert "Technical Report No. 42." in entries["one"]
    assert "Technical Report Nos. 99-02." in entries["range"]
    assert "Technical Report RC-6947." in entries["code"]
    assert "technical report nos. 99-02 (Institute, 1999), 12." in plain(chicago.citations["range"].note)
    apa = cite_each(bibliography, "apa", ["range", "pat"])
    entries = {entry.key: plain(entry.html) for entry in apa.bibliography}
    assert "*Rivers* (Technical Report Nos. 99-02)" in entries["range"]
    assert "*Horn* (Patent Nos. EU-29702195U)." in entries["pat"]


# --------------------------------------------------------------------------- sets


SET_BIB = r"""
    @set{models, entryset = {glass,wein}}
    @article{glass, author = {Glass, Sam}, title = {Partial Symmetries}, journal = {Nucl. Phys.}, volume = 22,
             date = 1961, pages = {579--588}}
    @article{wein, author = {Wein, Sol}, title = {A Model of Leptons}, journal = {Phys. Rev. Lett.}, volume = 19,
             date = 1967, pages = {1264--1266}}
"""


def test_citing_a_set_cites_each_of_its_members(tmp_path):
    bibliography = bib(tmp_path, SET_BIB)
    result = resolve_citations([Citation(id="c1", items=(CitationItem(key="models", locator="12"),)),
                                Citation(id="c2", items=(CitationItem(key="glass", locator="15"),))],
                               bibliography, load_style("chicago-author-date"))
    assert plain(result.citations["c1"].text) == "(Glass 1961; Wein 1967, 12)"
    # The member cited again on its own is the same work: no year letters, listed once.
    assert plain(result.citations["c2"].text) == "(Glass 1961, 15)"
    assert [entry.key for entry in result.bibliography] == ["glass", "wein"]


def test_a_set_member_is_one_work_in_every_style(tmp_path):
    bibliography = bib(tmp_path, SET_BIB)
    citations = [Citation(id="c1", items=(CitationItem(key="models"),)),
                 Citation(id="c2", items=(CitationItem(key="glass", locator="15"),))]
    notes = resolve_citations(citations, bibliography, load_style("chicago-notes-bibliography"))
    assert plain(notes.citations["c1"].note).startswith("Sam Glass, “Partial Symmetries,” *Nucl. Phys.* 22 (1961): "
                                                        "579–88; Sol Wein,")
    assert plain(notes.citations["c2"].note) == "Glass, “Partial Symmetries,” 15."
    mla = resolve_citations(citations, bibliography, load_style("modern-language-association"))
    assert plain(mla.citations["c2"].text) == "(Glass 15)"  # no title added: Glass has one work
    apa = resolve_citations(citations, bibliography, load_style("apa"))
    assert plain(apa.citations["c2"].text) == "(Glass, 1961, p. 15)"


def test_refs_shows_a_set_as_its_members_and_lists_no_lent_field_as_unused(tmp_path):
    forms = render_entries(bib(tmp_path, SET_BIB), load_style("apa"))
    assert plain(forms["models"]["first"]) == "(Glass, 1961; Wein, 1967, p. 12)"
    assert plain(forms["models"]["bib"]).startswith("Glass, S. (1961). Partial symmetries.")
    assert "Wein, S. (1967)." in plain(forms["models"]["bib"])
    # The set's own field is explained; the fields it lends from its first member are read with the member.
    assert forms["models"]["unused"] == {"entryset": "citing a set cites its members"}
    assert "set" not in forms["models"]


# --------------------------------------------------------------------------- dates, descriptions, editors of a volume


TYPES_BIB = r"""
    @article{glossy, author = {Bo, Ben}, title = {Glossy}, journal = {Weekly}, date = {2004-05-06},
             entrysubtype = {magazine}}
    @article{scholarly, author = {Cy, Cal}, title = {Learned}, journal = {Quarterly}, volume = 3, date = {2004-05-06}}
    @software{python, author = {Rossum, Guido}, title = {Python}, version = {3.11}, date = {2022}}
    @dataset{measures, author = {Al, Ana}, title = {Measurements}, date = {2020}}
    @mvcollection{handbook, editor = {Roe, Rick}, title = {Handbook of Things}, publisher = {Example Press},
                  date = {2010}}
    @collection{handbook2, crossref = {handbook}, title = {Small Things}, volume = {2}}
    @incollection{pebbles, crossref = {handbook2}, author = {Poe, Paula}, title = {Pebbles}, pages = {5--9}}
"""


def bibliography_of(tmp_path: Path, style_name: str) -> dict[str, str]:
    bibliography = bib(tmp_path, TYPES_BIB)
    result = cite_each(bibliography, style_name, list(bibliography))
    return {entry.key: plain(entry.html) for entry in result.bibliography}


def test_magazine_and_newspaper_articles_are_dated_to_the_day(tmp_path):
    apa = bibliography_of(tmp_path, "apa")
    assert apa["glossy"] == "Bo, B. (2004, May 6). Glossy. *Weekly*."  # APA 9.14
    assert apa["scholarly"].startswith("Cy, C. (2004). Learned.")  # a journal article: the year
    mla = bibliography_of(tmp_path, "modern-language-association")
    assert mla["glossy"] == "Bo, Ben. “Glossy.” *Weekly*, 6 May 2004."
    assert mla["scholarly"] == "Cy, Cal. “Learned.” *Quarterly*, vol. 3, May 2004."


def test_software_and_data_sets_say_what_they_are_and_their_version(tmp_path):
    apa = bibliography_of(tmp_path, "apa")
    assert apa["python"] == "Rossum, G. (2022). *Python* (Version 3.11) [Computer software]."  # APA 10.10
    assert apa["measures"] == "Al, A. (2020). *Measurements* [Data set]."  # APA 10.9
    mla = bibliography_of(tmp_path, "modern-language-association")
    assert mla["python"] == "Rossum, Guido. *Python*. Version 3.11, 2022."


def test_the_editor_of_a_volume_follows_the_volume_in_a_chapter_entry(tmp_path):
    assert bibliography_of(tmp_path, "apa")["pebbles"] == \
        "Poe, P. (2010). Pebbles. In R. Roe (Ed.), *Handbook of things: Vol. 2. Small things* (pp. 5–9). Example Press."
    assert bibliography_of(tmp_path, "chicago-notes-bibliography")["pebbles"] == \
        "Poe, Paula. “Pebbles.” In *Handbook of Things*, vol. 2, *Small Things*, edited by Rick Roe. " \
        "Example Press, 2010."
    assert bibliography_of(tmp_path, "chicago-author-date")["pebbles"] == \
        "Poe, Paula. 2010. “Pebbles.” In *Small Things*, edited by Rick Roe, vol. 2 of *Handbook of Things*. Example " \
        "Press."


def test_useprefix_of_one_name_in_the_extended_format_leads_its_inverted_name(tmp_path):
    bibliography = bib(tmp_path, r"""
        @book{mises, author = {family=Mises, given=Ludwig, prefix=von, useprefix=true and given=Kurt, family=Berg,
              prefix=von}, title = {Extended Names}, date = 1949}
    """)
    apa = cite_each(bibliography, "apa", ["mises"])
    assert plain(apa.bibliography[0].html) == "von Mises, L., & Berg, K. von. (1949). *Extended names*."
    assert plain(apa.citations["mises"].text) == "(von Mises & Berg, 1949, p. 12)"
    # Chicago demotes the particle in the inverted name but keeps it in the citation.
    chicago = cite_each(bibliography, "chicago-author-date", ["mises"])
    assert plain(chicago.bibliography[0].html).startswith("Mises, Ludwig von, and Kurt von Berg. 1949.")
    assert plain(chicago.citations["mises"].text) == "(von Mises and Berg 1949, 12)"


def test_an_uncertain_year_keeps_the_comma_after_it(tmp_path):
    # A question mark that ends a title replaces the comma; the mark of an uncertain year (EDTF 1850?) does not.
    assert str(tidy("“Who Knows?”, <i>J</i>")) == "“Who Knows?” <i>J</i>"
    assert str(tidy("<i>J</i>, vol. 3, 1850?, pp. 1–9.")) == "<i>J</i>, vol. 3, 1850?, pp. 1–9."
    bibliography = bib(tmp_path, r"""
        @article{u, author = {Doe, Jane}, title = {Uncertain}, journal = {J}, volume = 3, date = {1850?},
                 pages = {1--9}}
    """)
    entry = cite_each(bibliography, "modern-language-association", ["u"]).bibliography[0].html
    assert plain(entry) == "Doe, Jane. “Uncertain.” *J*, vol. 3, 1850?, pp. 1–9."


@pytest.mark.parametrize(("language", "expected"), [
    ("en-US", "Izsák, Lajos, and József Szabó"),
    ("hu", "Izsák, Lajos és József Szabó"),  # (a Hungarian work's names are set family first by its langid)
    ("de", "Izsák, Lajos und József Szabó"),
])
def test_only_english_puts_a_comma_before_the_last_names_conjunction(language, expected):
    from bookbuild.bibliography.names import parse_names
    from bookbuild.citations.locale import load_locale
    from bookbuild.citations.names import format_names

    names = parse_names("Izsák, Lajos and Szabó, József")
    assert format_names(names, load_locale(language), order="first-family-first",
                        delimiter_before_last="always") == expected
