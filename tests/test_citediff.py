"""The differential harness (tools/citediff): bookbuild's citations against Pandoc citeproc and the official CSL styles.

The match rates on our own fixtures must not fall below the floors here, so that a change to a style that
moves it away from CSL fails; the harness's own parts (normalisation, reading Pandoc's HTML, the
allow-list) are tested without Pandoc.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "citediff"))

import citediff  # noqa: E402 (found through the path set above)

FIXTURES = ROOT / "tests" / "fixtures"
STYLES = citediff.STYLES
FORMS = citediff.ALL_FORMS

# The lowest match rate (in %) allowed per fixture, style and form; the rates reached are in docs/citations.md.
FLOORS = {
    "fixture.bib": {style: dict.fromkeys(FORMS, 100) for style in STYLES},
    "rendering.bib": {style: dict.fromkeys(FORMS, 100) for style in STYLES},
    "entry-types.bib": {
        **{style: dict.fromkeys(FORMS, 100) for style in STYLES},
        "modern-language-association": {**dict.fromkeys(FORMS, 100), "bib": 75},
    },
}
BIBS = {
    "fixture.bib": FIXTURES / "citations" / "fixture.bib",
    "rendering.bib": FIXTURES / "bib" / "rendering.bib",
    "entry-types.bib": FIXTURES / "bib" / "entry-types.bib",
}


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, str], citediff.StyleRun]:
    allowed = citediff.load_allowed(citediff.DEFAULT_ALLOW)
    return {(name, style): citediff.compare(path, style, FORMS, allowed)
            for name, path in BIBS.items() for style in STYLES}


def outcome(runs, bib: str, style: str, key: str, form: str) -> citediff.Outcome:
    return next(o for o in runs[(bib, style)].outcomes if o.key == key and o.form == form)


@pytest.mark.parametrize("bib", list(BIBS))
@pytest.mark.parametrize("style", STYLES)
def test_match_rates_stay_above_their_floors(runs, bib, style):
    run = runs[(bib, style)]
    assert not run.error
    low = []
    for form in FORMS:
        matches, compared, _ = citediff.rate(o for o in run.outcomes if o.form == form)
        assert compared, f"nothing compared for {form}"
        if 100 * matches / compared < FLOORS[bib][style][form]:
            misses = [f"{o.key}: csl {o.theirs!r} / bookbuild {o.ours!r}" for o in run.outcomes
                      if o.form == form and not o.match and not o.allowed]
            low.append(f"{form}: {matches}/{compared}\n  " + "\n  ".join(misses))
    assert not low, "\n".join(low)


def test_every_entry_of_the_fixtures_is_compared(runs):
    for name, path in BIBS.items():
        keys = {entry.key for entry in citediff.entries_of(path)}
        compared = {o.key for o in runs[(name, "apa")].outcomes}
        assert compared == keys


def test_the_allowed_difference_is_counted_apart(runs):
    multivol = outcome(runs, "fixture.bib", "modern-language-association", "multivol", "bib")
    assert not multivol.match and multivol.allowed.startswith("MLA Handbook")
    matches, compared, allowed = citediff.rate(o for o in runs[("fixture.bib", "modern-language-association")].outcomes
                                               if o.form == "bib")
    assert (matches, compared, allowed) == (19, 19, 1)


# --------------------------------------------------------------------------- the cases of issue 14, as CSL renders them


@pytest.mark.parametrize(("bib", "style", "key", "form", "expected"), [
    # A citation inside the author's own footnote is set in parentheses in a note style.
    ("fixture.bib", "chicago-notes-bibliography", "gati2006", "in-note",
     "See (Charles Gati, *Failed Illusions: Moscow, Washington, Budapest, and the 1956 Hungarian Revolt* "
     "(Stanford University Press, 2006), 12)."),
    # Suppress-author in a note style leaves the author out of the note.
    ("fixture.bib", "chicago-notes-bibliography", "gati2006", "suppress-author",
     "*Failed Illusions: Moscow, Washington, Budapest, and the 1956 Hungarian Revolt* (Stanford University Press, "
     "2006), 12."),
    # APA's initials for authors who share a surname; Chicago author-date and MLA do the same.
    ("rendering.bib", "apa", "smithj2001", "first", "(J. Smith, 2001, p. 12)"),
    ("rendering.bib", "chicago-author-date", "smithm2003", "first", "(M. Smith 2003, 12)"),
    ("rendering.bib", "modern-language-association", "smithj2001", "first", "(J. Smith 12)"),
    # Year letters in the order of the bibliography.
    ("rendering.bib", "apa", "hart2010b", "first", "(Hart, 2010b, p. 12)"),
    # MLA's three em dashes for the author of the entry before.
    ("rendering.bib", "modern-language-association", "hart2012", "bib",
     "———. *Mountain Roads*. Sea Books, 2012."),
    # Straight apostrophes become ’; a journal's series; a DOI.
    ("rendering.bib", "chicago-notes-bibliography", "quinn2019", "bib",
     "Quinn, Mary. “A Reader’s Guide to the Irish Essays.” *Review of Irish Letters*, New series, vol. 12, no. 3 "
     "(2019): 201–19. https://doi.org/10.1234/ril.2019.12."),
    # Several publishers; the same person edited and translated; series and number; reprints.
    ("rendering.bib", "chicago-notes-bibliography", "marsh1998", "bib",
     "Marsh, Edwin. *Maps of the Old Frontier*. Hill Press; Stone and Sons, 1998."),
    ("rendering.bib", "chicago-notes-bibliography", "ovid2004", "first",
     "Ovid, *Tristia*, ed. and trans. Victor Lang, Library of Latin Poets 12 (Classical Editions, 2004), 12."),
    ("rendering.bib", "apa", "ovid2004", "bib",
     "Ovid. (2004). *Tristia* (V. Lang, Ed. & Trans.). Classical Editions."),
    ("rendering.bib", "chicago-notes-bibliography", "pratt1960", "bib",
     "Pratt, Walter. *The Theory of Small Groups*. Harper, 1960. Reprint, Dover Publications, 1985."),
    ("rendering.bib", "apa", "pratt1960", "first", "(Pratt, 1960/1985, p. 12)"),
    ("rendering.bib", "modern-language-association", "stein1970", "bib",
     "Stein, Ruth, editor. *Letters of the Reform Era*. 2nd ed., Archive House, 1970. 4 vols."),
    # Titles in other languages keep their case.
    ("rendering.bib", "chicago-notes-bibliography", "weber1931", "subsequent",
     "Weber, “Die Brücken der alten Stadt,” 15."),
    # Entry types: patents, reports, preprints with a version, proceedings with editors.
    ("entry-types.bib", "chicago-notes-bibliography", "lind1999", "first",
     "Oskar Lind and Eva Berg, Folding bicycle frame, U.S. patent 5912345, issued June 15, 1999, 12."),
    ("entry-types.bib", "apa", "baker2012", "bib",
     "Baker, L. (2012). *Water quality in three lakes* (Technical Report No. 42). Institute of Limnology."),
    ("entry-types.bib", "chicago-author-date", "ward2020", "bib",
     "Ward, Peter. 2020. “Notes on Lattice Counting.” Version 2. March 2. https://arxiv.org/abs/2003.01234."),
    ("entry-types.bib", "modern-language-association", "moss2015", "bib",
     "Moss, Daniel, and Ilona Petrova. “Counting Votes in Small Towns.” *Proceedings of the Fourth Workshop on Local "
     "Elections*, edited by Sara Young, Civic Society Press, 2015, pp. 10–19."),
])
def test_issue_14_cases_render_as_csl_does(runs, bib, style, key, form, expected):
    result = outcome(runs, bib, style, key, form)
    assert result.theirs == expected  # what Pandoc citeproc renders: the test's own premise
    assert result.ours == expected


# --------------------------------------------------------------------------- the harness's parts


def test_entries_pandoc_cannot_read_are_neither_cited_nor_compared_and_the_report_names_them(tmp_path):
    path = tmp_path / "sets.bib"
    path.write_text("""
        @set{both, entryset = {a,b}}
        @book{a, author = {Ames, Ann}, title = {Lakes}, publisher = {P}, date = 2001}
        @book{b, author = {Berg, Bo}, title = {Rivers}, publisher = {P}, date = 2002}
    """, encoding="utf-8")
    run = citediff.compare(path, "chicago-author-date", citediff.BASIC_FORMS)
    assert run.not_compared == ("both",)
    assert {o.key for o in run.outcomes} == {"a", "b"}
    assert all(o.match for o in run.outcomes), citediff.differences_text([run])
    report = citediff.markdown_report([run], citediff.BASIC_FORMS)
    assert "Not compared: 1 entry of a type Pandoc's citeproc does not read (@set, @xdata): `both`." in report


def test_normalize_keeps_italics_and_the_marks_that_matter():
    assert citediff.normalize('<i>One</i><i> two</i> <a href="x">link</a>&nbsp;&amp; <b>b</b>') == \
        "*One two* link & **b**"
    assert citediff.normalize("Hemingway's\u2011style — “x”") == "Hemingway's-style — “x”"
    assert citediff.normalize("  a \n\t b ") == "a b"
    # A dotless i with a combining accent (Pandoc's {\"\i}) prints as the composed letter.
    assert citediff.normalize("Naı\u0308ve Martı\u0301n") == "Naïve Martín"


def test_pandoc_html_is_read_into_notes_and_entries():
    parser = citediff._PandocHTML()
    parser.feed('<div id="refs"><div id="ref-a%2Fb" class="csl-entry" role="listitem">Gati, C. '
                '<em>Title</em>.</div></div><section class="footnotes"><ol>'
                '<li id="fn1"><p><span class="citation">Gati, <em>T</em>, 12.</span>'
                '<a href="#fnref1" class="footnote-back" role="doc-backlink">↩︎</a></p></li>'
                '<li id="fn2"><p>See (Gati 2006) &amp; more.<a href="#fnref2" class="footnote-back">↩︎</a></p></li>'
                '</ol></section>')
    assert [(key, citediff.normalize(html)) for key, html in parser.entries] == [("a%2Fb", "Gati, C. *Title*.")]
    assert {number: citediff.normalize(html) for number, html in parser.notes.items()} == {
        1: "Gati, *T*, 12.", 2: "See (Gati 2006) & more."}


def test_the_document_cites_every_key_in_a_footnote_of_its_own():
    document = citediff.markdown_document(["a", "b/c"], citediff.DOCUMENTS["main"])
    assert "[^n1]: [@{a}, 12]" in document and "[^n4]: [@{b/c}, 15]" in document
    assert "[^n1]: See [@{a}, 12]." in citediff.markdown_document(["a"], citediff.DOCUMENTS["in-note"])
    assert "[^n1]: [-@{a}, 12]" in citediff.markdown_document(["a"], citediff.DOCUMENTS["suppress-author"])


def test_an_allow_list_entry_must_name_its_section(tmp_path):
    path = tmp_path / "allowed.toml"
    path.write_text('[[allow]]\nkey = "a"\nstyle = "apa"\nform = "bib"\nreason = "r"\n', encoding="utf-8")
    with pytest.raises(SystemExit, match="lacks section"):
        citediff.load_allowed(path)
    path.write_text('[[allow]]\nkey = "a"\nstyle = "apa"\nform = "bibliography"\nsection = "s"\nreason = "r"\n',
                    encoding="utf-8")
    with pytest.raises(SystemExit, match="unknown form"):
        citediff.load_allowed(path)


# --------------------------------------------------------------------------- biblatex's example bibliography

BIBLATEX_EXAMPLES = ROOT / "build" / "citediff" / "biblatex-examples.bib"
# Entries of biblatex-examples.bib identical to CSL, per style and form, as docs/citations.md reports them (90
# entries: its two @set entries are not compared, Pandoc cannot read them; allowed differences are left out);
# the file is fetched by `make citations-report` (Debian's texlive-bibtex-extra).  Issue 14 asks for 90% at least.
EXAMPLES_FLOORS = {
    "chicago-notes-bibliography": dict.fromkeys(FORMS, 90),
    "chicago-author-date": dict.fromkeys(FORMS, 88),  # of 88: knuth:ct:b and knuth:ct:c are allowed differences
    "apa": dict.fromkeys(FORMS, 90),
    "modern-language-association": {**dict.fromkeys(FORMS, 90), "bib": 84},
}


@pytest.mark.skipif(not BIBLATEX_EXAMPLES.is_file(),
                    reason="run `make citations-report` to fetch biblatex-examples.bib")
@pytest.mark.parametrize("style", STYLES)
def test_biblatex_examples_stay_as_close_to_csl(style):
    run = citediff.compare(BIBLATEX_EXAMPLES, style, FORMS, citediff.load_allowed(citediff.DEFAULT_ALLOW))
    assert run.not_compared == ("set", "stdmodel")
    for form, floor in EXAMPLES_FLOORS[style].items():
        matches, compared, allowed = citediff.rate(o for o in run.outcomes if o.form == form)
        assert compared + allowed == 90
        assert matches >= floor, f"{style} {form}: {matches}/{compared}, was {floor}"
        assert 100 * matches / compared >= 90, f"{style} {form}: {matches}/{compared} is under 90%"
