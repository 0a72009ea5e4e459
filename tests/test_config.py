"""book.toml: keys, types, defaults, and the errors a writer sees."""

from __future__ import annotations

from bookbuild.config import load_config
from bookbuild.project import locate_project

from .conftest import problems_of

CHAPTER = "# The thaw\n\nText.\n"


def test_reads_every_documented_key(project):
    root = project({
        "manuscript/book.toml": """
            title = "Hungary 1956"
            subtitle = "A study booklet"
            authors = ["A. Teacher", "B. Writer"]
            language = "en-GB"
            identifier = "urn:isbn:9780000000000"
            date = 2026-09-01
            publisher = "Example School"
            rights = "CC BY 4.0"
            description = "For students."
            subjects = ["History"]
            chapters = ["one.md"]
            bibliography = "refs.bib"
            citation-style = "apa"
            nocite = ["gati2006"]
            paper-size = "A4"
            cover = "cover.png"
            edition = "Second edition"
            version = "2.1"
        """,
        "manuscript/one.md": CHAPTER,
        "manuscript/refs.bib": "",
        "manuscript/cover.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x01\x00\x00\x00"
                                 b"\x007n\xf9$\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00"
                                 b"\x00\x00IEND\xaeB`\x82"),  # a real 1×1 PNG: the cover gets the image checks
    })
    config = load_config(locate_project(root))
    assert config.title == "Hungary 1956"
    assert config.authors == ("A. Teacher", "B. Writer")
    assert config.date == "2026-09-01"
    assert config.citation_style == "apa"
    assert config.paper_mm == (210.0, 297.0)
    assert config.nocite == ("gati2006",)
    assert config.slug == "hungary-1956"
    assert config.location_of("paper-size").line == 15


def test_defaults_for_a_bare_folder_of_chapters(project):
    root = project({"b.md": "# Second\n", "a.md": "---\nkind: front\n---\n\n# Sobre el libro\n",
                    "only.bib": ""})
    config = load_config(locate_project(root))
    assert config.chapters == ("a.md", "b.md")
    assert config.title == "Sobre el libro"
    assert config.bibliography == "only.bib"
    assert config.identifier.startswith("urn:uuid:")
    assert config.paper_size == "A5"
    assert config.citation_style == "chicago-notes-bibliography"


def test_unknown_key_and_wrong_type_are_reported_together(project):
    root = project({
        "manuscript/book.toml": 'title = "T"\nauthor = "Me"\npaper-size = 5\nsubjects = "History"\n',
        "manuscript/one.md": CHAPTER,
    })
    assert problems_of(lambda: load_config(locate_project(root))) == [
        "manuscript/book.toml:2:1: error: unknown key 'author' in book.toml\n  hint: did you mean 'authors'?",
        "manuscript/book.toml:3:1: error: 'paper-size' must be a string, not a number",
        "manuscript/book.toml:4:1: error: 'subjects' must be a list of strings, not a string",
    ]


def test_invalid_toml_names_line_and_column(project):
    root = project({"manuscript/book.toml": 'title = "T"\nchapters = [\n"one.md"\n', "manuscript/one.md": CHAPTER})
    [problem] = problems_of(lambda: load_config(locate_project(root)))
    assert problem.startswith("manuscript/book.toml:")
    assert ": error: invalid TOML: " in problem


def test_invalid_toml_syntax_position(project):
    root = project({"manuscript/book.toml": 'title = "T"\npaper-size == "A5"\n', "manuscript/one.md": CHAPTER})
    assert problems_of(lambda: load_config(locate_project(root))) == [
        "manuscript/book.toml:2: error: a setting has one '=' between its key and its value\n"
        "  hint: write it as: paper-size = \"A5\""
    ]


def test_paper_size_choices(project):
    root = project({"manuscript/book.toml": 'paper-size = "A6"\n', "manuscript/one.md": CHAPTER})
    assert problems_of(lambda: load_config(locate_project(root))) == [
        "manuscript/book.toml:1:1: error: 'paper-size' must be one of A4, A5, letter, half-letter, not 'A6'"
    ]


def test_missing_files_named_in_book_toml(project):
    root = project({
        "manuscript/book.toml": 'chapters = ["one.md", "two.md"]\nbibliography = "none.bib"\ncover = "c.png"\n',
        "manuscript/one.md": CHAPTER,
    })
    assert problems_of(lambda: load_config(locate_project(root))) == [
        "manuscript/book.toml:1:1: error: chapter file 'two.md' does not exist\n  hint: looked for manuscript/two.md",
        "manuscript/book.toml:2:1: error: bibliography file 'none.bib' does not exist\n"
        "  hint: looked for manuscript/none.bib",
        "manuscript/book.toml:3:1: error: cover image 'c.png' does not exist\n  hint: looked for manuscript/c.png",
    ]


def test_files_outside_the_manuscript_folder_are_refused(project, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n", encoding="utf-8")
    root = project({
        "manuscript/book.toml": 'chapters = ["../../secret.md", "dev.md"]\nbibliography = "/etc/passwd"\n'
                                'cover = "images"\n',
        "manuscript/images/x.png": b"\x89PNG",
    })
    (root / "manuscript" / "dev.md").symlink_to("/dev/zero")
    assert problems_of(lambda: load_config(locate_project(root))) == [
        "manuscript/book.toml:1:1: error: chapter file '../../secret.md' lies outside the manuscript folder\n"
        "  hint: a book only reads files inside its manuscript folder",
        "manuscript/book.toml:1:1: error: chapter file 'dev.md' lies outside the manuscript folder\n"
        "  hint: a book only reads files inside its manuscript folder",
        "manuscript/book.toml:2:1: error: bibliography file '/etc/passwd' lies outside the manuscript folder\n"
        "  hint: a book only reads files inside its manuscript folder",
        "manuscript/book.toml:3:1: error: cover image 'images' is not a regular file",
    ]


def test_bad_language_tag(project):
    root = project({"manuscript/book.toml": 'language = "English"\n', "manuscript/one.md": CHAPTER})
    assert problems_of(lambda: load_config(locate_project(root))) == [
        "manuscript/book.toml:1:1: error: 'English' is not a BCP 47 language tag\n"
        "  hint: for example 'en', 'en-GB' or 'hu'"
    ]


def test_config_file_with_bom_and_crlf(project):
    root = project({"manuscript/book.toml": b'\xef\xbb\xbftitle = "T"\r\nversion = "1"\r\n',
                    "manuscript/one.md": CHAPTER})
    config = load_config(locate_project(root))
    assert (config.title, config.version) == ("T", "1")


def test_invalid_utf8_in_book_toml(project):
    root = project({"manuscript/book.toml": b'title = "caf\xe9"\n', "manuscript/one.md": CHAPTER})
    assert problems_of(lambda: load_config(locate_project(root))) == [
        "manuscript/book.toml:1: error: file is not valid UTF-8 (byte offset 12: 0xe9)\n"
        "  hint: save the file with UTF-8 encoding"
    ]


def test_no_chapters(project):
    root = project({"manuscript/book.toml": 'title = "T"\n'})
    assert problems_of(lambda: load_config(locate_project(root))) == [
        "manuscript/book.toml: error: no chapters: the manuscript folder has no *.md files\n"
        "  hint: add chapter files or list them under 'chapters'"
    ]
