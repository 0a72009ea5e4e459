"""Add Pandoc's small inline extensions and task lists to a parser.

* ``superscript`` and ``subscript``: ``2^10^``, ``H~2~O`` (no unescaped
  spaces inside, as in Pandoc); ``^[`` stays an inline note.
* ``strikeout``: ``~~gone~~`` (markdown-it's strikethrough; rendered ``<del>``).
* ``unnumbered`` headings: ``{-}`` is read as ``{.unnumbered}``.
* ``task_lists``: a bullet list item starting ``[ ]`` or ``[x]`` gets a
  ``task_checkbox`` token (``meta["checked"]``) before its text and a
  ``task_label_close`` after it; the list gets the class ``task-list``.

Inline notes (``^[a note]``) and bracketed spans (``[text]{.smallcaps}``) come
from the footnote and attribute plugins.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.subscript import sub_plugin
from mdit_py_plugins.superscript import superscript_plugin

_TASK_RE = re.compile(r"^\[([ xX])\][ \t]+")
_HEADING_ATTRS_RE = re.compile(r"\{([^{}]*)\}\s*$")


def _not_before_note(md: MarkdownIt, name: str) -> None:
    """Wrap the inline rule *name* so that it leaves ``^[`` (an inline note) alone."""
    rule = next(rule for rule in md.inline.ruler.__rules__ if rule.name == name)
    original = rule.fn

    def guarded(state: StateInline, silent: bool) -> bool:
        if state.src.startswith("^[", state.pos):
            return False
        return original(state, silent)

    md.inline.ruler.at(name, guarded)


def task_lists(state: StateCore) -> None:
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "list_item_open":
            continue
        if index + 2 >= len(tokens) or tokens[index + 1].type != "paragraph_open":
            continue
        inline = tokens[index + 2]
        children = inline.children or []
        match = _TASK_RE.match(inline.content)
        if not match or not children or children[0].type != "text" or not _TASK_RE.match(children[0].content):
            continue
        children[0].content = children[0].content[match.end():]
        box = Token("task_checkbox", "input", 0)
        box.meta = {"checked": match[1] in "xX"}
        inline.children = [box, *children, Token("task_label_close", "label", -1)]
        parent = _parent_list(tokens, index)
        if "task-list" not in str(parent.attrGet("class") or "").split():
            parent.attrJoin("class", "task-list")


def unnumbered_headings(state: StateCore) -> None:
    """``# Preface {-}`` is Pandoc's short form of ``{.unnumbered}``."""
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        inline = state.tokens[index + 1]
        match = _HEADING_ATTRS_RE.search(inline.content)
        if match and "-" in match[1].split():
            inside = " ".join(".unnumbered" if part == "-" else part for part in match[1].split())
            inline.content = inline.content[:match.start()] + "{" + inside + "}"


def _parent_list(tokens: list[Token], index: int) -> Token:
    level = tokens[index].level - 1
    for back in range(index - 1, -1, -1):
        if tokens[back].level == level and tokens[back].type in ("bullet_list_open", "ordered_list_open"):
            return tokens[back]
    raise AssertionError("a list item outside a list")


def pandoc_inline_plugin(md: MarkdownIt) -> None:
    md.use(superscript_plugin)
    md.use(sub_plugin)
    _not_before_note(md, "sup")
    md.core.ruler.after("inline", "task_lists", task_lists)
    md.core.ruler.after("block", "unnumbered_headings", unnumbered_headings)
