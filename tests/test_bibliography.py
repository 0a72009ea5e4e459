"""The bibliography stage: .bib text in, checked References out, every problem reported at its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bookbuild.bibliography import (
    Date,
    Name,
    RichText,
    Span,
    load_bibliography,
    parse_date,
    parse_name,
    parse_names,
)
from bookbuild.errors import BookbuildError
from bookbuild.project import Project

FIXTURE = Path(__file__).parent / "fixtures" / "citations" / "fixture.bib"


def write_bib(folder: Path, text: str, name: str = "refs.bib") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems(path: Path, project: Project | None = None) -> list[str]:
    """Every problem found in reading *path*: "error" for an entry that could not be read, else "warning"."""
    try:
        bibliography = load_bibliography(path, project)
    except BookbuildError as error:
        return [problem.format() for problem in error.problems]
    return [found.problem.format() for found in bibliography.problems]


@pytest.fixture(scope="module")
def fixture_bib():
    return load_bibliography(FIXTURE)


# --------------------------------------------------------------------------- the fixture


def test_every_fixture_entry_is_read_in_file_order(fixture_bib):
    assert len(fixture_bib) == 20
    assert list(fixture_bib)[:3] == ["gati2006", "sebestyen2006", "bekes2002"]
    assert fixture_bib.shown_path == str(FIXTURE)


def test_string_macros_are_expanded(fixture_bib):
    assert fixture_bib["gati2006"].text("publisher") == "Stanford University Press"
    assert fixture_bib["bekes2002"].text("publisher") == "Central European University Press"


def test_latex_accents_are_decoded(fixture_bib):
    editors = fixture_bib["bekes2002"].names["editor"]
    assert [name.family for name in editors] == ["Békés", "Byrne", "Rainer"]
    assert editors.names[2].given == "János M."
    assert str(fixture_bib["translated"].names["author"].names[0]) == "Zoltán Kőrösi"
    # {\'\i} gives a precomposed í, not a dotless i with a combining accent.
    assert fixture_bib["delafuente2001"].names["author"].names[0].given == "María"
    assert fixture_bib["granville2004"].text("publisher") == "Texas A&M University Press"
    assert fixture_bib["kramer1998"].text("pages") == "163–214"


def test_direct_unicode_is_kept(fixture_bib):
    families = [name.family for name in fixture_bib["unicode2020"].names["author"]]
    assert families == ["Ördögh", "Šimek", "Ødegaard"]


def test_braced_words_are_protected(fixture_bib):
    title = fixture_bib["gati2006"].get("title")
    assert str(title) == "Failed Illusions: Moscow, Washington, Budapest, and the 1956 Hungarian Revolt"
    protected = [span.text for span in title.spans if span.protected]
    assert protected == ["Moscow", "Washington", "Budapest", "Hungarian"]


def test_names_are_split_into_parts(fixture_bib):
    fuente, king = fixture_bib["delafuente2001"].names["author"]
    assert fuente == Name(family="Fuente", given="María", particle="de la")
    assert king == Name(family="King", given="Martin", suffix="Jr.")
    assert fixture_bib["vonmises1920"].names["author"].names[0] == Name(family="Mises", given="Ludwig",
                                                                         particle="von")


def test_a_name_in_double_braces_is_a_body(fixture_bib):
    assert fixture_bib["un1957"].names["author"].names == (Name(literal="United Nations General Assembly"),)
    assert fixture_bib["statedept"].names["author"].names == (Name(literal="U.S. Department of State"),)


def test_dates_come_from_date_or_year_and_month(fixture_bib):
    assert fixture_bib["times1956"].date == Date(1956, 11, 4)
    assert fixture_bib["unicode2020"].date == Date(2020, 3)  # month = mar, a month macro
    assert fixture_bib["gati2006"].date == Date(2006)
    assert fixture_bib["statedept"].urldate == Date(2026, 11, 26)


def test_bibtex_names_are_folded_into_biblatex_ones(fixture_bib):
    assert fixture_bib["kramer1998"].text("journaltitle") == "Journal of Contemporary History"
    assert fixture_bib["times1956"].text("journaltitle") == "The Daily Example"
    assert fixture_bib["gati2006"].text("location") == "Stanford, CA"
    thesis = fixture_bib["thesis2012"]
    assert (thesis.type, thesis.text("type"), thesis.text("institution")) == ("thesis", "phdthesis",
                                                                              "Another University")
    assert fixture_bib["thesis2010"].text("type") == "phdthesis"


def test_the_reference_knows_its_line(fixture_bib):
    assert str(fixture_bib["sebestyen2006"].location) == f"{FIXTURE}:14"


# --------------------------------------------------------------------------- decoding


def test_latex_commands_become_rich_text(tmp_path):
    path = write_bib(tmp_path, r"""
        @article{a,
          title = {A \emph{Small} Part of {\'E}cole, 50% -- done~ok},
          journal = {{\"U}ber \textit{Zeit}},
          year = 2001
        }
    """)
    reference = load_bibliography(path)["a"]
    assert reference.get("title").spans == (
        Span("A "), Span("Small", italic=True), Span(" Part of École, 50% – done\u00a0ok"))
    # A group that starts with a command is an accent, not a protected word (BibTeX's rule).
    assert reference.get("journaltitle").spans == (Span("Über "), Span("Zeit", italic=True))


def test_urls_and_dois_are_verbatim(tmp_path):
    path = write_bib(tmp_path, r"""
        @online{a, title = {T}, url = {https://example.org/a_b\_c~d%20e}, doi = {10.1000/x--y}}
    """)
    reference = load_bibliography(path)["a"]
    assert reference.text("url") == "https://example.org/a_b_c~d%20e"
    assert reference.text("doi") == "10.1000/x--y"


def test_concatenation_and_string_macros(tmp_path):
    path = write_bib(tmp_path, """
        @string{up = "University Press"}
        @string{oup = "Oxford " # up}
        @book{a, title = {T}, publisher = oup # {, New York}, month = dec, year = 1999}
    """)
    reference = load_bibliography(path)["a"]
    assert reference.text("publisher") == "Oxford University Press, New York"
    assert reference.date == Date(1999, 12)


def test_crossref_children_inherit_from_their_parent(tmp_path):
    path = write_bib(tmp_path, """
        @book{parent,
          title = {The Big Book}, subtitle = {Essays},
          editor = {Doe, Jane and others},
          publisher = {Example Press}, year = 2001
        }
        @incollection{child, author = {Roe, Rick}, title = {A Part}, crossref = {parent}, pages = {3--9}}
    """)
    child = load_bibliography(path)["child"]
    assert child.text("title") == "A Part"
    assert child.text("booktitle") == "The Big Book"
    assert child.text("booksubtitle") == "Essays"
    assert child.text("publisher") == "Example Press"
    assert child.date == Date(2001)
    assert child.names["editor"].others is True


def test_editora_with_a_type_names_a_translator(tmp_path):
    path = write_bib(tmp_path, """
        @book{a, author = {Writer, Wanda}, title = {T}, editora = {Turner, Tom}, editoratype = {translator}}
    """)
    assert str(load_bibliography(path)["a"].names["translator"].names[0]) == "Tom Turner"


def test_parse_name_and_names():
    assert parse_name("Jean de La Fontaine") == Name(family="La Fontaine", given="Jean", particle="de")
    assert parse_name("{Barnes and Noble, Inc.}") == Name(literal="Barnes and Noble, Inc.")
    names = parse_names("{Barnes and Noble} and Smith, Jr., John and others")
    assert [str(name) for name in names] == ["Barnes and Noble", "John Smith Jr."]
    assert names.others


def test_parse_date():
    assert parse_date("1956-11-04") == Date(1956, 11, 4)
    assert parse_date("1956") == Date(1956)
    assert parse_date("1956/1957") == Date(1956, end=Date(1957))
    assert parse_date("1956~") == Date(1956, approximate=True)
    assert parse_date("1956-13") is None
    assert parse_date("soon") is None


def test_rich_text_escapes_html():
    text = RichText((Span("<b>&"), Span("x", italic=True)))
    assert text.html() == "&lt;b&gt;&amp;<i>x</i>"


# --------------------------------------------------------------------------- problems


def test_duplicate_key_shows_both_lines(tmp_path):
    path = write_bib(tmp_path, """
        @book{gati2006, title = {One}}

        @book{gati2006, title = {Two}}
    """)
    assert problems(path) == [
        f"{path}:3: warning: duplicate key 'gati2006'; the first entry is used\n  hint: first defined at {path}:1",
    ]
    assert load_bibliography(path)["gati2006"].text("title") == "One"


def test_paths_are_relative_to_the_project(tmp_path):
    manuscript = tmp_path / "manuscript"
    manuscript.mkdir()
    project = Project(root=tmp_path.resolve(), manuscript_dir=manuscript.resolve(),
                      styles_dir=(tmp_path / "styles").resolve(), out_dir=(tmp_path / "build").resolve())
    path = write_bib(manuscript, """
        @book{gati2006, title = {One}}
        @book{gati2006, title = {Two}}
    """, name="references.bib")
    assert problems(path, project) == [
        "manuscript/references.bib:2: warning: duplicate key 'gati2006'; the first entry is used\n"
        "  hint: first defined at manuscript/references.bib:1",
    ]


def test_duplicate_field(tmp_path):
    path = write_bib(tmp_path, """
        @book{a,
          title = {One},
          Title = {Two}
        }
    """)
    assert problems(path) == [
        f"{path}:3: warning: duplicate field 'title' in entry 'a'; the first is used\n"
        f"  hint: first given at {path}:2",
    ]
    assert load_bibliography(path)["a"].text("title") == "One"


def test_duplicate_field_of_the_same_spelling_and_duplicate_string(tmp_path):
    path = write_bib(tmp_path, """
        @string{ceu = "Central European University Press"}
        @string{ceu = "CEU Press"}
        @book{a,
          title = {One},
          title = {Two}
        }
    """)
    assert problems(path) == [
        f"{path}:2: warning: duplicate @string 'ceu'; the first is used\n  hint: first defined at {path}:1",
        f"{path}:5: warning: duplicate field 'title' in entry 'a'; the first is used\n"
        f"  hint: first given at {path}:4",
    ]


def test_unclosed_brace_is_reported_at_its_field(tmp_path):
    path = write_bib(tmp_path, """
        @book{a,
          title = {Unclosed {brace},
          year = 2000
        }

        @book{b, title = {Fine}}
    """)
    assert problems(path) == [
        f"{path}:2: error: unclosed brace in field 'title' of entry 'a'\n"
        "  hint: add the missing '}'; this entry was not read",
    ]


def test_unclosed_brace_at_the_end_of_the_file(tmp_path):
    path = write_bib(tmp_path, """
        @book{ok, title = {Fine}}
        @book{last,
          title = {Never closed
    """)
    assert problems(path) == [
        f"{path}:3: error: unclosed brace in field 'title' of entry 'last'\n"
        "  hint: add the missing '}'; this entry was not read",
    ]


def test_an_entry_left_open(tmp_path):
    path = write_bib(tmp_path, """
        @book{spaced, title = {Fine}}
        @book{noclose, title = {x}, year = 2000
        @book{after, title = {After}}
    """)
    assert problems(path) == [
        f"{path}:2: error: unclosed brace in entry 'noclose'\n"
        "  hint: a '{' in this entry has no matching '}'; this entry was not read",
    ]


def test_unclosed_brace_inside_quotes(tmp_path):
    path = write_bib(tmp_path, """
        @book{a, title = "An {odd title"}
    """)
    assert problems(path) == [f"{path}:1: warning: the braces of field 'title' in entry 'a' do not pair up; "
                              "the stray ones are dropped"]
    assert load_bibliography(path)["a"].text("title") == "An odd title"


def test_an_entry_that_cannot_be_read_is_not_dropped_silently(tmp_path):
    path = write_bib(tmp_path, """
        @book{a title = {x}}
        @book{b, title = {Fine}}
    """)
    assert problems(path) == [
        f"{path}:1: error: cannot read entry 'a': expected comma after entry key, but found =\n"
        "  hint: this entry was not read",
    ]


def test_undefined_macro_with_the_closest_one_as_hint(tmp_path):
    path = write_bib(tmp_path, """
        @string{stanford = "Stanford University Press"}
        @book{gati2006,
          title = {Failed Illusions},
          publisher = stanfrod
        }
        @book{b, title = {T}, publisher = nowhere}
    """)
    assert problems(path) == [
        f"{path}:4: warning: undefined macro 'stanfrod' in field 'publisher' of entry 'gati2006'; "
        "it is read as empty\n"
        "  hint: did you mean 'stanford'?",
        f"{path}:6: warning: undefined macro 'nowhere' in field 'publisher' of entry 'b'; it is read as empty\n"
        "  hint: define it with @string or write the value in braces",
    ]


def test_a_name_that_cannot_be_split(tmp_path):
    path = write_bib(tmp_path, """
        @book{a,
          author = {Doe, John, Jr., Extra},
          title = {T}
        }
    """)
    assert problems(path) == [
        f"{path}:2: warning: cannot split the name 'Doe, John, Jr., Extra' in field 'author' of entry 'a': "
        "too many commas\n"
        "  hint: write 'Family, Given', 'Family, Jr., Given' or 'Given Family', separated by ' and '; "
        "put a body's name in double braces: {{United Nations}}",
    ]


def test_an_empty_name_in_a_list(tmp_path):
    path = write_bib(tmp_path, """
        @book{a, author = {Doe, J. and and Roe, R.}, title = {T}}
    """)
    assert problems(path)[0].startswith(f"{path}:1: warning: an empty name in field 'author' of entry 'a'")
    assert [str(name) for name in load_bibliography(path)["a"].names["author"]] == ["J. Doe", "R. Roe"]


def test_unknown_crossref(tmp_path):
    path = write_bib(tmp_path, """
        @book{parent, title = {P}}
        @incollection{child,
          title = {C},
          crossref = {parnet}
        }
    """)
    assert problems(path) == [
        f"{path}:4: warning: unknown crossref 'parnet' in entry 'child'; it inherits nothing\n"
        "  hint: did you mean 'parent'?",
    ]


def test_bad_date_and_month(tmp_path):
    path = write_bib(tmp_path, """
        @book{a, title = {T}, date = {1956-13-01}}
        @book{b, title = {T}, year = 1956, month = {Marsch}}
    """)
    assert problems(path) == [
        f"{path}:1: warning: cannot read the date '1956-13-01' in field 'date' of entry 'a'; it is left out\n"
        "  hint: write YYYY, YYYY-MM or YYYY-MM-DD; a range as YYYY/YYYY",
        f"{path}:2: warning: cannot read the month 'Marsch' of entry 'b'; it is left out\n"
        "  hint: write a number from 1 to 12, a month macro such as mar, or a season such as Winter",
    ]
    bibliography = load_bibliography(path)
    assert bibliography["a"].date is None
    assert bibliography["b"].date == Date(1956)


def test_all_problems_are_reported_at_once_in_line_order(tmp_path):
    path = write_bib(tmp_path, """
        @book{a, title = {T}, publisher = nowhere}
        @book{a, title = {T}}
        @book{c, author = {A, B, C, D}, title = {T}}
    """)
    reported = problems(path)
    assert [line.split(": warning")[0] for line in reported] == [f"{path}:1", f"{path}:2", f"{path}:3"]


def test_missing_file(tmp_path):
    assert problems(tmp_path / "nope.bib") == [f"{tmp_path / 'nope.bib'}: error: bibliography file not found"]


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_bytes(b"@book{a, title = {Caf\xe9}}\n")
    assert problems(path) == [f"{path}:1: warning: the bibliography is not UTF-8 text; it is read as Latin-1 "
                              "(Windows-1252)\n  hint: save the file with UTF-8 encoding"]
    assert load_bibliography(path)["a"].text("title") == "Café"


def test_bom_and_crlf_are_accepted(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_bytes("\ufeff@book{a,\r\n  title = {Café}\r\n}\r\n@book{b, title={B}}\r\n".encode())
    bibliography = load_bibliography(path)
    assert bibliography["a"].text("title") == "Café"
    assert str(bibliography["b"].location) == f"{path}:4"
