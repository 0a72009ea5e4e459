"""Turn Pandoc fenced divs into ``div_open``/``div_close`` tokens.

::

    ::: note
    A callout.
    :::

    ::: {.source #rajk-funeral title="The reburial of László Rajk"}
    ...
    :::

A fence is three or more colons followed by a class name or an attribute
block; a bare fence of at least as many colons closes it.  Unlike the
markdown-it container plugin, nesting is counted, so fences of equal length
nest the way Pandoc nests them::

    ::: questions
    1. Why?
    ::: teacher
    Because.
    :::
    :::

The open token carries ``attrs`` (id, class, others) and ``meta["classes"]``.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from mdit_py_plugins.attrs.parse import ParseError
from mdit_py_plugins.attrs.parse import parse as parse_attributes

_OPEN_RE = re.compile(r"^(:{3,})\s*(?P<params>\S.*?)\s*:*\s*$")
_CLOSE_RE = re.compile(r"^(:{3,})\s*$")
_NAME_RE = re.compile(r"^[A-Za-z][\w-]*$")


def parse_div_params(params: str) -> dict[str, str] | None:
    """'note' or '{.a #b k=v}' -> attributes; None if neither."""
    if _NAME_RE.match(params):
        return {"class": params}
    if params.startswith("{"):
        try:
            end, attributes = parse_attributes(params)
        except ParseError:
            return None
        if params[end + 1:].strip():
            return None
        return dict(attributes)
    return None


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]]


def fenced_div(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    match = _OPEN_RE.match(_line(state, start_line))
    if not match:
        return False
    attributes = parse_div_params(match["params"])
    if attributes is None:
        return False
    if silent:
        return True

    depth = 1
    next_line = start_line
    closed = False
    while True:
        next_line += 1
        if next_line >= end_line:
            break
        text = _line(state, next_line)
        if text and state.sCount[next_line] < state.blkIndent:
            break
        if state.sCount[next_line] - state.blkIndent >= 4:
            continue
        opening = _OPEN_RE.match(text)
        if opening and parse_div_params(opening["params"]) is not None:
            depth += 1
        elif _CLOSE_RE.match(text):
            depth -= 1
            if depth == 0:
                closed = True
                break

    old_parent, old_line_max = state.parentType, state.lineMax
    state.parentType = "div"  # type: ignore[assignment]
    state.lineMax = next_line

    token = state.push("div_open", "div", 1)
    token.markup = match[1]
    token.block = True
    token.info = match["params"]
    token.map = [start_line, next_line]
    classes = attributes.get("class", "").split()
    for name, value in attributes.items():
        token.attrSet(name, value)
    token.meta = {"classes": classes, "closed": closed}

    state.md.block.tokenize(state, start_line + 1, next_line)

    token = state.push("div_close", "div", -1)
    token.block = True
    token.markup = match[1]

    state.parentType, state.lineMax = old_parent, old_line_max
    state.line = next_line + (1 if closed else 0)
    return True


def fenced_div_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before(
        "fence", "fenced_div", fenced_div, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
