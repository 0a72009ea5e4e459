"""The book.toml schema: one declaration per option, typed tables, and the README's tables written from it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bookbuild.citations.styles import load_style
from bookbuild.config import BookConfig, EditionOptions, PrintOptions, load_config
from bookbuild.config.citation_style import CitationOptions, StyleSettings
from bookbuild.config.reference import TABLES, begin_marker, main, render_table, with_reference
from bookbuild.config.schema import CONVERTERS, Length, options_of
from bookbuild.editions import Edition
from bookbuild.project import locate_project

from .conftest import problems_of

README = Path(__file__).resolve().parents[1] / "README.md"
CHAPTER = "# The thaw\n\nText.\n"


def test_the_readme_book_toml_tables_are_those_the_schema_generates():
    text = README.read_text(encoding="utf-8")
    assert with_reference(text) == text, "run: python -m bookbuild.config.reference --write (or make reference)"
    for table in TABLES:
        assert begin_marker(table) in text


def test_the_check_fails_on_a_readme_edited_by_hand_and_write_mends_it(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README.read_text(encoding="utf-8").replace("| Trim size of the printed booklet",
                                                                 "| Size of the booklet", 1), encoding="utf-8")
    assert main(["--readme", str(readme), "--check"]) == 1
    assert main(["--readme", str(readme), "--write"]) == 0
    assert main(["--readme", str(readme), "--check"]) == 0
    assert readme.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")


def test_a_readme_without_the_markers_is_an_error(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# A README without the reference\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no '<!-- book.toml reference top level"):
        main(["--readme", str(readme), "--check"])


def test_every_option_is_documented_and_its_default_is_a_value_it_takes():
    for table in TABLES:
        for option in options_of(table):
            assert option.doc.endswith((".", ")")), option.key
            if option.table is None:
                assert option.type in CONVERTERS, option.key
                if option.choices and option.default:
                    defaults = option.default if isinstance(option.default, tuple) else (option.default,)
                    assert set(defaults) <= set(option.choices), option.key
        assert f"| `{options_of(table)[0].key}` |" in render_table(table)


def test_a_row_of_the_reference_shows_type_default_and_choices():
    rows = render_table(PrintOptions).splitlines()
    assert '| `bleed` | length | `"3mm"` |' in rows[3]
    assert rows[5].startswith("| `flip` | string | `\"short-edge\"` | How the copier")
    assert "`A4`, `A5`, `letter`, `half-letter`" in render_table(BookConfig)


def test_an_edition_has_every_setting_an_editions_table_declares():
    settings = {option.attribute for option in options_of(EditionOptions)}
    assert settings <= {item.name for item in dataclasses.fields(Edition)}


def test_sub_tables_are_typed_values(project):
    root = project({
        "manuscript/book.toml": """
            [print]
            bleed = "0.125in"
            flip = "long-edge"
            [handouts]
            font-size = 12
            [outputs]
            all = ["pdf"]
            [accessibility]
            certified-by = "The school library"
            hazards = ["noFlashingHazard"]
            [editions.parent]
            audiences = ["student"]
            label = "For parents"
        """,
        "manuscript/one.md": CHAPTER,
    })
    config = load_config(locate_project(root))
    assert isinstance(config.print, PrintOptions)
    assert config.print.bleed == pytest.approx(3.175)
    assert config.print.flip == "long-edge"
    assert config.print.creep == Length(0.0)
    assert config.handouts.font_size == 12 and config.handouts.paper_size == "A4"
    assert config.outputs.all == ("pdf",) and config.outputs.editions == ("all",)
    assert config.accessibility.certified_by == "The school library"
    assert config.accessibility.hazards == ("noFlashingHazard",)
    parent = config.editions["parent"]
    assert isinstance(parent, EditionOptions)
    assert (parent.audiences, parent.label) == (("student",), "For parents")
    assert parent.given == {"audiences", "label"}
    assert BookConfig().print == PrintOptions()


def test_every_problem_of_every_table_at_once_with_its_line(project):
    root = project({
        "manuscript/book.toml": """
            paper-size = "A6"
            [print]
            bleed = 3
            creep = "a lot"
            [outputs]
            all = ["pdf", "mobi"]
            [editions.teacher]
            font-size = "big"
            colour = "red"
            [handouts]
            paper-size = "A3"
        """,
        "manuscript/one.md": CHAPTER,
    })
    assert problems_of(lambda: load_config(locate_project(root))) == [
        "manuscript/book.toml:1:1: error: 'paper-size' must be one of A4, A5, letter, half-letter, not 'A6'",
        "manuscript/book.toml:3:1: error: 'bleed' must be a length such as \"3mm\", not a number",
        "manuscript/book.toml:4:1: error: 'creep' must be a length such as \"3mm\", not 'a lot'\n"
        "  hint: write a number and a unit: mm, cm, in or pt",
        "manuscript/book.toml:6:1: error: 'all' has an unknown value 'mobi'\n"
        "  hint: use one of: pdf, print-shop, booklet, epub, web, handouts",
        "manuscript/book.toml:8:1: error: 'font-size' must be a number, not a string",
        "manuscript/book.toml:9:1: error: unknown key 'colour' in [editions.teacher]\n"
        "  hint: see the README for the keys of book.toml",
        "manuscript/book.toml:11:1: error: 'paper-size' must be one of A4, letter, not 'A3'",
    ]


def test_a_citation_styles_settings_are_read_against_the_schema():
    apa = load_style("apa").settings
    assert isinstance(apa, StyleSettings) and isinstance(apa.citation, CitationOptions)
    assert (apa.style_class, apa.note_style, apa.citation.prefix, apa.citation.delimiter) == ("in-text", False,
                                                                                              "(", "; ")
    assert apa.bibliography_sort == ("author", "year", "main-title")
    assert load_style("chicago-notes-bibliography").settings.note_style


def test_every_problem_of_a_project_style_toml_at_once(tmp_path):
    from bookbuild.project import locate_project as locate

    root = tmp_path / "book"
    (root / "manuscript").mkdir(parents=True)
    (root / "manuscript" / "01.md").write_text("# One\n", encoding="utf-8")
    folder = root / "styles" / "citations" / "mine"
    folder.mkdir(parents=True)
    (folder / "style.toml").write_text('class = "footnote"\nyear-suffix = "yes"\nbibliography-sort = ["colour"]\n'
                                       '[citation]\nprefix = 1\n', encoding="utf-8")
    assert problems_of(lambda: load_style("mine", locate(root))) == [
        "styles/citations/mine/style.toml:1:1: error: 'class' must be one of note, in-text, not 'footnote'",
        "styles/citations/mine/style.toml:2:1: error: 'year-suffix' must be true or false, not a string",
        "styles/citations/mine/style.toml:3:1: error: 'bibliography-sort' has an unknown value 'colour'\n"
        "  hint: use one of: author, year, title, main-title",
        "styles/citations/mine/style.toml:5:1: error: 'prefix' must be a string, not a number",
    ]
