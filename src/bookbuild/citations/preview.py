"""Turn a .bib file and a style name into a listing of how every entry renders (``bookbuild refs``).

For each entry: "first", its first citation with page locator 12 (the full
note in a note style, the in-text citation otherwise); "subsequent", a later
citation with page locator 15 after every other entry was cited once; and
"bib", its bibliography entry.  As JSON, each is HTML; as text, each is the
plain text of the HTML with italics shown as *…*.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from ..bibliography import load_bibliography
from ..errors import BookbuildError
from ..markdown.citation_syntax import Citation, CitationItem
from ..project import Project, locate_project
from .resolve import resolve_citations
from .styles import load_style


def run_refs(bib_path: Path, style: str, as_json: bool, project_root: Path | None, language: str = "en") -> str:
    """The text ``bookbuild refs FILE.bib --style NAME [--json]`` prints."""
    project = _project_at(project_root)
    bib_project = project if project is not None and _inside(Path(bib_path), project.root) else None
    bibliography = load_bibliography(Path(bib_path), bib_project)
    citation_style = load_style(style, project, language)
    renderings = render_entries(bibliography, citation_style)
    if as_json:
        return json.dumps(renderings, ensure_ascii=False, indent=2)
    lines = [f"{len(renderings)} entries of {bibliography.shown_path} in {citation_style.name}", ""]
    for key, forms in renderings.items():
        lines.append(key)
        for form in ("first", "subsequent", "bib"):
            lines.append(f"  {form + ':':<12}{plain_text(forms[form])}")
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def render_entries(bibliography, style) -> dict[str, dict[str, str]]:
    """{key: {"first": html, "subsequent": html, "bib": html}} for every entry, in file order."""
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

    return {
        key: {"first": shown(f"first-{index}"), "subsequent": shown(f"later-{index}"), "bib": entries[key]}
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
