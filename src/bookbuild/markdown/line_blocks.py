"""Turn Pandoc's line blocks (lines starting with ``| ``) into a ``line_block`` with its line breaks kept.

Verse and addresses keep their lines and their leading spaces::

    | The limerick packs laughs anatomical
    |    Into space that is quite economical.

A line that starts with a space continues the line before it (hard-wrapped
source).  The block becomes ``<div class="line-block">``, each line ending in
a line break, its leading spaces made no-break spaces, as in Pandoc.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore

_LINE_RE = re.compile(r"^\|(?: (.*)|)$")


def line_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    lines: list[str] = []
    number = start
    while number < end and not state.isEmpty(number):
        text = state.src[state.bMarks[number] + state.tShift[number]:state.eMarks[number]]
        match = _LINE_RE.match(text.rstrip())
        if match:
            content = match[1] or ""
            stripped = content.lstrip(" ")
            lines.append("\u00a0" * (len(content) - len(stripped)) + stripped)
        elif lines and state.sCount[number] > state.blkIndent:
            lines[-1] += " " + text.strip()
        else:
            break
        number += 1
    if not lines:
        return False
    if silent:
        return True
    opening = state.push("line_block_open", "div", 1)
    opening.attrSet("class", "line-block")
    opening.map = [start, number]
    inline = state.push("inline", "", 0)
    inline.content = "\n".join(lines)
    inline.map = [start, number]
    inline.children = []
    inline.meta = {"line_block": True}
    state.push("line_block_close", "div", -1)
    state.line = number
    return True


def line_breaks(state: StateCore) -> None:
    """Every line of a line block ends in a line break."""
    for token in state.tokens:
        if token.type == "inline" and (token.meta or {}).get("line_block"):
            for child in token.children or []:
                if child.type == "softbreak":
                    child.type, child.tag = "hardbreak", "br"


def line_block_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("paragraph", "line_block", line_block)
    md.core.ruler.after("inline", "line_block_breaks", line_breaks)
