"""Turn a manuscript's ``{.class}`` attributes into warnings where nothing knows the class.

A class written in the source (``::: sidebar``, ``[word]{.highlight}``,
``## Title {.appendix}``) does something only when a stylesheet styles it, a
template uses it, or bookbuild itself reads it (callouts, audiences,
``decorative``, ``unnumbered``…).  Any other class would be dropped in
silence, so each is a warning with its file and line.  The classes known are
collected from the theme's and the project's CSS (``styles/css/``) and
templates (``styles/templates/``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from .config import BookConfig
from .editions import audiences_of
from .errors import Report
from .labels import load_labels
from .manuscript import Manuscript, iter_inline, locate
from .project import Project

THEME = Path(__file__).resolve().parent / "theme"
MAX_STYLE_BYTES = 2 * 1024 * 1024

# Classes bookbuild reads itself, whatever the stylesheets say.
READ_BY_BOOKBUILD = frozenset({
    "decorative", "unnumbered", "unlisted", "pageref", "glossary", "questions", "answers", "smallcaps",
    "underline", "mark", "example", "task-list", "handout",
})

_CSS_CLASS_RE = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_CSS_NOISE_RE = re.compile(r"/\*.*?\*/|url\([^)]*\)|\"[^\"]*\"|'[^']*'", re.DOTALL)
_TEMPLATE_CLASS_RE = re.compile(r"class\s*=\s*\"([^\"]*)\"|class\s*=\s*'([^']*)'")


def css_classes(text: str) -> set[str]:
    """The class names a stylesheet's selectors name."""
    return set(_CSS_CLASS_RE.findall(_CSS_NOISE_RE.sub(" ", text)))


def template_classes(text: str) -> set[str]:
    """The class names a template writes literally (Jinja expressions in them are left out)."""
    names: set[str] = set()
    for match in _TEMPLATE_CLASS_RE.finditer(text):
        value = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", match[1] if match[1] is not None else match[2])
        names.update(part for part in value.split() if re.fullmatch(r"[\w-]+", part))
    return names


def known_classes(project: Project, config: BookConfig) -> frozenset[str]:
    """Every class a stylesheet, a template or bookbuild itself gives a meaning."""
    names = set(READ_BY_BOOKBUILD) | set(audiences_of(config))
    names.update(load_labels(config.language).get("callouts", {}))
    for folder in (THEME, project.styles_dir):
        for path in _files(folder / "css", "*.css"):
            names |= css_classes(_read(path))
        for path in _files(folder / "templates", "*.j2"):
            names |= template_classes(_read(path))
    return frozenset(names)


def _files(folder: Path, pattern: str) -> Iterable[Path]:
    if not folder.is_dir():
        return []
    root = folder.resolve()
    return [path for path in sorted(folder.rglob(pattern))
            if path.is_file() and root in path.resolve().parents and path.stat().st_size <= MAX_STYLE_BYTES]


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def report_unknown_classes(manuscript: Manuscript, config: BookConfig, report: Report) -> None:
    """Warn, with file and line, about each class in the source that no stylesheet or template knows."""
    from .editions import box_names
    from .errors import closest

    known = known_classes(manuscript.project, config)
    # A div class spelt like a box name or an audience is a slip the editions stage reports as an error.
    slips_of = box_names(config, manuscript.project)
    for chapter in manuscript.chapters:
        lines = chapter.source.split("\n")
        for name in chapter.title_classes:
            if name not in known:
                _warn(report, name, chapter.headings[0].location)
        for token in chapter.tokens:
            classes = token.meta.get("classes", []) if token.type == "div_open" and token.meta else \
                str(token.attrGet("class") or "").split() if token.attrs and token.nesting >= 0 else []
            if token.type in ("fence", "code_block", "ordered_list_open", "bullet_list_open", "figure"):
                continue  # a code block's class names its language; list classes are bookbuild's own
            for name in classes:
                if name not in known:
                    if token.type == "div_open" and closest(name, slips_of) is not None:
                        continue
                    where = replace(chapter.location, line=token.map[0] + 1) if token.map else chapter.location
                    _warn(report, name, where)
        for inline, child, _ in iter_inline(chapter.tokens, chapter.footnotes):
            if not child.attrs or child.nesting < 0 or child.type in ("code_inline",):
                continue
            for name in str(child.attrGet("class") or "").split():
                if name not in known:
                    offset = max(inline.content.find("." + name), 0)
                    _warn(report, name, locate(inline, offset, lines, chapter.location))


def _warn(report: Report, name: str, where) -> None:
    report.warn(where, f"class '.{name}' is not styled by the theme or the project's CSS, and has no effect",
                hint=f"style it in styles/css/custom.css (.{name} {{ … }}), or remove it")
