"""Reading real bibliographies as biblatex and biber do: dates, data model, LaTeX, links, and no refusals.

The fixtures in ``tests/fixtures/bib/`` hold one case per entry; the last
test builds a small book from ``problems.bib``, a file with every kind of
problem biber accepts, and checks each warning and that every cited entry
renders.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bookbuild.bibliography import (
    Date,
    Name,
    load_bibliography,
    parse_bibliography,
    report_problems,
)
from bookbuild.citations.dates import format_date
from bookbuild.citations.locale import load_locale
from bookbuild.citations.names import format_names, name_sort_key
from bookbuild.citations.numbers import page_range
from bookbuild.citations.preview import render_entries, run_refs
from bookbuild.citations.styles import known_styles, load_style
from bookbuild.citations.titles import title_case
from bookbuild.errors import BookbuildError, Report, SourceLocation

BIB = Path(__file__).parent / "fixtures" / "bib"
SRC = Path(__file__).resolve().parent.parent / "src"


@pytest.fixture(scope="module")
def dates():
    return load_bibliography(BIB / "dates.bib")


@pytest.fixture(scope="module")
def model():
    return load_bibliography(BIB / "datamodel.bib")


@pytest.fixture(scope="module")
def latex():
    return load_bibliography(BIB / "latex.bib")


@pytest.fixture(scope="module")
def links():
    return load_bibliography(BIB / "links.bib")


@pytest.fixture(scope="module")
def en():
    return load_locale("en-US")


def line_of(path: Path, marker: str) -> int:
    """The 1-based line of *path* that holds *marker*."""
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if marker in text:
            return number
    raise AssertionError(f"{marker!r} not in {path}")


def warnings_of(bibliography) -> list[str]:
    return [found.problem.format().split("\n")[0] for found in bibliography.problems]


# --------------------------------------------------------------------------- dates


def test_the_full_date_model_is_read(dates):
    assert not dates.problems
    expected = {
        "plain": Date(1988),
        "full": Date(1988, 5, 4),
        "range": Date(1988, end=Date(1992)),
        "openend": Date(1988, end=Date(literal="open")),
        "openstart": Date(end=Date(1992), open_start=True),
        "openstartdots": Date(end=Date(1992), open_start=True),
        "uncertain": Date(1850, uncertain=True),
        "approximate": Date(1850, approximate=True),
        "both": Date(1850, approximate=True, uncertain=True),
        "decade": Date(1860, unspecified="year"),
        "century": Date(1900, unspecified="decade"),
        "spring": Date(1928, season="spring"),
        "winter": Date(1928, season="winter"),
        "seasonrange": Date(1928, season="spring", end=Date(1928, season="winter")),
        "datetime": Date(2015, 4, 22, time="11:10:00"),
        "datetimezone": Date(2015, 4, 22, time="11:10:00+02:00"),
        "yearmonth": Date(1956, 11),
        "monthname": Date(1956, 11),
        "monthnumber": Date(1956, 11),
        "monthabbr": Date(1956, 11),
        "monthseason": Date(1928, season="winter"),
        "yearedtf": Date(1860, unspecified="year"),
        "yearliteral": Date(literal="forthcoming"),
        "yearday": Date(1956, 11, 4),
    }
    assert {key: dates[key].date for key in expected} == expected
    assert dates["orig"].origdate == Date(1885)
    assert dates["orig"].dates["origdate"] == Date(1885)
    assert dates["event"].eventdate == Date(2000, 6, 12, end=Date(2000, 6, 15))
    assert dates["accessed"].urldate == Date(2020, 2, 29)
    assert dates["accessed"].date is None


def test_dates_are_written_as_biblatex_writes_them(dates, en):
    def shown(key: str, form: str = "month-day-year") -> str:
        return format_date(dates[key].date, en, form)

    assert shown("range", "year") == "1988–1992"
    assert shown("openend", "year") == "1988–"
    assert shown("openstart", "year") == "–1992"
    assert shown("uncertain", "year") == "1850?"
    assert shown("approximate", "year") == "ca. 1850"
    assert shown("decade", "year") == "1860s"
    assert shown("century", "year") == "20th century"
    assert shown("winter", "month-year") == "Winter 1928"
    assert shown("winter", "year") == "1928"
    assert shown("seasonrange", "month-year") == "Spring 1928–Winter 1928"
    assert shown("datetime") == "April 22, 2015"
    assert shown("yearday") == "November 4, 1956"
    assert format_date(dates["event"].eventdate, en, "month-day-year") == "June 12, 2000–June 15, 2000"


def test_odd_months_and_years_are_warnings_and_the_rest_is_kept(tmp_path):
    path = tmp_path / "odd.bib"
    path.write_text(textwrap.dedent("""\
        @book{a, title = {A}, year = 1990, month = {????}}
        @book{b, title = {B}, year = {??}}
        @book{c, title = {C}, date = {????}}
        @book{d, title = {D}, date = {1990-02-30}}
    """), encoding="utf-8")
    bibliography = load_bibliography(path)
    assert warnings_of(bibliography) == [
        f"{path}:1: warning: the month '????' of entry 'a' is a placeholder; it is left out",
        f"{path}:2: warning: the year '??' of entry 'b' is a placeholder; it is left out",
        f"{path}:3: warning: the date '????' in field 'date' of entry 'c' is a placeholder; it is left out",
        f"{path}:4: warning: cannot read the date '1990-02-30' in field 'date' of entry 'd'; it is left out",
    ]
    assert bibliography["a"].date == Date(1990)
    assert bibliography["b"].date is None
    assert set(bibliography["b"].unused) == {"year"}


# --------------------------------------------------------------------------- data model


def test_types_and_their_aliases(model):
    types = {key: (model[key].type, model[key].text("type")) for key in
             ("conf", "elec", "web", "ma", "phd", "tr", "patent", "soft", "data", "unknowntype")}
    assert model["phd"].source_type == "phdthesis" and model["soft"].source_type == "software"
    assert types == {
        "conf": ("inproceedings", ""), "elec": ("online", ""), "web": ("online", ""), "ma": ("thesis", "mathesis"),
        "phd": ("thesis", "phdthesis"), "tr": ("report", "techreport"), "patent": ("patent", "patentus"),
        "soft": ("software", ""), "data": ("dataset", ""), "unknowntype": ("misc", ""),
    }
    assert model["ma"].text("institution") == "Univ"  # school is biblatex's institution
    assert warnings_of(model) == [
        f"{BIB / 'datamodel.bib'}:{line_of(BIB / 'datamodel.bib', '@podcast')}: warning: unknown entry type "
        "'@podcast' of entry 'unknowntype'; it is shown as @misc",
    ]


def test_crossref_follows_biblatex_inheritance_table(model):
    volume = model["works3"]  # @book in an @mvbook: the main work's title is the maintitle
    assert (volume.text("title"), volume.text("maintitle"), volume.text("mainsubtitle")) == \
        ("Kritik der reinen Vernunft", "Gesammelte Schriften", "Akademieausgabe")
    assert volume.text("shorttitle") == ""  # not inherited
    assert str(volume.names["author"].names[0]) == "Immanuel Kant"
    chapter = model["chapter3"]  # @inbook in that @book: title -> booktitle, author -> bookauthor too
    assert (chapter.text("title"), chapter.text("booktitle"), chapter.text("maintitle")) == \
        ("Vorrede", "Kritik der reinen Vernunft", "Gesammelte Schriften")
    assert str(chapter.names["bookauthor"].names[0]) == "Immanuel Kant"
    assert (chapter.text("publisher"), chapter.text("location"), chapter.text("volume")) == ("Reimer", "Berlin", "3")
    part = model["part"]  # @incollection < @collection < @mvcollection
    assert (part.text("booktitle"), part.text("maintitle"), part.text("volume")) == \
        ("Small Things", "Handbook of Things", "2")
    assert model["paper"].text("booktitle") == "Proceedings of the Meeting"
    assert model["inissue"].text("journaltitle") == "Journal of Things"
    assert model["chapter3"].crossref == "works3"


def test_xdata_xref_and_related(model):
    assert (model["usesxdata"].text("series"), model["usesxdata"].text("publisher"),
            model["usesxdata"].text("location")) == ("Shared Series", "Shared Press", "Lisbon")
    assert model["granular"].text("publisher") == "Shared Press"
    assert "pressdata" not in model and "seriesdata" not in model  # @xdata entries are no references
    assert model["withxref"].xref == "handbook"
    assert model["withxref"].text("title") == "A Volume" and model["withxref"].text("maintitle") == ""
    assert model["withrelated"].related == ("usesxdata", "granular")


def test_entrysubtype_shorthand_options(model):
    assert model["magazine"].entrysubtype == "magazine"
    assert model["newspaper"].entrysubtype == "newspaper"
    assert str(model["shorthand"].shorthand) == "AW"
    assert model["optionprefix"].options == {"useprefix": "true"}


def test_langid_keeps_titles_of_other_languages_from_case_changes(model):
    assert model["german"].langid == "ngerman" and not model["german"].english
    assert str(title_case(model["german"].get("title"))) == "Der Zauberberg"
    assert model["english"].english
    assert str(title_case(model["english"].get("title"))) == "The Magic Mountain"
    assert model["hyphenation"].langid == "french"  # BibTeX's hyphenation field is biblatex's langid
    assert all(span.protected for span in model["works3"].get("maintitle").spans)


def test_extended_name_format_and_useprefix(model, en):
    mises, doe = model["extended"].names["author"]
    assert mises == Name(family="Mises", given="Ludwig", particle="von", useprefix=True)
    assert doe == Name(family="Doe", given="Jane")
    # Inverted, the particle follows the given name as CSL's styles print it ("Mises, Ludwig von"); useprefix
    # keeps it in the short form and in sorting.
    assert format_names(model["extended"].names["author"], en, order="first-family-first") == \
        "Mises, Ludwig von and Jane Doe"
    assert format_names(model["extended"].names["author"], en, form="short") == "von Mises and Doe"
    neumann = model["optionprefix"].names["author"].names[0]
    assert neumann.useprefix and name_sort_key(neumann)[0] == "von neumann"


# --------------------------------------------------------------------------- LaTeX


def test_latex_is_decoded_fully(latex):
    text = {key: latex[key].text("title") for key in latex}
    assert text["accents"] == "Æsthetics, Français, naïve, Straße, øre"
    assert [str(name) for name in latex["accents"].names["author"]] == ["Pál Erdős", "Arnold Schönberg", "Kurt Gödel"]
    assert text["quotes"] == "On “Quoted” and “Enquoted” and “TeX Quotes”"
    assert text["tex"] == "The TeXbook and LaTeX"
    assert text["links"] == "See https://example.org/a_b and the site"
    assert text["symbols"] == "Salt & Pepper, 1914–1918 — a\u00a0history"
    assert text["apostrophes"] == "The Third Policeman’s Book"
    assert str(latex["apostrophes"].names["author"].names[0]) == "Flann O’Brien"
    assert text["macros"] == "History of Magyarország and the USSR"  # @preamble \newcommand and \def


def test_font_commands_become_styles(latex):
    spans = {span.text: span for span in latex["fonts"].get("title").spans if span.text.strip()}
    assert spans["Emphasis"].italic and spans["Italic"].italic and spans["Bibitalic"].italic
    assert spans["Bold"].bold
    assert spans["Small Caps"].smallcaps
    assert spans["Hamlet"].italic
    assert latex["fonts"].get("title").html().startswith("<i>Emphasis</i> <i>Italic</i> <i>Bibitalic</i> <b>Bold</b>")
    protected = [span.text for span in latex["protected"].get("title").spans if span.protected]
    assert protected == ["Moscow", "NATO"]


def test_an_unknown_command_is_a_located_warning(latex):
    path = BIB / "latex.bib"
    assert warnings_of(latex) == [
        f"{path}:{line_of(path, 'unknownmacro')}: warning: unknown LaTeX command '\\frobnicate' in field 'title' "
        "of entry 'unknownmacro'; its argument is shown as plain text",
    ]
    assert latex["unknownmacro"].text("title") == "The Widget"


def test_deeply_nested_braces_never_recurse_too_far():
    value = "{" * 5000 + "Deep" + "}" * 5000
    bibliography = parse_bibliography("@book{deep, title = " + value + ", year = 2000}\n",
                                      lambda line=None: SourceLocation("deep.bib", line))
    assert bibliography["deep"].text("title") == "Deep"


# --------------------------------------------------------------------------- links and other fields


def test_dois_and_urls_become_valid_links(links):
    assert links["doiprefix"].text("doi") == "10.1162/rest.2001.1"
    assert links["doiurl"].text("doi") == "10.1000/xyz123"
    assert links["doiangle"].text("doi") == "10.1002/(SICI)1096-987X(199803)19:4%3C377::AID-JCC1%3E3.0.CO;2-P"
    assert links["wwwurl"].text("url") == "https://www.example.org/y"
    assert links["spaceurl"].text("url") == "https://example.org/a%20b"
    assert links["urlmacro"].text("url") == "https://example.org/x_y"
    assert links["doibad"].text("doi") == "" and links["badurl"].text("url") == ""
    path = BIB / "links.bib"
    assert warnings_of(links) == [
        f"{path}:{line_of(path, 'doibad')}: warning: field 'doi' of entry 'doibad': 'see the library' is not a DOI "
        "(a DOI starts with '10.' and a slash); it is left out",
        f"{path}:{line_of(path, 'badurl')}: warning: field 'url' of entry 'badurl': 'ask the librarian' is not a "
        "web address; it is left out",
    ]


def test_file_fields_are_ignored_quietly_and_pages_kept_as_written(links):
    assert links["zotero"].text("file") == "" and "file" in links["zotero"].unused
    assert page_range(links["pagesyear"].text("pages"), "chicago") == "2016–01"
    assert page_range(links["pagesyear"].text("pages"), "expanded") == "2016–01"
    assert page_range(links["pagesshort"].text("pages"), "expanded") == "321–328"
    assert links["deep"].text("title") == "Deep"
    assert links["hrefnote"].text("note") == "Online at the archive"


# --------------------------------------------------------------------------- refs


def test_refs_says_which_fields_an_entry_could_not_use(tmp_path, monkeypatch):
    monkeypatch.chdir(BIB)
    output = json.loads(run_refs(Path("links.bib"), "chicago-notes-bibliography", True, None))
    assert output["zotero"]["unused"] == {"file": "a link to a file on the author's computer (Zotero, JabRef)"}
    assert output["doibad"]["unused"] == {"doi": "'see the library' is not a DOI (a DOI starts with '10.' and a "
                                                 "slash)"}
    text = run_refs(Path("datamodel.bib"), "chicago-notes-bibliography", False, None)
    related = text.split("\nwithrelated\n")[1].split("\n\n")[0]
    assert "  unused:     related, relatedtype\n" in related + "\n"


# ---------------------------------------------------------------------- a book from a bibliography with every problem


PROBLEMS = BIB / "problems.bib"
CITED = ["oddmonth", "season", "placeholder", "repeated", "undefined", "orphan", "baddoi", "gooddoi", "wwwurl",
         "badurl", "zotero", "pages", "deep", "href", "unbalanced", "unknowncommand", "unknowntype", "baddate",
         "edtf", "datetime", "edtfseason", "emptyname"]


def expected_warnings(shown: str) -> list[str]:
    def at(marker: str) -> str:
        return f"{shown}:{line_of(PROBLEMS, marker)}: warning: "

    return [
        at("month = {????}") + "the month '????' of entry 'oddmonth' is a placeholder; it is left out",
        at("@book{placeholder") + "the year '??' of entry 'placeholder' is a placeholder; it is left out",
        at("@book{repeated") + "duplicate field 'title' in entry 'repeated'; the first is used",
        at("@book{undefined") + "undefined macro 'nopress' in field 'publisher' of entry 'undefined'; "
                                "it is read as empty",
        at("@incollection{orphan") + "unknown crossref 'nobook' in entry 'orphan'; it inherits nothing",
        at("doi = {see the library}") + "field 'doi' of entry 'baddoi': 'see the library' is not a DOI (a DOI "
                                        "starts with '10.' and a slash); it is left out",
        at("@online{badurl") + "field 'url' of entry 'badurl': 'ask the librarian' is not a web address; "
                               "it is left out",
        at("@book{unbalanced") + "unbalanced braces in field 'author' of entry 'unbalanced'; they are dropped",
        at("@book{unknowncommand") + "unknown LaTeX command '\\frobnicate' in field 'title' of entry "
                                     "'unknowncommand'; its argument is shown as plain text",
        at("@podcast") + "unknown entry type '@podcast' of entry 'unknowntype'; it is shown as @misc",
        at("@book{baddate") + "cannot read the date '2015-13-40' in field 'date' of entry 'baddate'; it is left out",
        at("@book{emptyname") + "an empty name in field 'author' of entry 'emptyname'",
        at("@book{uncited") + "cannot read the month 'Smarch' of entry 'uncited'; it is left out",
        at("@book{broken") + "cannot read entry 'broken': expected comma after entry key, but found =",
        at("Duplicate Key") + "duplicate key 'season'; the first entry is used",
    ]


def book(root: Path, cited: list[str], bib: str | None = None, style: str = "chicago-notes-bibliography") -> Path:
    files = {
        "manuscript/book.toml": f'title = "Problems"\nbibliography = "refs.bib"\ncitation-style = "{style}"\n',
        "manuscript/01-chapter.md": "# Chapter\n\n" + "".join(f"Claim [@{key}, 12].\n\n" for key in cited),
        "manuscript/refs.bib": bib if bib is not None else PROBLEMS.read_text(encoding="utf-8"),
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_a_book_from_a_bibliography_with_every_problem_builds_and_warns(tmp_path):
    from bookbuild.editions import editions_named
    from bookbuild.pipeline import edition_manuscript, read_sources

    root = book(tmp_path / "book", CITED)
    report = Report()
    sources = read_sources(root, None, report)
    assert [warning.format().split("\n")[0] for warning in report.warnings] == \
        expected_warnings("manuscript/refs.bib")
    edition = editions_named(sources.config, None)[0]
    _, result = edition_manuscript(sources, edition, report)
    entries = {entry.key: entry.html for entry in result.bibliography}
    assert sorted(entries) == sorted(CITED)
    for key in CITED:
        title = sources.bibliography[key].text("title")
        assert title and title.split()[0] in entries[key], (key, entries[key])
    assert "Winter 1928" in entries["season"]
    assert "2016–01" in entries["pages"]
    assert 'href="https://doi.org/10.1162/rest.2004.1"' in entries["gooddoi"]
    assert "see the library" not in entries["baddoi"]
    assert 'href="https://www.example.org/y"' in entries["wwwurl"]
    assert "ask the librarian" not in entries["badurl"]
    assert "First Title" in entries["repeated"] and "Second Title" not in entries["repeated"]
    assert "Zotero" not in entries["zotero"]
    assert sources.bibliography["href"].text("note") == "At the archive"  # (Chicago's entry shows no note)
    assert "1860" in entries["edtf"]  # the view's year; format_date shows "1860s" (see the dates tests)
    assert "Winter 1928" in entries["edtfseason"]  # EDTF's season 24
    assert "2015" in entries["datetime"]
    notes = [citation.note for citation in result.citations.values()]
    assert len(notes) == len(CITED) and all(notes)


# The edges of issue 14 in the same book: a citation inside the author's own footnote, a suppressed author, and,
# from the entries of problems.bib, two authors named Doe (Jane and Mark), two works of Hu in 2004 and two
# consecutive works of Jane Doe in the bibliography.
EDGES = ("Aside.[^a] Bare [-@oddmonth, 13].\n\n[^a]: See [@season, 15].\n")
EDGE_EXPECTED = {
    "chicago-notes-bibliography": ["in-note: (Doe, “A Season,” 15)",
                                   "suppressed: “Odd Month,” 13."],
    "chicago-author-date": ["in-note: (J. Doe 1928, 15)", "suppressed: (1990, 13)", "cited: (Hu 2004a, 12)",
                            "cited: (Hu 2004b, 12)"],
    "apa": ["in-note: (J. Doe, 1928, p. 15)", "suppressed: (1990, p. 13)", "cited: (M. Doe, 1928, p. 12)",
            "cited: (Hu, 2004a, p. 12)", "cited: (Hu, 2004b, p. 12)"],
    "modern-language-association": ["in-note: (J. Doe, “A Season” 15)", "suppressed: (“Odd Month” 13)",
                                    "bib: ———. “A Season.” *Quarterly*, vol. 4, Winter 1928."],
}


@pytest.mark.parametrize("style", list(EDGE_EXPECTED))
def test_the_styles_edges_in_a_book_from_the_problem_bibliography(tmp_path, style):
    from bookbuild.citations.preview import plain_text
    from bookbuild.editions import editions_named
    from bookbuild.pipeline import edition_manuscript, read_sources

    root = book(tmp_path / "book", CITED, style=style)
    chapter = root / "manuscript" / "01-chapter.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + EDGES, encoding="utf-8")
    report = Report()
    sources = read_sources(root, None, report)
    manuscript, result = edition_manuscript(sources, editions_named(sources.config, None)[0], report)
    shown = []
    for citation in manuscript.citations:
        rendered = result.citations[citation.id]
        kind = "in-note" if citation.in_note else "suppressed" if citation.items[0].suppress_author else "cited"
        shown.append(f"{kind}: " + plain_text(rendered.text if citation.in_note or not rendered.note
                                              else rendered.note))
    shown += ["bib: " + plain_text(entry.html) for entry in result.bibliography]
    for line in EDGE_EXPECTED[style]:
        assert line in shown, (line, [item for item in shown if item.split(":")[0] == line.split(":")[0]])
    # Every cited entry renders, in every style.
    assert sorted(entry.key for entry in result.bibliography) == sorted(CITED)


def test_strict_makes_every_warning_an_error(tmp_path):
    root = book(tmp_path / "book", CITED)
    result = subprocess.run([sys.executable, "-m", "bookbuild", "check", "--strict", "--project", str(root)],
                            capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": str(SRC)})
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [line.replace(": warning: ", ": error: ") for line in expected_warnings("manuscript/refs.bib")]
    relaxed = subprocess.run([sys.executable, "-m", "bookbuild", "check", "--project", str(root)],
                             capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": str(SRC)})
    assert relaxed.returncode == 0, relaxed.stderr
    assert "Traceback" not in relaxed.stderr


def test_citing_an_entry_that_cannot_be_read_is_an_error(tmp_path):
    root = book(tmp_path / "book", ["fine", "broken"],
                bib="@book{fine, title = {Fine}, year = 2000}\n@book{broken title = {x}}\n")
    result = subprocess.run([sys.executable, "-m", "bookbuild", "check", "--project", str(root)],
                            capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": str(SRC)})
    assert result.returncode == 1
    assert "manuscript/refs.bib:2: error: cannot read entry 'broken': expected comma after entry key, but found =" \
        in result.stderr.splitlines()


def test_report_problems_sorts_errors_from_warnings():
    bibliography = parse_bibliography("@book{a title = {x}}\n@book{b, title = {B}, month = {????}, year = 1}\n",
                                      lambda line=None: SourceLocation("r.bib", line))
    report = Report()
    report_problems(bibliography, {"b"}, report)
    assert [w.format().split("\n")[0] for w in report.warnings] == [
        "r.bib:1: warning: cannot read entry 'a': expected comma after entry key, but found =",
        "r.bib:2: warning: the month '????' of entry 'b' is a placeholder; it is left out",
    ]
    with pytest.raises(BookbuildError):
        report_problems(bibliography, {"a"}, Report())


# --------------------------------------------------------------------------- biblatex's own example file


def _biblatex_examples() -> Path | None:
    candidates = [os.environ.get("BIBLATEX_EXAMPLES", ""),
                  "/usr/share/texlive/texmf-dist/bibtex/bib/biblatex/biblatex/biblatex-examples.bib",
                  str(SRC.parent / "build" / "citediff" / "biblatex-examples.bib")]  # `make citations-report`
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


@pytest.mark.skipif(_biblatex_examples() is None, reason="biblatex-examples.bib is not installed "
                    "(set BIBLATEX_EXAMPLES to its path)")
@pytest.mark.parametrize("style", ["chicago-notes-bibliography", "chicago-author-date", "apa",
                                   "modern-language-association"])
def test_biblatex_examples_are_read_without_error_and_every_entry_renders(style):
    bibliography = load_bibliography(_biblatex_examples())
    assert not [found for found in bibliography.problems if found.fatal]
    assert style in known_styles()
    forms = render_entries(bibliography, load_style(style))
    assert len(forms) == len(bibliography) > 90
    for key, rendered in forms.items():
        assert rendered["bib"] and rendered["first"] and rendered["subsequent"], key


# --------------------------------------------------------------------------- what bibtexparser alone would lose


def test_lines_stay_right_after_a_block_that_cannot_be_parsed(tmp_path):
    path = tmp_path / "r.bib"
    path.write_text(textwrap.dedent("""\
        @book{a,
          title = "A {"quoted"} word",
          note = "More {"quotes"} here",
          year = 2000
        }
        @book{b,
          title = {B},
          month = {Smarch},
          year = 2001
        }
    """), encoding="utf-8")
    bibliography = load_bibliography(path)
    assert bibliography["a"].text("title") == 'A "quoted" word'
    assert bibliography["a"].text("note") == 'More "quotes" here'
    assert bibliography["a"].location.line == 1
    assert bibliography["b"].location.line == 6
    assert warnings_of(bibliography) == [f"{path}:8: warning: cannot read the month 'Smarch' of entry 'b'; "
                                         "it is left out"]


def test_month_ranges_and_days_in_the_month_field(tmp_path):
    path = tmp_path / "m.bib"
    path.write_text("@article{a, title = {A}, year = 1990, month = {May/June}}\n"
                    "@article{b, title = {B}, year = 1990, month = {July--August}}\n"
                    "@article{c, title = {C}, year = 1990, month = {September 4}}\n", encoding="utf-8")
    bibliography = load_bibliography(path)
    assert not bibliography.problems
    assert bibliography["a"].date == Date(1990, 5, end=Date(1990, 6))
    assert bibliography["b"].date == Date(1990, 7, end=Date(1990, 8))
    assert bibliography["c"].date == Date(1990, 9, 4)


def test_empty_fields_and_other_date_like_fields_are_quiet(tmp_path):
    path = tmp_path / "e.bib"
    path.write_text("@online{a, title = {A}, url = {}, doi = {}, year = 2000, bibdate = {Tue Dec 14 1993}}\n",
                    encoding="utf-8")
    bibliography = load_bibliography(path)
    assert not bibliography.problems
    assert bibliography["a"].text("bibdate") == "Tue Dec 14 1993"


def test_odd_dois_and_urls_make_links_epubcheck_accepts(tmp_path):
    from bookbuild.checks import epubcheck
    from bookbuild.pipeline import build

    keys = ["doiprefix", "doiurl", "doiangle", "doibad", "wwwurl", "spaceurl", "badurl", "urlmacro", "hrefnote"]
    root = book(tmp_path / "book", keys, bib=(BIB / "links.bib").read_text(encoding="utf-8"))
    (epub,) = build(root, ("epub",), None, None, Report())
    messages = [m for m in epubcheck(epub) if m.level in ("FATAL", "ERROR", "WARNING")]
    assert messages == []


def test_no_text_makes_the_reader_fail():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from(["@book{", "@article(", "k,", "title", "author", "date", "month", "year", "doi",
                              "url", " = ", "{", "}", '"', "#", ",", "\\", "\\emph{", "\\'", "~", "--", "and",
                              "1988/", "-24", "X", "?", "\n", " ", "@string{s = {x}}", "crossref = {k}",
                              "xdata = {k}", "family=V", "\\newcommand{\\x}{y}", "@preamble{", "%", "é"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pieces, max_size=40).map("".join))
    def read(text):
        bibliography = parse_bibliography(text, lambda line=None: SourceLocation("f.bib", line))
        for reference in bibliography.values():
            str(reference.get("title"))
        for found in bibliography.problems:
            assert found.problem.location.path == "f.bib"

    read()


# --------------------------------------------------------------------------- every .bib of texlive-bibtex-extra

# `make citations-report` unpacks Debian's texlive-bibtex-extra here to take biblatex-examples.bib from it; the
# package holds a hundred more .bib files written by others (package examples and test databases).
TEXLIVE_EXTRA = SRC.parent / "build" / "citediff" / "deb" / "extracted"


@pytest.mark.skipif(not TEXLIVE_EXTRA.is_dir(), reason="run `make citations-report` to unpack texlive-bibtex-extra")
def test_no_bib_file_of_texlive_bibtex_extra_is_refused_and_every_entry_renders():
    files = sorted(TEXLIVE_EXTRA.rglob("*.bib"))
    assert len(files) > 50
    from bookbuild.citations import resolve_citations

    style = load_style("chicago-notes-bibliography")
    for path in files:
        bibliography = load_bibliography(path)  # never raises: problems are warnings
        sets = {key for key, reference in bibliography.items() if reference.source_type == "set"}
        result = resolve_citations([], bibliography, style, nocite=["*"])
        entries = {entry.key: entry.html for entry in result.bibliography}
        assert set(entries) >= set(bibliography) - sets, path
        assert all(entries.values()), path
