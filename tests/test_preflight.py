"""Preflight: low-resolution images, tiny text, ink near the trim or in the bleed; pages and elements named."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from bookbuild.errors import BookbuildError, Report, SourceLocation
from bookbuild.layout.preflight import preflight, report_findings
from bookbuild.pipeline import build

PAGE = "@page { size: 148mm 210mm; margin: 20mm; @bottom-center { content: counter(page, lower-roman) } }"
NO_NUMBER = "@page { size: 148mm 210mm; margin: 20mm; }"


def save_png(path: Path, width: int, height: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, height), "#884422").save(path)
    return path


def findings(tmp_path: Path, body: str, css: str = PAGE) -> list[str]:
    """The preflight findings of an HTML body laid out by WeasyPrint, formatted."""
    from weasyprint import HTML

    document = HTML(string=f"<style>{css} body {{ margin: 0; font-size: 10pt }}</style>{body}",
                    base_url=tmp_path.as_uri() + "/").render()
    return [finding.format() for finding in preflight(document, tmp_path)]


# -- images -------------------------------------------------------------------------------------------

def test_image_below_300_dpi(tmp_path):
    save_png(tmp_path / "images" / "map.png", 300, 200)
    assert findings(tmp_path, '<img src="images/map.png" style="width: 50.8mm">') == [
        'page i (PDF page 1): <img src="images/map.png">: 150 dpi at its printed size of 51 × 34 mm '
        "(300 × 200 pixels); print needs at least 300 dpi"
    ]


def test_image_at_300_dpi_or_more_passes(tmp_path):
    save_png(tmp_path / "sharp.png", 600, 400)
    assert findings(tmp_path, '<img src="sharp.png" style="width: 50.8mm">') == []


def test_image_cropped_by_object_fit_cover_is_judged_at_its_drawn_size(tmp_path):
    save_png(tmp_path / "wide.png", 1200, 300)  # 4:1, drawn 400 × 100 mm to cover a 100 mm square
    assert findings(tmp_path, '<img class="fill" src="wide.png" '
                              'style="width: 100mm; height: 100mm; object-fit: cover">', NO_NUMBER) == [
        'PDF page 1: <img class="fill" src="wide.png">: 76 dpi at its printed size of 400 × 100 mm '
        "(1200 × 300 pixels); print needs at least 300 dpi"
    ]


def test_vector_images_have_no_resolution(tmp_path):
    (tmp_path / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                                          '<rect width="10" height="10"/></svg>')
    assert findings(tmp_path, '<img src="drawing.svg" style="width: 80mm">') == []


# -- small text ---------------------------------------------------------------------------------------

def test_text_smaller_than_7pt(tmp_path):
    body = ('<p>Normal text, and <span class="fine" style="font-size: 6pt">the small print of it</span>.</p>'
            '<p style="font-size: 7pt">Seven points is fine.</p>')
    assert findings(tmp_path, body) == [
        'page i (PDF page 1): <span class="fine"> "the small print of it": text set at 6.0 pt, smaller than 7 pt'
    ]


def test_small_text_names_the_element_and_its_first_words(tmp_path):
    body = ('<p>Normal text.</p><p class="legal" style="font-size: 5.5pt">All rights reserved. No part of this '
            'booklet may be reproduced without permission.</p>')
    assert findings(tmp_path, body) == [
        'page i (PDF page 1): <p class="legal"> "All rights reserved. No part of this boo…": text set at 5.5 pt, '
        "smaller than 7 pt"
    ]


def test_superscripts_and_subscripts_are_small_on_purpose(tmp_path):
    assert findings(tmp_path, '<p>H<sub style="font-size: 5pt">2</sub>O and a note<sup style="font-size: 5pt">'
                              '12</sup> and <span style="vertical-align: super; font-size: 5pt">3</span>.</p>') == []


# -- the trim and the bleed ---------------------------------------------------------------------------

def test_text_too_close_to_the_trim(tmp_path):
    body = '<p class="folio" style="position: absolute; left: -19mm; top: 50mm">Near the edge</p>'
    assert findings(tmp_path, body) == [
        'page i (PDF page 1): <p class="folio"> "Near the edge": text is 1.0 mm from the left trim edge; '
        "keep it at least 3 mm inside"
    ]


def test_text_in_the_bleed(tmp_path):
    body = '<p style="position: absolute; margin: 0; top: -22mm; left: 30mm">Cut off</p>'
    assert findings(tmp_path, body, PAGE.replace("margin: 20mm;", "margin: 20mm; bleed: 3mm;")) == [
        'page i (PDF page 1): <p> "Cut off": text runs 2.0 mm past the top trim edge, into the bleed: '
        "it would be cut off"
    ]


def test_background_that_stops_short_of_the_trim(tmp_path):
    body = '<div class="band" style="position: absolute; top: -18mm; left: -20mm; right: -20mm; height: 5mm; ' \
           'background: black"></div>'
    assert findings(tmp_path, body) == [
        'page i (PDF page 1): <div class="band">: background ends 2.0 mm short of the top trim edge; '
        "run it to the edge of the page or keep it at least 3 mm inside the trim"
    ]


def test_background_that_stops_inside_the_bleed(tmp_path):
    css = PAGE.replace("margin: 20mm;", "margin: 20mm; bleed: 3mm;")
    body = '<div class="band" style="position: absolute; top: -21mm; left: -23mm; right: -23mm; height: 5mm; ' \
           'background: black"></div>'
    assert findings(tmp_path, body, css) == [
        'page i (PDF page 1): <div class="band">: background reaches only 1.0 mm past the top trim edge; '
        "run it 3 mm past the trim, into the bleed, or keep it at least 3 mm inside the trim"
    ]


def test_full_bleed_backgrounds_and_images_are_intended(tmp_path):
    save_png(tmp_path / "photo.png", 2400, 3200)
    css = PAGE.replace("margin: 20mm;", "margin: 20mm; bleed: 3mm;")
    body = ('<div style="position: absolute; top: -23mm; left: -23mm; right: -23mm; height: 10mm; '
            'background: black"></div>'
            '<img src="photo.png" style="position: absolute; top: 100mm; left: -23mm; width: 80mm">')
    assert findings(tmp_path, body, css) == []
    without_bleed = ('<div style="position: absolute; top: -20mm; left: -20mm; right: -20mm; height: 10mm; '
                     'background: black"></div>')
    assert findings(tmp_path, without_bleed) == []


def test_pages_without_a_printed_number_are_named_by_their_place(tmp_path):
    body = '<p>One</p><div style="break-before: page"><p style="position: relative; left: -19.5mm">Two</p></div>'
    assert findings(tmp_path, body, NO_NUMBER) == [
        'PDF page 2: <p> "Two": text is 0.5 mm from the left trim edge; keep it at least 3 mm inside'
    ]


# -- warnings, --strict and the pipeline --------------------------------------------------------------

def test_findings_are_warnings_and_errors_when_strict(tmp_path):
    from weasyprint import HTML

    document = HTML(string=f'<style>{NO_NUMBER}</style><p class="tiny" style="font-size: 6pt">Tiny</p>').render()
    location = SourceLocation("build/book.pdf")
    relaxed = Report(stream=None)
    report_findings(preflight(document), location, relaxed)
    assert [warning.format() for warning in relaxed.warnings] == [
        'build/book.pdf: warning: PDF page 1: <p class="tiny"> "Tiny": text set at 6.0 pt, smaller than 7 pt'
    ]
    strict = Report(stream=None, strict=True)
    report_findings(preflight(document), location, strict)
    with pytest.raises(BookbuildError) as caught:
        strict.raise_if_strict()
    assert [problem.format() for problem in caught.value.problems] == [
        'build/book.pdf: error: PDF page 1: <p class="tiny"> "Tiny": text set at 6.0 pt, smaller than 7 pt'
    ]


def png_bytes(width: int, height: int) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height), "#224488").save(output, "PNG")
    return output.getvalue()


LOW_RESOLUTION_BOOK = {
    "manuscript/book.toml": 'title = "Checked"\n',
    "manuscript/01.md": "# One\n\nText.\n\n![A blurry photograph](images/blurry.png)\n",
    "manuscript/images/blurry.png": png_bytes(300, 200),
}
BLURRY = ('<img src="manuscript/images/blurry.png">: 96 dpi at its printed size of 79 × 53 mm (300 × 200 pixels); '
          "print needs at least 300 dpi")


def test_print_shop_build_is_preflighted(project):
    root = project(LOW_RESOLUTION_BOOK)
    report = Report(stream=None)
    build(root, ("pdf",), None, None, report, print_shop=True)
    messages = [warning.format() for warning in report.warnings]
    assert len(messages) == 1
    assert messages[0].startswith("build/checked-print.pdf: warning: page 1 (PDF page ")
    assert messages[0].endswith(BLURRY)


def test_normal_pdf_is_preflighted_on_request(project):
    root = project(LOW_RESOLUTION_BOOK)
    quiet = Report(stream=None)
    build(root, ("pdf",), None, None, quiet)
    assert quiet.warnings == []
    report = Report(stream=None)
    build(root, ("pdf",), None, None, report, check_print=True)
    blurry = [warning.format() for warning in report.warnings if "blurry" in warning.message]
    assert len(blurry) == 1
    assert blurry[0].startswith("build/checked.pdf: warning: page 1 (PDF page ")
    assert blurry[0].endswith(BLURRY)


def test_strict_print_shop_build_stops_before_writing(project):
    root = project(LOW_RESOLUTION_BOOK)
    result = subprocess.run([sys.executable, "-m", "bookbuild", "build", "pdf", "--print-shop", "--strict",
                             "--project", str(root)], capture_output=True, text=True, cwd=root)
    assert result.returncode == 1
    assert "wrote" not in result.stdout
    problems = result.stderr.split("\n", 1)[1] if result.stderr.startswith("bookbuild: building ") else result.stderr
    assert problems.startswith("build/checked-print.pdf: error: page 1 (PDF page ")
    assert result.stderr.endswith(BLURRY + "\n")
    assert not (root / "build" / "checked.pdf").exists()
    assert not (root / "build" / "checked-print.pdf").exists()


def test_cli_preflight_option_warns_and_builds(project):
    root = project(LOW_RESOLUTION_BOOK)
    result = subprocess.run([sys.executable, "-m", "bookbuild", "build", "pdf", "--preflight",
                             "--project", str(root)], capture_output=True, text=True, cwd=root)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith("wrote")] == ["wrote build/checked.pdf"]
    blurry = [line for line in result.stderr.splitlines() if "blurry" in line]
    assert len(blurry) == 1
    assert blurry[0].startswith("build/checked.pdf: warning: page 1 (PDF page ")
    assert blurry[0].endswith(BLURRY)
