"""bookbuild check --layout: each rule on pages made to break it, and on real laid-out PDFs."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

from bookbuild.layout_check import (
    HYPHEN,
    Line,
    Page,
    _hyphens_in_a_row,
    _loose_lines,
    _text_and_notes,
    _unequal_spreads,
    check_layout,
    find_faults,
    read_pages,
)

BODY = 12.0


def line(text: str, top: float, height: float = BODY, gaps=(3.0, 3.0, 3.0), block_end: bool = False) -> Line:
    return Line(text, top, top + height, 50.0, 350.0, height, tuple(gaps), block_end)


def page(number: int, lines: list[Line]) -> Page:
    return Page(number, str(number), 400.0, 600.0, tuple(lines))


def column(number: int, count: int, first: float = 60.0, step: float = 14.0, **options) -> list[Line]:
    return [line(f"line {n} of page {number}", first + n * step, **options) for n in range(count)]


def test_three_hyphenated_lines_in_a_row_are_a_fault_two_are_not():
    two = page(1, [line("a" + HYPHEN, 60), line("b" + HYPHEN, 74), line("c", 88)])
    three = page(2, [line("a" + HYPHEN, 60), line("b" + HYPHEN, 74), line("c" + HYPHEN, 88), line("d", 102)])
    assert _hyphens_in_a_row(two) == []
    assert [fault.kind for fault in _hyphens_in_a_row(three)] == ["3 hyphenated lines in a row"]
    # A hyphen the author wrote (a compound broken at its hyphen) is not hyphenation.
    compounds = page(3, [line("self-", 60), line("well-", 74), line("long-", 88), line("x", 102)])
    assert _hyphens_in_a_row(compounds) == []


def test_a_loose_line_is_found_and_a_paragraphs_last_line_is_not():
    tight = page(1, [line("a b c d", 60, gaps=(3.0, 3.1, 2.9))])
    loose = page(2, [line("a b c d", 60, gaps=(9.0, 9.5, 9.2))])
    last = page(3, [line("a b c d", 60, gaps=(9.0, 9.5, 9.2), block_end=True)])
    space = 3.0
    assert _loose_lines(tight, BODY, space) == []
    assert "loose line" in _loose_lines(loose, BODY, space)[0].kind
    assert _loose_lines(last, BODY, space) == []


def test_footnotes_are_told_from_the_text_by_their_size():
    lines = column(1, 5) + [line("1. A note.", 500, height=9.0), line("2. Another.", 511, height=9.0)]
    text, notes = _text_and_notes(page(1, lines), BODY)
    assert [n.text for n in notes] == ["1. A note.", "2. Another."] and len(text) == 5


def test_facing_pages_of_unequal_length():
    even, odd, after = page(2, column(2, 30)), page(3, column(3, 20)), page(4, column(4, 30))
    faults = _unequal_spreads([page(1, column(1, 30)), even, odd, after], set(), 14.0)
    assert [fault.kind for fault in faults] == ["facing pages end 10 lines apart (pages 2 and 3)"]
    # A spread whose right-hand page ends a chapter may end short.
    assert _unequal_spreads([page(1, column(1, 30)), even, odd, after], {4}, 14.0) == []


def test_a_hyphen_at_a_page_turn_and_a_runt_page():
    pages = [page(1, column(1, 30)), page(2, column(2, 29) + [line("revolu" + HYPHEN, 60 + 29 * 14.0)]),
             page(3, column(3, 30)), page(4, column(4, 2)), page(5, column(5, 30))]
    kinds = [(fault.page.number, fault.kind) for fault in find_faults(pages, {1, 5})]
    assert (2, "a word is hyphenated across the page turn") in kinds
    assert (4, "a runt page: the chapter ends with one or two lines here") in kinds


def _pdf(tmp_path: Path, html: str, name: str = "proof.pdf") -> Path:
    from weasyprint import HTML

    path = tmp_path / name
    HTML(string=html).write_pdf(path)
    return path


PAGE_CSS = ("<style>@page { size: 120mm 160mm; margin: 15mm; } body { font: 11pt/14pt serif; } "
            "h1 { font-size: 24pt; line-height: 1.2; margin: 0 0 1em; } h2 { font-size: 16pt; margin: 0; } "
            "p { margin: 0; text-align: justify; }</style>")
PARAGRAPH = ("The revolution began as a peaceful demonstration of students who wanted to read out their demands "
             "on the radio, and it grew within hours into an uprising across the whole country. ")


def test_holes_runts_and_headings_at_the_foot_in_a_real_pdf(tmp_path):
    html = (f"<html lang='en'>{PAGE_CSS}<body>"
            # page 1: a short page in the middle of a chapter (a forced break leaves a hole)
            f"<h1>One</h1><p>{PARAGRAPH * 2}</p><p style='break-before: page'>{PARAGRAPH * 9}</p>"
            # then a heading pushed to the foot of a page by a spacer
            f"<div style='height: 92mm'></div><h2>Alone at the foot</h2>"
            f"<p style='break-before: page'>{PARAGRAPH * 3}</p>"
            # a chapter ending with a line or two on its last page
            f"<h1 style='break-before: page'>Two</h1><p>{PARAGRAPH * 3}</p>"
            f"<p style='break-before: page'>Last words here.</p>"
            f"<h1 style='break-before: page'>Three</h1><p>{PARAGRAPH}</p></body></html>")
    faults = check_layout(_pdf(tmp_path, html))
    kinds = [(fault.page.number, fault.kind) for fault in faults]
    assert any(number == 1 and kind.startswith("about ") and "empty at the foot" in kind for number, kind in kinds)
    assert any("heading at the foot" in kind for _, kind in kinds)
    assert any(kind.startswith("a runt page") for _, kind in kinds), kinds


def test_hyphenation_is_measured_in_a_real_pdf(tmp_path):
    words = "internationalization extraordinarily institutionalization counterrevolutionary " * 8
    html = (f"<html lang='en'><style>@page {{ size: 60mm 100mm; margin: 8mm; }} "
            f"p {{ hyphens: auto; text-align: justify; font: 10pt/12pt serif; width: 30mm; margin: 0 }}</style>"
            f"<body><p>{words}</p></body></html>")
    pages = read_pages(_pdf(tmp_path, html))
    assert any(line.text.endswith(HYPHEN) for page in pages for line in page.lines)
    faults = check_layout(_pdf(tmp_path, html, "again.pdf"))
    assert any("hyphenated lines in a row" in fault.kind for fault in faults)


def test_check_layout_on_the_command_line(tmp_path):
    root = tmp_path / "book"
    (root / "manuscript").mkdir(parents=True)
    (root / "manuscript" / "book.toml").write_text('title = "Proof"\npublisher = "A School"\n', encoding="utf-8")
    (root / "manuscript" / "01.md").write_text("# One\n\n" + PARAGRAPH * 4 + "\n", encoding="utf-8")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "bookbuild", *args, "--project", str(root)],
                              capture_output=True, text=True, cwd=root)

    missing = run("check", "--layout")
    assert missing.returncode == 1
    assert missing.stderr == ("build/proof.pdf: error: not built yet: nothing to check\n"
                              "  hint: build it first: bookbuild build pdf\n")
    assert run("build", "pdf", "-q").returncode == 0
    checked = run("check", "--layout")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("layout: 1 PDF checked, ")
    for warning in checked.stderr.splitlines():
        assert warning.startswith("build/proof.pdf: warning: page ") or warning.startswith("  ")


def test_a_back_cover_ends_the_part_before_it_where_the_other_pages_have_folios():
    numbered = [dataclasses.replace(page(number, column(number, 30)), margin_lines=2) for number in range(1, 5)]
    short = dataclasses.replace(page(5, column(5, 12)), margin_lines=2)  # the bibliography's last page
    back_cover = dataclasses.replace(page(6, column(6, 8)), margin_lines=0)
    kinds = [(fault.page.number, fault.kind) for fault in find_faults([*numbered, short, back_cover], {1})]
    assert not any(number == 5 for number, _ in kinds), kinds
    # Without folios anywhere, a page is not taken for a cover: the short page is a hole.
    plain = [page(number, column(number, 30)) for number in range(1, 5)] + [page(5, column(5, 12)),
                                                                             page(6, column(6, 30))]
    assert any(number == 5 and "empty" in kind for number, kind in
               [(fault.page.number, fault.kind) for fault in find_faults(plain, {1})])


def test_a_title_page_of_one_line_is_not_a_runt_page():
    title = dataclasses.replace(page(1, [line("A Synthetic Book", 200.0, height=24.0)]), margin_lines=0)
    pages = [title] + [dataclasses.replace(page(number, column(number, 30)), margin_lines=1) for number in (2, 3, 4)]
    assert not [fault for fault in find_faults(pages, {2}) if fault.kind.startswith("a runt page")]


def test_a_first_line_whose_glyphs_reach_above_the_band_is_still_text(tmp_path):
    # 160 mm high: the band is 12 mm; the text block starts just above it, its first line below it but its glyphs above.
    html = ("<html lang='en'><style>@page { size: 120mm 160mm; margin: 10mm 15mm 15mm; } "
            "body { font: 11pt/9pt serif; } p { margin: 0; }</style><body>"
            "<p>The first line<br>the second line<br>the third line</p></body></html>")
    [only] = read_pages(_pdf(tmp_path, html))
    assert [line.text for line in only.lines] == ["The first line", "the second line", "the third line"]


def test_interleaved_teacher_pages_neither_interrupt_the_student_pages_nor_leave_holes():
    def labelled(number: int, label: str, lines: list[Line]) -> Page:
        return Page(number, label, 400.0, 600.0, tuple(lines))

    # Student page 2 ends its chapter short (page 3 opens the next one); teacher pages 2a, 2b sit between them:
    # 2 is not a hole, nor is 2b (a group's last page ends its group); 2a and 2b are no spread to even out.
    pages = [labelled(1, "1", column(1, 30)), labelled(2, "2", column(2, 12)), labelled(3, "2a", column(3, 30)),
             labelled(4, "2b", column(4, 10)), labelled(5, "3", column(5, 30)), labelled(6, "4", column(6, 30))]
    assert [fault.message() for fault in find_faults(pages, {1, 5})] == []
    # Without the teacher pages' labels the same pages hold a hole (page 2) and an unequal spread.
    plain = [dataclasses.replace(one, label=str(one.number)) for one in pages]
    kinds = [(fault.page.number, fault.kind.split(" (")[0]) for fault in find_faults(plain, {1, 5})]
    assert (2, "about 18 lines left empty at the foot of the text") in kinds
    assert any(kind.startswith("facing pages") for _, kind in kinds)
    # A teacher page's message names its label and its place in the file.
    runt = [labelled(1, "1", column(1, 30)), labelled(2, "1a", column(2, 2)), labelled(3, "1b", []),
            labelled(4, "2", column(4, 30))]
    assert [fault.message() for fault in find_faults(runt, {1})] == [
        "page 1a (PDF page 2): a runt page: the chapter ends with one or two lines here: “line 0 of page 2”"]


def test_a_figure_at_the_foot_of_a_page_is_not_a_hole_and_a_real_hole_still_is(tmp_path):
    # A figure holds no text: read as text alone, a page with a picture and a small caption at its foot
    # looks short. The space is drawn and looked at, so only the page left really empty is reported.
    picture = ("data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='300' height='200'>"
               "<rect width='300' height='200' fill='%23555'/></svg>")
    html = (f"<html lang='en'>{PAGE_CSS}<body><h1>One</h1><p>{PARAGRAPH * 2}</p>"
            f"<p style='break-before: page'>{PARAGRAPH * 2}</p>"
            f"<figure style='margin: 4mm 0 0'><img src=\"{picture}\" style='width: 90mm; height: 60mm'>"
            f"<figcaption style='font-size: 8pt; line-height: 10pt'>A figure and its caption.</figcaption></figure>"
            f"<p style='break-before: page'>{PARAGRAPH * 2}</p>"
            f"<p style='break-before: page'>{PARAGRAPH * 9}</p>"
            f"<h1 style='break-before: page'>Two</h1><p>{PARAGRAPH}</p></body></html>")
    path = _pdf(tmp_path, html)
    # The text alone says pages 2 and 3 are short...
    by_text = [fault.page.number for fault in find_faults(read_pages(path), {1, 5}) if "empty" in fault.kind]
    assert 2 in by_text and 3 in by_text
    # ...and the drawn page shows the figure fills page 2: only page 3 is a hole.
    holes = [fault.page.number for fault in check_layout(path) if "empty" in fault.kind]
    assert 2 not in holes and 3 in holes


def test_a_long_listing_runs_on_across_the_page_turn_and_a_short_one_is_kept_whole(tmp_path):
    from bookbuild.render.html import LONG_CODE_LINES

    root = tmp_path / "book"
    (root / "manuscript").mkdir(parents=True)
    long = "\n".join(f"step_{n} = compute(step_{n - 1})" for n in range(1, 41))
    short = "\n".join(f"x{n} = {n}" for n in range(LONG_CODE_LINES - 2))
    (root / "manuscript" / "01.md").write_text(
        "# One\n\n" + (PARAGRAPH * 3 + "\n\n") * 3 + "The loop runs as follows:\n\n```python\n" + long
        + "\n```\n\nAfter it, more text.\n\n```\n" + short + "\n```\n\n" + PARAGRAPH + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bookbuild", "build", "pdf", "--project", str(root), "-q"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    pdf = next((root / "build").glob("*.pdf"))
    pages = read_pages(pdf)
    lead_in = next(page.number for page in pages if any("runs as follows" in line.text for line in page.lines))
    first = next(page.number for page in pages if any("step_1 = " in line.text for line in page.lines))
    last = next(page.number for page in pages if any("step_40 = " in line.text for line in page.lines))
    assert first == lead_in and last > first  # the listing starts under its lead-in and runs on
    assert not [fault for fault in check_layout(pdf) if "empty" in fault.kind and fault.page.number == lead_in]
    short_pages = {page.number for page in pages for line in page.lines if line.text.startswith("x")
                   and " = " in line.text}
    assert len(short_pages) == 1


def test_facing_pages_are_measured_to_a_figure_that_ends_one_of_them(tmp_path):
    picture = ("data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='300' height='200'>"
               "<rect width='300' height='200' fill='%23555'/></svg>")
    html = (f"<html lang='en'>{PAGE_CSS}<body><h1>One</h1><p>{PARAGRAPH * 2}</p>"
            f"<p style='break-before: page'>{PARAGRAPH * 2}</p><img src=\"{picture}\" style='display: block; "
            f"width: 90mm; height: 75mm; margin-top: 2mm'>"
            f"<p style='break-before: page'>{PARAGRAPH * 9}</p>"
            f"<p style='break-before: page'>{PARAGRAPH * 9}</p>"
            f"<h1 style='break-before: page'>Two</h1><p>{PARAGRAPH}</p></body></html>")
    path = _pdf(tmp_path, html)
    by_text = [fault.kind for fault in find_faults(read_pages(path), {1, 5}) if fault.kind.startswith("facing")]
    assert by_text and "(pages 2 and 3)" in by_text[0]  # the text of page 2 ends high, above its picture
    assert not [fault for fault in check_layout(path) if "(pages 2 and 3)" in fault.kind]


def test_a_title_page_whose_title_ends_low_is_not_a_heading_at_the_foot():
    title = page(1, [line("Post-training, two", 400, height=24.0), line("chapters", 430, height=24.0)])
    chapter = [page(n, column(n, 30)) for n in range(2, 5)]
    assert not [fault for fault in find_faults([title, *chapter], {2}) if "heading" in fault.kind]
    # The same lines at the foot of a page of running text are a heading left there.
    running = page(3, column(3, 20) + [line("A section", 60 + 20 * 14.0, height=24.0)])
    faults = find_faults([chapter[0], running, chapter[2]], {2})
    assert [fault.page.number for fault in faults if "heading" in fault.kind] == [3]
