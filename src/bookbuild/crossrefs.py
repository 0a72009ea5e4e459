"""Turn ``@fig-map``, ``@tbl-deaths``, ``@sec-thaw``, ``@eq-energy`` (and ``@fig:map``) into numbered references.

Quarto and pandoc-crossref write cross-references as citations of an id.  The
citation parser reads them as citations; this stage takes them back before
the citation stage looks their keys up: a citation whose every key has a
cross-reference prefix and is not a key of the bibliography refers to an id of
the book.  (A real work whose key starts ``fig-`` still cites.)

Figures with a ``fig-`` id, tables with a ``tbl-`` id and equations with an
``eq-`` id are numbered per chapter ("Figure 3.2", "Table 3.1", "(3.4)"),
sections by their place in the chapter ("Section 3.2.1").  The numbers go on
the targets' tokens (``meta["label"]``), for their captions; a reference prints
the label and number as a link to the target.  A reference to an id that is
not in the book is an error with the closest id as a hint.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from markdown_it.token import Token

from .citations.model import CitationResult, RenderedCitation
from .errors import Diagnostics, closest
from .labels import fill_label
from .manuscript import Chapter, Manuscript
from .markdown.citation_syntax import Citation

KINDS = ("fig", "tbl", "sec", "eq")
_PREFIX_RE = re.compile(r"^(fig|tbl|sec|eq)[-:]")


@dataclass(frozen=True)
class Target:
    """Something a cross-reference can point at."""

    id: str
    kind: str  # fig, tbl, sec or eq
    number: str  # "3.2"; a chapter's own heading: "3"
    chapter: bool = False  # a section id on a chapter's title: "Chapter 3"


def crossref_kind(key: str) -> str | None:
    match = _PREFIX_RE.match(key)
    return match[1] if match else None


def is_crossref(citation: Citation, bibliography: Mapping[str, object]) -> bool:
    """Whether every key of *citation* names an id rather than a work."""
    return all(crossref_kind(item.key) and item.key not in bibliography for item in citation.items)


def _all_tokens(tokens: Sequence[Token]):
    for token in tokens:
        yield token
        if token.type == "inline":
            yield from token.children or []


def number_targets(manuscript: Manuscript) -> dict[str, Target]:
    """Number the figures, tables, equations and sections that have a cross-reference id, chapter by chapter."""
    targets: dict[str, Target] = {}
    for chapter in manuscript.chapters:
        targets.update(_number_chapter(chapter))
    return targets


def _number_chapter(chapter: Chapter) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    prefix = f"{chapter.number}." if chapter.number is not None else ""
    counts = {"fig": 0, "tbl": 0, "eq": 0}
    sections = [0, 0, 0, 0, 0]
    if crossref_kind(chapter.id) == "sec":
        targets[chapter.id] = Target(chapter.id, "sec", str(chapter.number or ""), chapter=True)

    def add(token: Token, kind: str, element_id: str) -> None:
        counts[kind] += 1
        number = f"{prefix}{counts[kind]}"
        targets[element_id] = Target(element_id, kind, number)
        token.meta = {**(token.meta or {}), "crossref": (kind, number)}

    for token in _all_tokens(chapter.tokens):
        if token.type == "heading_open":
            level = int(token.tag[1]) - 2
            if 0 <= level < len(sections):
                sections[level] += 1
                sections[level + 1:] = [0] * (len(sections) - level - 1)
            heading_id = str(token.attrGet("id") or "")
            if crossref_kind(heading_id) == "sec" and level >= 0:
                number = prefix + ".".join(str(n) for n in sections[:level + 1])
                targets[heading_id] = Target(heading_id, "sec", number)
            continue
        if token.type == "figure":
            figure_id = str(token.meta["image"].attrGet("id") or "")
            if crossref_kind(figure_id) == "fig":
                add(token, "fig", figure_id)
        elif token.type == "table_open":
            table_id = str(token.attrGet("id") or "")
            if crossref_kind(table_id) == "tbl":
                add(token, "tbl", table_id)
        elif token.type in ("math_block", "math_inline_double"):
            math_id = str(token.attrGet("id") or "")
            if crossref_kind(math_id) == "eq":
                add(token, "eq", math_id)
    return targets


def _target_id(token: Token) -> str:
    if token.type == "figure":
        return str(token.meta["image"].attrGet("id") or "")
    if token.type in ("table_open", "math_block", "math_inline_double"):
        return str(token.attrGet("id") or "")
    return ""


def label_tokens(tokens: Sequence[Token], targets: Mapping[str, Target]) -> None:
    """Give targets among *tokens* (a handout's copy of a chapter) the numbers they have in the book."""
    for token in _all_tokens(tokens):
        target = targets.get(_target_id(token))
        if target is not None and target.kind != "sec":
            token.meta = {**(token.meta or {}), "crossref": (target.kind, target.number)}


def reference_html(citation: Citation, targets: Mapping[str, Target], labels: Mapping[str, object]) -> str:
    """What a cross-reference prints: "see Figure 3.2", as links to the targets."""
    names = labels.get("crossrefs")
    names = names if isinstance(names, Mapping) else {}
    parts = []
    for item in citation.items:
        target = targets[item.key]
        if target.chapter:
            label = fill_label(str(labels.get("chapter", "Chapter")), number=target.number)
        else:
            label = fill_label(str(names.get(target.kind, target.kind)), number=target.number)
        if getattr(item, "suppress_author", False):
            label = target.number
        text = f'<a class="crossref" href="#{html.escape(target.id)}">{html.escape(label)}</a>'
        prefix, suffix = str(getattr(item, "prefix", "") or ""), str(getattr(item, "suffix", "") or "")
        if prefix:
            text = html.escape(prefix.strip()) + " " + text
        if suffix:
            text += ("" if suffix.startswith((",", ";", ".")) else " ") + html.escape(suffix.strip())
        parts.append(text)
    return "; ".join(parts)


def split_crossrefs(citations: Sequence[Citation], bibliography: Mapping[str, object]
                    ) -> tuple[list[Citation], list[Citation]]:
    """(the cross-references, the real citations)."""
    refs = [citation for citation in citations if is_crossref(citation, bibliography)]
    taken = {citation.id for citation in refs}
    return refs, [citation for citation in citations if citation.id not in taken]


def resolve_crossrefs(manuscript: Manuscript, citations: Sequence[Citation], bibliography: Mapping[str, object],
                      labels: Mapping[str, object]) -> dict[str, RenderedCitation]:
    """Number the targets of *manuscript* and render each cross-reference; unknown ids are errors, all at once."""
    targets = number_targets(manuscript)
    diagnostics = Diagnostics()
    rendered: dict[str, RenderedCitation] = {}
    for citation in citations:
        missing = [item for item in citation.items if item.key not in targets]
        for item in missing:
            kind = crossref_kind(item.key)
            same_kind = [t for t in targets if crossref_kind(t) == kind] or list(manuscript.ids)
            hint = closest(item.key, same_kind)
            diagnostics.error(item.location or citation.location,
                              f"cross-reference to '{item.key}', which is not an id in the book",
                              hint=f"did you mean '@{hint}'?" if hint else
                              _how_to_set(kind or "fig"))
        if not missing:
            rendered[citation.id] = RenderedCitation(text=reference_html(citation, targets, labels))
    diagnostics.raise_if_any()
    return rendered


def _how_to_set(kind: str) -> str:
    return {
        "fig": "give the figure an id: ![Caption](image.png){#fig-name}",
        "tbl": "give the table an id in its caption: Table: Caption {#tbl-name}",
        "sec": "give the heading an id: ## Heading {#sec-name}",
        "eq": "give the equation an id: $$ E = mc^2 $$ {#eq-name}",
    }.get(kind, "set an id with {#...}")


def with_crossrefs(result: CitationResult, references: Mapping[str, RenderedCitation]) -> CitationResult:
    """The citation stage's result with the cross-references added."""
    if not references:
        return result
    return replace(result, citations={**result.citations, **references})

