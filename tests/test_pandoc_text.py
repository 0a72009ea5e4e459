"""Differential tests against Pandoc 3: Pandoc-Markdown text extensions give the structure Pandoc's HTML has.

One fixture per extension in ``tests/fixtures/pandoc/text/NAME.md``; each is
converted by Pandoc (``-f markdown -t html5``) and by bookbuild's HTML stage,
and the outlines (ids, element structure, list types and starts, text, notes,
citations found) must be the same.  ``tests/pandoc_compare.py FILE`` shows
the diff by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.pandoc_compare import bookbuild_outline, differences, pandoc_outline

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pandoc" / "text"


@pytest.mark.parametrize("name", sorted(path.stem for path in FIXTURES.glob("*.md")))
def test_same_structure_as_pandoc(name):
    markdown = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    found = differences(markdown)
    assert not found, "\n".join(found)


def test_the_comparison_sees_a_difference():
    """The harness is not blind: a list type, an id and a citation that differ are all reported."""
    pandoc = pandoc_outline("# T\n\n## Été\n\n(a) one\n(b) two\n\nSee [@a].\n")
    assert "h2[id=été]" in pandoc.body and "ol[type=a start=1]" in pandoc.body and pandoc.cited == ("a",)
    ours = bookbuild_outline("# T\n\n## Été\n\n(a) one\n(b) two\n\nSee [@a].\n")
    assert ours.cited == pandoc.cited
    assert differences("# T\n\n## Été {#other}\n") == differences("# T\n\n## Été {#other}\n")
    assert bookbuild_outline("# T\n\n## Été\n").body != pandoc_outline("# T\n\n## Ete\n").body


BIB = """
@book{gati2006,
  author = {Gati, Charles},
  title = {Failed Illusions},
  publisher = {Stanford University Press},
  address = {Stanford},
  year = {2006},
}
@book{litvan1996,
  author = {Litv{\\'a}n, Gy{\\"o}rgy},
  title = {The Hungarian Revolution of 1956},
  publisher = {Longman},
  address = {London},
  year = {1996},
}
"""


def _epub_chapter(project, chapter: str, style: str = "chicago-notes-bibliography", target: str = "epub"):
    from bookbuild.editions import EDITIONS
    from bookbuild.errors import Report
    from bookbuild.pipeline import read_sources, render

    root = project({"manuscript/book.toml": f'title = "T"\ncitation-style = "{style}"\n',
                    "manuscript/01.md": chapter, "manuscript/refs.bib": BIB})
    report = Report(stream=None)
    book = render(read_sources(root, None, report), EDITIONS["student"], target, report)
    return book


def test_nested_citation_and_markdown_affixes_resolve(project):
    book = _epub_chapter(project, "# One\n\nFound elsewhere [@gati2006, 59, qtd. in @litvan1996, 105-6].\n"
                                  "And [*see* @gati2006, 32, **bold** here].\n")
    notes = " ".join(note.html for note in book.chapters[0].notes)
    assert "qtd. in" in notes and "Litván" in notes and "Gati" in notes and "@" not in notes
    assert "<em>See</em>" in notes or "<em>see</em>" in notes
    assert "<strong>bold</strong> here" in notes
    assert {entry.key for entry in book.bibliography} == {"gati2006", "litvan1996"}


HARD_WRAPPED = """\
# One

The students did not
[@gati2006]. A note written
over several lines.[^1] An inline note.^[Written
over two
lines.]

[^1]: First line of the note,
    second line of the note,
    third line.
"""


@pytest.mark.parametrize("target", ["print", "epub"])
def test_hard_wrapped_source_prints_as_pandoc_reads_it(project, target):
    book = _epub_chapter(project, HARD_WRAPPED, target=target)
    body = book.chapters[0].body_html
    # A citation at the start of a source line leaves no space before the full stop.
    assert "did not." in body and "did not\n." not in body and "did not ." not in body
    # A footnote written over several lines keeps none of the source's line breaks.
    notes = [note.inline_html if target == "print" else note.html for note in book.chapters[0].notes]
    assert "First line of the note, second line of the note, third line." in notes[1]
    assert "Written over two lines." in notes[2]
    assert not any("\n" in note.strip() for note in notes)
    if target == "print":
        assert "First line of the note, second line of the note, third line." in body


HEADINGS = [
    "Introduction", "Introduction", "introduction-1", "Introduction", "Über die Revolution", "Ça va?",
    "Δημοκρατία και ελευθερία", "Русская революция 1917", "1956", "1956: The Year", "3.14 and π",
    "snake_case_heading", "dotted.name.here", "Dash — and – hyphen-minus", "Tabs\tand  spaces",
    "C++ & C#", "¿Qué pasó?", "Ελληνικά: λέξεις", "日本語の見出し", "中文标题", "עברית", "العربية",
    "ⅷ roman numeral", "x² + y²", "½ of it", "emoji 🎉 here", "Mixed CASE Words", "trailing period.",
    "-leading dash", "_leading underscore", ".leading dot", "it’s “quoted”", "a/b|c (d)", "100% sure",
    "naïve café", "Łódź and Kraków", "İstanbul", "ß and ẞ", "",
]


def test_heading_ids_match_pandoc_on_many_headings():
    """Pandoc's auto_identifiers on headings of many scripts, numbers, punctuation and duplicates."""
    markdown = "# Book\n\n" + "".join(f"## {text}\n\nText.\n\n" for text in HEADINGS)
    expected = [line for line in pandoc_outline(markdown).body if line.startswith("h2")]
    actual = [line for line in bookbuild_outline(markdown).body if line.startswith("h2")]
    assert len(actual) == len(HEADINGS)
    assert actual == expected


def test_example_lists_and_header_references_work_across_chapters(project):
    import datetime as dt

    from bookbuild.config import load_config
    from bookbuild.editions import EDITIONS
    from bookbuild.errors import Report
    from bookbuild.manuscript import parse_manuscript
    from bookbuild.project import locate_project
    from bookbuild.render.book import BuildInfo, render_book

    root = project({"manuscript/01.md": "# One\n\n(@) First example.\n(@second) Second.\n\n"
                                        "See [The other chapter].\n",
                    "manuscript/02.md": "# The other chapter\n\n(@) Third, numbered on from the first "
                                        "chapter.\n\nBack to [One] and [nothing here].\n"})
    project_ = locate_project(root)
    config = load_config(project_)
    manuscript = parse_manuscript(project_, config, Report(stream=None))
    book = render_book(manuscript, None, config, EDITIONS["student"], "epub",
                       BuildInfo(date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    one, two = (chapter.body_html for chapter in book.chapters)
    assert '<a href="#the-other-chapter">The other chapter</a>' in one
    assert '<ol start="3" class="example"' in two or '<ol class="example" start="3"' in two \
        or ('start="3"' in two and 'class="example"' in two)
    assert '<a href="#one">One</a>' in two and "[nothing here]" in two


PIECES = ["(a) x", "a. x", "A)  x", "#. x", "(@) x", "(@lab) x", "@lab", "iv. x", "(ii) x", "I.  x", "B. Russell",
          "2^10^", "H~2~O", "~~s~~", "^[note]", "x^[a^b]", "[General options]", "[t][General options]", "[ ]",
          "- [ ] t", "- [x] t", "[s]{.smallcaps}", "[h]{lang=hu}", "# H {-}", "## General options",
          "% title", "---", "...", "author: x", "[@a, 1, qtd. in @b, 2]", "[*see* @a p. **3**]", "\\", "[", "]",
          "(", ")", "{", "}", "~", "^", "@", ":", "    ", "\t", "é", "1956.", "x\ny"]


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(lines=st.lists(st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map(" ".join),
                      min_size=1, max_size=12))
def test_pandoc_syntax_in_any_combination_parses_and_renders(lines):
    """No mix of the Pandoc syntax read here breaks the parser or the renderer (the HTML is parsed back)."""
    markdown = "# Chapter\n\n" + "\n".join(line if n % 3 else "\n" + line for n, line in enumerate(lines))
    outline = bookbuild_outline(markdown)
    assert outline.body[0] == "h1[id=chapter]"
