"""Turn blocks and inline markup nested past a limit into flat text, kept and reported, instead of dropped.

markdown-it stops nesting blocks at ``maxNesting`` levels (20: a blockquote
is one level, a list two) and silently skips everything from there to the end
of the enclosing block — for a deep list, the rest of the chapter.  This
plugin keeps that text: each line below the limit becomes a paragraph of its
own, with its ``>`` and list markers removed, and the line where the
flattening began is noted in ``env["flattened"]`` (0-based) for the
manuscript stage to warn about.  Inline markup (emphasis and the like)
nested deeper than ``MAX_INLINE_NESTING`` keeps its text and loses the
tags beyond the limit, and is noted the same way.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

_MARKERS = re.compile(r"^[ \t]*(?:>[ \t]?|(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$))*")


def nesting_plugin(md: MarkdownIt) -> None:
    tokenize = md.block.tokenize

    def tokenize_within_limit(state: StateBlock, start: int, end: int) -> None:
        if state.level >= state.md.options.maxNesting:
            _flatten(state, start, end)
        else:
            tokenize(state, start, end)

    md.block.tokenize = tokenize_within_limit  # type: ignore[method-assign, assignment]
    md.core.ruler.after("block", "flattened_paragraphs", _show_flattened)
    md.core.ruler.after("inline", "inline_nesting", _limit_inline_nesting)


MAX_INLINE_NESTING = 20


def _limit_inline_nesting(state) -> None:
    """Emphasis, strong, struck-out and linked text nested past ``MAX_INLINE_NESTING``: the text is kept, the
    tags beyond the limit are dropped (50,000 ``*`` make 25,000 nested elements, which no layout survives)."""
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        depth, dropped, kept = 0, set(), []
        for child in token.children:
            if child.nesting == 1:
                depth += 1
                if depth > MAX_INLINE_NESTING:
                    dropped.add(depth)
                    continue
            elif child.nesting == -1:
                depth -= 1
                if depth + 1 > MAX_INLINE_NESTING:
                    continue
            kept.append(child)
        if dropped:
            token.children = kept
            state.env.setdefault("flattened", []).append(token.map[0] if token.map else 0)


def _show_flattened(state) -> None:
    """A tight list hides its paragraphs' tags; flattened lines keep theirs, or they would run together."""
    for token in state.tokens:
        if token.meta.get("flattened"):
            token.hidden = False


def _flatten(state: StateBlock, start: int, end: int) -> None:
    line = stop = start
    while line < end:  # the nested block ends where a line is indented less than it (as markdown-it stops)
        if not state.isEmpty(line) and state.sCount[line] < state.blkIndent:
            break
        line += 1
        stop = line
    kept = False
    for number in range(start, stop):
        text = _MARKERS.sub("", state.getLines(number, number + 1, state.blkIndent, False)).strip()
        if not text:
            continue
        opening = state.push("paragraph_open", "p", 1)
        opening.map = [number, number + 1]
        opening.meta["flattened"] = True
        inline = state.push("inline", "", 0)
        inline.content = text
        inline.map = [number, number + 1]
        inline.children = []
        closing = state.push("paragraph_close", "p", -1)
        closing.meta["flattened"] = True
        kept = True
    if kept:
        state.env.setdefault("flattened", []).append(start)
    state.line = stop
