"""``bookbuild refs FILE.bib --style NAME [--json]``: how every entry of a .bib file renders."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from bookbuild.citations.preview import plain_text, run_refs
from bookbuild.errors import BookbuildError, Report

FIXTURES = Path(__file__).parent / "fixtures" / "citations"


def error_lines(call) -> list[str]:
    with pytest.raises(BookbuildError) as caught:
        call()
    return [problem.format() for problem in caught.value.problems]


@pytest.fixture
def loose_folder(tmp_path, monkeypatch):
    """A folder that is not a project, holding refs.bib, as the current folder."""
    shutil.copy(FIXTURES / "fixture.bib", tmp_path / "refs.bib")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_json_has_every_entry_with_three_html_forms(loose_folder):
    output = json.loads(run_refs(Path("refs.bib"), "chicago-notes-bibliography", True, Path.cwd()))
    expected = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    assert list(output) == list(expected["chicago-notes-bibliography"])
    assert all(set(forms) == {"first", "subsequent", "bib", "unused"} for forms in output.values())
    assert output["gati2006"]["first"].startswith('<a class="citation" href="#ref-gati2006">Charles Gati, <i>')
    assert output["gati2006"]["subsequent"] == \
        '<a class="citation" href="#ref-gati2006">Gati, <i>Failed Illusions</i></a>, 15.'


def test_json_of_an_in_text_style_holds_the_citations(loose_folder):
    output = json.loads(run_refs(Path("refs.bib"), "apa", True, None))
    assert output["gati2006"]["first"] == '(<a class="citation" href="#ref-gati2006">Gati, 2006, p. 12</a>)'
    assert output["gati2006"]["subsequent"] == '(<a class="citation" href="#ref-gati2006">Gati, 2006, p. 15</a>)'


def test_plain_listing(loose_folder):
    output = run_refs(Path("refs.bib"), "chicago-author-date", False, Path.cwd())
    assert output.startswith("20 entries of refs.bib in chicago-author-date\n\ngati2006\n")
    assert "  first:      (Gati 2006, 12)\n" in output
    assert "  subsequent: (Gati 2006, 15)\n" in output
    assert ("  bib:        Gati, Charles. 2006. *Failed Illusions: Moscow, Washington, Budapest, and the 1956 "
            "Hungarian Revolt*. Stanford University Press.\n") in output
    assert "Texas A&M University Press" in output  # entities decoded


def test_plain_text():
    assert plain_text('<a href="#x"><i>A</i> &amp; B</a>\u00a0 C') == "*A* & B C"


def test_unknown_style(loose_folder):
    assert error_lines(lambda: run_refs(Path("refs.bib"), "harvard", False, Path.cwd())) == [
        "error: unknown citation style 'harvard'\n"
        "  hint: known styles: apa, chicago-author-date, chicago-notes-bibliography, modern-language-association",
    ]


def test_a_bad_file_is_shown_as_given(loose_folder):
    (loose_folder / "bad.bib").write_text("@book{a, title = {A}}\n@book{a, title = {B}}\n", encoding="utf-8")
    report = Report()
    output = run_refs(Path("bad.bib"), "apa", False, Path.cwd(), report=report)
    assert [warning.format() for warning in report.warnings] == [
        "bad.bib:2: warning: duplicate key 'a'; the first entry is used\n  hint: first defined at bad.bib:1",
    ]
    assert "  bib:        *A*. (n.d.)." in output
    assert error_lines(lambda: run_refs(Path("bad.bib"), "apa", False, Path.cwd(), report=Report(strict=True))) \
        == ["bad.bib:2: error: duplicate key 'a'; the first entry is used\n  hint: first defined at bad.bib:1"]
    assert error_lines(lambda: run_refs(Path("missing.bib"), "apa", False, Path.cwd())) == [
        "missing.bib: error: bibliography file not found",
    ]


def test_inside_a_project_paths_are_relative_to_it_and_its_styles_are_found(tmp_path, monkeypatch):
    root = tmp_path / "book"
    files = {
        "manuscript/book.toml": 'title = "T"\n',
        "manuscript/01.md": "# One\n",
        "manuscript/references.bib": "@book{a, title = {A}, author = {Doe, Jane}, year = 2001}\n"
                                     "@book{a, title = {B}}\n",
        "styles/citations/tiny/style.toml": 'class = "in-text"\n',
        "styles/citations/tiny/cite/default.j2": "{{ work.key }}",
        "styles/citations/tiny/cite-author/default.j2": "",
        "styles/citations/tiny/bibliography/default.j2": "{{ work.title }}",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    monkeypatch.chdir(root)
    report = Report()
    run_refs(Path("manuscript/references.bib"), "tiny", False, Path.cwd(), report=report)
    assert [warning.format() for warning in report.warnings] == [
        "manuscript/references.bib:2: warning: duplicate key 'a'; the first entry is used\n"
        "  hint: first defined at manuscript/references.bib:1",
    ]
    (root / "manuscript/references.bib").write_text("@book{a, title = {A}, year = 2001}\n", encoding="utf-8")
    output = json.loads(run_refs(root / "manuscript" / "references.bib", "tiny", True, root))
    assert output == {"a": {"first": '<a class="citation" href="#ref-a">a</a>',
                            "subsequent": '<a class="citation" href="#ref-a">a</a>', "bib": "A", "unused": {}}}
    assert os.getcwd() == str(root)
