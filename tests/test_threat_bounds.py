"""Class 4: every stage has a bound.  Parsers take time linear in their input: each is fed 100,000 and then
400,000 of its worst characters, and the second must not take much more than four times the first (a
quadratic parser takes sixteen).  Each size is timed more than once and the fastest run counts, so a burst
of other work on a shared machine does not read as a quadratic parser.  Template and SVG bounds:
test_threat_user_errors.py and test_threat_bombs.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bookbuild.errors import BookbuildError

SMALL, LARGE = 100_000, 400_000
SMALL_RUNS, LARGE_RUNS = 3, 2
RATIO = 8  # linear gives 4, quadratic 16; generous for a machine shared with other work


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _seconds(parse, text: str) -> float:
    start = time.process_time()
    try:
        parse(text)
    except BookbuildError:
        pass  # refusing the input is fine; only the time counts
    return max(time.process_time() - start, 0.01)


def _fastest(parse, text: str, runs: int) -> float:
    return min(_seconds(parse, text) for _ in range(runs))


def assert_linear(parse, unit: str) -> None:
    small = _fastest(parse, _repeat(unit, SMALL), SMALL_RUNS)
    large = _fastest(parse, _repeat(unit, LARGE), LARGE_RUNS)
    assert large / small < RATIO, f"{unit!r}: {small:.2f}s for {SMALL} characters, {large:.2f}s for {LARGE}"


def _markdown(text: str) -> None:
    from bookbuild.markdown import make_parser

    make_parser("en").parse(text, {})


@pytest.mark.parametrize("unit", ["[", "*_`<![&\\", "> - 1. [^", "[a](<"], ids=["brackets", "inline marks",
                                                                               "block starters", "links"])
def test_markdown_is_linear(unit):
    assert_linear(_markdown, unit)


@pytest.mark.parametrize("unit", ["[@a ", "[see @a; ", "@a [", "[-@{", "[@a, p. "])
def test_citation_brackets_are_linear(unit):
    assert_linear(_markdown, unit)


def _project(tmp_path: Path):
    from bookbuild.project import locate_project

    (tmp_path / "book" / "manuscript").mkdir(parents=True, exist_ok=True)
    (tmp_path / "book" / "manuscript" / "01.md").write_text("# T\n\nText.\n")
    return locate_project(tmp_path / "book")


@pytest.mark.parametrize("unit", ["@book{k,\n", "{", "@book{a, title = {x} # "])
def test_bibtex_is_linear(unit, tmp_path):
    from bookbuild.bibliography import load_bibliography

    project = _project(tmp_path)
    path = project.manuscript_dir / "refs.bib"

    def parse(text: str) -> None:
        path.write_text(text, encoding="utf-8")
        load_bibliography(path, project)

    assert_linear(parse, unit)


@pytest.mark.parametrize("unit", ["- x\n", "a", "k: 'v'\n", "[x, "])
def test_front_matter_is_linear(unit):
    import yaml

    from bookbuild.manuscript import _FrontMatterLoader

    def parse(text: str) -> None:
        try:
            yaml.load(text, Loader=_FrontMatterLoader)  # noqa: S506 - a safe loader
        except (yaml.YAMLError, RecursionError):
            pass

    assert_linear(parse, unit)


@pytest.mark.parametrize("text", ['x = "{}"\n', "x = [{}]\n", "# {}\n"], ids=["string", "array", "comment"])
def test_book_toml_is_linear(text, tmp_path):
    from bookbuild.config import load_config

    project = _project(tmp_path)
    fillers = {'x = "{}"\n': "a\\t", "x = [{}]\n": "1, ", "# {}\n": "#="}

    def parse(body: str) -> None:
        project.config_path.write_text(text.format(body), encoding="utf-8")
        load_config(project)

    filler = fillers[text]
    small = _fastest(parse, _repeat(filler, SMALL), SMALL_RUNS)
    large = _fastest(parse, _repeat(filler, LARGE), LARGE_RUNS)
    assert large / small < RATIO
