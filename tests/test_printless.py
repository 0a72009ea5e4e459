"""A book with no printed output makes its EPUB without laying out pages; a printed book's EPUB shares its layout.
And the build date does not force the pages to be laid out again."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from bookbuild.errors import Report
from bookbuild.layout import pool as pool_module
from bookbuild.outputs import context as context_module
from bookbuild.pipeline import LayoutSettings, build

from .conftest import write_project

BOOK = {
    "manuscript/01.md": "# One\n\nA first chapter.[^n]\n\n[^n]: A note.\n",
    "manuscript/02.md": "# Two\n\nA second chapter.\n",
}
TOML = 'title = "Screen"\nlanguage = "en"\nchapters = ["01.md", "02.md"]\n'


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")


def nav_of(epub) -> str:
    with zipfile.ZipFile(epub) as archive:
        name = next(name for name in archive.namelist() if name.endswith("nav.xhtml"))
        return archive.read(name).decode("utf-8")


def sends(monkeypatch) -> list:
    sent: list = []
    original = pool_module.WorkerPool.send

    def recording(self, *args, **kwargs):
        sent.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pool_module.WorkerPool, "send", recording)
    return sent


def test_a_book_with_no_printed_output_lays_out_no_pages_for_its_epub(project, monkeypatch):
    root = project({**BOOK, "manuscript/book.toml": TOML + '\n[outputs]\nall = ["epub", "handouts"]\n'})
    sent = sends(monkeypatch)
    [epub] = build(root, ("epub",), None, None, Report(stream=None), settings=LayoutSettings(jobs=1))
    assert sent == []
    nav = nav_of(epub)
    assert 'epub:type="toc"' in nav and "page-list" not in nav
    assert not (root / "build" / ".cache" / "layout").exists()


def test_a_printed_book_s_epub_has_the_page_list_of_its_print_layout(project, monkeypatch):
    root = project({**BOOK, "manuscript/book.toml": TOML + '\n[outputs]\nall = ["pdf", "epub"]\n'})
    sent = sends(monkeypatch)
    written = build(root, ("all",), ["student"], None, Report(stream=None), settings=LayoutSettings(jobs=1))
    assert sorted(path.suffix for path in written) == [".epub", ".pdf"]
    laid_out = len(sent)
    assert laid_out > 0
    assert "page-list" in nav_of(next(path for path in written if path.suffix == ".epub"))
    # The EPUB alone afterwards: the layout is the cached one, nothing is laid out.
    [epub] = build(root, ("epub",), None, None, Report(stream=None), settings=LayoutSettings(jobs=1))
    assert len(sent) == laid_out
    assert "page-list" in nav_of(epub)


def test_another_build_time_on_the_same_day_lays_out_nothing_again(project, monkeypatch):
    root = project({**BOOK, "manuscript/book.toml": TOML})
    [first] = build(root, ("pdf",), None, None, Report(stream=None), settings=LayoutSettings(jobs=1))
    sent = sends(monkeypatch)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(1780000000 + 3 * 3600))  # three hours later, the same day
    [again] = build(root, ("pdf",), None, None, Report(stream=None), settings=LayoutSettings(jobs=1))
    assert sent == []
    assert again == first



@pytest.mark.parametrize(("outputs", "profiles"), [('["epub"]', ["epub"]),
                                                   ('["pdf", "epub"]', ["epub", "epub", "print"])])
def test_outputs_take_the_check_s_rendering_and_are_the_same_bytes(project, monkeypatch, outputs, profiles):
    # The check renders each edition before the build; the print HTML, and the EPUB of a book that is not
    # printed, are made from that rendering instead of rendering the book again (a printed book's EPUB is
    # rendered again after the layout, for its page numbers). Without the sharing, the same bytes.
    rendered: list = []
    original = context_module.render_book

    def counting(*args, **kwargs):
        rendered.append(str(args[4]))  # the profile
        return original(*args, **kwargs)

    monkeypatch.setattr(context_module, "render_book", counting)
    root = project({**BOOK, "manuscript/book.toml": TOML + f"\n[outputs]\nall = {outputs}\n"})

    def made() -> dict[str, bytes]:
        shutil.rmtree(root / "build", ignore_errors=True)
        written = build(root, ("all",), ["student"], None, Report(stream=None), settings=LayoutSettings(jobs=1))
        return {path.name: path.read_bytes() for path in written}

    shared = made()
    assert sorted(rendered) == profiles
    rendered.clear()
    monkeypatch.setattr(context_module, "keep_rendered", lambda *args: None)
    assert made() == shared
    assert sorted(rendered) == sorted([*dict.fromkeys(profiles)] * 2)  # by the check and again by the outputs


def test_an_edition_that_hides_nothing_is_the_parsed_manuscript_and_builds_the_same_bytes(project, monkeypatch,
                                                                                          tmp_path):
    from bookbuild import editions
    from bookbuild.editions import find_edition, select_edition
    from bookbuild.pipeline import read_sources

    # No teacher material in the book: the student edition removes nothing, so it is the manuscript as parsed,
    # not a copy analysed again; with teacher material it is a copy without it.
    root = project({**BOOK, "manuscript/book.toml": TOML + '\n[outputs]\nall = ["pdf", "epub"]\n'})
    sources = read_sources(root, None, Report(stream=None))
    student = find_edition(sources.config, "student")
    assert select_edition(sources.manuscript, student, Report(stream=None)) is sources.manuscript
    answer = "# Two\n\nA second.\n\n::: teacher\nAn answer.\n:::\n"
    marked = write_project(tmp_path / "marked", {**BOOK, "manuscript/book.toml": TOML, "manuscript/02.md": answer})
    marked_sources = read_sources(marked, None, Report(stream=None))
    selected = select_edition(marked_sources.manuscript, student, Report(stream=None))
    assert selected is not marked_sources.manuscript
    assert "An answer" not in str([token.content for chapter in selected.chapters for token in chapter.tokens])

    def made() -> dict[str, bytes]:
        shutil.rmtree(root / "build", ignore_errors=True)
        written = build(root, ("all",), ["student"], None, Report(stream=None), settings=LayoutSettings(jobs=1))
        return {path.name: path.read_bytes() for path in written}

    shortcut = made()
    monkeypatch.setattr(editions, "_hides_material", lambda source, hidden: True)  # copy and analyse again
    assert made() == shortcut


def test_editions_that_are_the_same_manuscript_resolve_their_citations_once(project, monkeypatch, tmp_path):
    # The handouts check the student and teacher editions; without teacher material both are the manuscript
    # as parsed, and its citations are resolved once. With teacher material, once per edition.
    resolved: list = []
    original = context_module.resolve_citations

    def counting(*args, **kwargs):
        resolved.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(context_module, "resolve_citations", counting)
    toml = TOML + '\n[outputs]\nall = ["epub", "handouts"]\n'
    root = project({**BOOK, "manuscript/book.toml": toml})
    build(root, ("all",), ["student"], None, Report(stream=None), settings=LayoutSettings(jobs=1))
    assert len(resolved) == 1
    resolved.clear()
    answer = "# Two\n\nA second.\n\n::: teacher\nAn answer.\n:::\n"
    marked = write_project(tmp_path / "marked", {**BOOK, "manuscript/book.toml": toml, "manuscript/02.md": answer})
    build(marked, ("all",), ["student"], None, Report(stream=None), settings=LayoutSettings(jobs=1))
    assert len(resolved) == 2
