"""Turn a .bib file and a style name into a listing of how every entry renders (``bookbuild refs``).

For each entry: "first", its first citation with page locator 12 (the full
note in a note style, the in-text citation otherwise); "subsequent", a later
citation with page locator 15 after every other entry was cited once; and
"bib", its bibliography entry.  As JSON, each is HTML; as text, each is the
plain text of the HTML with italics shown as *…*.

Each entry also lists the fields that did not make it into any of the three:
those the reader could not use (a DOI that is no DOI, a reference manager's
file link), with the reason, and those the style's templates never read.
The problems found in reading the file are warnings (``--strict``: errors),
also for entries that could not be read at all: the listing shows the rest.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

from ..bibliography import Bibliography, load_bibliography
from ..errors import BookbuildError, Report
from ..markdown.citation_syntax import Citation, CitationItem
from ..project import Project, locate_project
from .resolve import resolve_citations
from .styles import load_style


def run_refs(bib_path: Path, style: str, as_json: bool, project_root: Path | None, language: str = "en",
             report: Report | None = None) -> str:
    """The text ``bookbuild refs FILE.bib --style NAME [--json]`` prints; the file's problems go to *report*."""
    project = _project_at(project_root)
    bib_project = project if project is not None and _inside(Path(bib_path), project.root) else None
    bibliography = load_bibliography(Path(bib_path), bib_project)
    citation_style = load_style(style, project, language)
    if report is not None:
        for found in bibliography.problems:
            report.warn(found.problem.location, found.problem.message, found.problem.hint)
        report.raise_if_strict()
    renderings = render_entries(bibliography, citation_style)
    if as_json:
        return json.dumps(renderings, ensure_ascii=False, indent=2)
    lines = [f"{len(renderings)} entries of {bibliography.shown_path} in {citation_style.name}", ""]
    for key, forms in renderings.items():
        lines.append(key)
        for form in ("first", "subsequent", "bib"):
            lines.append(f"  {form + ':':<12}{plain_text(forms[form])}")
        if forms["unused"]:
            lines.append(f"  {'unused:':<12}{unused_text(forms['unused'])}")
        lines.append("")
    unread = sorted({found.key for found in bibliography.problems if found.fatal and found.key})
    if unread:
        lines.append(f"not read: {', '.join(unread)}")
    return "\n".join(lines).rstrip("\n")


# Fields the reader itself turns into something else: the date, the casing language, name options, parents.
_READ_BY_THE_READER = frozenset({"langid", "options", "date", "year", "month", "day", "crossref", "xdata", "ids",
                                 "editoratype", "editorbtype", "editorctype"})
NOT_USED_BY_STYLE = "not used by this style"


def unused_text(unused: Mapping[str, str]) -> str:
    """"series, origdate; file (a link to a file…)": the fields the style did not read, then the others."""
    by_style = [name for name, reason in unused.items() if reason == NOT_USED_BY_STYLE]
    others = [f"{name} ({reason})" for name, reason in unused.items() if reason != NOT_USED_BY_STYLE]
    return "; ".join(part for part in (", ".join(by_style), "; ".join(others)) if part)


class _Recording(Mapping):
    """A mapping that notes which keys were looked up."""

    def __init__(self, data: Mapping, seen: set[str]):
        self._data = data
        self._seen = seen

    def __getitem__(self, key):
        self._seen.add(key)
        return self._data[key]

    def get(self, key, default=None):
        self._seen.add(key)
        return self._data.get(key, default)

    def __contains__(self, key) -> bool:
        self._seen.add(key)
        return key in self._data

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def render_entries(bibliography, style) -> dict[str, dict]:
    """{key: {"first": html, "subsequent": html, "bib": html, "unused": {field: reason}}} for every entry."""
    seen: dict[str, set[str]] = {key: set() for key in bibliography}
    tracked = Bibliography(
        {key: replace(reference, fields=_Recording(reference.fields, seen[key]),
                      names=_Recording(reference.names, seen[key]), dates=_Recording(reference.dates, seen[key]))
         for key, reference in bibliography.items()},
        path=getattr(bibliography, "path", None), shown_path=getattr(bibliography, "shown_path", ""))
    forms = _render(tracked, style)
    for key, reference in bibliography.items():
        unused = dict(reference.unused)
        if forms[key].pop("set", False):
            # A @set's fields are its first member's (lent for sorting): they are read with the member.
            forms[key]["unused"] = dict(MappingProxyType(unused))
            continue
        present = list(reference.fields) + list(reference.names) + [name for name in reference.dates
                                                                    if name not in reference.fields]
        for name in present:
            if name in _READ_BY_THE_READER or name in seen[key] or name in unused:
                continue
            if name == "urldate" and "url" in seen[key]:
                continue  # read with the URL it belongs to
            unused[name] = NOT_USED_BY_STYLE
        forms[key]["unused"] = dict(MappingProxyType(unused))
    return forms


def _render(bibliography, style) -> dict[str, dict]:
    keys = list(bibliography)
    citations = [Citation(id=f"first-{index}", items=(CitationItem(key=key, locator="12"),))
                 for index, key in enumerate(keys)]
    citations += [Citation(id=f"later-{index}", items=(CitationItem(key=key, locator="15"),))
                  for index, key in enumerate(keys)]
    result = resolve_citations(citations, bibliography, style)
    entries = {entry.key: entry.html for entry in result.bibliography}

    def shown(citation_id: str) -> str:
        rendered = result.citations[citation_id]
        return (rendered.note if style.note_style else rendered.text) or ""

    def bib(key: str) -> str:
        if key in entries:
            return entries[key]
        # A @set is cited as its members, which are listed each on its own.
        return " ".join(entries[member] for member in bibliography[key].entryset if member in entries)

    return {
        key: {"first": shown(f"first-{index}"), "subsequent": shown(f"later-{index}"), "bib": bib(key),
              "set": key not in entries}
        for index, key in enumerate(keys)
    }


def plain_text(fragment: str) -> str:
    """HTML as readable text: italics as *…*, bold as **…**, other tags dropped, entities decoded."""
    text = re.sub(r"</?(?:i|em)(?:\s[^>]*)?>", "*", fragment)
    text = re.sub(r"</?(?:b|strong)(?:\s[^>]*)?>", "**", text)
    text = re.sub(r"<[^>]*>", "", text)
    text = html.unescape(text).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def _project_at(root: Path | None) -> Project | None:
    """The project in *root*, or a bare one (for its styles/ folder) when *root* holds no manuscript."""
    if root is None:
        return None
    try:
        return locate_project(root)
    except BookbuildError:
        folder = Path(root).resolve()
        return Project(root=folder, manuscript_dir=folder, styles_dir=folder / "styles", out_dir=folder / "build")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
        return True
    except ValueError:
        return False
