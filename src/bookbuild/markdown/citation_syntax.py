"""Turn Pandoc citation syntax into ``citation`` tokens.

Understood forms::

    [@key]                        one work
    [@key, p. 12]                 with a locator
    [see @a, 4; also @b, chap. 2] several works, prefixes and suffixes
    [-@key, 30]                   suppress the author
    @key                          author in text
    @key [p. 30]                  author in text with a locator
    @{odd key}                    a key with unusual characters
    [@a, 59, qtd. in @b, 105-6]   a citation nested in another's suffix
    [*see* @a, p. 4, *passim*]    Markdown in prefixes and suffixes

Prefixes and suffixes are safe HTML (``markupsafe.Markup``): their emphasis
is kept, as Pandoc keeps it, and the citation stage does not escape it again.

The token's ``meta["items"]`` holds :class:`CitationItem` values and
``meta["mode"]`` is ``"normal"`` or ``"author-in-text"``.  ``meta["offset"]``
is where the citation starts in the inline text, so that the manuscript stage
can report ``path:line:col`` for it.  Numbering and resolution happen later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markupsafe import Markup, escape

from ..errors import SourceLocation

# A key starts with a letter, digit or underscore; inside it, ':.#$%&-+?<>~/' may
# appear, but never at the end ("see @gati2006." cites gati2006).
_KEY = r"[\w](?:[\w:.#$%&+?<>~/-]*[\w])?"
_KEY_RE = re.compile(rf"@(?:\{{(?P<braced>[^{{}}]+)\}}|(?P<plain>{_KEY}))")

# CSL locator terms and the abbreviations writers use for them.
LOCATOR_LABELS: dict[str, str] = {
    "p.": "page", "pp.": "page", "page": "page", "pages": "page", "pg.": "page",
    "chap.": "chapter", "chaps.": "chapter", "chapter": "chapter", "chapters": "chapter", "ch.": "chapter",
    "col.": "column", "cols.": "column", "column": "column",
    "fig.": "figure", "figs.": "figure", "figure": "figure",
    "fol.": "folio", "fols.": "folio", "folio": "folio",
    "l.": "line", "ll.": "line", "line": "line", "lines": "line",
    "n.": "note", "nn.": "note", "note": "note", "notes": "note",
    "no.": "issue", "nos.": "issue", "number": "issue",
    "op.": "opus", "opp.": "opus",
    "para.": "paragraph", "paras.": "paragraph", "¶": "paragraph", "¶¶": "paragraph", "paragraph": "paragraph",
    "pt.": "part", "pts.": "part", "part": "part",
    "sec.": "section", "secs.": "section", "§": "section", "§§": "section", "section": "section",
    "s.v.": "sub verbo", "s.vv.": "sub verbo",
    "v.": "verse", "vv.": "verse", "verse": "verse",
    "vol.": "volume", "vols.": "volume", "volume": "volume",
    "bk.": "book", "bks.": "book", "book": "book",
    "art.": "article", "arts.": "article",
}
_LABEL_RE = "|".join(re.escape(label) for label in sorted(LOCATOR_LABELS, key=len, reverse=True))
_NUMBER = r"(?:\d+[a-z]?|[ivxlcdm]+|[IVXLCDM]+)"
_RANGE = rf"{_NUMBER}(?:\s*[-–—]+\s*{_NUMBER})?"
_VALUE = rf"{_RANGE}(?:\s*(?:,|&|and)\s*{_RANGE})*"
_LOCATOR_RE = re.compile(
    rf"^\s*,?\s*(?:(?P<label>{_LABEL_RE})\s*)?(?:\{{(?P<braced>[^{{}}]*)\}}|(?P<value>{_VALUE}))(?=$|[\s,;.)])"
)


@dataclass(frozen=True)
class CitationItem:
    """One cited work inside a citation."""

    key: str
    prefix: str = ""
    locator: str = ""
    label: str = "page"
    suffix: str = ""
    suppress_author: bool = False
    location: SourceLocation | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Citation:
    """A citation as it stands in the manuscript, in reading order."""

    id: str
    items: tuple[CitationItem, ...]
    mode: str = "normal"  # or "author-in-text"
    in_note: bool = False  # inside an author's footnote
    chapter: str = ""
    location: SourceLocation | None = field(default=None, compare=False)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)


def parse_locator(text: str) -> tuple[str, str, str]:
    """Split the text after a key into (label, locator, suffix).

    ``", pp. 33–35, chap. 2"`` gives ``("page", "33–35", ", chap. 2")``;
    ``", 4"`` gives ``("page", "4", "")``; ``" emphasis added"`` gives no locator.
    """
    match = _LOCATOR_RE.match(text)
    if not match:
        return "page", "", text.strip()
    label = LOCATOR_LABELS.get(match["label"] or "p.", "page")
    locator = match["braced"] if match["braced"] is not None else match["value"]
    suffix = text[match.end():]
    return label, locator.strip(), suffix.strip()


def _split_items(content: str) -> list[str] | None:
    """Split bracket content on ';' outside nested brackets; None if a part cites nothing."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in content:
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        if char == ";" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    if not all(_KEY_RE.search(part) for part in parts):
        return None
    return parts


