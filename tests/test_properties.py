"""Property-based tests: whatever Markdown a writer types, the EPUB's XHTML is well-formed."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bookbuild.bibliography import load_bibliography
from bookbuild.citations import load_style, resolve_citations
from bookbuild.config import load_config
from bookbuild.editions import EDITIONS, select_edition
from bookbuild.errors import Report
from bookbuild.manuscript import parse_manuscript
from bookbuild.project import locate_project
from bookbuild.render.book import BuildInfo, epub_documents, render_book
from bookbuild.render.html import EPUB

BIB = """@book{gati2006, author = {Gati, Charles}, title = {Failed Illusions}, publisher = {Stanford University Press},
  year = {2006}}
@article{kramer1998, author = {Kramer, Mark}, title = {The {Soviet} Union and the 1956 Crises},
  journal = {Journal of Contemporary History}, volume = {33}, number = {2}, pages = {163--214}, year = {1998}}
"""

# Random words never contain "@": "@x" would cite a work the .bib does not have, a user error.
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="@"),
                min_size=1, max_size=12)
plain = st.sampled_from(["Budapest", "Nagy", "ő és ű", "1956", "a & b", "x < y > z", "\"quoted\"", "it's",
                         "--", "---", "...", "*", "_", "`", "\\", "[", "]", "{", "}", "@", "#", "<", "&amp;",
                         "&#0;", "&bogus;", "\u00a0", "\u200b", "\ufeff", "😀", "עברית", "</p>"])
inline = st.one_of(
    plain, words,
    st.builds(lambda w: f"*{w}*", plain), st.builds(lambda w: f"**{w}**", plain),
    st.builds(lambda w: f"`{w}`", plain),
    st.sampled_from(["[@gati2006]", "[@gati2006, p. 12]", "[see @gati2006, 4; also @kramer1998]", "@kramer1998",
                     "@kramer1998 [p. 170]", "[-@gati2006]", "[^n1]", "[a phrase]{.teacher}", "[x]{.c}",
                     "[link](#a-chapter)", "[web](https://example.org/?a=1&b=2)", "<abbr title=\"t\">ab</abbr>",
                     "<b>unclosed", "</i>", "<script>x()</script>", "<img src=x onerror=y>", "<br>",
                     "<span onclick=\"z\">s</span>", "<!-- c -->", "<![CDATA[x]]>", "<?php ?>"]),
)
line = st.lists(inline, min_size=1, max_size=8).map(" ".join)
block = st.one_of(
    line,
    line.map(lambda t: "## " + t), line.map(lambda t: "### " + t + " {.x}"),
    st.lists(line, min_size=1, max_size=3).map(lambda items: "\n".join("- " + i for i in items)),
    st.lists(line, min_size=1, max_size=3).map(lambda items: "\n".join(f"{n}. {i}" for n, i in enumerate(items, 1))),
    line.map(lambda t: "> " + t),
    st.tuples(st.sampled_from(["note", "think", "keyterms", "{.source title=\"T & <t>\"}", "teacher",
                               "{.answers .teacher}", "glossary", "questions", "unknown-div"]), line).map(
        lambda p: f"::: {p[0]}\n{p[1]}\n:::"),
    line.map(lambda t: f"Term\n: {t}"),
    line.map(lambda t: f"| a | b |\n|---|---|\n| {t} | x |\n\nTable: {t}"),
    line.map(lambda t: f"```\n{t}\n```"),
    st.sampled_from(["<div onclick=\"x\"><p>raw <em>block</em></div>", "<table><tr><td>cell</table>",
                     "<section><h2>raw heading</h2></section>", "<p>unclosed", "<iframe src=\"/etc/passwd\">",
                     "<style>body{}</style>", "---", "***", "<!-- comment -->"]),
)
chapter = st.lists(block, min_size=1, max_size=10).map(lambda blocks: "\n\n".join(blocks))


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(body=chapter)
def test_epub_xhtml_is_always_well_formed(tmp_path_factory, body):
    root = tmp_path_factory.mktemp("prop")
    (root / "manuscript").mkdir()
    (root / "manuscript" / "refs.bib").write_text(BIB, encoding="utf-8")
    (root / "manuscript" / "01.md").write_text(f"# A chapter\n\n{body}\n\n[^n1]: A note.\n", encoding="utf-8")
    project = locate_project(root)
    report = Report(stream=None)
    config = load_config(project)
    manuscript = parse_manuscript(project, config, report)
    bibliography = load_bibliography(project.manuscript_dir / "refs.bib", project)
    style = load_style(config.citation_style, project, config.language)
    for edition in (EDITIONS["student"], EDITIONS["teacher"]):
        selected = select_edition(manuscript, edition, report)
        citations = resolve_citations(selected.citations, bibliography, style)
        book = render_book(selected, citations, config, edition, EPUB,
                           BuildInfo(date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
        for document in epub_documents(book, project):
            etree.fromstring(document.content.encode("utf-8"))
