"""Class 6: nothing a chapter says is lost without a word: deep nesting is kept (flattened) and reported at its
line, words wider than a line and tables wider than a page are reported at their line."""

from __future__ import annotations

import pytest

from bookbuild.editions import editions_named
from bookbuild.errors import Report
from bookbuild.pipeline import read_sources, render
from bookbuild.render.book import print_document
from bookbuild.render.html import PRINT

from .threat_helpers import make_project, run_bookbuild

DEEP_LIST = "# T\n\n" + "".join("  " * level + f"- item {level}\n" for level in range(25)) + \
    "\nRest of the chapter.\n"


def print_html(root, report: Report) -> str:
    sources = read_sources(root, None, report)
    [edition] = editions_named(sources.config, None)
    return print_document(render(sources, edition, PRINT, report), sources.project)


def _warnings(report: Report) -> list[str]:
    return [problem.format().split("\n")[0] for problem in report.warnings]


FLATTENED = "warning: text nested more than 20 levels deep (quotes, lists, emphasis): the deeper levels are kept " \
            "as plain text"

CASES = [
    ("21 nested quotes", "# T\n\n" + "> " * 21 + "deep quoted text\n\nAfter.\n", ["deep quoted text", "After."], 3),
    ("3000 nested quotes", "# T\n\n" + "> " * 3000 + "bottom\n\nAfter.\n", ["bottom", "After."], 3),
    ("25-level list", DEEP_LIST, [f"item {level}" for level in range(25)] + ["Rest of the chapter."], 12),
    ("ordered lists", "# T\n\n" + "".join("   " * level + f"1. step {level}\n" for level in range(30)) +
     "\nEnd.\n", [f"step {level}" for level in range(30)] + ["End."], 12),
    ("quotes inside lists", "# T\n\n" + "".join("  " * level + f"- > q{level}\n" for level in range(12)) +
     "\nEnd.\n", [f"q{level}" for level in range(12)] + ["End."], None),
    ("50,000 nested emphasis markers", "# T\n\n" + "*" * 50_000 + "middle" + "*" * 50_000 + "\n\nAfter.\n",
     ["middle", "After."], 3),
    ("nested emphasis in words", "# T\n\n" + "".join(f"*w{n} " for n in range(60)) + "core" +
     "*" * 60 + "\n", [f"w{n}" for n in range(60)] + ["core"], 3),
    ("unclosed brackets", "# T\n\n" + "[" * 40 + "text after brackets\n", ["text after brackets"], None),
]


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_deep_nesting_is_kept_and_reported(case, tmp_path):
    name, chapter, expected, warned_line = case
    root = make_project(tmp_path / "book", {"manuscript/01.md": chapter})
    report = Report(stream=None)
    html = print_html(root, report)
    for text in expected:
        assert text in html, text
    if warned_line is not None:
        assert f"manuscript/01.md:{warned_line}: {FLATTENED}" in _warnings(report)
    assert html.count("<em") <= 25 and html.count("<strong") <= 25


def test_deep_list_matches_pandoc_text(tmp_path):
    """Pandoc (the reference) keeps every item of a 25-level list; so does bookbuild."""
    import pypandoc

    plain = pypandoc.convert_text(DEEP_LIST, "plain", format="commonmark")
    root = make_project(tmp_path / "book", {"manuscript/01.md": DEEP_LIST})
    html = print_html(root, Report(stream=None))
    for word in plain.split():
        if word != "-":
            assert word in html, word


def test_strict_mode_makes_flattening_an_error(tmp_path):
    root = make_project(tmp_path / "book", {"manuscript/01.md": DEEP_LIST})
    result = run_bookbuild(root, "check", "--strict", home=tmp_path / "home")
    assert result.returncode == 1, result.stderr
    assert "manuscript/01.md:12: error: text nested more than 20 levels deep" in result.stderr


@pytest.mark.parametrize("length, warned", [(60_000, True), (101, True), (100, False)])
def test_a_word_wider_than_a_line_is_reported(tmp_path, length, warned):
    root = make_project(tmp_path / "book", {"manuscript/01.md": "# T\n\nText.\n\nA " + "x" * length + " word.\n"})
    report = Report(stream=None)
    html = print_html(root, report)
    assert "x" * length in html  # kept in the text (and the EPUB, which wraps it)
    expected = (f"manuscript/01.md:5: warning: a word of {length} characters is wider than a line: what does not "
                "fit is cut off at the page edge")
    assert (expected in _warnings(report)) == warned


@pytest.mark.parametrize("columns, warned", [(2000, True), (17, True), (16, False), (3, False)])
def test_a_table_wider_than_a_page_is_reported(tmp_path, columns, warned):
    row = "|" + "|".join(f"c{n}" for n in range(columns)) + "|\n"
    chapter = "# T\n\nText.\n\n" + row + "|" + "|".join("-" for _ in range(columns)) + "|\n" + row * 2
    root = make_project(tmp_path / "book", {"manuscript/01.md": chapter})
    report = Report(stream=None)
    html = print_html(root, report)
    assert f"c{columns - 1}" in html
    expected = (f"manuscript/01.md:5: warning: table has {columns} columns: a printed page has room for about 16, "
                "and columns that do not fit are cut off at its edge")
    assert (expected in _warnings(report)) == warned