def _parse_items(part: str, md: MarkdownIt | None = None) -> list[CitationItem] | None:
    """The cited works of one ';'-separated part: its key, and any citation nested in its suffix.

    ``@a, 59, qtd. in @b, 105-6`` cites *a* at 59 and *b* at 105-6 with the prefix
    "qtd. in", as Pandoc finds a citation in another's suffix.  Prefixes and
    suffixes keep their Markdown (``*see*``), rendered by :func:`render_affix`.
    """
    for match in _KEY_RE.finditer(part):
        start = match.start()
        suppress = start > 0 and part[start - 1] == "-"
        prefix_end = start - 1 if suppress else start
        prefix = part[:prefix_end]
        # The key must begin a word: "see @a" or "@a", not "mail@a".
        if prefix and not prefix[-1].isspace() and prefix[-1] not in "([":
            continue
        key = match["braced"] or match["plain"]
        rest = part[match.end():]
        nested_at = _nested_key(rest)
        label, locator, suffix = parse_locator(rest if nested_at is None else rest[:nested_at])
        nested: list[CitationItem] = []
        if nested_at is not None:
            nested = _parse_items(suffix.lstrip(",; ") + " " + rest[nested_at:], md) or []
            suffix = ""
        item = CitationItem(key=key, prefix=render_affix(prefix.strip(), md), locator=locator, label=label,
                            suffix=render_affix(suffix, md), suppress_author=suppress)
        return [item, *nested]
    return None


def _nested_key(text: str) -> int | None:
    """Where a citation nested in a suffix starts ('@b' after a space), or None."""
    for match in _KEY_RE.finditer(text):
        start = match.start()
        if start > 0 and text[start - 1] == "-":
            start -= 1
        if start == 0 or text[start - 1].isspace():
            return start
    return None


_AFFIX_TAGS = {"em_open": "<em>", "em_close": "</em>", "strong_open": "<strong>", "strong_close": "</strong>",
               "s_open": "<del>", "s_close": "</del>", "sup_open": "<sup>", "sup_close": "</sup>",
               "sub_open": "<sub>", "sub_close": "</sub>"}


def render_affix(text: str, md: MarkdownIt | None) -> str:
    """A citation prefix or suffix with its Markdown emphasis as safe HTML (``Markup``), as Pandoc reads it.

    Only phrasing that a citation can carry is kept (emphasis, strong, code,
    deletions, super- and subscripts); anything else prints as its text.
    """
    if not text or md is None or not re.search(r"[*_`~^\\&]", text):
        return Markup(escape(text)) if text else text
    children: list = []
    md.inline.parse(text, md, {}, children)
    parts = []
    for child in children:
        if child.type in _AFFIX_TAGS:
            parts.append(_AFFIX_TAGS[child.type])
        elif child.type == "code_inline":
            parts.append(f"<code>{escape(child.content)}</code>")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "text" or not child.type.endswith(("_open", "_close")):
            parts.append(str(escape(child.content)))
    return Markup("".join(parts))


