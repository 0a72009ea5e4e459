"""CSL JSON and CSL YAML bibliographies (Zotero's and Pandoc's formats) read into the same references as BibTeX.

The differential test converts BibTeX files to CSL JSON and CSL YAML with Pandoc, an
independent converter, and checks that every entry renders the same first note, later note
and bibliography entry from either file, in every style.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pypandoc
import pytest

from bookbuild.bibliography import load_bibliography
from bookbuild.citations.preview import render_entries
from bookbuild.citations.styles import load_style
from bookbuild.errors import Report

from .conftest import REPOSITORY, problems_of

STYLES = ("chicago-notes-bibliography", "chicago-author-date", "apa", "modern-language-association")
SAMPLE_BIB = REPOSITORY / "manuscript" / "references.bib"
FIXTURE_BIB = REPOSITORY / "tests" / "fixtures" / "citations" / "fixture.bib"
# Entries whose BibTeX says something CSL JSON cannot carry the same way, so Pandoc's conversion loses it:
# {key: why}.  Each is a limit of the CSL data model, not of the reader.
NOT_CARRIED = {
    "fixture.bib": {
        "conf2003": "Pandoc writes a proceedings' title in sentence case, which APA then keeps",
    },
}


def _converted(bib: Path, to: str, folder: Path) -> Path:
    """*bib* as CSL JSON, or as the CSL YAML Pandoc writes (a YAML block with a 'references' list)."""
    suffix = {"csljson": ".json", "yaml": ".yaml"}[to]
    target = folder / (bib.stem + suffix)
    writer, extra = ("csljson", []) if to == "csljson" else ("markdown", ["--standalone"])
    pypandoc.convert_file(str(bib), writer, format="bibtex", outputfile=str(target), extra_args=extra)
    return target


@pytest.mark.parametrize("bib", [SAMPLE_BIB, FIXTURE_BIB], ids=["sample", "fixture"])
@pytest.mark.parametrize("to", ["csljson", "yaml"])
def test_csl_exports_render_as_their_bibtex_does(tmp_path, bib, to):
    converted = _converted(bib, to, tmp_path)
    from_bibtex = load_bibliography(bib)
    from_csl = load_bibliography(converted)
    assert list(from_csl) == list(from_bibtex)
    skipped = dict(NOT_CARRIED.get(bib.name, {}))
    # Pandoc's CSL export drops biblatex's langid, so a work in another language would be recased as English.
    skipped.update({key: "langid is not exported" for key, reference in from_bibtex.items()
                    if reference.langid and not reference.english})
    # Nor does it keep the braces around a whole title ({{Le sang des Hongrois}}) that keep its case.
    skipped.update({key: "a braced title's case is not exported" for key, reference in from_bibtex.items()
                    if reference.get("title") and all(span.protected for span in reference.get("title").spans)})
    compared = 0
    for style_name in STYLES:
        style = load_style(style_name, None, "en-US")
        expected = render_entries(from_bibtex, style)
        actual = render_entries(from_csl, style)
        for key, forms in expected.items():
            if key in skipped:
                continue
            for form in ("first", "subsequent", "bib"):
                assert actual[key][form] == forms[form], f"{style_name} {key} {form}"
            compared += 1
    assert compared >= len(from_bibtex) * len(STYLES) - len(skipped) * len(STYLES)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_zotero_rich_text_and_names(tmp_path):
    items = [{
        "id": "kramer1998", "type": "article-journal",
        "title": "The Soviet Union and the 1956 crises in <span class=\"nocase\">Hungary</span> and "
                 "<i>Poland</i>",
        "container-title": "Journal of Contemporary History", "volume": "33", "issue": "2", "page": "163-214",
        "issued": {"date-parts": [[1998, 4]]},
        "author": [{"family": "Kramer", "given": "Mark"}, {"family": "Beethoven", "given": "Ludwig",
                                                            "non-dropping-particle": "van"}],
        "DOI": "10.1177/002200949803300201",
    }]
    path = _write(tmp_path, "library.json", json.dumps(items, indent=2))
    reference = load_bibliography(path)["kramer1998"]
    assert reference.type == "article"
    assert str(reference.get("journaltitle")) == "Journal of Contemporary History"
    spans = reference.get("title").spans
    assert any(span.protected and span.text == "Hungary" for span in spans)
    assert any(span.italic and span.text == "Poland" for span in spans)
    assert reference.names["author"].names[1].particle == "van"
    assert (reference.date.year, reference.date.month) == (1998, 4)
    assert str(reference.get("number")) == "2" and str(reference.get("pages")) == "163-214"


def test_items_that_cannot_be_cited_are_left_out_with_a_warning_at_their_line(tmp_path):
    text = '[\n  {"id": "a", "type": "book", "title": "A"},\n  {"type": "book", "title": "No id"},\n  "x"\n]\n'
    path = _write(tmp_path, "library.json", text)
    bibliography = load_bibliography(path)
    assert list(bibliography) == ["a"]
    assert [found.problem.format() for found in bibliography.problems] == [
        f"{path}:3: warning: an item has no 'id': left out\n  hint: give it the key the manuscript cites it by",
        f"{path}:4: warning: an item of the bibliography is not a set of variables: left out\n  hint: each item "
        "is an object such as {\"id\": \"gati2006\", \"type\": \"book\", …}",
    ]


def test_invalid_json_names_its_line(tmp_path):
    path = _write(tmp_path, "library.json", '[\n  {"id": "a", "type": "book"}\n  {"id": "b"}\n]\n')
    problems = problems_of(lambda: load_bibliography(path))
    assert problems == [f"{path}:3: error: expected ',' or ']' after an item\n"
                        "  hint: separate the items of the list with commas"]


def test_unknown_type_and_variable_are_warnings_and_the_item_stays(tmp_path):
    path = _write(tmp_path, "library.yaml", "references:\n- id: x\n  type: hologram\n  title: A thing\n"
                  "  colour: blue\n")
    bibliography = load_bibliography(path)
    assert bibliography["x"].type == "misc"
    assert [found.problem.format() for found in bibliography.problems] == [
        f"{path}:2: warning: unknown CSL type 'hologram' of item 'x': cited as a 'misc'",
        f"{path}:2: warning: item 'x' has the variable 'colour', which bookbuild does not use: left out",
    ]


def test_yaml_aliases_are_refused(tmp_path):
    path = _write(tmp_path, "library.yaml", "- &a {id: x, type: book, title: T}\n- *a\n")
    assert problems_of(lambda: load_bibliography(path)) == [
        f"{path}:1: error: anchors and aliases are not allowed in a bibliography\n"
        "  hint: write each item out in full, as reference managers export them"]


def test_a_book_cites_from_a_csl_json_library(tmp_path):
    from bookbuild.pipeline import build

    root = tmp_path / "book"
    (root / "manuscript").mkdir(parents=True)
    _converted(SAMPLE_BIB, "csljson", root / "manuscript")
    (root / "manuscript" / "book.toml").write_text('title = "Zotero"\nbibliography = "references.json"\n',
                                                   encoding="utf-8")
    (root / "manuscript" / "01.md").write_text("# One\n\nA claim [@gati2006, 12].\n", encoding="utf-8")
    paths = build(root, ("epub",), None, root / "build", Report(stream=None))
    assert paths and paths[0].suffix == ".epub"
    result = subprocess.run(["unzip", "-p", str(paths[0])], capture_output=True, check=True)
    assert "Failed Illusions" in result.stdout.decode("utf-8", "replace")
