"""The manuscript stage: titles, ids, notes, citations in reading order, and every mistake it reports."""

from __future__ import annotations

from bookbuild.config import load_config
from bookbuild.errors import Report
from bookbuild.manuscript import parse_manuscript
from bookbuild.project import locate_project

from .conftest import problems_of


def _png() -> bytes:
    import io

    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(output, format="PNG")
    return output.getvalue()


PNG = _png()


def parse(root, report=None):
    project = locate_project(root)
    return parse_manuscript(project, load_config(project), report or Report(stream=None))


def test_titles_ids_kinds_and_numbers(project):
    root = project({
        "manuscript/00-intro.md": "---\nkind: front\nshort-title: Intro\n---\n\n# How to use this booklet\n\nText.\n",
        "manuscript/01-thaw.md": "# After Stalin {#thaw}\n\n## The secret speech\n\nText.\n\n## The secret speech\n",
        "manuscript/02-rajk.md": "# The reburial\n\nText.\n",
    })
    manuscript = parse(root)
    intro, thaw, rajk = manuscript.chapters
    assert (intro.kind, intro.number, intro.short_title, intro.id) == ("front", None, "Intro",
                                                                       "how-to-use-this-booklet")
    assert (thaw.number, thaw.id, rajk.number) == (1, "thaw", 2)
    assert [h.id for h in thaw.headings] == ["thaw", "the-secret-speech", "the-secret-speech-1"]


def test_citations_in_reading_order_with_locations(project):
    root = project({"manuscript/01.md": (
        "# One\n\nFirst [@a, 12].[^n] Then @b.\n\n[^n]: A note citing [see @c].\n\nLast [@a].\n")})
    [chapter] = parse(root).chapters
    assert [(c.keys, c.in_note, c.mode) for c in chapter.citations] == [
        (("a",), False, "normal"), (("c",), True, "normal"), (("b",), False, "author-in-text"),
        (("a",), False, "normal")]
    assert [str(c.location) for c in chapter.citations] == [
        "manuscript/01.md:3:7", "manuscript/01.md:5:21", "manuscript/01.md:3:26", "manuscript/01.md:7:6"]
    assert chapter.citations[0].id == "cite-one-1"


def test_citation_location_in_list_and_blockquote(project):
    root = project({"manuscript/01.md": "# One\n\n- item\n  - nested [@deep, 3]\n\n> quoted\n> again @q\n"})
    [chapter] = parse(root).chapters
    assert [str(c.location) for c in chapter.citations] == ["manuscript/01.md:4:12", "manuscript/01.md:7:9"]


def test_bom_and_crlf_are_accepted(project):
    root = project({"manuscript/01.md": b"\xef\xbb\xbf# Title\r\n\r\nText [@a].\r\n"})
    [chapter] = parse(root).chapters
    assert chapter.title == "Title"
    assert str(chapter.citations[0].location) == "manuscript/01.md:3:6"


def test_every_mistake_is_reported_at_once(project):
    root = project({
        "manuscript/book.toml": 'chapters = ["01.md", "02.md", "03.md"]\n',
        "manuscript/01.md": "# One {#same}\n\nSee [two](#nowhere) and [three](03.md#missing).\n\n"
                            "![](images/pic.png)\n\n![A map](images/none.png)\n\n::: note\nopen\n",
        "manuscript/02.md": "# Two {#same}\n\n![Remote](https://example.org/x.png)\n\n![Up](../../secret.png)\n",
        "manuscript/03.md": "\n\n",
        "manuscript/images/pic.png": PNG,
    })
    assert problems_of(lambda: parse(root)) == [
        "manuscript/01.md:3:5: error: link to '#nowhere', which is not an id in the book\n"
        "  hint: headings get ids from their text; set one with '# Heading {#id}'",
        "manuscript/01.md:3:25: error: link to '#missing', which is not an id in the book\n"
        "  hint: headings get ids from their text; set one with '# Heading {#id}'",
        "manuscript/01.md:5:1: error: image 'images/pic.png' has no alt text\n"
        "  hint: describe it for readers who cannot see it: ![what it shows](images/pic.png), "
        "or mark a purely decorative image with {.decorative}",
        "manuscript/01.md:7:1: error: image file 'images/none.png' does not exist",
        "manuscript/01.md:9: error: fenced div is never closed\n  hint: add a line ':::' where it ends",
        "manuscript/02.md:1: error: duplicate id 'same'\n  hint: it is already used at manuscript/01.md:1",
        "manuscript/02.md:3:1: error: image 'https://example.org/x.png' is not a file of the project\n"
        "  hint: download it into the manuscript folder and link to it by relative path, "
        "or allow images from the web with remote-resources = true in book.toml",
        "manuscript/02.md:5:1: error: image '../../secret.png' lies outside the project",
        "manuscript/03.md: error: chapter is empty\n  hint: write some text, or remove the file from 'chapters'",
    ]


def test_invalid_utf8_names_the_byte(project):
    root = project({"manuscript/01.md": b"# Title\n\nCaf\xe9 text.\n"})
    assert problems_of(lambda: parse(root)) == [
        "manuscript/01.md:3: error: file is not valid UTF-8 (byte offset 12: 0xe9)\n"
        "  hint: save the file with UTF-8 encoding"]


def test_front_matter_mistakes(project):
    root = project({"manuscript/01.md": "---\nkind: preface\nautor: me\n---\n\n# T\n",
                    "manuscript/02.md": "---\ntitle: [unclosed\n---\n\n# T\n"})
    assert problems_of(lambda: parse(root)) == [
        "manuscript/01.md:2: error: 'kind' must be one of front, chapter, back, not 'preface'",
        "manuscript/01.md:3: error: unknown front matter key 'autor'; did you mean 'author'?\n"
        "  hint: known keys: title, short-title, id, kind, audience, handout; and Pandoc's metadata "
        "(title, subtitle, author, date, lang, abstract, bibliography, csl, …)",
        "manuscript/02.md:2: error: a list in brackets is never closed, or lacks a comma between its items\n"
        "  hint: write it as: title: [unclosed]",
    ]


def test_links_between_chapter_files_resolve(project):
    root = project({"manuscript/01.md": "# One\n\nSee [two](02.md) and [its part](02.md#part).\n",
                    "manuscript/02.md": "# Two\n\n## Part {#part}\n"})
    manuscript = parse(root)
    links = [c.attrGet("href") for t in manuscript.chapters[0].tokens for c in t.children or []
             if c.type == "link_open"]
    assert links == ["#two", "#part"]


def test_warnings_for_missing_title_and_undefined_note(project):
    root = project({"manuscript/01-the-start.md": "Text with a note[^x].\n"})
    report = Report(stream=None)
    [chapter] = parse(root, report).chapters
    assert chapter.title == "The start"
    assert [w.format() for w in report.warnings] == [
        "manuscript/01-the-start.md: warning: chapter has no title\n"
        "  hint: start the file with a level-1 heading: '# Title'",
        "manuscript/01-the-start.md:1: warning: footnote '[^x]' is never defined\n"
        "  hint: add a line '[^x]: text of the note'",
    ]
