"""Turn Pandoc's unquoted attribute values with any character (``{width=100%}``) into quoted ones.

Pandoc reads ``{#fig:tree width=100% .center}``; mdit-py-plugins' attribute
parser takes an unquoted value of letters, digits and a few marks only, and
gives up on the whole block, so the figure would lose its id and print the
braces.  Before the inline rules read a paragraph, each attribute block's
unquoted values that hold other characters are quoted; nothing else changes.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

# An attribute block: {…} holding only #ids, .classes and key=value pairs.
_BLOCK = re.compile(r"\{((?:\s*(?:[#.][\w:.\-]+|[\w\-]+=(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s{}\"']+)))+\s*)\}")
_UNQUOTED = re.compile(r"(?<=[\w\-])=([^\s{}\"']+)")
_SIMPLE = re.compile(r"[\w.\-:]+")


def _quote(block: re.Match) -> str:
    def value(match: re.Match) -> str:
        text = match.group(1)
        return "=" + text if _SIMPLE.fullmatch(text) else f'="{text}"'
    return "{" + _UNQUOTED.sub(value, block.group(1)) + "}"


def quote_attribute_values(state: StateCore) -> None:
    for token in state.tokens:
        if token.type == "inline" and "{" in token.content and "=" in token.content:
            token.content = _BLOCK.sub(_quote, token.content)


def attribute_values_plugin(md: MarkdownIt) -> None:
    md.core.ruler.before("inline", "quote_attribute_values", quote_attribute_values)
