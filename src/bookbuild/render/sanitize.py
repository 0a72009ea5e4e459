"""Turn raw HTML written in a chapter into safe, well-formed markup.

Markdown lets a writer type HTML.  Only harmless phrasing and structural
elements survive, with harmless attributes; scripts, styles, frames, objects,
forms and event handlers are removed with their content, and links can only
point at web pages, mail addresses or places in the book.  The result is
well-formed XML, so it can go into an EPUB's XHTML unchanged.
"""

from __future__ import annotations

import html
import re

from lxml import etree
from lxml import html as lxml_html

INLINE_TAGS = frozenset({
    "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr", "a",
})
BLOCK_TAGS = frozenset({
    "blockquote", "caption", "col", "colgroup", "dd", "div", "dl", "dt", "figcaption", "figure", "h2", "h3",
    "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul", "section", "aside", "address",
})
ALLOWED_TAGS = INLINE_TAGS | BLOCK_TAGS
# Removed together with everything inside them.
DROPPED_TAGS = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "select", "textarea", "link", "meta", "base", "noscript", "template", "svg", "math",
    "audio", "video", "source", "track", "canvas", "img", "picture", "portal", "title", "head",
})
ALLOWED_ATTRIBUTES = frozenset({
    "id", "class", "title", "lang", "dir", "href", "datetime", "cite", "colspan", "rowspan", "scope",
    "abbr", "start", "reversed", "value", "role", "headers",
})
VOID_TAGS = frozenset({"br", "hr", "wbr", "col"})
MAX_DEPTH = 32  # deeper raw HTML keeps its text but loses its tags
MAX_INLINE_DEPTH = 16
SAFE_URL_RE = re.compile(r"^(?:https?://|mailto:|#)", re.IGNORECASE)
_TAG_RE = re.compile(r"^<(/?)([A-Za-z][A-Za-z0-9-]*)\b([^>]*)>$", re.S)
_ATTRIBUTE_RE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")


def _clean_attributes(attributes: dict[str, str]) -> dict[str, str]:
    clean = {}
    for name, value in attributes.items():
        name = name.lower()
        if name not in ALLOWED_ATTRIBUTES:
            continue
        if name in ("href", "cite") and not SAFE_URL_RE.match(value.strip()):
            continue
        clean[name] = value
    return clean


def _render_attributes(attributes: dict[str, str]) -> str:
    return "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in attributes.items())


def sanitize_block(markup: str) -> str:
    """A block of raw HTML, cleaned and serialised as well-formed XHTML."""
    if not markup.strip() or re.fullmatch(r"\s*<!--.*?-->\s*", markup, re.S):
        return ""  # comments are the writer's notes, not content
    try:
        fragments = lxml_html.fragments_fromstring(markup)
    except (etree.ParserError, ValueError):
        return "<p>" + html.escape(markup) + "</p>"
    out = []
    for fragment in fragments:
        if isinstance(fragment, str):
            if fragment.strip():
                out.append("<p>" + html.escape(fragment) + "</p>")
            continue
        out.append(_serialize(fragment, 0))
    return "".join(out) + "\n"


def _serialize(element: etree._Element, depth: int) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    tail = html.escape(element.tail or "", quote=False)
    if not tag or tag.lower() in DROPPED_TAGS:
        return tail
    tag = tag.lower()
    inner = html.escape(element.text or "", quote=False) + "".join(_serialize(child, depth + 1) for child in element)
    if tag not in ALLOWED_TAGS or depth >= MAX_DEPTH:
        return inner + tail
    attributes = _render_attributes(_clean_attributes(dict(element.attrib)))
    if tag in VOID_TAGS:
        return f"<{tag}{attributes}/>" + tail
    return f"<{tag}{attributes}>{inner}</{tag}>" + tail


class InlineHtmlBalancer:
    """Clean the raw HTML tags of one paragraph, one tag at a time, keeping them balanced."""

    def __init__(self) -> None:
        self.open: list[str] = []
        self.dropping: str | None = None  # inside <script>…</script>: nothing is kept until it closes

    def tag(self, markup: str) -> str:
        match = _TAG_RE.match(markup.strip())
        if not match:
            return ""  # comments, processing instructions, declarations
        closing, name, rest = match[1] == "/", match[2].lower(), match[3]
        if self.dropping:
            if closing and name == self.dropping:
                self.dropping = None
            return ""
        if name in DROPPED_TAGS and not closing and not rest.rstrip().endswith("/") and name not in ("img", "input",
                                                                                                     "link", "meta",
                                                                                                     "base", "source",
                                                                                                     "track", "embed"):
            self.dropping = name
            return ""
        if name not in INLINE_TAGS:
            return ""
        if not closing and name not in VOID_TAGS and len(self.open) >= MAX_INLINE_DEPTH:
            return ""  # its closing tag is dropped too: it will not be found among the open ones
        if closing:
            if name not in self.open:
                return ""
            out = []
            while self.open:
                top = self.open.pop()
                out.append(f"</{top}>")
                if top == name:
                    break
            return "".join(out)
        attributes = {m[1]: html.unescape(m[2].strip("\"'")) if m[2] else "" for m in _ATTRIBUTE_RE.finditer(rest)}
        attributes.pop("/", None)
        rendered = _render_attributes(_clean_attributes(attributes))
        if name in VOID_TAGS:
            return f"<{name}{rendered}/>"
        self.open.append(name)
        return f"<{name}{rendered}>"

    def close_all(self) -> str:
        out = "".join(f"</{name}>" for name in reversed(self.open))
        self.open.clear()
        self.dropping = None
        return out
