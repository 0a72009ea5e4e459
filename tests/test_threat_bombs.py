"""Class 8: images that decode or draw into far more than they weigh are refused, with the file named, wherever
they enter the book: a chapter, the cover, a stylesheet (file or data: URL)."""

from __future__ import annotations

import base64
import io
import time

import pytest

from bookbuild.images import MAX_SVG_ELEMENTS, svg_problems

from .threat_helpers import make_project, run_bookbuild

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'
CHAPTER = "# One\n\nText.\n"


def png(width: int, height: int) -> bytes:
    from PIL import Image

    output = io.BytesIO()
    Image.new("1", (width, height)).save(output, format="PNG", optimize=True)
    return output.getvalue()


def use_bomb(levels: int = 12, fan: int = 10) -> str:
    """Each group draws the one before it *fan* times: fan ** levels elements from a few hundred."""
    parts = ['<g id="l0"><rect width="1" height="1"/></g>']
    for level in range(1, levels + 1):
        parts.append(f'<g id="l{level}">' + f'<use xlink:href="#l{level - 1}"/>' * fan + "</g>")
    return SVG.format("<defs>" + "".join(parts) + f'</defs><use href="#l{levels}"/>')


def laughs_late() -> str:
    """Entity declarations after 64 KB of comment."""
    return ('<?xml version="1.0"?><!DOCTYPE svg [<!-- ' + "x" * 70_000 + ' --><!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + SVG.format("<text>&b;</text>"))


# -- the checks themselves ----------------------------------------------------------------------------------

def test_use_multiplication_is_counted_as_drawn():
    start = time.process_time()
    assert svg_problems(use_bomb().encode())[0].startswith(f"draws more than {MAX_SVG_ELEMENTS:,} elements")
    assert time.process_time() - start < 5


def test_use_cycles_are_refused():
    cyclic = SVG.format('<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>')
    assert svg_problems(cyclic.encode()) == ["has a <use> element that refers, through others, to itself"]
    self_use = SVG.format('<use id="a" href="#a"/>')
    assert svg_problems(self_use.encode()) == ["has a <use> element that refers, through others, to itself"]


def test_long_use_chain_is_counted_without_recursion():
    chain = "".join(f'<g id="g{number}"><use href="#g{number + 1}"/></g>' for number in range(20_000))
    assert svg_problems(SVG.format(chain + '<g id="g20000"/>').encode())[0].startswith("draws more than")
    short = "".join(f'<g id="g{number}"><use href="#g{number + 1}"/></g>' for number in range(100))
    assert svg_problems(SVG.format(short + '<g id="g100"/>').encode()) == []


def test_shared_use_targets_are_fine_below_the_limit():
    assert svg_problems(use_bomb(levels=3, fan=10).encode()) == []


def test_too_many_plain_elements():
    assert svg_problems(SVG.format("<rect/>" * (MAX_SVG_ELEMENTS + 1)).encode())[0].startswith("draws more than")


@pytest.mark.parametrize("svg", [laughs_late(), laughs_late().replace("ENTITY", "entity")],
                         ids=["after-64k", "lower-case"])
def test_entities_anywhere_in_the_file(svg):
    assert svg_problems(svg.encode()) == ["declares XML entities, which are not allowed in SVG images"]


def test_entities_in_utf16():
    svg = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>' + SVG.format("<text>&a;</text>")
    assert svg_problems(svg.encode("utf-16")) == ["declares XML entities, which are not allowed in SVG images"]


def test_external_references_in_svg():
    for body in ('<image href="file:///etc/passwd"/>', '<use xlink:href="other.svg#x"/>',
                 '<rect style="fill: url(http://example.org/x)"/>', '<style>@import url(/etc/passwd);</style>'):
        assert svg_problems(SVG.format(body).encode()), body


# -- where images enter a book -------------------------------------------------------------------------------

BOMB_PNG = png(20000, 20000)
CASES = [
    ("png cover", {"manuscript/book.toml": 'cover = "cover.png"\n', "manuscript/01.md": CHAPTER,
                   "manuscript/cover.png": BOMB_PNG},
     "manuscript/book.toml:1:1: error: cover image 'cover.png' is 20000 × 20000 pixels"),
    ("svg cover with entities", {"manuscript/book.toml": 'cover = "cover.svg"\n', "manuscript/01.md": CHAPTER,
                                 "manuscript/cover.svg": laughs_late()},
     "error: cover image 'cover.svg' declares XML entities"),
    ("svg cover with an external reference", {"manuscript/book.toml": 'cover = "cover.svg"\n',
                                              "manuscript/01.md": CHAPTER,
                                              "manuscript/cover.svg": SVG.format('<image href="/etc/passwd"/>')},
     "error: cover image 'cover.svg' refers to '/etc/passwd'"),
    ("svg cover of use elements", {"manuscript/book.toml": 'cover = "cover.svg"\n', "manuscript/01.md": CHAPTER,
                                   "manuscript/cover.svg": use_bomb()},
     "error: cover image 'cover.svg' draws more than"),
    ("chapter svg of use elements", {"manuscript/01.md": "# One\n\n![many](u.svg)\n", "manuscript/u.svg": use_bomb()},
     "manuscript/01.md:3:1: error: image 'u.svg' draws more than"),
    ("css background png", {"manuscript/01.md": CHAPTER, "styles/css/custom.css": "p {}\n"
                            "body { background: url(../img/bomb.png); }\n", "styles/img/bomb.png": BOMB_PNG},
     "styles/css/custom.css:2: error: stylesheet image '../img/bomb.png' is 20000 × 20000 pixels"),
    ("css background data url", {"manuscript/01.md": CHAPTER, "styles/css/custom.css":
                                 "body { background: url(data:image/png;base64," + base64.b64encode(BOMB_PNG).decode()
                                 + "); }\n"},
     "styles/css/custom.css:1: error: stylesheet image 'data:image/png;base64,"),
    ("css background svg data url", {"manuscript/01.md": CHAPTER, "styles/css/custom.css":
                                     "\n\nbody { background: url('data:image/svg+xml;base64," +
                                     base64.b64encode(use_bomb().encode()).decode() + "'); }\n"},
     "styles/css/custom.css:3: error: stylesheet image 'data:image/svg+xml;base64,"),
    ("css background svg file", {"manuscript/01.md": CHAPTER, "styles/css/custom.css":
                                 "body { background: url(\"x.svg\"); }\n", "styles/css/x.svg": laughs_late()},
     "styles/css/custom.css:1: error: stylesheet image 'x.svg' declares XML entities"),
]


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_bombs_are_refused_where_they_enter(case, tmp_path):
    name, files, expected = case
    project = make_project(tmp_path / "book", files)
    result = run_bookbuild(project, "build", "all", "--jobs", "1", home=tmp_path / "home", timeout=90)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr
    assert not [path for path in (project / "build").rglob("*.*") if ".cache" not in path.parts] \
        if (project / "build").exists() else True
