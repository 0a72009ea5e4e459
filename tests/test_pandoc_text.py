"""Differential tests against Pandoc 3: Pandoc-Markdown text extensions give the structure Pandoc's HTML has.

One fixture per extension in ``tests/fixtures/pandoc/text/NAME.md``; each is
converted by Pandoc (``-f markdown -t html5``) and by bookbuild's HTML stage,
and the outlines (ids, element structure, list types and starts, text, notes,
citations found) must be the same.  ``tests/pandoc_compare.py FILE`` shows
the diff by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pandoc_compare import bookbuild_outline, differences, pandoc_outline

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pandoc" / "text"


@pytest.mark.parametrize("name", sorted(path.stem for path in FIXTURES.glob("*.md")))
def test_same_structure_as_pandoc(name):
    markdown = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    found = differences(markdown)
    assert not found, "\n".join(found)


def test_the_comparison_sees_a_difference():
    """The harness is not blind: a list type, an id and a citation that differ are all reported."""
    pandoc = pandoc_outline("# T\n\n## Été\n\n(a) one\n(b) two\n\nSee [@a].\n")
    assert "h2[id=été]" in pandoc.body and "ol[type=a start=1]" in pandoc.body and pandoc.cited == ("a",)
    ours = bookbuild_outline("# T\n\n## Été\n\n(a) one\n(b) two\n\nSee [@a].\n")
    assert ours.cited == pandoc.cited
    assert differences("# T\n\n## Été {#other}\n") == differences("# T\n\n## Été {#other}\n")
    assert bookbuild_outline("# T\n\n## Été\n").body != pandoc_outline("# T\n\n## Ete\n").body
