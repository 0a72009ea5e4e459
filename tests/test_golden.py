"""Golden cases of the render stage: Markdown in, the HTML of both outputs out (before WeasyPrint and ebooklib).

Each file in ``tests/golden/markdown/`` holds cases in a plain fixture format
(as markdown-it-py's fixtures, with one more section): a title line, then
sections each closed by a line holding only ``.``:

    A footnote
    .
    Text.[^1]

    [^1]: The note.
    .
    <p>… the print HTML …</p>
    .
    <p>… the EPUB XHTML …</p>
    .

The input is the body of a chapter ``# Case`` (no book.toml, English); the
output is the chapter's HTML without its title, and for the EPUB the notes
after it.  A title ending in ``(teacher edition)`` renders that edition, any
other the student edition.  The payload of a ``data:`` URL (a formula drawn as
SVG for the PDF) is shown as ``…``.  Citations are rendered by a stand-in (a note naming
the keys: see ``test_render.fake_citations``); cross-references (``@fig-x``) are
resolved as the pipeline resolves them.

A missing or different expected output is a failure.  ``pytest
--update-golden`` writes what the code gives now into the files, to be
reviewed in the diff before it is committed.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from bookbuild.config import load_config
from bookbuild.crossrefs import resolve_crossrefs, split_crossrefs, with_crossrefs
from bookbuild.editions import EDITIONS, select_edition
from bookbuild.errors import Report
from bookbuild.labels import load_labels
from bookbuild.manuscript import parse_manuscript
from bookbuild.project import locate_project
from bookbuild.render.book import render_book
from bookbuild.render.html import EPUB, PRINT

from .test_render import BUILD, GOLDEN, fake_citations

FIXTURES = GOLDEN / "markdown"
# The payload of a data URL (the PDF's formulas are SVG images), which the fixtures show as "…": it is the
# drawing of the math renderer, tested with the formulas themselves.
_DATA_URL_RE = re.compile(r"(data:[\w/+.-]+;base64,)[A-Za-z0-9+/=]+")
TARGETS = (PRINT, EPUB)


@dataclass
class Case:
    title: str
    source: str
    expected: dict[str, str | None]  # target -> HTML, None when the file has none yet
    line: int  # of the title, 1-based

    @property
    def edition(self) -> str:
        match = re.search(r"\((\S+) edition\)\s*$", self.title)
        return match[1] if match else "student"


def read_cases(path: Path) -> list[Case]:
    """The cases of a fixture file; a case whose outputs are missing has None for them."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cases: list[Case] = []
    index = 0
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        title, line = lines[index], index + 1
        index += 1
        if index >= len(lines) or lines[index] != ".":
            raise ValueError(f"{path}:{line}: case {title!r} has no input: a '.' line must follow its title")
        index += 1
        sections: list[str] = []
        while True:
            start = index
            while index < len(lines) and lines[index] != ".":
                index += 1
            if index >= len(lines):
                raise ValueError(f"{path}:{start}: a section of case {title!r} is not closed by a '.' line")
            sections.append("\n".join(lines[start:index]))
            index += 1
            if len(sections) == 3 or index >= len(lines) or not lines[index].strip():
                break
        expected = {target: (sections[1 + number] if len(sections) > 1 + number else None)
                    for number, target in enumerate(TARGETS)}
        cases.append(Case(title, sections[0], expected, line))
    return cases


def write_cases(path: Path, cases: list[Case]) -> None:
    lines: list[str] = []
    for case in cases:
        lines += [case.title, "."]
        for section in [case.source] + [case.expected[target] or "" for target in TARGETS]:
            lines += ([section] if section else []) + ["."]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def render_case(tmp_path: Path, case: Case, target: str) -> str:
    root = tmp_path / "case"
    if not root.exists():
        (root / "manuscript").mkdir(parents=True)
        (root / "manuscript" / "01-case.md").write_text("# Case\n\n" + case.source + "\n", encoding="utf-8")
        for image in GOLDEN.glob("*.svg"):
            shutil.copy(image, root / "manuscript" / image.name)
    project = locate_project(root)
    config = load_config(project)
    report = Report(stream=None)
    edition = EDITIONS[case.edition]
    manuscript = select_edition(parse_manuscript(project, config, report), edition, report)
    references, _ = split_crossrefs(manuscript.citations, {})
    citations = with_crossrefs(fake_citations(manuscript),
                               resolve_crossrefs(manuscript, references, {}, load_labels(config.language)))
    book = render_book(manuscript, citations, config, edition, target, BUILD,
                       resource_url=lambda path: path.name)
    chapter = book.chapters[0]
    notes = "".join(f"\n<!-- note {note.number} -->\n{note.html}" for note in chapter.notes) if target == EPUB else ""
    return _DATA_URL_RE.sub(r"\1…", (chapter.body_html + notes).strip("\n"))


CASES = [(path, case) for path in sorted(FIXTURES.glob("*.md")) for case in read_cases(path)]


@pytest.mark.parametrize(("path", "case"), CASES,
                         ids=[f"{path.stem}:{case.line}:{case.title}" for path, case in CASES])
def test_golden_case(tmp_path, path, case, update_golden):
    actual = {target: render_case(tmp_path, case, target) for target in TARGETS}
    if update_golden:
        cases = read_cases(path)
        for stored in cases:
            if (stored.title, stored.source) == (case.title, case.source):
                stored.expected = dict(actual)
        write_cases(path, cases)
        return
    for target in TARGETS:
        expected = case.expected[target]
        assert expected is not None, f"{path.name}:{case.line}: no expected {target} output; run pytest --update-golden"
        assert actual[target] == expected, f"{path.name}:{case.line}: {case.title} ({target})"


def test_the_fixture_format_round_trips(tmp_path):
    path = tmp_path / "cases.md"
    path.write_text("First\n.\nin *one*\n\ntwo\n.\n<p>print</p>\n.\n<p>epub</p>\n.\n\n"
                    "Second (teacher edition)\n.\nonly input\n.\n", encoding="utf-8")
    first, second = read_cases(path)
    assert (first.title, first.source, first.expected) == ("First", "in *one*\n\ntwo",
                                                           {PRINT: "<p>print</p>", EPUB: "<p>epub</p>"})
    assert (second.edition, second.expected, second.line) == ("teacher", {PRINT: None, EPUB: None}, 12)
    write_cases(path, [first])
    assert read_cases(path)[0] == first


def test_an_unclosed_case_is_an_error(tmp_path):
    path = tmp_path / "cases.md"
    path.write_text("Broken\n.\nno end\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not closed"):
        read_cases(path)


def test_every_fixture_file_has_cases_and_the_render_golden_files_exist():
    assert len(CASES) >= 40
    for path in FIXTURES.glob("*.md"):
        titles = [case.title for case in read_cases(path)]
        assert len(titles) == len(set(titles)), f"{path.name}: two cases have one title"
    for edition in ("student", "teacher"):
        for target in TARGETS:
            assert (GOLDEN / f"chapter-features.{edition}.{target}.html").is_file()
