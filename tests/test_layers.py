"""The import graph of src/bookbuild follows the pipeline (DESIGN.md): no stage imports a later one.

Every module is read with ``ast`` (imports inside functions count too) and
given the stage of its top-level module or package.  A module may import
its own stage, an earlier one, or the neutral modules; an import of a later
stage fails the test, unless it is one of the few listed in
``KNOWN_BACKWARD`` (helpers of ``render/templates.py`` that several stages
share, to be moved to a neutral module): that list may only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src" / "bookbuild"

NEUTRAL = 0
# DESIGN.md's pipeline, in order; each top-level module or package of bookbuild has the stage it belongs to.
STAGES = {
    # neutral: anyone may import them; they import only each other
    "__init__": NEUTRAL, "errors": NEUTRAL, "project": NEUTRAL, "logs": NEUTRAL, "progress": NEUTRAL,
    "cache": NEUTRAL, "remote": NEUTRAL, "labels": NEUTRAL, "stylesheets": NEUTRAL, "template_cache": NEUTRAL,
    "images": NEUTRAL, "metadata": NEUTRAL, "layout_check": NEUTRAL,
    "config": 1,
    "manuscript": 2, "markdown": 2, "accessibility": 2,
    "bibliography": 3,
    "editions": 4, "answer_key": 4, "handouts": 4, "known_classes": 4, "leaks": 4,
    "citations": 5, "crossrefs": 5,
    "render": 6, "pagemap": 6,
    "layout": 7,
    "writers": 8,
    "outputs": 9, "web": 9,
    "pipeline": 10,
    "cli": 11, "serve": 11, "freshness": 11, "__main__": 12, "checks": 12,
}
STAGE_NAMES = {0: "neutral", 1: "config", 2: "manuscript", 3: "bibliography", 4: "editions", 5: "citations",
               6: "render", 7: "layout", 8: "writers", 9: "outputs", 10: "pipeline", 11: "cli", 12: "entry points"}

# Backward imports that exist today, each of a shared helper: (importing module, imported module).
KNOWN_BACKWARD = {
    ("bookbuild.markdown", "bookbuild.citations.locale"),  # quotation_marks of the book's language
}


def module_name(path: Path) -> str:
    parts = ("bookbuild", *path.relative_to(SOURCE).with_suffix("").parts)
    return ".".join(parts[:-1]) if parts[-1] == "__init__" else ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """The bookbuild modules *path* imports (``from . import x`` counts as the module x where it is one)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("bookbuild"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("bookbuild"):
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                as_path = SOURCE.joinpath(*candidate.split(".")[1:])
                found.add(candidate if as_path.with_suffix(".py").is_file() or as_path.is_dir() else target)
    return found


def stage_of(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    if top not in STAGES:
        raise AssertionError(f"{module}: give its top-level module a stage in tests/test_layers.py")
    return STAGES[top]


def all_imports() -> list[tuple[str, str]]:
    return [(module_name(path), imported) for path in sorted(SOURCE.rglob("*.py"))
            for imported in sorted(imports_of(path))]


def backward(imports: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The imports from an earlier stage of a later one (or from a neutral module of any stage)."""
    found = set()
    for importer, imported in imports:
        have, want = stage_of(importer), stage_of(imported)
        if want > have:
            found.add((importer, imported))
    return found


def test_every_module_has_a_stage():
    for path in SOURCE.rglob("*.py"):
        stage_of(module_name(path))


def test_no_stage_imports_a_later_one():
    wrong = sorted(backward(all_imports()) - KNOWN_BACKWARD)
    assert not wrong, "\n".join(f"{importer} ({STAGE_NAMES[stage_of(importer)]}) imports {imported} "
                                f"({STAGE_NAMES[stage_of(imported)]})" for importer, imported in wrong)


def test_the_known_backward_imports_still_exist():
    """An exception that is gone is taken off the list, so that it cannot come back unnoticed."""
    assert KNOWN_BACKWARD <= backward(all_imports())


@pytest.mark.parametrize("importer, imported, wrong", [
    ("bookbuild.layout.worker", "bookbuild.writers.booklet", True),
    ("bookbuild.layout.book", "bookbuild.outputs", True),
    ("bookbuild.render.book", "bookbuild.layout.printed", True),
    ("bookbuild.bibliography.model", "bookbuild.render.html", True),
    ("bookbuild.errors", "bookbuild.config", True),
    ("bookbuild.outputs.pdf", "bookbuild.layout.printed", False),
    ("bookbuild.pipeline", "bookbuild.outputs", False),
])
def test_the_check_sees_a_backward_import(importer, imported, wrong):
    assert bool(backward([(importer, imported)])) is wrong


def test_only_layout_imports_weasyprint():
    """WeasyPrint is imported by the layout stage alone (its layout, fonts and URL fetching)."""
    outside = []
    for path in SOURCE.rglob("*.py"):
        if module_name(path).startswith("bookbuild.layout"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            outside += [f"{module_name(path)}: {name}" for name in names if name.split(".")[0] == "weasyprint"]
    assert outside == []


PRIVATE_NAMES = ("_page_box", "._render(", "_build_layout_context", "_getframe", "_linebox_layout", "page_maker",
                 "string_set", "target_collector", "target_lookup_items", "make_margin_boxes",
                 "get_string_or_element_for", "current_page_footnotes")


def test_weasyprints_private_api_is_used_by_the_adapter_alone():
    users = {}
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used = [name for name in PRIVATE_NAMES if name in text]
        if used:
            users[module_name(path)] = used
    assert set(users) == {"bookbuild.layout.weasy"}, users
