"""Core rules that reshape parsed blocks: heading attributes and figures.

* ``# Title {#id .class}`` moves the trailing attribute block onto the heading.
* A paragraph ``Table: caption`` right after a table becomes its caption.
* A paragraph holding nothing but one image becomes a ``figure`` token whose
  ``meta["image"]`` is the image token; its caption is the image title
  (``![alt text](map.svg "Caption")``).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.attrs.parse import ParseError
from mdit_py_plugins.attrs.parse import parse as parse_attributes

_TRAILING_ATTRS_RE = re.compile(r"\s*(\{[^{}]*\})\s*$")


def heading_attributes(state: StateCore) -> None:
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or index + 1 >= len(tokens):
            continue
        inline = tokens[index + 1]
        match = _TRAILING_ATTRS_RE.search(inline.content)
        if not match:
            continue
        try:
            end, attributes = parse_attributes(match[1])
        except ParseError:
            continue
        inline.content = inline.content[: match.start()]
        inline.children = []
        state.md.inline.parse(inline.content, state.md, state.env, inline.children)
        for name, value in attributes.items():
            if name == "class":
                token.attrJoin("class", value)
            else:
                token.attrSet(name, value)


def figures(state: StateCore) -> None:
    tokens = state.tokens
    result: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if (
            token.type == "paragraph_open"
            and index + 2 < len(tokens)
            and tokens[index + 2].type == "paragraph_close"
            and _lone_image(tokens[index + 1]) is not None
        ):
            image = _lone_image(tokens[index + 1])
            figure = Token("figure", "figure", 0)
            figure.block = True
            figure.map = token.map
            figure.meta = {"image": image, "inline": tokens[index + 1]}
            figure.level = token.level
            result.append(figure)
            index += 3
            continue
        result.append(token)
        index += 1
    state.tokens = result


def _lone_image(inline: Token) -> Token | None:
    if inline.type != "inline" or not inline.children:
        return None
    meaningful = [child for child in inline.children
                  if not (child.type in ("softbreak",) or (child.type == "text" and not child.content.strip()))]
    if len(meaningful) == 1 and meaningful[0].type == "image":
        return meaningful[0]
    return None


_CAPTION_RE = re.compile(r"^(?:[Tt]able)?:\s+")


def _is_caption(tokens: list[Token], index: int) -> bool:
    """Whether tokens[index:index + 3] is a paragraph 'Table: …' (or ': …')."""
    return (index + 2 < len(tokens) and tokens[index].type == "paragraph_open"
            and tokens[index + 1].type == "inline" and tokens[index + 2].type == "paragraph_close"
            and bool(_CAPTION_RE.match(tokens[index + 1].content)))


def _set_caption(table_open: Token, inline: Token) -> None:
    """Make *inline* the caption of the table: without its 'Table:', with a trailing {#id .class} moved to the table."""
    children = inline.children or []
    if children and children[0].type == "text":
        children[0].content = _CAPTION_RE.sub("", children[0].content, count=1)
    if children and children[-1].type == "text":
        match = _TRAILING_ATTRS_RE.search(children[-1].content)
        if match:
            try:
                _, attributes = parse_attributes(match[1])
            except ParseError:
                attributes = {}
            if attributes:
                children[-1].content = children[-1].content[: match.start()]
            for name, value in attributes.items():
                if name == "class":
                    table_open.attrJoin("class", value)
                elif name == "id":
                    table_open.attrSet("id", value)
    table_open.meta = {**(table_open.meta or {}), "caption": inline}


def _caption_rows(state: StateCore) -> None:
    """A 'Table: caption' line right under a pipe table's last row, with no blank line between, is its caption.

    markdown-it reads any line under a pipe table as one more row (as GFM does); Pandoc ends a pipe table at
    the first line without a pipe, and reads a 'Table:' line there as the caption.
    """
    lines = state.src.split("\n")
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type != "tbody_close":
            index += 1
            continue
        row_open = next((i for i in range(index - 1, -1, -1) if tokens[i].type == "tr_open"), None)
        span = tokens[row_open].map if row_open is not None else None
        if row_open is None or not span:
            index += 1
            continue
        start, end = span
        source = "\n".join(lines[start:end])
        cells = [i for i in range(row_open, index) if tokens[i].type == "inline"]
        if "|" in source or not cells or not _CAPTION_RE.match(tokens[cells[0]].content) or \
                any(tokens[i].content.strip() for i in cells[1:]):
            index += 1
            continue
        caption = tokens[cells[0]]
        row_close = next(i for i in range(row_open, index) if tokens[i].type == "tr_close")
        paragraph_open = Token("paragraph_open", "p", 1)
        paragraph_open.map = [start, end]
        paragraph_close = Token("paragraph_close", "p", -1)
        table_close = next(i for i in range(index, len(tokens)) if tokens[i].type == "table_close")
        # The row goes; the caption follows the table as the paragraph table_captions looks for.
        tokens[table_close + 1:table_close + 1] = [paragraph_open, caption, paragraph_close]
        del tokens[row_open:row_close + 1]
        index = row_open + 1


def table_captions(state: StateCore) -> None:
    """A paragraph 'Table: caption' (or ': caption') right after a table, or else right before it, is its caption."""
    _caption_rows(state)
    tokens = state.tokens
    taken: set[int] = set()
    for index, token in enumerate(tokens):
        if token.type == "table_close" and _is_caption(tokens, index + 1):
            opening = next(i for i in range(index, -1, -1) if tokens[i].type == "table_open"
                           and tokens[i].level == token.level)
            _set_caption(tokens[opening], tokens[index + 2])
            taken.update((index + 1, index + 2, index + 3))
    for index, token in enumerate(tokens):
        if (token.type == "table_open" and not (token.meta or {}).get("caption") and index >= 3
                and index - 3 not in taken and _is_caption(tokens, index - 3)):
            _set_caption(token, tokens[index - 2])
            taken.update((index - 3, index - 2, index - 1))
    state.tokens = [token for index, token in enumerate(tokens) if index not in taken]


def image_only_attributes(state: StateCore) -> None:
    """``fig-alt`` means something on an image only; anywhere else it would be an invalid HTML attribute."""
    for token in state.tokens:
        for item in [token, *(token.children or [])]:
            if item.type != "image" and item.attrs and "fig-alt" in item.attrs:
                del item.attrs["fig-alt"]


def blocks_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("inline", "heading_attributes", heading_attributes)
    md.core.ruler.push("image_only_attributes", image_only_attributes)
    md.core.ruler.push("figures", figures)
    md.core.ruler.push("table_captions", table_captions)
