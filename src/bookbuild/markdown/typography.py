"""Keep markdown-it's typographic replacements to what Pandoc's ``smart`` extension does.

markdown-it turns ``+-`` into ``±``; Pandoc never does, and in a book written
for Pandoc a ``+--`` (a grid table's corner, a diff, an ASCII drawing) must stay
as written.  The replacement rule is wrapped so that ``+-`` is left alone while
dashes and ellipses are still set.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.replacements import replace

_KEEP = "\ue000"  # a private-use character that never occurs in a manuscript's text


def _walk_text(state: StateCore, old: str, new: str) -> None:
    for block in state.tokens:
        if block.type != "inline":
            continue
        for child in block.children or []:
            if child.type == "text" and old in child.content:
                child.content = child.content.replace(old, new)


def replacements_without_plus_minus(state: StateCore) -> None:
    _walk_text(state, "+-", _KEEP + "-")
    for block in state.tokens:
        if block.type == "inline" and "+-" in block.content:
            block.content = block.content.replace("+-", _KEEP + "-")
    replace(state)  # "+--" is now set "+–", as Pandoc sets it
    _walk_text(state, _KEEP, "+")
    for block in state.tokens:
        if block.type == "inline" and _KEEP in block.content:
            block.content = block.content.replace(_KEEP, "+")


def typography_plugin(md: MarkdownIt) -> None:
    md.core.ruler.at("replacements", replacements_without_plus_minus)
