"""The output registry: adding an output is adding one module, and the CLI, the pipeline and the README follow.

A test double output, registered here only, shows it: it appears among
`bookbuild build`'s targets, `bookbuild build double` builds it, and it gets
the edition's print layout (its page map) when it asks for it.
"""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import pytest

from bookbuild import outputs
from bookbuild.cli import main, make_parser
from bookbuild.errors import BookbuildError, Report
from bookbuild.outputs import Output, readme_table, register, registry, target_names, unregister
from bookbuild.pipeline import build
from bookbuild.writers import write_output

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def double():
    """An output that writes one line per page of the printed book: its number, from the page map."""
    asked = []

    def make(context) -> list[Path]:
        page_map = context.page_map()
        asked.append((context.edition.name, len(page_map.pages)))
        path = context.path("txt", "pages")
        data = "".join(f"{page.label}\n" for page in page_map.pages).encode()
        return [write_output(context.sources.project, path, data)]

    register(Output("double", "a test double: the printed page numbers, one a line", make, noun="page list",
                    needs_layout=True, render="print", order=99))
    try:
        yield asked
    finally:
        unregister("double")


def test_every_module_of_the_package_is_an_output_in_the_registry():
    modules = {info.name for info in pkgutil.iter_modules(outputs.__path__)} - {"context", "__main__"}
    assert {name.replace("-", "_") for name in registry()} == modules
    assert {"pdf", "print-shop", "booklet", "epub", "handouts"} <= set(registry())
    assert list(registry())[0] == "pdf"


def test_a_registered_output_is_a_cli_target(double, capsys):
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "{" + ",".join(target_names()) + "}" in shown
    assert target_names()[-2:] == ("double", "all")
    assert "double: a test double: the printed page numbers, one a line" in shown
    assert make_parser().parse_args(["build", "double"]).target == "double"
    unregister("double")
    with pytest.raises(SystemExit):
        make_parser().parse_args(["build", "double"])


def test_build_double_gets_the_print_layout_and_writes_its_file(double, project, tmp_path, capsys):
    root = project({"manuscript/01.md": "# One\n\nText.\n\n# Two\n\nMore text.\n"})
    out = tmp_path / "out"
    assert main(["build", "double", "--project", str(root), "--out", str(out), "-q"]) == 0
    [path] = sorted(out.glob("*.txt"))
    assert path.name.endswith("-pages.txt")
    [(edition, pages)] = double
    assert edition == "student" and pages >= 2
    assert path.read_text().count("\n") == pages
    assert not list(out.glob("*.pdf"))  # it asked for the page map, not the PDF


def test_an_edition_without_the_output_asked_for_is_a_user_mistake(project):
    root = project({"manuscript/01.md": "# One\n\nText.\n"})
    with pytest.raises(BookbuildError) as raised:
        build(root, ("epub",), ["large-print"], None, Report(stream=None))
    assert "edition 'large-print' has no EPUB" in str(raised.value.problems[0].message)


def test_the_readme_table_of_outputs_is_the_registry():
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- outputs: .*? -->\n(.*?)<!-- end of outputs -->", text, re.DOTALL)
    assert match, "README.md lost its table of outputs"
    assert match.group(1) == readme_table(), "run: python -m bookbuild.outputs --readme, and paste the table"


def test_the_print_shop_copy_can_be_built_alone(project, tmp_path):
    from pypdf import PdfReader

    root = project({"manuscript/01.md": "# One\n\nText.\n"})
    out = tmp_path / "out"
    written = build(root, ("print-shop",), None, out, Report(stream=None))
    assert [path.name for path in written] == [path.name for path in out.glob("*.pdf")]
    [path] = written
    assert path.name.endswith("-print.pdf")
    page = PdfReader(path).pages[0]
    assert "/TrimBox" in page and "/BleedBox" in page


def test_book_toml_outputs_accept_every_output_of_the_registry():
    from bookbuild.config.book import OUTPUT_CHOICES, OUTPUT_TARGETS

    assert set(OUTPUT_CHOICES) == set(target_names()) - {"all"}
    assert set(OUTPUT_TARGETS) <= set(OUTPUT_CHOICES)


@pytest.mark.parametrize(("listed", "printed"), [(("epub",), False), (("epub", "handouts", "web"), False),
                                                  (("pdf",), True), (("print-shop",), True), (("booklet",), True)])
def test_a_book_is_printed_when_build_all_makes_an_output_that_lays_out_pages(listed, printed):
    from types import SimpleNamespace

    from bookbuild.outputs.context import has_printed_output

    assert has_printed_output(SimpleNamespace(outputs=SimpleNamespace(all=listed))) is printed