MAX_CITATION_CHARS = 4000  # a bracket longer than this is not a citation (and is not looked into)
_BRACKET_BEFORE_RE = re.compile(r" ?\[")
_matches: list = [None, {}]  # the inline text last looked at, and its brackets' matches


def _find_closing_bracket(src: str, start: int) -> int:
    """Index of the ']' matching the '[' at *start*, or -1.

    The matches of all brackets of a text are found in one pass (kept for the
    text last asked about), so a run of thousands of unclosed '[' costs time
    linear in its length, not one scan to the end per bracket.  Escaped
    brackets and brackets in code spans are not counted.
    """
    if _matches[0] is not src:
        _matches[0], _matches[1] = src, _bracket_matches(src)
    return _matches[1].get(start, -1)


def _bracket_matches(src: str) -> dict[int, int]:
    matches: dict[int, int] = {}
    opened: list[int] = []
    pos = 0
    while pos < len(src):
        char = src[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "[":
            opened.append(pos)
        elif char == "]":
            if opened:
                matches[opened.pop()] = pos
        elif char == "`":
            # Skip code spans: citations are not looked for inside code.
            end = src.find("`", pos + 1)
            if end == -1:
                break
            pos = end
        pos += 1
    return matches


def bracketed_citation(state: StateInline, silent: bool) -> bool:
    """``[see @key, p. 12; @other]``"""
    src, start = state.src, state.pos
    if src[start] != "[" or src.startswith("[^", start):
        return False
    end = _find_closing_bracket(src, start)
    if end == -1 or end - start > MAX_CITATION_CHARS:
        return False
    content = src[start + 1:end]
    if "@" not in content:
        return False
    after = src[end + 1:end + 2]
    if after in ("(", "[", ":"):
        # A link "[text @x](url)", a reference link, or a link definition.
        return False
    parts = _split_items(content)
    if parts is None:
        return False
    items: list[CitationItem] = []
    for part in parts:
        found = _parse_items(part, state.md)
        if found is None:
            return False
        items.extend(found)
    if not silent:
        token = state.push("citation", "", 0)
        token.content = src[start:end + 1]
        token.meta = {"items": tuple(items), "mode": "normal", "offset": start}
    state.pos = end + 1
    return True


def in_text_citation(state: StateInline, silent: bool) -> bool:
    """``@key`` and ``@key [p. 30]``"""
    src, start = state.src, state.pos
    if src[start] != "@":
        return False
    if start > 0 and (src[start - 1].isalnum() or src[start - 1] in "_@."):
        return False
    match = _KEY_RE.match(src, start)
    if not match:
        return False
    key = match["braced"] or match["plain"]
    pos = match.end()
    label, locator, suffix = "page", "", ""
    bracket = _BRACKET_BEFORE_RE.match(src, pos)
    if bracket and not src.startswith("[@", bracket.end() - 1):
        open_at = bracket.end() - 1
        close_at = _find_closing_bracket(src, open_at)
        if close_at - open_at > MAX_CITATION_CHARS:
            close_at = -1
        inner = src[open_at + 1:close_at] if close_at != -1 else ""
        if close_at != -1 and "@" not in inner and src[close_at + 1:close_at + 2] not in ("(", "["):
            label, locator, suffix = parse_locator(inner)
            suffix = render_affix(suffix, state.md)
            pos = close_at + 1
    if not silent:
        token = state.push("citation", "", 0)
        token.content = src[start:pos]
        token.meta = {
            "items": (CitationItem(key=key, locator=locator, label=label, suffix=suffix),),
            "mode": "author-in-text",
            "offset": start,
        }
    state.pos = pos
    return True


def citation_plugin(md: MarkdownIt) -> None:
    """Add Pandoc citations to a parser; they are tried before links."""
    md.inline.ruler.before("link", "citation_bracketed", bracketed_citation)
    md.inline.ruler.before("link", "citation_in_text", in_text_citation)
