"""Turn Pandoc's implicit header references (``[General options]``) into links to the heading.

Pandoc lets a heading's text be used as a reference link's label:
``[General options]``, ``[General options][]`` and
``[the options][General options]`` link to the heading "General options"
when no link definition of that label exists.  The parser cannot know the
book's headings yet (they may be in a later chapter), so it makes a
``link_open`` whose ``meta["implicit_ref"]`` is the label;
:func:`resolve_header_references` then points it at the heading, or turns it
back into the bracketed text it was when no heading has that text (as Pandoc
prints it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.helpers import parseLinkLabel
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from .identifiers import pandoc_identifier

_TASK_BOX = {" ", "x", "X"}


def heading_key(text: str) -> str:
    """How a heading's text and a label are compared, as written: case and runs of white space do not matter."""
    return " ".join(text.split()).casefold()


def implicit_reference(state: StateInline, silent: bool) -> bool:
    src, start = state.src, state.pos
    if src[start] != "[" or src.startswith("[^", start) or (start > 0 and src[start - 1] in "!\\"):
        return False
    end = parseLinkLabel(state, start, True)
    if end < 0:
        return False
    text = src[start + 1:end]
    following = src[end + 1:end + 2]
    if following in ("(", "{", ":") or text in _TASK_BOX or not text.strip():
        return False
    label, after = text, end + 1
    if following == "[":
        close = src.find("]", end + 2)
        if close < 0:
            return False
        second = src[end + 2:close]
        if "[" in second:
            return False
        label, after = (second or text), close + 1
    references = state.env.get("references", {})
    if normalizeReference(label) in references:
        return False
    if not silent:
        opening = state.push("link_open", "a", 1)
        opening.attrs = {"href": "#" + pandoc_identifier(label)}
        opening.meta = {"implicit_ref": label, "tail": src[end + 1:after]}
        old_max = state.posMax
        state.pos, state.posMax = start + 1, end
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("link_close", "a", -1)
    state.pos = after
    return True


def resolve_header_references(inlines: Iterable[Token], headings: Mapping[str, str]) -> None:
    """Point implicit references at the heading of their label (*headings*: heading_key -> id), or undo them."""
    for inline in inlines:
        children = inline.children or []
        pending: list[Token] = []
        for child in children:
            if child.type == "link_open" and child.meta and "implicit_ref" in child.meta:
                target = headings.get(heading_key(child.meta["implicit_ref"]))
                if target is not None:
                    child.attrSet("href", "#" + target)
                    pending.append(child)
                    continue
                tail = child.meta["tail"]
                _as_text(child, "[")
                pending.append(child)
                child.meta = {"undone": tail}
            elif child.type == "link_close" and pending:
                opening = pending.pop()
                if "undone" in opening.meta:
                    _as_text(child, "]" + opening.meta["undone"])
            elif child.type == "link_open":
                pending.append(child)


def _as_text(token: Token, content: str) -> None:
    token.type, token.tag, token.nesting, token.content, token.attrs = "text", "", 0, content, {}


def header_references_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("autolink", "implicit_header_reference", implicit_reference)
